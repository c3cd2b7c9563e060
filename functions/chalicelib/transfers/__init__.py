"""The Chalice side of the transfers capability: its routes and event handlers (see functions/README.md)."""
