"""topi: nn operators (filled in by the operator library work)."""
