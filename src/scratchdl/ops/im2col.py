"""im2col and col2im: a convolution's sliding windows as the columns of a matrix, and back.

Every output pixel of a convolution is a dot product between the kernel and one (C, KH, KW)
window of the padded input. ``im2col`` lays those windows out as the columns of a matrix, so the
convolution becomes one matrix multiply ``W.reshape(O, -1) @ cols``; ``col2im``, its adjoint,
adds every column back onto the pixels it came from (a scatter-add), which is what the input
gradient needs. ``im2col``/``col2im`` take PyTorch's ``F.unfold``/``F.fold`` layout and are
exported for teaching; the underscored versions are the ones ``ops/conv.py`` computes with:

* ``_group_cols``: (N, C, H, W) -> (G, Cg·KH·KW, N·OH·OW), one strided copy, any geometry;
* ``_flat_cols``: the same for stride 1, on the padded width, as long contiguous runs;
* ``_col2im_groups``: the adjoint of ``_group_cols``, a loop over the KH·KW taps only.

The geometry of a convolution (stride, padding on each side, dilation, groups) travels as one
``_Spec``, normalised from the user's arguments by ``_spec``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from scratchdl.errors import ShapeError
from scratchdl.tensor import Tensor

__all__ = ["col2im", "conv_output_size", "im2col"]


# ---------------------------------------------------------------------------------------------
# Shape arithmetic and argument normalisation
# ---------------------------------------------------------------------------------------------


def conv_output_size(size: int, kernel: int, stride: int = 1, padding=0, dilation: int = 1) -> int:
    """Output length of a convolution along one axis.

        out = floor((size + pad_lo + pad_hi - dilation·(kernel - 1) - 1) / stride) + 1

    ``dilation·(kernel - 1) + 1`` is the extent of a dilated kernel; the numerator counts how
    far its first tap can move inside the padded input, and every ``stride`` steps is one
    output. ``padding`` is one int (both sides) or a (lo, hi) pair. With padding p on both
    sides this is PyTorch's formula ``(size + 2p - d(k-1) - 1) // s + 1``.
    """
    lo, hi = (padding, padding) if isinstance(padding, (int, np.integer)) else padding
    return (size + lo + hi - dilation * (kernel - 1) - 1) // stride + 1


class _Spec(NamedTuple):
    """Geometry of a 2-D convolution: stride (sh, sw), padding (top, bottom, left, right),
    dilation (dh, dw) and groups."""

    stride: tuple[int, int]
    padding: tuple[int, int, int, int]
    dilation: tuple[int, int]
    groups: int


def _pair(op: str, name: str, value) -> tuple[int, int]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    ):
        return int(value[0]), int(value[1])
    raise TypeError(f"{op}: {name} must be an int or a pair of ints; received {name}={value!r}.")


def _spec(op, kernel, stride, padding, dilation, groups) -> _Spec:
    """Validate the geometry arguments and return them as a ``_Spec``."""
    stride, dilation = _pair(op, "stride", stride), _pair(op, "dilation", dilation)
    if min(stride) < 1 or min(dilation) < 1:
        raise ValueError(
            f"{op}: stride and dilation must be positive; received stride={stride}, "
            f"dilation={dilation}."
        )
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int; received groups={groups!r}.")
    if isinstance(padding, str):
        if padding == "valid":
            pads = (0, 0, 0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise ValueError(f"{op}: padding='same' needs stride 1; received stride={stride}.")
            pads = ()
            for d, k in zip(dilation, kernel):
                total = d * (k - 1)  # PyTorch puts the odd extra pixel at the end
                pads += (total // 2, total - total // 2)
        else:
            raise ValueError(
                f"{op}: padding must be an int, a pair of ints, 'same' or 'valid'; "
                f"received padding={padding!r}."
            )
    else:
        ph, pw = _pair(op, "padding", padding)
        if ph < 0 or pw < 0:
            raise ValueError(f"{op}: padding must be non-negative; received padding={padding}.")
        pads = (ph, ph, pw, pw)
    return _Spec(stride, pads, dilation, int(groups))


def _out_hw(h: int, w: int, kh: int, kw: int, spec: _Spec) -> tuple[int, int]:
    (sh, sw), (pt, pb, pl, pr), (dh, dw) = spec.stride, spec.padding, spec.dilation
    return conv_output_size(h, kh, sh, (pt, pb), dh), conv_output_size(w, kw, sw, (pl, pr), dw)


# ---------------------------------------------------------------------------------------------
# im2col / col2im on raw arrays
# ---------------------------------------------------------------------------------------------


def _windows(x: np.ndarray, kh: int, kw: int, spec: _Spec) -> np.ndarray:
    """All kernel windows of ``x`` as a strided view: (N, C, H, W) -> (N, C, OH, OW, KH, KW).

    ``view[n, c, i, j, a, b] = xpad[n, c, i·sh + a·dh, j·sw + b·dw]``. Only the padding copies.
    """
    (sh, sw), (pt, pb, pl, pr), (dh, dw) = spec.stride, spec.padding, spec.dilation
    if pt or pb or pl or pr:
        x = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    extent = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)  # the dilated kernel's footprint
    view = sliding_window_view(x, extent, axis=(2, 3))  # (N, C, Hp-eh+1, Wp-ew+1, eh, ew)
    return view[:, :, ::sh, ::sw, ::dh, ::dw]  # (N, C, OH, OW, KH, KW)


def _group_cols(x: np.ndarray, kh: int, kw: int, spec: _Spec) -> np.ndarray:
    """im2col in GEMM layout: (N, C, H, W) -> cols (G, Cg·KH·KW, N·OH·OW), one copy.

    Rows run over (c, a, b) and columns over (sample, output pixel), so the batch is folded
    into the columns: the forward ``W_g @ cols[g]`` and ``dW_g = g_g @ cols[g]ᵀ`` (with g as
    (G, Og, N·OH·OW)) are one GEMM each. The copy's inner loop reads whole rows of x.
    """
    n, c = x.shape[:2]
    g = spec.groups
    win = _windows(x, kh, kw, spec)  # (N, C, OH, OW, KH, KW), a view
    oh, ow = win.shape[2:4]
    win = win.transpose(1, 4, 5, 0, 2, 3)  # (C, KH, KW, N, OH, OW), still a view
    return win.reshape(g, (c // g) * kh * kw, n * oh * ow)  # the copy


def _flat_cols(x: np.ndarray, kh: int, kw: int, spec: _Spec) -> tuple[np.ndarray, int, int]:
    """im2col for stride 1, on the padded width: (N, C, H, W) -> (G, Cg·KH·KW, N·OH·Wp).

    With stride 1, tap (a, b) of output pixel (i, j) reads ``xpad[n, c, i + a·dh, j + b·dw]``,
    which in the padded image flattened row by row is element ``t + a·dh·Wp + b·dw`` with
    ``t = i·Wp + j``. Computing the output on the full padded width Wp (its last Wp - OW
    columns are junk, dropped afterwards) makes every (c, a, b, n) row of cols one contiguous
    run of OH·Wp values of xpad, so the copy moves long runs instead of OW-long ones, and no
    sliding-window view is needed. One extra zero row at the bottom keeps the junk columns of
    the last row inside the buffer. Returns (cols, OH, Wp).
    """
    (pt, pb, pl, pr), (dh, dw) = spec.padding, spec.dilation
    n, c, h, w = x.shape
    hp, wp = h + pt + pb, w + pl + pr
    oh = hp - dh * (kh - 1)
    xp = np.zeros((n, c, hp + 1, wp), dtype=x.dtype)
    xp[:, :, pt : pt + h, pl : pl + w] = x
    size, plane = x.itemsize, (hp + 1) * wp * x.itemsize
    taps = as_strided(
        xp,
        shape=(c, kh, kw, n, oh * wp),
        strides=(plane, dh * wp * size, dw * size, c * plane, size),
        writeable=False,
    )  # taps[c, a, b, n, t] = xp_flat[n, c, t + a·dh·Wp + b·dw], a view
    g = spec.groups
    return taps.reshape(g, (c // g) * kh * kw, n * oh * wp), oh, wp  # the copy


def _rows(g: np.ndarray, groups: int) -> np.ndarray:
    """A conv output or its gradient (N, O, OH, OW) as GEMM rows (G, O/G, N·OH·OW), one copy."""
    n, o, oh, ow = g.shape
    rows = g.reshape(n, groups, o // groups, oh * ow).transpose(1, 2, 0, 3)  # (G, Og, N, P)
    return rows.reshape(groups, o // groups, n * oh * ow)


def _col2im_groups(
    cols: np.ndarray, x_shape, kh: int, kw: int, oh: int, ow: int, spec: _Spec
) -> np.ndarray:
    """Adjoint of ``_group_cols``: cols (G, Cg·KH·KW, N·OH·OW) -> image (N, C, H, W).

    Every window is added back where it came from. The loop runs over the KH·KW kernel taps
    (never over pixels or samples): tap (a, b) of every window lands on the strided slice
    ``xpad[:, :, a·dh : a·dh + sh·OH : sh, b·dw : b·dw + sw·OW : sw]``, and distinct windows
    hit distinct pixels within one tap, so ``+=`` on the slice is an exact scatter-add. The
    padded image is accumulated channel-major (C, N, Hp, Wp) so that each tap's block of
    ``cols`` is read contiguously; one transpose at the end gives (N, C, H, W).
    """
    n, c, h, w = x_shape
    (sh, sw), (pt, pb, pl, pr), (dh, dw) = spec.stride, spec.padding, spec.dilation
    cols = cols.reshape(c, kh, kw, n, oh, ow)  # (C, KH, KW, N, OH, OW), free
    xp = np.zeros((c, n, h + pt + pb, w + pl + pr), dtype=cols.dtype)
    for a in range(kh):
        for b in range(kw):
            rows = slice(a * dh, a * dh + sh * (oh - 1) + 1, sh)
            columns = slice(b * dw, b * dw + sw * (ow - 1) + 1, sw)
            xp[:, :, rows, columns] += cols[:, a, b]
    return xp[:, :, pt : pt + h, pl : pl + w].transpose(1, 0, 2, 3)


def im2col(x, kernel_size, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Unfold the sliding windows of a batch of images into columns (PyTorch's ``F.unfold``).

    ``x`` (N, C, H, W) -> cols (N, C·KH·KW, OH·OW), where column ``i·OW + j`` holds the
    (C, KH, KW) window under output pixel (i, j), flattened channel-major. A convolution is
    then ``W.reshape(O, -1) @ cols``. OH, OW follow ``conv_output_size``. A teaching helper on
    arrays: it is not recorded for autograd (``conv2d`` has its own gradients).

    Examples
    --------
    >>> import numpy as np
    >>> im2col(np.arange(9.0).reshape(1, 1, 3, 3), 2).shape
    (1, 4, 4)
    """
    x = np.asarray(x.data if isinstance(x, Tensor) else x)
    kh, kw = _pair("im2col", "kernel_size", kernel_size)
    spec = _spec("im2col", (kh, kw), stride, padding, dilation, 1)
    n, c = x.shape[:2]
    cols = _group_cols(x, kh, kw, spec).reshape(c * kh * kw, n, -1)  # (C·KH·KW, N, OH·OW)
    return np.ascontiguousarray(cols.transpose(1, 0, 2))  # (N, C·KH·KW, OH·OW)


