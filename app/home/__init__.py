"""首页: each domain adds a panel of the user's own summary."""
