"""topi: transform operators (filled in by the operator library work)."""
