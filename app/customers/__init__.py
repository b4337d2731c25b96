"""Customers (客户): records, classification, 客户 360, import, merge, blacklist."""
