"""Nearest upsampling of images (N, C, H, W): each pixel repeated in an s x s block.

The way back up in GAN generators and decoders (``nn.Upsample``), the opposite of pooling. Its
backward sums the gradient over each block (``BlockSum2d``), and the block sum's backward is the
upsampling again, so gradients of gradients work.
"""

from __future__ import annotations

import numpy as np

from scratchdl.autograd.function import Function
from scratchdl.ops._convert import floating
from scratchdl.ops.pool import _check_input
from scratchdl.tensor import Tensor

__all__: list[str] = []


class UpsampleNearest2d(Function):
    """y[n, c, i, j] = x[n, c, i // sh, j // sw]: each pixel repeated in an sh x sw block

    Backward: each x element is copied into the sh * sw elements of its block, so
    dx[n, c, h, w] = sum of g over block (h, w), the op ``BlockSum2d``.
    Shapes: x (N, C, H, W) -> y (N, C, H * sh, W * sw).
    Double backward: supported (the block sum's backward is this op).
    """

    def forward(self, x, scale):
        self.scale = scale
        N, C, H, W = x.shape
        sh, sw = scale
        blocks = np.broadcast_to(x[:, :, :, None, :, None], (N, C, H, sh, W, sw))
        return blocks.reshape(N, C, H * sh, W * sw)

    def backward(self, g):
        return BlockSum2d.apply(g, scale=self.scale)


class BlockSum2d(Function):
    """dx[n, c, h, w] = sum over a < sh, b < sw of g[n, c, h * sh + a, w * sw + b]

    The backward of ``UpsampleNearest2d``. Backward: every g element enters one sum with weight
    1, so dg = repeat of gy over each block, ``UpsampleNearest2d``(gy).
    Shapes: g (N, C, H * sh, W * sw) -> dx (N, C, H, W).
    Double backward: supported.
    """

    def forward(self, g, scale):
        self.scale = scale
        N, C, Hs, Ws = g.shape
        sh, sw = scale
        return g.reshape(N, C, Hs // sh, sh, Ws // sw, sw).sum(axis=(3, 5))

    def backward(self, gy):
        return UpsampleNearest2d.apply(gy, scale=self.scale)


# ---------------------------------------------------------------------------- public functions
def _scale(op: str, scale_factor) -> tuple[int, int]:
    items = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * 2

    def integral(v) -> bool:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.number)):
            return False
        return float(v).is_integer() and v >= 1

    if len(items) != 2 or not all(integral(v) for v in items):
        raise ValueError(
            f"{op}: scale_factor must be a positive integer or a pair of them (nearest upsampling "
            f"repeats each pixel in a whole block); received scale_factor={scale_factor!r}."
        )
    return int(items[0]), int(items[1])


def upsample_nearest2d(x, scale_factor) -> Tensor:
    """Nearest-neighbour upsampling of an (N, C, H, W) input by an integer factor: each pixel
    becomes an s x s block. See ``UpsampleNearest2d``.

    Examples
    --------
    >>> import scratchdl as sd
    >>> import scratchdl.nn.functional as F
    >>> F.upsample(sd.tensor([[[[1.0, 2.0]]]]), 2)
    tensor([[[[1., 1., 2., 2.],
              [1., 1., 2., 2.]]]])
    """
    x = floating(x)
    _check_input("upsample_nearest2d", x, "NCHW")
    return UpsampleNearest2d.apply(x, scale=_scale("upsample_nearest2d", scale_factor))


def upsample(x, scale_factor, mode: str = "nearest") -> Tensor:
    """Upsample an (N, C, H, W) input by an integer ``scale_factor``; only ``mode="nearest"``
    (see ``upsample_nearest2d``)."""
    if mode != "nearest":
        raise ValueError(f"upsample: only mode='nearest' is implemented; received mode={mode!r}.")
    x = floating(x)
    _check_input("upsample", x, "NCHW")
    return UpsampleNearest2d.apply(x, scale=_scale("upsample", scale_factor))
