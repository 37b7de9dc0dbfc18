"""Pooling on images (N, C, H, W) and sequences (N, C, L).

Pooling shrinks a feature map by summarising each window of it: the largest value (max-pool, after
the conv blocks of LeNet, VGG and the ResNet ImageNet stem), the mean (average pooling) or the mean
over a grid of H_out x W_out nearly equal regions (adaptive average pooling; with a 1 x 1 grid it
is the global average pooling before a ResNet's classifier). Nearest upsampling, which goes the
other way, is in ``ops/upsample.py``.

Every window is a strided view of the (padded) input made by ``sliding_window_view``; forward and
backward loop over the kh * kw offsets inside a window, never over the batch or the pixels. Each
backward is a linear map of ``g`` written as an op of its own, whose backward is the forward map
again (scatter <-> gather, sum-of-windows <-> its transpose), so gradients
of gradients work.

Output size (one helper, ``_out_size``, for every pool), per spatial axis:
H_out = floor((H + 2 * p - d * (k - 1) - 1) / s) + 1, as in PyTorch with ``ceil_mode=False``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from scratchdl.autograd.function import Function
from scratchdl.errors import ShapeError
from scratchdl.ops._convert import floating
from scratchdl.ops.shape import reshape
from scratchdl.tensor import Tensor

__all__: list[str] = []


# ---------------------------------------------------------------------------- argument helpers
def _ints(op: str, name: str, value, n: int, minimum: int) -> tuple[int, ...]:
    """``value`` (an int or a sequence of ``n`` ints, each >= ``minimum``) as a tuple of n ints."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    ok = len(items) == n and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in items
    )
    if not ok or any(v < minimum for v in items):
        raise ValueError(
            f"{op}: {name} must be an int >= {minimum} or a tuple of {n} such ints; "
            f"received {name}={value!r}."
        )
    return tuple(int(v) for v in items)


def _out_size(size: int, k: int, s: int, p: int, d: int = 1) -> int:
    """Number of windows along one axis: floor((size + 2p - d(k - 1) - 1) / s) + 1."""
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _check_input(op: str, x: Tensor, letters: str) -> None:
    if x.ndim != len(letters):
        layout = ", ".join(letters)
        raise ShapeError(
            f"{op}: expected input of shape ({layout}); received shape {x.shape}. "
            "help: add a batch axis with x.unsqueeze(0) for a single example."
        )


def _pool_params(op, x, kernel_size, stride, padding, dilation=1):
    """Validate and normalise pooling arguments; return (k, s, p, d, (H_out, W_out))."""
    k = _ints(op, "kernel_size", kernel_size, 2, 1)
    s = k if stride is None else _ints(op, "stride", stride, 2, 1)
    p = _ints(op, "padding", padding, 2, 0)
    d = _ints(op, "dilation", dilation, 2, 1)
    if any(pi > ki // 2 for pi, ki in zip(p, k)):
        raise ValueError(
            f"{op}: padding must be at most half the kernel size (as in PyTorch); received "
            f"padding={p if len(set(p)) > 1 else p[0]}, kernel_size={k}. "
            "help: use a larger kernel or less padding."
        )
    size = x.shape[-2:]
    out = tuple(_out_size(n, ki, si, pi, di) for n, ki, si, pi, di in zip(size, k, s, p, d))
    if min(out) < 1:
        span = tuple(di * (ki - 1) + 1 for ki, di in zip(k, d))
        padded = tuple(n + 2 * pi for n, pi in zip(size, p))
        raise ShapeError(
            f"{op}: the kernel (kernel_size={k}, dilation={d}, spanning {span}) is larger than "
            f"the padded input {padded} (input shape {x.shape}, padding={p}); the output would "
            f"have size {out}. help: use a smaller kernel or a larger input."
        )
    return k, s, p, d, out


def _pad(x: np.ndarray, p: tuple[int, int], value: float) -> np.ndarray:
    if p == (0, 0):
        return x
    return np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=value)


def _crop(xp: np.ndarray, p: tuple[int, int]) -> np.ndarray:
    if p == (0, 0):
        return xp
    return np.ascontiguousarray(xp[:, :, p[0] : xp.shape[2] - p[0], p[1] : xp.shape[3] - p[1]])


