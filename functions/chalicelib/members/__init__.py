"""The Chalice side of the members capability: the member's own branch as the app shows it (see functions/README.md)."""
