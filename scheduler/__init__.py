"""The scheduler process: job functions and the APScheduler entry point."""
