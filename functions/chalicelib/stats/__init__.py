"""The Chalice side of the stats capability: its routes and event handlers (see functions/README.md)."""
