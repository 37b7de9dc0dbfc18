"""Convolution layers: Conv1d, Conv2d and ConvTranspose2d (the learned filters of every CNN).

Each layer owns a weight bank and an optional bias and calls the op of the same name in
``scratchdl.ops.conv``, where the im2col forward and the hand-derived backward live. Constructor
arguments, weight shapes, defaults and initialisation follow PyTorch, so a PyTorch state dict
loads unchanged.

Output size along each spatial axis (``conv_output_size``), for a convolution:

    out = floor((size + 2·padding - dilation·(kernel - 1) - 1) / stride) + 1

and for a transposed convolution, which maps ``out`` back to ``size``:

    out = (size - 1)·stride - 2·padding + dilation·(kernel - 1) + output_padding + 1
"""

from __future__ import annotations

import math

import numpy as np

from scratchdl import backend
from scratchdl.nn import init
from scratchdl.nn.module import Module
from scratchdl.nn.parameter import Parameter
from scratchdl.ops.conv import conv1d, conv2d, conv_transpose2d
from scratchdl.tensor import Tensor

_PADDING_WORDS = ("same", "valid")


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _int_tuple(layer: str, name: str, value, n: int, minimum: int) -> tuple[int, ...]:
    """``value`` (one int, or a tuple or list of ``n`` ints), each >= ``minimum``, as n ints.

    Shared by the conv and pooling layers, whose size arguments all read this way: ``3`` means
    ``(3, 3)`` for a 2-D layer.
    """
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(items) != n or not all(_is_int(v) and v >= minimum for v in items):
        example = "3" if n == 1 else "3 or (3, 5)"
        raise ValueError(
            f"{layer}: {name} must be an int >= {minimum} or a tuple of {n} such ints (e.g. "
            f"{example}); received {name}={value!r}."
        )
    return tuple(int(v) for v in items)


def _positive_int(layer: str, name: str, value) -> int:
    if not _is_int(value) or value < 1:
        raise ValueError(f"{layer}: {name} must be a positive integer; received {name}={value!r}.")
    return int(value)


