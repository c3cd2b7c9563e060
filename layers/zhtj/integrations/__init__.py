"""The outside services the system talks to: provider interfaces and their real adapters (README.md)."""
