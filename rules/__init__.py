"""DMN decision tables and pure rule functions (no Flask imports)."""
