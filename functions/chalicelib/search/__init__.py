"""The Chalice side of the search capability: its routes and event handlers (see functions/README.md)."""
