"""The Chalice side of the changes capability: its routes and event handlers (see functions/README.md)."""