class _ConvNd(Module):
    """What Conv1d, Conv2d and ConvTranspose2d share: argument checks, parameters, init, repr.

    Subclasses set ``spatial_axes`` (1 or 2), ``transposed`` and ``layout`` (the input's axes,
    for error messages), and write ``forward``.
    """

    spatial_axes = 2
    transposed = False
    layout = "(N, C, H, W)"

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride,
        padding,
        dilation,
        groups: int,
        bias: bool,
        dtype,
        output_padding=0,
    ) -> None:
        super().__init__()
        name, n = type(self).__name__, self.spatial_axes
        self.in_channels = _positive_int(name, "in_channels", in_channels)
        self.out_channels = _positive_int(name, "out_channels", out_channels)
        self.groups = _positive_int(name, "groups", groups)
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(
                f"{name}: groups={self.groups} must divide both in_channels={self.in_channels} "
                f"and out_channels={self.out_channels} (each group connects in_channels/groups "
                "inputs to out_channels/groups outputs)."
            )
        self.kernel_size = _int_tuple(name, "kernel_size", kernel_size, n, 1)
        self.stride = _int_tuple(name, "stride", stride, n, 1)
        self.dilation = _int_tuple(name, "dilation", dilation, n, 1)
        self.padding = self._check_padding(name, padding)
        self.output_padding = _int_tuple(name, "output_padding", output_padding, n, 0)
        if any(op >= s for op, s in zip(self.output_padding, self.stride)):
            raise ValueError(
                f"{name}: output_padding must be smaller than stride (it picks one of the "
                f"{'/'.join(map(str, self.stride))} input sizes a strided convolution maps to "
                f"the same output size); received output_padding={self.output_padding}, "
                f"stride={self.stride}."
            )

        dtype = dtype or backend.get_default_dtype()
        if self.transposed:  # (C_in, C_out/groups, *kernel): the weight of the adjoint conv
            shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        else:  # (C_out, C_in/groups, *kernel): one filter bank per output channel
            shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(self.out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _check_padding(self, name: str, padding):
        if isinstance(padding, str):
            if self.transposed:
                raise ValueError(
                    f"{name}: padding must be an int or a tuple of ints (a transposed "
                    f"convolution has no 'same' or 'valid'); received padding={padding!r}."
                )
            if padding not in _PADDING_WORDS:
                raise ValueError(
                    f"{name}: padding must be an int, a tuple of ints, 'same' or 'valid'; "
                    f"received padding={padding!r}."
                )
            if padding == "same" and self.stride != (1,) * self.spatial_axes:
                raise ValueError(
                    f"{name}: padding='same' keeps the output as large as the input, which a "
                    f"strided convolution cannot; received stride={self.stride}. help: use "
                    "stride=1, or give the padding as a number."
                )
            return padding
        return _int_tuple(name, "padding", padding, self.spatial_axes, 0)

    def reset_parameters(self) -> None:
        """PyTorch's default: weight and bias uniform in ±1/√fan_in.

        ``fan_in`` = weight.shape[1]·KH·KW, the inputs one output sees: C_in/groups·KH·KW for a
        convolution. (For ConvTranspose2d PyTorch reads the same axis, C_out/groups, and so do
        we, to keep the same initial distribution.) As in Linear, the weight is written as
        kaiming_uniform_ with a = √5, which gives exactly that bound.
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def _check_input(self, x: Tensor) -> None:
        if x.ndim != self.spatial_axes + 2:
            raise ValueError(
                f"{self!r}: expected an input of shape {self.layout} with C={self.in_channels}; "
                f"received shape {x.shape}. help: a single example needs a batch axis, "
                "x.unsqueeze(0)."
            )
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f"{self!r}: input has {x.shape[1]} channels on axis 1 (shape {x.shape}); "
                f"expected in_channels={self.in_channels}."
            )

    def extra_repr(self) -> str:
        n = self.spatial_axes
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * n:  # a word ("same") always shows, as in PyTorch
            text += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class Conv1d(_ConvNd):
    """1-D convolution over sequences: y[n, o, t] = b[o] + Σ_{c,k} W[o, c, k]·xpad[n, c, t·s + k·d].

    (xpad is x with ``padding`` zeros at both ends; with groups, c runs over the group of o.)

    Parameters
    ----------
    in_channels, out_channels : int
        Channels C of the input and O of the output.
    kernel_size, stride, dilation : int
        Window length K, step between windows and spacing between taps.
    padding : int, 'same' or 'valid'
        Zeros added at both ends; 'same' (stride 1 only) keeps the length.
    groups : int
        Split the channels into ``groups`` independent convolutions (``groups = C`` is a
        depthwise convolution).
    bias : bool
        Learn an additive bias per output channel (default True).
    dtype : optional
        Parameter dtype (default: the default dtype, float32).

    Shapes: input (N, C, L), output (N, O, L_out); ``weight`` (O, C/groups, K), ``bias`` (O,).

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl import nn
    >>> nn.Conv1d(1, 25, 5, stride=2, padding=1)(sd.zeros(8, 1, 40)).shape
    (8, 25, 19)
    """

    spatial_axes = 1
    layout = "(N, C, L)"

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int],
        stride: int | tuple[int] = 1,
        padding: int | tuple[int] | str = 0,
        dilation: int | tuple[int] = 1,
        groups: int = 1,
        bias: bool = True,
        dtype=None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, dtype
        )

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        padding = self.padding if isinstance(self.padding, str) else self.padding[0]
        return conv1d(
            x, self.weight, self.bias, self.stride[0], padding, self.dilation[0], self.groups
        )


class Conv2d(_ConvNd):
    """2-D convolution over images (the cross-correlation that deep learning calls convolution).

        y[n, o, i, j] = b[o] + Σ_{c,a,b'} W[o, c, a, b']·xpad[n, c, i·sh + a·dh, j·sw + b'·dw]

    (xpad is x zero-padded; with groups, c runs over the input channels of o's group.)

    Parameters
    ----------
    in_channels, out_channels : int
        Channels C of the input and O of the output.
    kernel_size, stride, dilation : int or (int, int)
        Filter size (KH, KW), step between windows and spacing between taps, per axis.
    padding : int, (int, int), 'same' or 'valid'
        Zeros added on each side; 'same' (stride 1 only) keeps H and W.
    groups : int
        Split the channels into ``groups`` independent convolutions.
    bias : bool
        Learn an additive bias per output channel (default True).
    dtype : optional
        Parameter dtype (default: the default dtype, float32).

    Shapes: input (N, C, H, W), output (N, O, H_out, W_out); ``weight`` (O, C/groups, KH, KW),
    ``bias`` (O,), exactly as in PyTorch.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl import nn
    >>> conv = nn.Conv2d(3, 16, 3, padding=1)
    >>> conv
    Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    >>> conv(sd.zeros(2, 3, 32, 32)).shape
    (2, 16, 32, 32)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] | str = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        dtype=None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, dtype
        )

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        return conv2d(
            x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )


class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution: the adjoint of Conv2d in its input, which upsamples.

    Every input pixel scatters a copy of its (C_out, KH, KW) filters, scaled by its value, into
    the output at stride ``stride``; overlapping copies add up. It is the gradient of a Conv2d
    with respect to its input, used as a learned upsampling layer (GAN generators, U-Nets).

    Parameters
    ----------
    in_channels, out_channels, kernel_size, stride, dilation, groups, bias, dtype
        As in ``Conv2d``.
    padding : int or (int, int)
        The padding of the Conv2d this layer is the adjoint of: here it removes ``padding``
        rows and columns from each side of the output.
    output_padding : int or (int, int)
        Extra rows/columns added at the bottom/right (smaller than ``stride``): a strided conv
        maps several input sizes to the same output size, and this picks the larger one.

    Shapes: input (N, C_in, H, W), output (N, C_out, H_out, W_out) with
    H_out = (H - 1)·sh - 2·ph + dh·(KH - 1) + output_padding + 1; ``weight`` (C_in,
    C_out/groups, KH, KW) (in and out swapped compared with Conv2d, as in PyTorch), ``bias``
    (C_out,).

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl import nn
    >>> up = nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1)
    >>> up(sd.zeros(2, 16, 7, 7)).shape
    (2, 8, 14, 14)
    """

    transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        output_padding: int | tuple[int, int] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | tuple[int, int] = 1,
        dtype=None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            dtype,
            output_padding=output_padding,
        )

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        return conv_transpose2d(
            x,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.output_padding,
            self.groups,
            self.dilation,
        )
