"""The Chalice side of the dues capability: its routes and event handlers (see functions/README.md)."""
