"""Signals between domains, so one domain reacts to another without importing it.

``user_left`` is sent inside the transaction that marks an employee as left (离职); the customers
domain connects to it to move the leaver's customers to the public pool.
Receivers get ``sender=session`` and ``user=<User>``.

``instance_cancelled`` is sent inside the transaction that cancels a process instance (流程监控 → 取消),
so the domain owning its business object can close it. Receivers get ``sender=session`` and
``instance=<ProcessInstance>``.

``activity_attended`` is sent when an invitee's attendance at an offline activity (活动) is recorded;
the customers domain connects to it to record the attendance as a follow-up (跟进) on the customer.
Receivers get ``sender=session``, ``activity=<Activity>``, ``invitee=<ActivityInvitee>`` (its
``customer_id`` names the customer, when the invitee is one) and ``actor=<User>``.

``customers_merged`` is sent inside the transaction that merges customers (合并客户), after the
registered foreign keys (``app.customers.links``) were re-pointed and before the merged rows are
deleted. Receivers get ``sender=session``, ``survivor_id=<int>`` and ``merged_ids=<list[int]>``
and re-point references that are not plain foreign keys.
"""

from blinker import Namespace

_signals = Namespace()

user_left = _signals.signal("user-left")
instance_cancelled = _signals.signal("instance-cancelled")
activity_attended = _signals.signal("activity-attended")
customers_merged = _signals.signal("customers-merged")

# Sent at the end of app.followups.services.log_follow_up, in its transaction; the quotas domain counts the
# follow-up in its daily facts. Receivers get ``sender=session`` and ``follow_up=<FollowUp>`` (flushed).
follow_up_logged = _signals.signal("follow-up-logged")
# Sent when a customer's type was set (app.customers.services.set_type, and create_customer for a new one);
# the quotas domain counts a customer that became 意向 for its service seat. Receivers get ``sender=session``
# and ``customer=<Customer>`` (its type already the new one).
customer_type_changed = _signals.signal("customer-type-changed")
# Sent by the trade review's ``trade.record_arrival`` (交易财务审核通过) in its transaction, after the arrival was
# written on the trade; the members domain credits the subscription points and re-evaluates the member's level.
# Receivers get ``sender=session``, ``trade=<Trade>`` and ``actor=<User | None>``.
trade_arrived = _signals.signal("trade-arrived")
