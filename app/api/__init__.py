"""JSON API under /api/v1 (see app/api/routes.py)."""
