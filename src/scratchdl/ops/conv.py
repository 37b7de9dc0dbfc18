"""Convolutions: conv2d, conv_transpose2d and conv1d, computed as one matrix multiply over im2col.

Used by every CNN of the course (LeNet-5, the VGG-style net, ResNet-18, the MNIST-1D CNN) and by
GAN generators (``conv_transpose2d``).

The idea (im2col, in ``ops/im2col.py``): lay every (C, KH, KW) window of the padded input out
as a column of a matrix ``cols`` (C·KH·KW, N·OH·OW), and the whole convolution is one matmul
``W @ cols``; its adjoint col2im (a scatter-add of the columns back onto the image) is exactly
the transposed convolution. The batch is processed in chunks of samples so that ``cols`` stays
small, and nothing of its size is kept for backward.

Three Functions cover everything, and each one's backward is written with the other two, so
gradients of gradients work (WGAN-GP):

* ``Conv2d``            y = conv(x, W)                 (the forward op)
* ``ConvTranspose2d``   y = convᵀ(x, W)                (its adjoint in x; the dx of Conv2d)
* ``Conv2dWeightGrad``  dW = corr(x, g)                (its adjoint in W; the dW of Conv2d)

``im2col``/``col2im`` are re-exported here for teaching (PyTorch's ``F.unfold``/``F.fold``).
"""

from __future__ import annotations

import numpy as np

from scratchdl.autograd.function import Function
from scratchdl.errors import DTypeError, ShapeError
from scratchdl.ops._convert import constant
from scratchdl.ops.im2col import (  # noqa: F401  (col2im, im2col: re-exported for teaching)
    _col2im_groups,
    _flat_cols,
    _group_cols,
    _out_hw,
    _pair,
    _rows,
    _Spec,
    _spec,
    col2im,
    conv_output_size,
    im2col,
)
from scratchdl.tensor import Tensor

__all__: list[str] = []


# ---------------------------------------------------------------------------------------------
# The three kernels on raw arrays
# ---------------------------------------------------------------------------------------------


# At most about this many bytes of im2col columns exist at once: the batch is processed in
# chunks of samples, so a convolution's temporary memory stays bounded however large the batch
# (nothing im2col-sized is kept for backward), and each chunk's columns stay near cache size.
_COLUMN_BUDGET = 1 << 24  # 16 MiB


def _uses_flat_cols(ow: int, wp: int, spec: _Spec, out_per_group: int) -> bool:
    """Whether ``_flat_cols`` pays (stride 1 only). Its junk columns cost GEMM work, which
    matters when the GEMM is compute-bound: allow at most one junk column per 8 real ones then.
    With few output channels the GEMM is bound by reading cols, and the faster copy wins."""
    if spec.stride != (1, 1):
        return False
    return out_per_group <= 16 or 8 * (wp - ow) <= ow


