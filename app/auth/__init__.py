"""Log-in, sessions, roles and permissions, profile and API tokens."""