def _windows(xp: np.ndarray, k, s, d, out, writeable: bool = False) -> np.ndarray:
    """The (N, C, H_out, W_out, kh, kw) view of every window of the padded input ``xp``.

    Window (i, j) starts at row i * sh, column j * sw of ``xp``; its element (a, b) is
    xp[..., i * sh + a * dh, j * sw + b * dw]. No copy is made.
    """
    span = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)
    view = sliding_window_view(xp, span, axis=(2, 3), writeable=writeable)
    return view[:, :, : out[0] * s[0] : s[0], : out[1] * s[1] : s[1], :: d[0], :: d[1]]


# ---------------------------------------------------------------------------- max pooling
class MaxPool2d(Function):
    """y[n, c, i, j] = max over a < kh, b < kw of xp[n, c, i * sh + a * dh, j * sw + b * dw],
    where xp is x padded with -inf by (ph, pw)

    Backward: y[n, c, i, j] equals one element of its window, the argmax x[m] at flat position m,
    so dy[n, c, i, j] / dx = 1 at m and 0 elsewhere. The vector-Jacobian product sends each
    g[n, c, i, j] to its argmax and adds up where overlapping windows pick the same element:
    dx = crop(scatter_add(zeros(xp.shape), positions, g)), the op ``MaxPool2dScatter``.
    Saved for backward: ``positions`` (N, C, H_out, W_out), the flat index into xp of each
    window's argmax (the argmax indices), only when x needs a gradient.
    Shapes: x (N, C, H, W) -> y (N, C, H_out, W_out), H_out = floor((H + 2 ph - dh (kh - 1) - 1)
    / sh) + 1 and likewise W_out.
    Notes: ties go to the first element of the window in row-major (a, b) order, as in PyTorch's
    kernel (``val > maxval``): g is not split among tied elements (unlike ``max``), so the result
    equals PyTorch's. A nan in a window wins (PyTorch's ``|| isnan(val)``), so y is nan there.
    Padding is -inf so that it is never picked while the window holds a real element.
    Double backward: supported (positions are piecewise constant in x; the scatter's backward is
    a gather of the same positions, ``MaxPool2dGather``).
    """

    def forward(self, x, k, s, p, d, out):
        xp = _pad(x, p, -np.inf)
        windows = _windows(xp, k, s, d, out)  # (N, C, H_out, W_out, kh, kw), a view
        offsets = list(np.ndindex(*k))  # (a, b) in row-major order, a * kw + b
        y = windows[..., 0, 0].copy()  # (N, C, H_out, W_out)
        for a, b in offsets[1:]:
            np.maximum(y, windows[..., a, b], out=y)  # a nan wins, as in PyTorch
        if not self.needs_input_grad[0]:
            return y
        # best = the first offset a * kw + b whose element equals y (arithmetic on masks: much
        # faster than np.where or copyto(where=...) on these strided views).
        kind = np.int8 if len(offsets) < 128 else np.int32
        best = np.zeros(y.shape, kind)
        found = windows[..., 0, 0] == y
        for index, (a, b) in enumerate(offsets[1:], start=1):
            eq = windows[..., a, b] == y
            eq &= ~found
            found |= eq
            best += eq * kind(index)
        if not found.all():  # only nan windows: PyTorch keeps the last nan of the window
            for index, (a, b) in enumerate(offsets):
                best[np.isnan(windows[..., a, b])] = index
        N, C, Hp, Wp = xp.shape
        a, b = np.divmod(np.arange(k[0] * k[1]), k[1])
        offset = a * (d[0] * Wp) + b * d[1]  # (kh * kw,) flat offset of each window element
        start = (np.arange(out[0]) * (s[0] * Wp))[:, None] + np.arange(out[1]) * s[1]
        plane = (np.arange(N * C) * (Hp * Wp)).reshape(N, C, 1, 1)
        positions = offset[best]
        positions += start
        positions += plane  # (N, C, H_out, W_out) flat index into xp
        overlap = s[0] < d[0] * (k[0] - 1) + 1 or s[1] < d[1] * (k[1] - 1) + 1
        self.route = (positions, xp.shape, p, overlap)
        return y

    def backward(self, g):
        return MaxPool2dScatter.apply(g, route=self.route)


