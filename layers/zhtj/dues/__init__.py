"""League dues (团费): bills, orders, payments applied once, the ledger (README.md lists the modules)."""
