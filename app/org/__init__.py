"""Org tree (用户组织维护), employees (用户维护) and the data-scope helper."""
