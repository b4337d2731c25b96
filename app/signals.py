"""Signals between domains, so one domain reacts to another without importing it.

``user_left`` is sent inside the transaction that marks an employee as left (离职); the pools
domain connects to it to move the leaver's customers to the public pool.
Receivers get ``sender=session`` and ``user=<User>``.

``customers_merged`` is sent inside the transaction that merges customers (合并客户), after the
registered foreign keys (``app.customers.links``) were re-pointed and before the merged rows are
deleted. Receivers get ``sender=session``, ``survivor_id=<int>`` and ``merged_ids=<list[int]>``
and re-point references that are not plain foreign keys.
"""

from blinker import Namespace

_signals = Namespace()

user_left = _signals.signal("user-left")
customers_merged = _signals.signal("customers-merged")
