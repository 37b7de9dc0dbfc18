"""Neural-network building blocks. ``scratchdl.nn.functional`` holds the stateless ops under
PyTorch's names (``F.relu``, ``F.cross_entropy``, ``F.dropout``, ...)."""

from scratchdl.nn import functional

__all__ = ["functional"]
