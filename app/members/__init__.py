"""Membership (会员): member levels evaluated by a DMN table, points and their append-only ledger, manual
adjustments with a second person's approval, member prices on trades, and 会员综合管理."""
