"""The Chalice side of messages: the inbox and preferences routes, 催交, the notifications worker."""
