"""Flatten: collapse axes into one (between convolutional and fully connected layers)."""

from __future__ import annotations

from scratchdl.nn.module import Module
from scratchdl.ops.shape import flatten
from scratchdl.tensor import Tensor


class Flatten(Module):
    """Merge axes ``start_axis`` to ``end_axis`` into one; by default all but the batch axis.

    (N, C, H, W) -> (N, C*H*W). PyTorch calls the arguments start_dim and end_dim.
    """

    def __init__(self, start_axis: int = 1, end_axis: int = -1) -> None:
        super().__init__()
        self.start_axis, self.end_axis = start_axis, end_axis

    def forward(self, x: Tensor) -> Tensor:
        return flatten(x, self.start_axis, self.end_axis)

    def extra_repr(self) -> str:
        return f"start_axis={self.start_axis}, end_axis={self.end_axis}"
