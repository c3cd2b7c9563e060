"""The Chalice side of the orgs capability: its routes and event handlers (see functions/README.md)."""
