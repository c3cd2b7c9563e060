"""The Chalice side of the deadlines capability: its routes and event handlers (see functions/README.md)."""