def _batch_chunks(n: int, column_bytes_per_sample: int) -> list[slice]:
    step = max(1, _COLUMN_BUDGET // max(column_bytes_per_sample, 1))
    return [slice(start, min(start + step, n)) for start in range(0, n, step)]


def _conv_forward(x: np.ndarray, w: np.ndarray, spec: _Spec, keep: bool = False):
    """y = conv(x, W) as one GEMM ``W_g @ cols[g]`` per group and chunk of samples; returns
    (y, cols), cols being the columns when ``keep`` and the batch fit in one chunk, else None.

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
    chunks = _batch_chunks(n, g * k * oh * width * x.itemsize)
    for part in chunks:
        nb = part.stop - part.start
        if flat:
            cols = _flat_cols(x[part], kh, kw, spec)[0]  # (G, K, nb·OH·Wp)
        else:
            cols = _group_cols(x[part], kh, kw, spec)  # (G, K, nb·OH·OW)
        wide = np.matmul(wm, cols).reshape(o, nb, oh, width)
        y[part] = wide[:, :, :, :ow].transpose(1, 0, 2, 3)
    return y, (cols if keep and len(chunks) == 1 else None)


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
        return _conv_forward(x, _flipped(w, g), full)[0]
    k = cg * kh * kw
    wt = w.reshape(g, o // g, k).transpose(0, 2, 1)  # (G, Cg·KH·KW, Og), a view
    y = np.empty((n, cg * g, *out_hw), dtype=np.result_type(x, w))
    for part in _batch_chunks(n, g * k * oh * ow * x.itemsize):
        cols = np.matmul(wt, _rows(x[part], g))  # a GEMM per group: (G, K, nb·OH·OW)
        shape = (part.stop - part.start, cg * g, *out_hw)
        y[part] = _col2im_groups(cols, shape, kh, kw, oh, ow, spec)
    return y


def _conv_weight_grad(x: np.ndarray, g: np.ndarray, kernel, spec: _Spec, cols=None) -> np.ndarray:
    """dW = corr(x, g) = Σ_chunks g_rows[g] @ cols[g]ᵀ, a GEMM per group and chunk of samples.

    dW[o, c, a, b] = Σ_{n,i,j} g[n, o, i, j] · xpad[n, c, i·sh + a·dh, j·sw + b·dw] (per group).
    With ``_flat_cols``, g is widened to the padded width with zeros in the junk columns, so
    they add nothing. ``cols``: the forward's columns of the whole batch, when it kept them.
    """
    n, o, oh, ow = g.shape
    kh, kw = kernel
    gr = spec.groups
    k = (x.shape[1] // gr) * kh * kw
    wp = x.shape[3] + spec.padding[2] + spec.padding[3]
    flat = _uses_flat_cols(ow, wp, spec, o // gr)
    dw = None
    kept = cols
    for part in _batch_chunks(n, gr * k * oh * (wp if flat else ow) * x.itemsize):
        if kept is not None:  # the forward's columns: the batch is one chunk
            cols = kept
        elif flat:
            cols = _flat_cols(x[part], kh, kw, spec)[0]  # (G, K, nb·OH·Wp)
        else:
            cols = _group_cols(x[part], kh, kw, spec)  # (G, K, nb·OH·OW)
        if flat:
            nb = part.stop - part.start  # g straight into GEMM rows (G, Og, nb, OH, Wp), widened
            rows = np.zeros((gr, o // gr, nb, oh, wp), dtype=g.dtype)
            rows[..., :ow] = g[part].reshape(nb, gr, o // gr, oh, ow).transpose(1, 2, 0, 3, 4)
            rows = rows.reshape(gr, o // gr, nb * oh * wp)
        else:
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

    computed as ``W @ cols`` with cols = im2col(x) of shape (G, Cg·KH·KW, N·OH·OW) and W
    reshaped to (G, Og, Cg·KH·KW): one GEMM per group (and chunk of samples), whose (O, N, OH,
    OW) result one copy transposes into y. Stride-1 convolutions build cols on the padded width
    (``_flat_cols``), a cheaper copy.

    Backward: y is linear in x and in W separately, so each VJP is the adjoint map applied to g:

        dx = convᵀ(g, W)    y = A_W x, so dx = A_Wᵀ g = col2im(Wᵀ @ g_rows)  (ConvTranspose2d;
                            with stride 1, a conv of g with the flipped kernel instead)
        dW = corr(x, g)     dW[o, c, a, b'] = Σ_{n,i,j} g[n, o, i, j] · xpad[n, c, i·sh + a·dh,
                            j·sw + b'·dw] = Σ_n g_rows @ colsᵀ                 (Conv2dWeightGrad)
        db = Σ_{n,i,j} g[n, o, i, j]

    Saved for backward: the im2col columns when W needs a gradient and they fit in one chunk
    (at most ``_COLUMN_BUDGET`` bytes): dW then costs one GEMM and no second im2col. Larger
    columns (9x the input for a 3x3 kernel) would multiply a CNN's activation memory, so dW
    rebuilds those chunk by chunk of samples. Either way they are dropped after first use.
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
        y, self.cols = _conv_forward(x, w, spec, keep=self.needs_input_grad[1])
        if b is not None:
            y += b.reshape(-1, 1, 1)  # y is our own fresh array
        return y

    def backward(self, g):
        x, w = self.inputs[0], self.inputs[1]
        dx = dw = db = None
        if self.needs_input_grad[0]:
            dx = ConvTranspose2d.apply(g, w, spec=self.spec, out_hw=x.shape[2:])
        if self.needs_input_grad[1]:
            dw = Conv2dWeightGrad.apply(x, g, spec=self.spec, kernel=w.shape[2:], cols=self.cols)
            self.cols = None  # a second backward (retain_graph) rebuilds them
        if len(self.inputs) == 3 and self.needs_input_grad[2]:
            db = g.sum(axis=(0, 2, 3))
        return dx, dw, db


class ConvTranspose2d(Function):
    """y = convᵀ(x, W) + b, the transposed ("fractionally strided") convolution

    Forward: the adjoint of ``Conv2d`` in its input. With A_W the conv map u ↦ conv(u, W) from
    (N, C, H, W) to (N, O, OH, OW), y = A_Wᵀ x: each input pixel scatters its kernel-weighted
    copy into the output,

        ypad[n, c, i·sh + a·dh, j·sw + b'·dw] += Σ_o x[n, o, i, j] · W[o, c, a, b']

    computed as one GEMM per group ``cols = Wᵀ @ x_rows`` (G, Cg·KH·KW, N·OH·OW) and
    ``col2im``, then the padding is cropped off. With stride 1 it is equivalently an ordinary
    conv of x with the kernel flipped in space and its channel axes swapped, padded by
    (extent - 1 - padding): no scatter (``_full_correlation_spec``), used when its columns are
    no larger than col2im's. Here (H, W) = ``out_hw``; the public function derives it
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
    (within each group), one GEMM ``g_rows @ colsᵀ`` per chunk of samples, summed.
    Backward: dW is bilinear in (x, g) with <corr(x, g), v> = <conv(x, v), g> = <x, convᵀ(g, v)>.
    With upstream gradient ``gw`` (shaped like W):

        dx = convᵀ(g, gw)     (ConvTranspose2d onto x's spatial size)
        dg = conv(x, gw)      (Conv2d)

    Saved for backward: nothing (``cols`` may be handed over by ``Conv2d`` to skip one im2col).
    Shapes: x (N, C, H, W), g (N, O, OH, OW), dW (O, C/G, KH, KW).
    Double backward: supported.
    """

    def forward(self, x, g, spec=None, kernel=None, cols=None):
        self.spec = spec
        return _conv_weight_grad(x, g, tuple(kernel), spec, cols)

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
