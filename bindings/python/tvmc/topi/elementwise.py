"""topi: elementwise operators (filled in by the operator library work)."""
