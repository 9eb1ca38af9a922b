"""Interop with the tools planners already use: Excel workbooks (and, beside them, other formats)."""