class MaxPool2dScatter(Function):
    """dx = crop(zeros(xp.shape) with g[n, c, i, j] added at flat position positions[n, c, i, j])

    The backward of ``MaxPool2d``: routes each upstream gradient to the argmax of its window.
    Backward: dx[m] = sum of the g elements whose position is m, so d dx[m] / d g[j] = 1 when
    positions[j] == m: each g[j] receives the gradient at its position, dg = gy_padded[positions],
    the gather ``MaxPool2dGather``.
    Notes: where windows cannot overlap (stride >= the dilated kernel span) every position is
    distinct and the scatter is a plain assignment; otherwise ``np.bincount`` adds up repeated
    positions (much faster than ``np.add.at``).
    Shapes: g (N, C, H_out, W_out) -> dx (N, C, H, W).
    Double backward: supported.
    """

    def forward(self, g, route):
        self.route = route
        positions, padded_shape, p, overlap = route
        size = math.prod(padded_shape)
        if overlap:
            flat = np.bincount(positions.reshape(-1), weights=g.reshape(-1), minlength=size)
            flat = flat.astype(g.dtype, copy=False)
        else:
            flat = np.zeros(size, g.dtype)
            flat[positions.reshape(-1)] = g.reshape(-1)
        return _crop(flat.reshape(padded_shape), p)

    def backward(self, gy):
        return MaxPool2dGather.apply(gy, route=self.route)


class MaxPool2dGather(Function):
    """y = pad(gy, 0)[positions]: the value at each window's argmax position

    Backward: each y[j] is a copy of one element of gy, so the gradient scatters back,
    dgy = ``MaxPool2dScatter``(g), adding up positions named more than once.
    Shapes: gy (N, C, H, W) -> y (N, C, H_out, W_out).
    Double backward: supported.
    """

    def forward(self, gy, route):
        self.route = route
        positions, _, p, _ = route
        return _pad(gy, p, 0.0).reshape(-1)[positions]

    def backward(self, g):
        return MaxPool2dScatter.apply(g, route=self.route)


# ---------------------------------------------------------------------------- average pooling
def _divisor(size, k, s, p, out, count_include_pad: bool, dtype) -> float | np.ndarray:
    """1 / (number of elements averaged) for every window: a number, or (H_out, W_out) array."""
    if count_include_pad or p == (0, 0):
        return 1.0 / (k[0] * k[1])
    counts = []
    for n, ki, si, pi, o in zip(size, k, s, p, out):
        start = np.arange(o) * si - pi
        counts.append(np.minimum(start + ki, n) - np.maximum(start, 0))
    return (1.0 / np.outer(counts[0], counts[1])).astype(dtype)


class AvgPool2d(Function):
    """y[n, c, i, j] = scale[i, j] * sum over a < kh, b < kw of xp[n, c, i * sh + a, j * sw + b],
    where xp is x padded with zeros and scale = 1 / (kh * kw), or 1 / (number of real, non-padding
    elements of the window) when count_include_pad is false

    Backward: y is linear in x with dy[n, c, i, j] / dxp[n, c, i * sh + a, j * sw + b] =
    scale[i, j], so dx = crop(sum over windows of scale * g spread over each window), the
    transposed op ``AvgPool2dTranspose``.
    Saved for backward: nothing but the shapes and ``scale``.
    Shapes: x (N, C, H, W) -> y (N, C, H_out, W_out), H_out = floor((H + 2 ph - kh) / sh) + 1.
    Double backward: supported (the transposed op's backward is this op).
    """

    def forward(self, x, k, s, p, out, scale):
        self.params = (x.shape, k, s, p, out, scale)
        windows = _windows(_pad(x, p, 0.0), k, s, (1, 1), out)  # (N, C, H_out, W_out, kh, kw)
        y = windows[..., 0, 0].copy()
        for a, b in np.ndindex(*k):
            if a or b:
                y += windows[..., a, b]
        y *= scale
        return y

    def backward(self, g):
        return AvgPool2dTranspose.apply(g, params=self.params)


