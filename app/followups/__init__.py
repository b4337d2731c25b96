"""Follow-ups (有效跟进: calls, visits, salons, invitations) and appointments (预约) with reminders."""
