"""Normalisation layers: BatchNorm1d and BatchNorm2d (statistics over the batch) and LayerNorm
(over features).

The math (and its hand-derived backward) is in ``scratchdl.ops.norm``; these layers own the
learned scale and shift and, for batch norm, the running statistics used in eval mode.
"""

from __future__ import annotations

import numpy as np

from scratchdl import backend
from scratchdl.nn import init
from scratchdl.nn.module import Module
from scratchdl.nn.parameter import Parameter
from scratchdl.ops.norm import batch_norm, layer_norm
from scratchdl.tensor import Tensor


def _check_eps(layer: str, eps) -> None:
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.floating)) or not eps > 0:
        raise ValueError(f"{layer}: eps must be a positive number such as 1e-5; got {eps!r}.")


class _BatchNorm(Module):
    """Shared by BatchNorm1d and BatchNorm2d, which differ only in the input layouts they accept.

    Subclasses set ``expected_ndims`` (the allowed numbers of axes) and ``layout`` (the same in
    letters, for error messages).
    """

    expected_ndims: tuple[int, ...] = ()
    layout = ""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype=None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if isinstance(num_features, bool) or not isinstance(num_features, (int, np.integer)):
            raise ValueError(f"{name}: num_features must be an integer; got {num_features!r}.")
        if num_features < 1:
            raise ValueError(f"{name}: num_features must be positive; got {num_features}.")
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{name}: momentum must be in [0, 1] or None; got {momentum!r}.")
        _check_eps(name, eps)
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = dtype or backend.get_default_dtype()
        if affine:
            self.weight = Parameter(np.ones(self.num_features, dtype=dtype))
            self.bias = Parameter(np.zeros(self.num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(self.num_features, dtype=dtype))
            self.register_buffer("running_var", np.ones(self.num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_parameters(self) -> None:
        """Scale 1 and shift 0 (the identity), running mean 0 and variance 1."""
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)
        if self.track_running_stats:
            self.running_mean.data[...] = 0.0
            self.running_var.data[...] = 1.0
            self.num_batches_tracked.data[...] = 0

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self.expected_ndims:
            raise ValueError(
                f"{self!r}: expected an input with "
                + " or ".join(f"{n} axes" for n in self.expected_ndims)
                + f", {self.layout}; received shape {x.shape}."
            )
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"{self!r}: input has {x.shape[1]} channels on axis 1 (shape {x.shape}); "
                f"expected {self.num_features}."
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if self.momentum is None:  # a cumulative average over every batch so far
                factor = 1.0 / float(self.num_batches_tracked.data)
        # Without running statistics there is nothing else to normalise with, even in eval.
        use_batch_stats = self.training or not self.track_running_stats
        return batch_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            training=use_batch_stats,
            momentum=factor,
            eps=self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over (N, C) or (N, C, L): per feature C, normalise with the batch's
    mean and (biased) variance in training and with running averages in eval, then scale and
    shift: y = (x - mean) / sqrt(var + eps) * weight + bias.

    The running variance is updated with the unbiased batch variance, as in PyTorch:
    running = (1 - momentum) * running + momentum * batch statistic.
    Reference: Ioffe & Szegedy, "Batch Normalization", ICML 2015.
    """

    expected_ndims = (2, 3)
    layout = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of images (N, C, H, W): per channel C, normalise over the batch and
    both spatial axes (N·H·W values), then scale and shift:
    y = (x - mean) / sqrt(var + eps) * weight + bias.

    Training uses the batch's mean and biased variance and updates the running averages (with
    the unbiased variance, as in PyTorch); eval uses the running averages. Placed between a
    convolution and its ReLU in VGG-style nets and ResNets (whose convs then need no bias).
    Reference: Ioffe & Szegedy, "Batch Normalization", ICML 2015.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl import nn
    >>> bn = nn.BatchNorm2d(16)
    >>> bn(sd.randn(8, 16, 5, 5)).shape, int(bn.num_batches_tracked.item())
    ((8, 16, 5, 5), 1)
    """

    expected_ndims = (4,)
    layout = "(N, C, H, W)"


class LayerNorm(Module):
    """Normalise each sample over its last axes (``normalized_shape``), then scale and shift:
    y = (x - mean) / sqrt(var + eps) * weight + bias, with the biased variance.

    Unlike batch norm it behaves the same in training and eval. Reference: Ba et al.,
    "Layer Normalization", 2016.
    """

    def __init__(
        self,
        normalized_shape: int | tuple[int, ...],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype=None,
    ) -> None:
        super().__init__()
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (int(normalized_shape),)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        if not self.normalized_shape or min(self.normalized_shape) < 1:
            raise ValueError(
                f"LayerNorm: normalized_shape must be positive sizes of the last axes, e.g. 512 "
                f"or (4, 5); received {normalized_shape!r}."
            )
        _check_eps("LayerNorm", eps)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dtype = dtype or backend.get_default_dtype()
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """Scale 1 and shift 0."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, x: Tensor) -> Tensor:
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )
