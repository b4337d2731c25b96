"""Daily management (日常管理, OA): applications and their route, calendar and to-dos, minutes, branches and
offline activities."""
