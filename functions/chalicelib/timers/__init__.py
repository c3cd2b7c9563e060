"""The Chalice side of the timers capability: its routes and event handlers (see functions/README.md)."""
