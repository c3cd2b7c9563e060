"""The Chalice side of the sweeps capability: its routes and event handlers (see functions/README.md)."""