class AvgPool2dTranspose(Function):
    """dx = crop(zeros(xp.shape) + scale * g[n, c, i, j] added over window (i, j))

    The backward of ``AvgPool2d`` (its transpose). Backward: the transpose of the transpose is
    average pooling again, dg = ``AvgPool2d``(gy) with the same scale.
    Shapes: g (N, C, H_out, W_out) -> dx (N, C, H, W).
    Double backward: supported.
    """

    def forward(self, g, params):
        self.params = params
        x_shape, k, s, p, out, scale = params
        N, C, H, W = x_shape
        dxp = np.zeros((N, C, H + 2 * p[0], W + 2 * p[1]), g.dtype)
        windows = _windows(dxp, k, s, (1, 1), out, writeable=True)
        gs = g * scale  # (N, C, H_out, W_out)
        for a, b in np.ndindex(*k):
            windows[..., a, b] += gs  # one offset never names a position twice
        return _crop(dxp, p)

    def backward(self, gy):
        x_shape, k, s, p, out, scale = self.params
        return AvgPool2d.apply(gy, k=k, s=s, p=p, out=out, scale=scale)


# ---------------------------------------------------------------------------- adaptive average
def _adaptive_matrix(size: int, out: int, dtype) -> np.ndarray:
    """A (out, size) matrix whose row i averages x[start_i : end_i] (PyTorch's regions):
    start_i = floor(i * size / out), end_i = ceil((i + 1) * size / out)."""
    i = np.arange(out)
    start = (i * size) // out
    end = -((-(i + 1) * size) // out)
    cols = np.arange(size)
    inside = (cols >= start[:, None]) & (cols < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _sandwich(x: np.ndarray, A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """A @ x @ Bᵀ over the last two axes of x (N, C, H, W), as two large matrix products."""
    N, C, H, W = x.shape
    t = x.reshape(N * C * H, W) @ B.T  # (N*C*H, Wo)
    t = t.reshape(N * C, H, -1).transpose(0, 2, 1).reshape(-1, H) @ A.T  # (N*C*Wo, Ho)
    return np.ascontiguousarray(t.reshape(N, C, B.shape[0], A.shape[0]).transpose(0, 1, 3, 2))


class AdaptiveAvgPool2d(Function):
    """y = Ah @ x @ Awᵀ (over the H and W axes), where row i of Ah (H_out, H) holds
    1 / (end_i - start_i) on columns start_i <= h < end_i, start_i = floor(i H / H_out),
    end_i = ceil((i + 1) H / H_out), and likewise Aw (W_out, W)

    Backward: y is linear in x, y = Ah x Awᵀ, so dx = Ahᵀ g Aw (``AdaptiveAvgPool2dTranspose``).
    Saved for backward: the averaging matrices Ah and Aw.
    Shapes: x (N, C, H, W) -> y (N, C, H_out, W_out).
    Notes: when H_out does not divide H, neighbouring regions overlap by one row, as in PyTorch.
    With output_size 1 this is global average pooling, computed as a mean over (H, W).
    Double backward: supported.
    """

    def forward(self, x, Ah, Aw):
        self.mats = (Ah, Aw)
        if Ah.shape[0] == Aw.shape[0] == 1:  # global average pooling
            return x.mean(axis=(2, 3), keepdims=True)
        return _sandwich(x, Ah, Aw)

    def backward(self, g):
        return AdaptiveAvgPool2dTranspose.apply(g, mats=self.mats)


class AdaptiveAvgPool2dTranspose(Function):
    """dx = Ahᵀ @ g @ Aw, the backward of ``AdaptiveAvgPool2d``

    Backward: linear in g, so dg = Ah @ gy @ Awᵀ, which is ``AdaptiveAvgPool2d``.
    Shapes: g (N, C, H_out, W_out) -> dx (N, C, H, W).
    Double backward: supported.
    """

    def forward(self, g, mats):
        self.mats = mats
        Ah, Aw = mats
        if Ah.shape[0] == Aw.shape[0] == 1:
            N, C = g.shape[:2]
            dx = np.empty((N, C, Ah.shape[1], Aw.shape[1]), g.dtype)
            dx[...] = g * Ah[0, 0] * Aw[0, 0]
            return dx
        return _sandwich(g, Ah.T, Aw.T)

    def backward(self, gy):
        Ah, Aw = self.mats
        return AdaptiveAvgPool2d.apply(gy, Ah=Ah, Aw=Aw)


# ---------------------------------------------------------------------------- public functions
def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1) -> Tensor:
    """Max pooling over (H, W) windows of an (N, C, H, W) input. See ``MaxPool2d``.

    PyTorch's semantics: ``stride`` defaults to ``kernel_size``, padding is -inf and at most half
    the kernel, each argument is an int or an (h, w) pair. The gradient goes to the first maximum
    of each window.

    Examples
    --------
    >>> import scratchdl as sd
    >>> import scratchdl.nn.functional as F
    >>> x = sd.arange(16.0).reshape(1, 1, 4, 4)
    >>> F.max_pool2d(x, 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    x = floating(x)
    _check_input("max_pool2d", x, "NCHW")
    k, s, p, d, out = _pool_params("max_pool2d", x, kernel_size, stride, padding, dilation)
    return MaxPool2d.apply(x, k=k, s=s, p=p, d=d, out=out)


def max_pool1d(x, kernel_size, stride=None, padding=0) -> Tensor:
    """Max pooling over windows of the L axis of an (N, C, L) input (as ``max_pool2d`` with a
    (1, kernel_size) kernel). See ``MaxPool2d``.

    Examples
    --------
    >>> import scratchdl as sd
    >>> import scratchdl.nn.functional as F
    >>> F.max_pool1d(sd.tensor([[[1.0, 3.0, 2.0, 0.0, 5.0]]]), 2)
    tensor([[[3., 2.]]])
    """
    x = floating(x)
    _check_input("max_pool1d", x, "NCL")
    k = _ints("max_pool1d", "kernel_size", kernel_size, 1, 1)[0]
    s = k if stride is None else _ints("max_pool1d", "stride", stride, 1, 1)[0]
    p = _ints("max_pool1d", "padding", padding, 1, 0)[0]
    N, C, L = x.shape
    if p > k // 2:
        raise ValueError(
            f"max_pool1d: padding must be at most half the kernel size (as in PyTorch); received "
            f"padding={p}, kernel_size={k}. help: use a larger kernel or less padding."
        )
    if _out_size(L, k, s, p) < 1:
        raise ShapeError(
            f"max_pool1d: kernel_size={k} is larger than the padded input length {L + 2 * p} "
            f"(input shape {x.shape}, padding={p}). help: use a smaller kernel or a longer input."
        )
    x4 = reshape(x, (N, C, 1, L))
    _, _, _, _, out = _pool_params("max_pool1d", x4, (1, k), (1, s), (0, p))
    y = MaxPool2d.apply(x4, k=(1, k), s=(1, s), p=(0, p), d=(1, 1), out=out)
    return reshape(y, (N, C, out[1]))


def avg_pool2d(x, kernel_size, stride=None, padding=0, count_include_pad: bool = True) -> Tensor:
    """Average pooling over (H, W) windows of an (N, C, H, W) input. See ``AvgPool2d``.

    Arguments as in ``max_pool2d`` (zero padding). With ``count_include_pad=False`` a window at
    the border averages only its real elements.

    Examples
    --------
    >>> import scratchdl as sd
    >>> import scratchdl.nn.functional as F
    >>> F.avg_pool2d(sd.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 2.5,  4.5],
              [10.5, 12.5]]]])
    """
    x = floating(x)
    _check_input("avg_pool2d", x, "NCHW")
    k, s, p, _, out = _pool_params("avg_pool2d", x, kernel_size, stride, padding)
    scale = _divisor(x.shape[2:], k, s, p, out, bool(count_include_pad), x.dtype)
    return AvgPool2d.apply(x, k=k, s=s, p=p, out=out, scale=scale)


def adaptive_avg_pool2d(x, output_size) -> Tensor:
    """Average pooling to a fixed (H_out, W_out) grid of regions, whatever the input size. See
    ``AdaptiveAvgPool2d``. ``output_size=1`` is global average pooling.

    Examples
    --------
    >>> import scratchdl as sd
    >>> import scratchdl.nn.functional as F
    >>> F.adaptive_avg_pool2d(sd.arange(6.0).reshape(1, 1, 2, 3), 1)
    tensor([[[[2.5]]]])
    """
    x = floating(x)
    _check_input("adaptive_avg_pool2d", x, "NCHW")
    out = _ints("adaptive_avg_pool2d", "output_size", output_size, 2, 1)
    Ah = _adaptive_matrix(x.shape[2], out[0], x.dtype)
    Aw = _adaptive_matrix(x.shape[3], out[1], x.dtype)
    return AdaptiveAvgPool2d.apply(x, Ah=Ah, Aw=Aw)
