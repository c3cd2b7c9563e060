"""The Chalice side of the imports capability: its routes and event handlers (see functions/README.md)."""
