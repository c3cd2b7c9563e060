"""The Chalice side of the audit capability: its routes and event handlers (see functions/README.md)."""
