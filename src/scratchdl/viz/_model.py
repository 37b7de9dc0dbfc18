"""Helpers for running a model only to look at it: eval mode restored, the model's dtype, arrays.

A figure must never change the model it draws. Every function that calls a model does so inside
``evaluating(model)``, which switches to eval mode (dropout off, BatchNorm on running statistics)
and restores the previous mode afterwards, even when the forward pass raises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from scratchdl import backend
from scratchdl.tensor import Tensor


def as_array(value: Any) -> np.ndarray:
    """A Tensor's data, or ``np.asarray(value)``."""
    return value.data if isinstance(value, Tensor) else np.asarray(value)


@contextmanager
def evaluating(model: Any) -> Iterator[None]:
    """Run the body with ``model`` in eval mode, then give it back its previous mode.

    Plain callables (a function ``Tensor -> Tensor``) have no mode and are left alone.
    """
    was_training = getattr(model, "training", None)
    if was_training is None or not callable(getattr(model, "train", None)):
        yield
        return
    model.train(False)
    try:
        yield
    finally:
        model.train(was_training)


def model_dtype(model: Any) -> np.dtype:
    """The dtype of the model's first floating parameter, else the default dtype (float32).

    Inputs made for a model (a grid of points, a zero batch) take this dtype, so a float64 model
    gets float64 points and a float32 model is never silently upcast.
    """
    parameters = getattr(model, "parameters", None)
    if callable(parameters):
        for parameter in parameters():
            if parameter.data.dtype.kind == "f":
                return parameter.data.dtype
    return np.dtype(backend.get_default_dtype())


def model_input(x: Any, model: Any, requires_grad: bool = False) -> Tensor:
    """``x`` as a fresh Tensor for ``model``: floating data cast to the model's dtype."""
    array = as_array(x)
    if array.dtype.kind == "f" or requires_grad:
        array = array.astype(model_dtype(model))
    return Tensor(array, requires_grad=requires_grad)


def check_callable(model: Any, owner: str) -> None:
    if not callable(model):
        raise TypeError(
            f"{owner}: model must be an nn.Module or a function Tensor -> Tensor; received "
            f"{type(model).__name__}."
        )


def conv_weight_ndim(module: Any) -> int | None:
    """3 for a Conv1d-like module, 4 for a Conv2d-like one, else None.

    A convolution layer is recognised by what it holds, not by its class: a ``weight`` of shape
    (out, in, k) or (out, in, kh, kw). That finds ``nn.Conv2d`` and any home-made layer alike.
    """
    weight = getattr(module, "weight", None)
    if isinstance(weight, Tensor) and weight.ndim in (3, 4):
        return weight.ndim
    return None


def conv_modules(model: Any) -> list[tuple[str, Any]]:
    """``(dotted name, module)`` of every convolution layer of ``model``, in registration order."""
    named_modules: Callable | None = getattr(model, "named_modules", None)
    if named_modules is None:
        return []
    return [(name, m) for name, m in named_modules() if conv_weight_ndim(m) is not None]
