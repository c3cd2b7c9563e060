"""Reminders an organisation sends to its members (MSG-2: 催交)."""
