"""In-app messages (站内信) and the notifications they and SMS carry (MSG-1, MSG-2)."""
