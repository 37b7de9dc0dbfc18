"""Parameter: a Tensor that a Module owns and an optimizer updates."""

from __future__ import annotations

from typing import Any

from scratchdl.tensor import Tensor, _to_array


class Parameter(Tensor):
    """A leaf Tensor that requires grad and registers itself when assigned to a Module attribute.

    ``Parameter(tensor)`` shares the tensor's array; ``Parameter(array_or_list)`` copies it
    (Python floats take the default dtype, NumPy arrays keep theirs).

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl import nn
    >>> w = nn.Parameter(sd.zeros(2, 3))
    >>> w.requires_grad, w.is_leaf
    (True, True)
    """

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        # A Tensor's array is shared, as torch.nn.Parameter(t) does; other data is copied.
        self._setup(data.data if isinstance(data, Tensor) else _to_array(data), requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
