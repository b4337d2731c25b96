"""Information pools (信息池): public, department, personal and city-manager pools, claims and recycling."""
