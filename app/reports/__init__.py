"""Reports (查询&报表): five detail-and-summary reports with filters and .xlsx exports — trades, follow-ups,
pool movements, customer acquisition, and the interest / settlement / income ledgers.

Every report is a :class:`app.reports.framework.Report`: a scoped base query, the filters it accepts, the
columns of its detail list, the measures it sums and the dimensions it groups by. One screen, one export
and one API endpoint serve them all (docs/reports.md)."""
