"""自动调度中心: the screen where administrators see and change scheduled jobs."""
