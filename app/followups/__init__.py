"""Follow-ups (有效跟进: calls, visits, salons, invitations) and appointments (预约) with reminders."""

from flask import Blueprint

# The screens of the domain (routes.py, work_routes.py) share one blueprint.
bp = Blueprint("followups", __name__, url_prefix="/followups")
