"""Cockpits (驾驶舱): the leadership cockpit (指导驾驶舱 — raised money, income, customers and pools of the
whole scope) and the manager cockpit (客户经理驾驶舱 — a seat's or a head's own customers, pipeline, day and
rank). Charts first; every bar, slice and point opens the list behind it."""
