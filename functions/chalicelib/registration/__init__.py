"""The Chalice side of the registration capability: its routes and event handlers (see functions/README.md)."""
