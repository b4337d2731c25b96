"""Signals between domains, so one domain reacts to another without importing it.

``user_left`` is sent inside the transaction that marks an employee as left (离职); the customers
domain connects to it to move the leaver's customers to the public pool.
Receivers get ``sender=session`` and ``user=<User>``.
"""

from blinker import Namespace

_signals = Namespace()

user_left = _signals.signal("user-left")
