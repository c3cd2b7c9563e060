"""The Chalice side of the awards capability: its routes and event handlers (see functions/README.md)."""
