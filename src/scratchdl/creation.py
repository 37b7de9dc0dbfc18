"""Functions that make new tensors: from data, filled with constants, ranges, random numbers.

Floating results take the default dtype (float32) unless ``dtype`` says otherwise. Random ones draw
from the global generator that ``sd.manual_seed`` seeds, or from a ``generator`` you pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scratchdl import backend
from scratchdl.tensor import Tensor


def _float_dtype(dtype) -> np.dtype:
    return backend.get_default_dtype() if dtype is None else np.dtype(dtype)


def _shape(shape: tuple) -> tuple[int, ...]:
    """Accept both zeros(2, 3) and zeros((2, 3)), as NumPy and PyTorch users expect."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for size in shape:
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 0:
            raise ValueError(
                f"shape must be non-negative integers, as in zeros(2, 3) or zeros((2, 3)); "
                f"received {shape!r}."
            )
    return tuple(int(s) for s in shape)


def tensor(data: Any, dtype=None, requires_grad: bool = False) -> Tensor:
    """Make a tensor from numbers, nested lists or an array (copied).

    Python floats become the default dtype (float32); NumPy arrays keep their dtype.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.tensor([[1, 2], [3, 4]]).dtype
    dtype('int64')
    >>> sd.tensor([1.0, 2.0], requires_grad=True)
    tensor([1., 2.], requires_grad=True)
    """
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)


def from_numpy(array: np.ndarray, requires_grad: bool = False) -> Tensor:
    """Wrap an ndarray without copying it (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray; received {type(array).__name__}.")
    t = Tensor._from_op(array, None)
    t.requires_grad = requires_grad
    return t


def _new(array: np.ndarray, requires_grad: bool) -> Tensor:
    return from_numpy(array, requires_grad=requires_grad)


def zeros(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros. ``sd.zeros(2, 3)`` or ``sd.zeros((2, 3))``."""
    return _new(np.zeros(_shape(shape), dtype=_float_dtype(dtype)), requires_grad)


def ones(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return _new(np.ones(_shape(shape), dtype=_float_dtype(dtype)), requires_grad)


def full(shape, fill_value: float, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``shape`` filled with ``fill_value``."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return _new(np.full(shape, fill_value, dtype=_float_dtype(dtype)), requires_grad)


def empty(*shape, dtype=None) -> Tensor:
    """A tensor whose values are whatever memory held (fast; fill it before use)."""
    return _new(np.empty(_shape(shape), dtype=_float_dtype(dtype)), False)


def eye(n: int, m: int | None = None, dtype=None, requires_grad: bool = False) -> Tensor:
    """An n x m matrix with ones on the diagonal."""
    return _new(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


def arange(start, stop=None, step=1, dtype=None) -> Tensor:
    """Evenly spaced values in [start, stop), as ``numpy.arange``.

    Integer arguments give an integer tensor, float arguments the default float dtype.
    """
    if stop is None:  # arange(stop) and arange(stop, step=k), as NumPy reads them
        start, stop = 0, start
    array = np.arange(start, stop, step)
    if dtype is not None:
        array = array.astype(dtype)
    elif array.dtype.kind == "f":
        array = array.astype(backend.get_default_dtype())
    return _new(array, False)


def linspace(start: float, stop: float, num: int = 50, dtype=None) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive."""
    return _new(np.linspace(start, stop, num, dtype=_float_dtype(dtype)), False)


def randn(*shape, dtype=None, requires_grad: bool = False, generator=None) -> Tensor:
    """Samples from the standard normal distribution N(0, 1)."""
    rng = generator if generator is not None else backend.default_generator()
    array = rng.standard_normal(_shape(shape)).astype(_float_dtype(dtype), copy=False)
    return _new(array, requires_grad)


def rand(*shape, dtype=None, requires_grad: bool = False, generator=None) -> Tensor:
    """Samples from the uniform distribution on [0, 1)."""
    rng = generator if generator is not None else backend.default_generator()
    array = rng.random(_shape(shape)).astype(_float_dtype(dtype), copy=False)
    return _new(array, requires_grad)


def randint(low: int, high: int, shape, generator=None) -> Tensor:
    """Random integers in [low, high) as an int64 tensor."""
    rng = generator if generator is not None else backend.default_generator()
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return _new(rng.integers(low, high, size=shape, dtype=np.int64), False)


def zeros_like(x: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and dtype, unless given) of ``x``."""
    return _new(np.zeros(x.shape, dtype=dtype or x.dtype), requires_grad)


def ones_like(x: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and dtype, unless given) of ``x``."""
    return _new(np.ones(x.shape, dtype=dtype or x.dtype), requires_grad)


def full_like(x: Tensor, fill_value: float, dtype=None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere, with the shape (and dtype, unless given) of ``x``."""
    return _new(np.full(x.shape, fill_value, dtype=dtype or x.dtype), requires_grad)


def randn_like(x: Tensor, dtype=None, requires_grad: bool = False, generator=None) -> Tensor:
    """Standard normal samples with the shape (and dtype, unless given) of ``x``."""
    return randn(x.shape, dtype=dtype or x.dtype, requires_grad=requires_grad, generator=generator)


def rand_like(x: Tensor, dtype=None, requires_grad: bool = False, generator=None) -> Tensor:
    """Uniform [0, 1) samples with the shape (and dtype, unless given) of ``x``."""
    return rand(x.shape, dtype=dtype or x.dtype, requires_grad=requires_grad, generator=generator)
