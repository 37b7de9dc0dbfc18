"""Every differentiable op, one family per file. Each op is a ``Function`` with its forward formula
and hand-derived backward side by side; the lower-case function beside it is what users call."""
