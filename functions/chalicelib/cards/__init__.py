"""The Chalice side of the cards capability: its routes and event handlers (see functions/README.md)."""
