"""Fully connected layers: Linear, and Identity (the layer that does nothing, a placeholder)."""

from __future__ import annotations

import math

import numpy as np

from scratchdl import backend
from scratchdl.nn import init
from scratchdl.nn.module import Module
from scratchdl.nn.parameter import Parameter
from scratchdl.ops.linalg import linear
from scratchdl.tensor import Tensor


class Linear(Module):
    """y = x @ Wᵀ + b, applied to the last axis of x.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of each input and output sample.
    bias : bool
        Learn an additive bias (default True).
    dtype : optional
        Parameter dtype (default: the default dtype, float32).

    Shapes: input (..., in_features), output (..., out_features); ``weight`` has shape
    (out_features, in_features) and ``bias`` (out_features,), as in PyTorch, so a PyTorch
    state dict loads unchanged.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl import nn
    >>> nn.Linear(784, 128)(sd.zeros(32, 784)).shape
    (32, 128)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=None) -> None:
        super().__init__()
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(
                    f"Linear: {name} must be a positive integer; received {name}={value!r}."
                )
        self.in_features, self.out_features = int(in_features), int(out_features)
        dtype = dtype or backend.get_default_dtype()
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(self.out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)  # declared absent, as PyTorch does
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: W and b uniform in ±1/√in_features.

        (Written as kaiming_uniform_ with a = √5, which gives exactly that bound: the choice
        keeps the output variance about a third of the input's, not a principled gain.)
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"{self!r}: input has {x.shape[-1] if x.ndim else 0} features in its last "
                f"dimension (shape {x.shape}); expected {self.in_features}."
            )
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Identity(Module):
    """y = x. A placeholder where a layer is optional (``downsample = Identity()``)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return x