def col2im(cols, x_shape, kernel_size, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Fold columns back into images, summing overlaps (PyTorch's ``F.fold``): im2col's adjoint.

    ``cols`` (N, C·KH·KW, OH·OW) -> (N, C, H, W) with ``x_shape = (N, C, H, W)``. For every x and
    c, ``<im2col(x), c> == <x, col2im(c)>``: this is why it is the input gradient of a
    convolution. Note that ``col2im(im2col(x))`` is not x: each pixel is multiplied by the number
    of windows that contain it.

    Examples
    --------
    >>> import numpy as np
    >>> col2im(np.ones((1, 4, 4)), (1, 1, 3, 3), 2)[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    cols = np.asarray(cols.data if isinstance(cols, Tensor) else cols)
    kh, kw = _pair("col2im", "kernel_size", kernel_size)
    spec = _spec("col2im", (kh, kw), stride, padding, dilation, 1)
    n, c, h, w = x_shape
    oh, ow = _out_hw(h, w, kh, kw, spec)
    if cols.shape != (n, c * kh * kw, oh * ow):
        raise ShapeError(
            f"col2im: cols must have shape (N, C*KH*KW, OH*OW) = {(n, c * kh * kw, oh * ow)} "
            f"for x_shape={tuple(x_shape)}; received {cols.shape}."
        )
    cols = cols.transpose(1, 0, 2).reshape(1, c * kh * kw, n * oh * ow)  # GEMM layout, a copy
    return np.ascontiguousarray(_col2im_groups(cols, (n, c, h, w), kh, kw, oh, ow, spec))
