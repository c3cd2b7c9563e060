"""The Chalice side of the accounts capability: its routes and event handlers (see functions/README.md)."""
