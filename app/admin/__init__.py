"""System administration: roles and permissions, user roles, online users, parameters, base data."""
