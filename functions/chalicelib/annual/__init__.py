"""The Chalice side of the annual capability: its routes and event handlers (see functions/README.md)."""
