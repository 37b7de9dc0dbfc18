"""Convolutions: conv2d, conv_transpose2d and conv1d, computed as one matrix multiply over im2col.

Used by every CNN of the course (LeNet-5, the VGG-style net, ResNet-18, the MNIST-1D CNN) and by
GAN generators (``conv_transpose2d``).

The idea (im2col): every output pixel of a convolution is a dot product between the kernel and one
(C, KH, KW) window of the padded input. Lay the windows out as the columns of a matrix ``cols``
of shape (N, C·KH·KW, OH·OW) and the whole convolution is one (batched) matmul ``W @ cols``.
NumPy builds the windows as a strided *view* (``sliding_window_view``, no copy); the reshape
into ``cols`` makes the one copy. The adjoint of im2col, col2im, adds every window back into
the image (a scatter-add): it is what the gradient with respect to the input needs, and it is
exactly the transposed convolution.

Three Functions cover everything, and each one's backward is written with the other two, so
gradients of gradients work (WGAN-GP):

* ``Conv2d``            y = conv(x, W)                 (the forward op)
* ``ConvTranspose2d``   y = convᵀ(x, W)                (its adjoint in x; the dx of Conv2d)
* ``Conv2dWeightGrad``  dW = corr(x, g)                (its adjoint in W; the dW of Conv2d)

``im2col``/``col2im`` are exported for teaching with PyTorch's ``F.unfold``/``F.fold`` layout.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from scratchdl.autograd.function import Function
from scratchdl.errors import DTypeError, ShapeError
from scratchdl.ops._convert import constant
from scratchdl.tensor import Tensor

__all__: list[str] = []


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
    into the columns: ``dW_g = g_g @ cols[g]ᵀ`` is one GEMM with g as (G, Og, N·OH·OW), and
    the forward reads ``cols`` as an (N, G, Cg·KH·KW, OH·OW) strided view, a GEMM per sample
    whose result is already (N, O, OH·OW). The copy's inner loop reads whole rows of x.
    """
    n, c = x.shape[:2]
    g = spec.groups
    win = _windows(x, kh, kw, spec)  # (N, C, OH, OW, KH, KW), a view
    oh, ow = win.shape[2:4]
    win = win.transpose(1, 4, 5, 0, 2, 3)  # (C, KH, KW, N, OH, OW), still a view
    return win.reshape(g, (c // g) * kh * kw, n * oh * ow)  # the copy


def _uses_flat_cols(ow: int, wp: int, spec: _Spec, out_per_group: int) -> bool:
    """Whether ``_flat_cols`` pays (stride 1 only). Its junk columns cost GEMM work, which
    matters when the GEMM is compute-bound: allow at most one junk column per 8 real ones then.
    With few output channels the GEMM is bound by reading cols, and the faster copy wins."""
    if spec.stride != (1, 1):
        return False
    return out_per_group <= 16 or 8 * (wp - ow) <= ow


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


# ---------------------------------------------------------------------------------------------
# The three kernels on raw arrays
# ---------------------------------------------------------------------------------------------


# At most about this many bytes of im2col columns exist at once: the batch is processed in
# chunks of samples, so a convolution's temporary memory stays bounded however large the batch
# (nothing im2col-sized is kept for backward), and each chunk's columns stay near cache size.
_COLUMN_BUDGET = 1 << 24  # 16 MiB


def _batch_chunks(n: int, column_bytes_per_sample: int) -> list[slice]:
    step = max(1, _COLUMN_BUDGET // max(column_bytes_per_sample, 1))
    return [slice(start, min(start + step, n)) for start in range(0, n, step)]


def _conv_forward(x: np.ndarray, w: np.ndarray, spec: _Spec) -> np.ndarray:
    """y = conv(x, W) as one GEMM ``W_g @ cols[g]`` per group and chunk of samples.

    The GEMM's result is (O, nb, OH, OW'), samples inside channels; one transposing copy puts it
    in y's (N, O, OH, OW) order (a GEMM per sample would write y directly, but small maps make
    those GEMMs too thin to be fast). Stride-1 convolutions on maps wide enough use
    ``_flat_cols``, whose junk columns (OW' = Wp) the copy leaves out.
    """
    n = x.shape[0]
    o, cg, kh, kw = w.shape
    g = spec.groups
    oh, ow = _out_hw(x.shape[2], x.shape[3], kh, kw, spec)
    wp = x.shape[3] + spec.padding[2] + spec.padding[3]
    flat = _uses_flat_cols(ow, wp, spec, o // g)
    k, width = cg * kh * kw, wp if flat else ow
    wm = w.reshape(g, o // g, k)  # (G, Og, Cg·KH·KW)
    y = np.empty((n, o, oh, ow), dtype=np.result_type(x, w))
    for part in _batch_chunks(n, g * k * oh * width * x.itemsize):
        nb = part.stop - part.start
        if flat:
            cols = _flat_cols(x[part], kh, kw, spec)[0]  # (G, K, nb·OH·Wp)
        else:
            cols = _group_cols(x[part], kh, kw, spec)  # (G, K, nb·OH·OW)
        wide = np.matmul(wm, cols).reshape(o, nb, oh, width)
        y[part] = wide[:, :, :, :ow].transpose(1, 0, 2, 3)
    return y


def _full_correlation_spec(kh: int, kw: int, spec: _Spec) -> _Spec | None:
    """With stride 1, convᵀ(x, W) is an ordinary conv of x with the flipped kernel, padded by
    the kernel's extent minus 1 minus the original padding on each side (a "full"
    correlation). Returns that conv's geometry, or None when it does not apply."""
    if spec.stride != (1, 1):
        return None
    (pt, pb, pl, pr), (dh, dw) = spec.padding, spec.dilation
    eh, ew = dh * (kh - 1), dw * (kw - 1)
    padding = (eh - pt, eh - pb, ew - pl, ew - pr)
    if min(padding) < 0:
        return None
    return _Spec((1, 1), padding, spec.dilation, spec.groups)


def _flipped(w: np.ndarray, groups: int) -> np.ndarray:
    """W (O, Cg, KH, KW) -> the kernel of the adjoint conv: (C, Og, KH, KW), each group's
    in/out channels swapped and both spatial axes reversed."""
    o, cg, kh, kw = w.shape
    swapped = w.reshape(groups, o // groups, cg, kh, kw).transpose(0, 2, 1, 3, 4)
    return swapped[..., ::-1, ::-1].reshape(groups * cg, o // groups, kh, kw)


def _conv_transpose_forward(x: np.ndarray, w: np.ndarray, out_hw, spec: _Spec) -> np.ndarray:
    """y = convᵀ(x, W), the adjoint of conv in its input: a matmul then col2im per chunk.

    x (N, O, OH, OW) plays the role of a conv output, W (O, Cg, KH, KW) is the conv weight and
    y (N, C, H, W) with (H, W) = ``out_hw`` the conv input. Stride 1 takes the cheaper route of
    ``_full_correlation_spec``: no col2im scatter at all.
    """
    n, o, oh, ow = x.shape
    _, cg, kh, kw = w.shape
    g = spec.groups
    full = _full_correlation_spec(kh, kw, spec)
    # The flipped conv unfolds x, with O/G channels per group, where col2im's GEMM writes
    # columns for the Cg output channels: take it when its columns are no larger.
    if full is not None and o // g <= cg:
        return _conv_forward(x, _flipped(w, g), full)
    k = cg * kh * kw
    wt = w.reshape(g, o // g, k).transpose(0, 2, 1)  # (G, Cg·KH·KW, Og), a view
    y = np.empty((n, cg * g, *out_hw), dtype=np.result_type(x, w))
    for part in _batch_chunks(n, g * k * oh * ow * x.itemsize):
        cols = np.matmul(wt, _rows(x[part], g))  # a GEMM per group: (G, K, nb·OH·OW)
        shape = (part.stop - part.start, cg * g, *out_hw)
        y[part] = _col2im_groups(cols, shape, kh, kw, oh, ow, spec)
    return y


def _conv_weight_grad(x: np.ndarray, g: np.ndarray, kernel, spec: _Spec) -> np.ndarray:
    """dW = corr(x, g) = Σ_chunks g_rows[g] @ cols[g]ᵀ, a GEMM per group and chunk of samples.

    dW[o, c, a, b] = Σ_{n,i,j} g[n, o, i, j] · xpad[n, c, i·sh + a·dh, j·sw + b·dw] (per group).
    With ``_flat_cols``, g is widened to the padded width with zeros in the junk columns, so
    they add nothing.
    """
    n, o, oh, ow = g.shape
    kh, kw = kernel
    gr = spec.groups
    k = (x.shape[1] // gr) * kh * kw
    wp = x.shape[3] + spec.padding[2] + spec.padding[3]
    flat = _uses_flat_cols(ow, wp, spec, o // gr)
    dw = None
    for part in _batch_chunks(n, gr * k * oh * (wp if flat else ow) * x.itemsize):
        if flat:
            cols = _flat_cols(x[part], kh, kw, spec)[0]  # (G, K, nb·OH·Wp)
            wide = np.zeros((part.stop - part.start, o, oh, wp), dtype=g.dtype)
            wide[:, :, :, :ow] = g[part]
            rows = _rows(wide, gr)
        else:
            cols = _group_cols(x[part], kh, kw, spec)  # (G, K, nb·OH·OW)
            rows = _rows(g[part], gr)
        term = np.matmul(rows, cols.transpose(0, 2, 1))  # (G, Og, K)
        dw = term if dw is None else np.add(dw, term, out=dw)
    return dw.reshape(o, x.shape[1] // gr, kh, kw)


# ---------------------------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------------------------


class Conv2d(Function):
    """y = conv(x, W) + b, the 2-D cross-correlation of deep learning (PyTorch's conv2d)

    Forward (per group; xpad is x zero-padded, G groups of Cg = C/G input and Og = O/G output
    channels):

        y[n, o, i, j] = b[o] + Σ_{c, a, b'} W[o, c, a, b'] · xpad[n, c, i·sh + a·dh, j·sw + b'·dw]

    computed as ``W @ cols`` with cols = im2col(x) of shape (N, G, Cg·KH·KW, OH·OW) and W
    reshaped to (G, Og, Cg·KH·KW): one batched matmul (a GEMM per sample and group) whose
    result is already laid out as (N, O, OH, OW).

    Backward: y is linear in x and in W separately, so each VJP is the adjoint map applied to g:

        dx = convᵀ(g, W)    y = A_W x, so dx = A_Wᵀ g = col2im(g_rows @ W)   (ConvTranspose2d)
        dW = corr(x, g)     dW[o, c, a, b'] = Σ_{n,i,j} g[n, o, i, j] · xpad[n, c, i·sh + a·dh,
                            j·sw + b'·dw] = Σ_n g_rows @ colsᵀ                 (Conv2dWeightGrad)
        db = Σ_{n,i,j} g[n, o, i, j]

    Saved for backward: nothing but the inputs. The im2col columns are 9x the input for a 3x3
    kernel, so keeping them would multiply a CNN's activation memory; dW rebuilds them chunk by
    chunk of samples (at most ``_COLUMN_BUDGET`` bytes at a time).
    Shapes: x (N, C, H, W), W (O, C/G, KH, KW), b (O,), y (N, O, OH, OW) with OH, OW from
    ``conv_output_size``.
    Notes: padding is (top, bottom, left, right) so that padding='same' with an even kernel
    extent pads one more at the end, as PyTorch does.
    Double backward: supported (each gradient is one of the three conv Functions or a sum).
    References: Chellapilla et al., "High Performance Convolutional Neural Networks for Document
    Processing" (2006), for im2col; Dumoulin & Visin, "A guide to convolution arithmetic" (2016).
    """

    def forward(self, x, w, b=None, spec=None):
        self.spec = spec
        y = _conv_forward(x, w, spec)
        if b is not None:
            y += b.reshape(-1, 1, 1)  # y is our own fresh array
        return y

    def backward(self, g):
        x, w = self.inputs[0], self.inputs[1]
        dx = dw = db = None
        if self.needs_input_grad[0]:
            dx = ConvTranspose2d.apply(g, w, spec=self.spec, out_hw=x.shape[2:])
        if self.needs_input_grad[1]:
            dw = Conv2dWeightGrad.apply(x, g, spec=self.spec, kernel=w.shape[2:])
        if len(self.inputs) == 3 and self.needs_input_grad[2]:
            db = g.sum(axis=(0, 2, 3))
        return dx, dw, db


class ConvTranspose2d(Function):
    """y = convᵀ(x, W) + b, the transposed ("fractionally strided") convolution

    Forward: the adjoint of ``Conv2d`` in its input. With A_W the conv map u ↦ conv(u, W) from
    (N, C, H, W) to (N, O, OH, OW), y = A_Wᵀ x: each input pixel scatters its kernel-weighted
    copy into the output,

        ypad[n, c, i·sh + a·dh, j·sw + b'·dw] += Σ_o x[n, o, i, j] · W[o, c, a, b']

    computed as one batched matmul ``cols = Wᵀ @ x`` (N, G, Cg·KH·KW, OH·OW) and ``col2im``,
    then the padding is cropped off. Here (H, W) = ``out_hw``; the public function derives it
    from output_padding.
    Backward: y is linear in x and W, and <A_Wᵀ x, g> = <x, A_W g>, so

        dx = conv(g, W)       (Conv2d, same geometry)
        dW = corr(g, x)       (Conv2dWeightGrad with g in the role of the conv input)
        db = Σ_{n,i,j} g[n, c, i, j]

    Saved for backward: nothing beyond the inputs.
    Shapes: x (N, O, OH, OW), W (O, C/G, KH, KW) (PyTorch's conv_transpose weight (C_in,
    C_out/G, KH, KW)), b (C,), y (N, C, H, W).
    Double backward: supported.
    """

    def forward(self, x, w, b=None, spec=None, out_hw=None):
        self.spec = spec
        y = _conv_transpose_forward(x, w, tuple(out_hw), spec)
        if b is not None:
            y += b.reshape(-1, 1, 1)
        return y

    def backward(self, g):
        x, w = self.inputs[0], self.inputs[1]
        dx = dw = db = None
        if self.needs_input_grad[0]:
            dx = Conv2d.apply(g, w, spec=self.spec)
        if self.needs_input_grad[1]:
            dw = Conv2dWeightGrad.apply(g, x, spec=self.spec, kernel=w.shape[2:])
        if len(self.inputs) == 3 and self.needs_input_grad[2]:
            db = g.sum(axis=(0, 2, 3))
        return dx, dw, db


class Conv2dWeightGrad(Function):
    """dW = corr(x, g), the weight gradient of ``Conv2d`` as an op of its own (for double backward)

    Forward: dW[o, c, a, b'] = Σ_{n,i,j} g[n, o, i, j] · xpad[n, c, i·sh + a·dh, j·sw + b'·dw]
    (within each group), one batched matmul ``g_rows @ colsᵀ`` summed over N.
    Backward: dW is bilinear in (x, g) with <corr(x, g), v> = <conv(x, v), g> = <x, convᵀ(g, v)>.
    With upstream gradient ``gw`` (shaped like W):

        dx = convᵀ(g, gw)     (ConvTranspose2d onto x's spatial size)
        dg = conv(x, gw)      (Conv2d)

    Saved for backward: nothing.
    Shapes: x (N, C, H, W), g (N, O, OH, OW), dW (O, C/G, KH, KW).
    Double backward: supported.
    """

    def forward(self, x, g, spec=None, kernel=None):
        self.spec = spec
        return _conv_weight_grad(x, g, tuple(kernel), spec)

    def backward(self, gw):
        x, g = self.inputs
        dx = dg = None
        if self.needs_input_grad[0]:
            dx = ConvTranspose2d.apply(g, gw, spec=self.spec, out_hw=x.shape[2:])
        if self.needs_input_grad[1]:
            dg = Conv2d.apply(x, gw, spec=self.spec)
        return dx, dg


# ---------------------------------------------------------------------------------------------
# Reference version and public functions
# ---------------------------------------------------------------------------------------------


def _reference_conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """The textbook loop version of ``conv2d`` on arrays: for reading and the equivalence test.

    Loops over every sample, output channel and output pixel; never on the hot path.
    """
    x, w = np.asarray(x), np.asarray(weight)
    o, cg, kh, kw = w.shape
    spec = _spec("conv2d", (kh, kw), stride, padding, dilation, groups)
    (sh, sw), (pt, pb, pl, pr), (dh, dw) = spec.stride, spec.padding, spec.dilation
    n, c, h, wd = x.shape
    oh, ow = _out_hw(h, wd, kh, kw, spec)
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    og = o // groups
    y = np.zeros((n, o, oh, ow), dtype=x.dtype)
    for s in range(n):
        for oc in range(o):
            c0 = (oc // og) * cg  # first input channel of this output channel's group
            for i in range(oh):
                for j in range(ow):
                    patch = xp[s, c0 : c0 + cg, i * sh : i * sh + dh * kh : dh]
                    patch = patch[:, :, j * sw : j * sw + dw * kw : dw]  # (Cg, KH, KW)
                    y[s, oc, i, j] = np.sum(patch * w[oc])
            if bias is not None:
                y[s, oc] += np.asarray(bias)[oc]
    return y


def _check(op: str, x: Tensor, w: Tensor, b, in_ch: int, w_in: int, out_ch: int, groups: int):
    if x.data.dtype != w.data.dtype or (b is not None and b.data.dtype != x.data.dtype):
        raise DTypeError(
            f"{op}: input, weight and bias must have the same dtype; received {x.data.dtype}, "
            f"{w.data.dtype}" + (f", {b.data.dtype}" if b is not None else "") + "."
        )
    if x.data.dtype.kind != "f":
        raise DTypeError(f"{op}: expected a floating input; received dtype {x.data.dtype}.")
    if in_ch % groups or out_ch % groups:
        raise ShapeError(
            f"{op}: groups={groups} must divide both the input channels ({in_ch}) and the "
            f"output channels ({out_ch}); input shape {x.shape}, weight shape {w.shape}."
        )
    if w_in * groups != in_ch:
        raise ShapeError(
            f"{op}: channel mismatch: input shape {x.shape} has {in_ch} channels but weight "
            f"shape {w.shape} with groups={groups} expects {w_in * groups}."
        )
    if b is not None and b.shape != (out_ch,):
        raise ShapeError(
            f"{op}: bias must have shape ({out_ch},) to match weight shape {w.shape}; received "
            f"{b.shape}."
        )


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-D convolution (cross-correlation) with PyTorch's semantics. See ``Conv2d``.

    ``x`` (N, C, H, W), ``weight`` (O, C/groups, KH, KW), ``bias`` (O,) or None. ``stride``,
    ``dilation`` and ``padding`` are an int or an (h, w) pair; ``padding`` may also be "valid"
    (no padding) or "same" (output as large as the input; stride 1 only).

    Examples
    --------
    >>> import scratchdl as sd
    >>> conv2d(sd.ones(1, 1, 3, 3), sd.ones(1, 1, 2, 2))
    tensor([[[[4., 4.],
              [4., 4.]]]])
    >>> conv2d(sd.ones(2, 4, 8, 8), sd.ones(6, 2, 3, 3), padding="same", groups=2).shape
    (2, 6, 8, 8)
    """
    x, weight = constant(x), constant(weight)
    bias = None if bias is None else constant(bias)
    if x.ndim != 4 or weight.ndim != 4:
        raise ShapeError(
            f"conv2d: expected input (N, C, H, W) and weight (O, C/groups, KH, KW); received "
            f"input shape {x.shape} and weight shape {weight.shape}."
        )
    o, cg, kh, kw = weight.shape
    _check("conv2d", x, weight, bias, x.shape[1], cg, o, groups)
    spec = _spec("conv2d", (kh, kw), stride, padding, dilation, groups)
    (pt, pb, pl, pr), (dh, dw) = spec.padding, spec.dilation
    hp, wp = x.shape[2] + pt + pb, x.shape[3] + pl + pr
    if dh * (kh - 1) + 1 > hp or dw * (kw - 1) + 1 > wp:
        raise ShapeError(
            f"conv2d: kernel larger than the padded input: input shape {x.shape} padded to "
            f"({hp}, {wp}), weight shape {weight.shape} with dilation {spec.dilation} spans "
            f"({dh * (kh - 1) + 1}, {dw * (kw - 1) + 1})."
        )
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return Conv2d.apply(*inputs, spec=spec)


def conv_transpose2d(
    x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
) -> Tensor:
    """2-D transposed convolution with PyTorch's semantics. See ``ConvTranspose2d``.

    ``x`` (N, C_in, H, W), ``weight`` (C_in, C_out/groups, KH, KW), ``bias`` (C_out,). The
    output size per axis is ``(H - 1)·stride - 2·padding + dilation·(KH - 1) + output_padding
    + 1``; ``output_padding`` (smaller than ``stride``) picks one of the input sizes that a
    strided conv maps to the same output size.

    Examples
    --------
    >>> import scratchdl as sd
    >>> conv_transpose2d(sd.ones(1, 2, 4, 4), sd.ones(2, 3, 3, 3), stride=2, padding=1,
    ...                  output_padding=1).shape
    (1, 3, 8, 8)
    """
    x, weight = constant(x), constant(weight)
    bias = None if bias is None else constant(bias)
    op = "conv_transpose2d"
    if x.ndim != 4 or weight.ndim != 4:
        raise ShapeError(
            f"{op}: expected input (N, C_in, H, W) and weight (C_in, C_out/groups, KH, KW); "
            f"received input shape {x.shape} and weight shape {weight.shape}."
        )
    cin, og, kh, kw = weight.shape
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int or a pair of ints; received {padding!r}.")
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int; received groups={groups!r}.")
    if cin % groups:
        raise ShapeError(
            f"{op}: groups={groups} must divide the input channels {cin} of weight shape "
            f"{weight.shape}."
        )
    if x.shape[1] != cin:
        raise ShapeError(
            f"{op}: channel mismatch: input shape {x.shape} has {x.shape[1]} channels but "
            f"weight shape {weight.shape} expects {cin}."
        )
    _check(op, x, weight, bias, cin, cin // groups, og * groups, groups)
    spec = _spec(op, (kh, kw), stride, padding, dilation, groups)
    oph, opw = _pair(op, "output_padding", output_padding)
    if not (0 <= oph < spec.stride[0] and 0 <= opw < spec.stride[1]):
        raise ValueError(
            f"{op}: output_padding must be smaller than stride; received "
            f"output_padding={(oph, opw)}, stride={spec.stride}."
        )
    (sh, sw), (pt, _, pl, _), (dh, dw) = spec.stride, spec.padding, spec.dilation
    out_h = (x.shape[2] - 1) * sh - 2 * pt + dh * (kh - 1) + oph + 1
    out_w = (x.shape[3] - 1) * sw - 2 * pl + dw * (kw - 1) + opw + 1
    if out_h < 1 or out_w < 1:
        raise ShapeError(
            f"{op}: the output size ({out_h}, {out_w}) is not positive for input shape "
            f"{x.shape}, weight shape {weight.shape}, stride {spec.stride}, padding "
            f"{(pt, pl)}."
        )
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return ConvTranspose2d.apply(*inputs, spec=spec, out_hw=(out_h, out_w))


def conv1d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """1-D convolution on (N, C, L) with PyTorch's semantics, computed as a conv2d of height 1.

    ``weight`` (O, C/groups, K), ``bias`` (O,); ``padding`` an int, "valid" or "same".

    Examples
    --------
    >>> import scratchdl as sd
    >>> conv1d(sd.ones(2, 3, 10), sd.ones(4, 3, 5), padding="same").shape
    (2, 4, 10)
    """
    x, weight = constant(x), constant(weight)
    if x.ndim != 3 or weight.ndim != 3:
        raise ShapeError(
            f"conv1d: expected input (N, C, L) and weight (O, C/groups, K); received input "
            f"shape {x.shape} and weight shape {weight.shape}."
        )

    def one(name, value):
        if isinstance(value, (tuple, list)) and len(value) == 1:
            value = value[0]
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise TypeError(f"conv1d: {name} must be an int; received {name}={value!r}.")
        return int(value)

    stride, dilation = one("stride", stride), one("dilation", dilation)
    if not isinstance(padding, str):
        padding = (0, one("padding", padding))
    n, c, length = x.shape
    y = conv2d(
        x.reshape(n, c, 1, length),  # (N, C, L) -> (N, C, 1, L)
        weight.reshape(weight.shape[0], weight.shape[1], 1, weight.shape[2]),  # (O, Cg, 1, K)
        bias,
        stride=(1, stride),
        padding=padding,
        dilation=(1, dilation),
        groups=groups,
    )
    return y.reshape(y.shape[0], y.shape[1], y.shape[3])  # (N, O, 1, OL) -> (N, O, OL)
