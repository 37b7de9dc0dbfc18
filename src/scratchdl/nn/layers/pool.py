"""Pooling and upsampling layers: MaxPool1d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Upsample.

None of them has parameters: each stores its window settings, checks them when it is built, and
calls the op of the same name in ``scratchdl.ops.pool`` (where the formulas and gradients are).
Arguments and defaults follow PyTorch: ``stride`` defaults to ``kernel_size`` (windows that do
not overlap), padding is at most half the kernel, and the output size per axis is

    out = floor((size + 2·padding - dilation·(kernel - 1) - 1) / stride) + 1.
"""

from __future__ import annotations

import numpy as np

from scratchdl.nn.layers.conv import _int_tuple
from scratchdl.nn.module import Module
from scratchdl.ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool1d, max_pool2d
from scratchdl.ops.upsample import upsample
from scratchdl.tensor import Tensor


class _Pool(Module):
    """Window settings shared by the max and average pools: checked here, stored as given."""

    spatial_axes = 2

    def __init__(self, kernel_size, stride, padding) -> None:
        super().__init__()
        name, n = type(self).__name__, self.spatial_axes
        kernel = _int_tuple(name, "kernel_size", kernel_size, n, 1)
        if stride is not None:
            _int_tuple(name, "stride", stride, n, 1)
        pads = _int_tuple(name, "padding", padding, n, 0)
        if any(p > k // 2 for p, k in zip(pads, kernel)):
            raise ValueError(
                f"{name}: padding must be at most half the kernel size, so that every window "
                f"holds at least one real value; received padding={padding!r}, "
                f"kernel_size={kernel_size!r}."
            )
        # Stored as given (an int stays an int), so the repr reads like the call, as in PyTorch.
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding


class MaxPool1d(_Pool):
    """The largest value of each window along L: y[n, c, t] = max_k xpad[n, c, t·s + k].

    Shapes: input (N, C, L), output (N, C, L_out). Padding is -inf (it never wins).

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl import nn
    >>> nn.MaxPool1d(2)(sd.tensor([[[1.0, 3.0, 2.0, 0.0]]]))
    tensor([[[3., 2.]]])
    """

    spatial_axes = 1

    def __init__(self, kernel_size: int, stride: int | None = None, padding: int = 0) -> None:
        super().__init__(kernel_size, stride, padding)

    def forward(self, x: Tensor) -> Tensor:
        return max_pool1d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool):
    """The largest value of each (KH, KW) window.

        y[n, c, i, j] = max_{a,b} xpad[n, c, i·sh + a·dh, j·sw + b·dw]

    The gradient flows only to the maximum of each window (the first one on ties). Shapes:
    input (N, C, H, W), output (N, C, H_out, W_out). Padding is -inf (it never wins).

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl import nn
    >>> nn.MaxPool2d(2)(sd.arange(16.0).reshape(1, 1, 4, 4))
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
    ) -> None:
        super().__init__(kernel_size, stride, padding)
        _int_tuple("MaxPool2d", "dilation", dilation, 2, 1)
        self.dilation = dilation

    def forward(self, x: Tensor) -> Tensor:
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}"
        )


class AvgPool2d(_Pool):
    """The mean of each (KH, KW) window.

        y[n, c, i, j] = Σ_{a,b} xpad[n, c, i·sh + a, j·sw + b] / (KH·KW)

    Padding is zeros. With ``count_include_pad=False`` a border window divides by the number of
    real (unpadded) values it covers instead of KH·KW. Shapes: input (N, C, H, W), output
    (N, C, H_out, W_out).

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl import nn
    >>> nn.AvgPool2d(2)(sd.arange(16.0).reshape(1, 1, 4, 4))
    tensor([[[[ 2.5,  4.5],
              [10.5, 12.5]]]])
    """

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__(kernel_size, stride, padding)
        self.count_include_pad = bool(count_include_pad)

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average over an (H_out, W_out) grid of nearly equal regions, whatever the input size.

    Region i along an axis of length L spans [floor(i·L / out), ceil((i + 1)·L / out)), as in
    PyTorch. ``output_size=1`` is global average pooling: one mean per channel, the step
    before a ResNet's classifier. Shapes: input (N, C, H, W), output (N, C, H_out, W_out).

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl import nn
    >>> nn.AdaptiveAvgPool2d(1)(sd.ones(2, 512, 7, 7)).shape
    (2, 512, 1, 1)
    """

    def __init__(self, output_size: int | tuple[int, int]) -> None:
        super().__init__()
        _int_tuple("AdaptiveAvgPool2d", "output_size", output_size, 2, 1)
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class Upsample(Module):
    """Nearest-neighbour upsampling by an integer factor: each pixel becomes an s x s block.

    y[n, c, i, j] = x[n, c, floor(i / sh), floor(j / sw)]. Only ``mode="nearest"`` is
    implemented. (PyTorch's first argument is ``size``; here ``scale_factor`` comes first, so
    pass it by name to write code that runs in both.) Shapes: input (N, C, H, W), output
    (N, C, H·sh, W·sw).

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl import nn
    >>> nn.Upsample(scale_factor=2)(sd.tensor([[[[1.0, 2.0]]]]))
    tensor([[[[1., 1., 2., 2.],
              [1., 1., 2., 2.]]]])
    """

    def __init__(self, scale_factor: int | tuple[int, int], mode: str = "nearest") -> None:
        super().__init__()
        if mode != "nearest":
            raise ValueError(
                f"Upsample: only mode='nearest' is implemented; received mode={mode!r}."
            )
        factors = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * 2
        if len(factors) != 2 or not all(_is_whole(f) for f in factors):
            raise ValueError(
                "Upsample: scale_factor must be a positive integer or a pair of them (nearest "
                f"upsampling repeats each pixel in a whole block); received "
                f"scale_factor={scale_factor!r}."
            )
        self.scale_factor, self.mode = scale_factor, mode

    def forward(self, x: Tensor) -> Tensor:
        return upsample(x, self.scale_factor, self.mode)

    def extra_repr(self) -> str:
        return f"scale_factor={self.scale_factor}, mode={self.mode!r}"


def _is_whole(value) -> bool:
    """True for 2 and 2.0, False for 1.5, 0, True and '2'."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        return False
    return float(value).is_integer() and value >= 1
