r"""Weight initialisers: fill a tensor in place with the values training should start from.

Why initialisation matters. A layer computes ``y_j = Σ_i w_ji x_i`` over ``fan_in`` inputs. With
zero-mean, independent weights and inputs, the variances multiply and add up:

    Var(y) = fan_in · Var(w) · Var(x)

so each layer scales the signal's variance by ``fan_in · Var(w)``. Over many layers a factor a
little below 1 makes activations (and, by the same argument backwards with ``fan_out``, gradients)
vanish; a factor above 1 makes them explode. The classic choices, in the order a course meets them:

- ``zeros_``: fine for biases, useless for weights (the hidden units never stop being copies).
- ``small_random_``: ``randn * 0.01`` breaks that symmetry, but its factor ``fan_in · 1e-4`` is
  far below 1, so deep nets start with vanishing signals.
- ``xavier_*`` (Glorot & Bengio, 2010): choose ``Var(w)`` so the factor is 1, compromising between
  the forward (``fan_in``) and backward (``fan_out``) passes: ``Var(w) = 2 / (fan_in + fan_out)``.
- ``kaiming_*`` (He et al., 2015): ReLU zeroes half its inputs, halving the second moment, so
  ``Var(w) = 2 / fan_in`` restores the factor 1 for ReLU nets.

A ``gain`` (``calculate_gain``) corrects the variance for the nonlinearity that follows the layer.

Every function here follows ``torch.nn.init``: it overwrites ``tensor.data`` in place (the array
keeps its identity and its dtype: float32 stays float32), builds no autograd graph, and returns
the tensor. Random draws come from ``generator`` when one is given, else from the global generator
that ``scratchdl.manual_seed`` seeds. Draws are made in float64 and then rounded to the tensor's
dtype, so the same seed gives the same values (up to rounding) in float32 and float64. The Xavier
and Kaiming fills need a weight of at least 2 dimensions (``ShapeError`` otherwise) and leave a
zero-element one as it is; a bad mode or nonlinearity is a ``ValueError`` naming the function.

References
----------
- X. Glorot and Y. Bengio, "Understanding the difficulty of training deep feedforward neural
  networks", AISTATS 2010.
- K. He, X. Zhang, S. Ren and J. Sun, "Delving Deep into Rectifiers: Surpassing Human-Level
  Performance on ImageNet Classification", ICCV 2015.
- G. Klambauer et al., "Self-Normalizing Neural Networks", NeurIPS 2017 (SELU).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from scratchdl import backend
from scratchdl.errors import DTypeError, ShapeError
from scratchdl.tensor import Tensor

Generator = np.random.Generator

__all__ = [
    "calculate_gain",
    "constant_",
    "glorot_normal_",
    "glorot_uniform_",
    "he_normal_",
    "he_uniform_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "small_random_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

_CONVS = ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
_LINEAR_NONLINEARITIES = ("linear", "identity", *_CONVS)
_NONLINEARITIES = (*_LINEAR_NONLINEARITIES, "sigmoid", "tanh", "relu", "leaky_relu", "selu")
_MODES = ("fan_in", "fan_out")


# --------------------------------------------------------------------------- checks and draws


def _check_tensor(fn: str, tensor, random: bool = False) -> None:
    """A Tensor (or Parameter); random initialisers also need a floating dtype."""
    if not isinstance(tensor, Tensor):
        raise TypeError(
            f"{fn}: expected a scratchdl Tensor or Parameter to fill in place; received "
            f"{type(tensor).__name__}. help: wrap an array with sd.tensor(array) first."
        )
    if random and not backend.is_floating(tensor.dtype):
        raise DTypeError(
            f"{fn}: random values need a floating tensor; received dtype={tensor.dtype}. "
            f"help: make the tensor with a float dtype (float32 or float64)."
        )


def _generator(fn: str, generator) -> Generator:
    if generator is None:
        return backend.default_generator()
    if not isinstance(generator, np.random.Generator):
        raise TypeError(
            f"{fn}: generator must be a numpy.random.Generator or None; received "
            f"{type(generator).__name__}. help: np.random.default_rng(seed) makes one."
        )
    return generator


def _check_number(fn: str, name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
        raise TypeError(f"{fn}: {name} must be a real number; received {name}={value!r}.")
    return float(value)


def _fill_normal(tensor: Tensor, mean: float, std: float, generator) -> Tensor:
    """data <- mean + std · z, z ~ N(0, 1), drawn in float64 and rounded to the tensor's dtype."""
    tensor.data[...] = generator.normal(mean, std, tensor.shape)  # one pass in C, then one cast
    return tensor


def _fill_uniform(tensor: Tensor, low: float, high: float, generator) -> Tensor:
    """data <- low + (high - low) · u, u ~ U[0, 1), in float64, then rounded to the dtype.

    Rounding to the dtype is monotonic, so values stay within [low, high] as the dtype represents
    them; the clamp catches the rare float64 draw that ``low + (high - low) · u`` rounds past high.
    """
    data = tensor.data
    data[...] = generator.uniform(low, high, tensor.shape)
    np.minimum(data, high, out=data)
    return tensor


# --------------------------------------------------------------------------- gain and fans


def _gain(fn: str, nonlinearity: str, param) -> float:
    if nonlinearity in _LINEAR_NONLINEARITIES or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif isinstance(param, bool) or not isinstance(param, numbers.Real):
            raise ValueError(
                f"{fn}: the leaky_relu negative slope must be a number; received param={param!r}."
            )
        else:
            negative_slope = float(param)
        return math.sqrt(2.0 / (1.0 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4.0
    raise ValueError(
        f"{fn}: unsupported nonlinearity={nonlinearity!r}; expected one of "
        f"{', '.join(_NONLINEARITIES)}."
    )


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor by which to scale an initialiser's std for the nonlinearity after the layer.

    A nonlinearity f changes the second moment of the signal: for unit-variance input,
    ``E[f(x)²]`` is 1 for the identity and 1/2 for ReLU. The gain is chosen so that
    ``gain² · E[f(x)²] ≈ Var(x)``, which keeps the variance constant from layer to layer.

    ================  =========================  ==========================================
    nonlinearity      gain                       why
    ================  =========================  ==========================================
    linear, conv*     1                          no nonlinearity
    sigmoid           1                          (PyTorch's convention)
    tanh              5/3                        E[tanh(z)²] ≈ 0.39 for z ~ N(0, 1)
    relu              √2                         ReLU keeps half the second moment
    leaky_relu        √(2 / (1 + slope²))        keeps (1 + slope²)/2 of it; slope 0.01
                                                 unless ``param`` gives it
    selu              3/4                        found empirically (PyTorch #50664); use
                                                 'linear' for self-normalising nets
    ================  =========================  ==========================================

    Parameters
    ----------
    nonlinearity : str
        A name from the table, as in ``nn.functional`` (conv* means conv1d/2d/3d and
        conv_transpose1d/2d/3d; 'identity' is accepted as 'linear'). Any other name raises
        ``ValueError`` listing the valid ones.
    param : float, optional
        The negative slope of leaky_relu (ignored by the others).

    Examples
    --------
    >>> from scratchdl.nn import init
    >>> round(init.calculate_gain("relu"), 4), init.calculate_gain("tanh")
    (1.4142, 1.6666666666666667)
    >>> round(init.calculate_gain("leaky_relu", 0.2), 4)
    1.3868
    """
    return _gain("calculate_gain", nonlinearity, param)


def _fans(fn: str, tensor: Tensor) -> tuple[int, int]:
    shape = tensor.shape
    if len(shape) < 2:
        raise ShapeError(
            f"{fn}: fan_in and fan_out need a weight with at least 2 dimensions, (out, in) or "
            f"(out, in, *kernel); received shape {shape}. help: initialise 1-D biases with "
            f"uniform_, normal_ or zeros_ instead."
        )
    receptive_field = math.prod(shape[2:])  # 1 for a (out, in) matrix; KH·KW for conv weights
    return shape[1] * receptive_field, shape[0] * receptive_field


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """The number of inputs and outputs each weight connects, as ``(fan_in, fan_out)``.

    For a Linear weight of shape (out, in): ``fan_in = in``, ``fan_out = out``. For a conv weight
    of shape (C_out, C_in, *kernel), each output sees ``C_in · prod(kernel)`` inputs and each input
    feeds ``C_out · prod(kernel)`` outputs (the kernel's "receptive field" multiplies both).

    Raises ``ShapeError`` (a ``ValueError``) for tensors with fewer than 2 dimensions.
    """
    _check_tensor("_calculate_fan_in_and_fan_out", tensor)
    return _fans("_calculate_fan_in_and_fan_out", tensor)


def _fan(fn: str, tensor: Tensor, mode: str) -> int:
    lowered = mode.lower() if isinstance(mode, str) else mode
    if lowered not in _MODES:
        raise ValueError(f"{fn}: unsupported mode={mode!r}; expected 'fan_in' or 'fan_out'.")
    fan_in, fan_out = _fans(fn, tensor)
    return fan_in if lowered == "fan_in" else fan_out


# --------------------------------------------------------------------------- constant fills


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0: the usual start for biases.

    Never use it for all the weights of a hidden layer: every unit would compute the same output
    and receive the same gradient, so the units stay copies of one another (no symmetry breaking).

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.nn import init
    >>> init.zeros_(sd.ones(3)).tolist()
    [0.0, 0.0, 0.0]
    """
    _check_tensor("zeros_", tensor)
    tensor.data[...] = 0
    return tensor


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1: the usual start for normalisation scales (BatchNorm/LayerNorm ``weight``)."""
    _check_tensor("ones_", tensor)
    tensor.data[...] = 1
    return tensor


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with the value ``val`` (converted to the tensor's dtype, as ``ndarray.fill`` does)."""
    _check_tensor("constant_", tensor)
    tensor.data[...] = _check_number("constant_", "val", val)
    return tensor


# --------------------------------------------------------------------------- plain random fills


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Fill with draws from the normal distribution N(mean, std²).

    Raises ``ValueError`` for a negative std.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.nn import init
    >>> w = init.normal_(sd.empty(1000, 100), std=0.02)
    >>> w.shape, w.dtype
    ((1000, 100), dtype('float32'))
    """
    _check_tensor("normal_", tensor, random=True)
    mean = _check_number("normal_", "mean", mean)
    std = _check_number("normal_", "std", std)
    if std < 0:
        raise ValueError(f"normal_: std must be non-negative; received std={std!r}.")
    return _fill_normal(tensor, mean, std, _generator("normal_", generator))


def uniform_(
    tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Fill with draws from the uniform distribution U(a, b): mean (a + b)/2, std (b - a)/√12.

    Values lie in [a, b) before rounding to the tensor's dtype and in [a, b] after it. Raises
    ``ValueError`` when a > b.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.nn import init
    >>> w = init.uniform_(sd.empty(100), -0.1, 0.1)
    >>> bool((w.data >= -0.1).all() and (w.data <= 0.1).all())
    True
    """
    _check_tensor("uniform_", tensor, random=True)
    a = _check_number("uniform_", "a", a)
    b = _check_number("uniform_", "b", b)
    if a > b:
        raise ValueError(f"uniform_: expected a <= b; received a={a!r}, b={b!r}.")
    return _fill_uniform(tensor, a, b, _generator("uniform_", generator))


def small_random_(
    tensor: Tensor, scale: float = 0.01, generator: Generator | None = None
) -> Tensor:
    """Fill with ``randn * scale`` (N(0, scale²)): the classic course's first initialisation.

    Small random weights break the symmetry that ``zeros_`` leaves, and keep sigmoid and tanh
    units near 0, where their slope is largest. Their weakness shows in deep nets: each layer
    multiplies the signal's variance by ``fan_in · scale²`` (0.01 for fan_in = 100 and
    scale = 0.01), so activations and gradients shrink geometrically with depth. Xavier and He
    fix that by deriving the scale from the fan instead of fixing it.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.nn import init
    >>> w = init.small_random_(sd.empty(4, 3))
    >>> bool(abs(w.data).max() < 0.1)
    True
    """
    _check_tensor("small_random_", tensor, random=True)
    scale = _check_number("small_random_", "scale", scale)
    if scale < 0:
        raise ValueError(f"small_random_: scale must be non-negative; received scale={scale!r}.")
    return _fill_normal(tensor, 0.0, scale, _generator("small_random_", generator))


# --------------------------------------------------------------------------- Xavier / Glorot


def _xavier(fn: str, tensor: Tensor, gain: float, generator, uniform: bool) -> Tensor:
    """The Xavier fills and their Glorot aliases; ``fn`` is the name errors report."""
    _check_tensor(fn, tensor, random=True)
    gain = _check_number(fn, "gain", gain)
    if gain < 0:
        raise ValueError(f"{fn}: gain must be non-negative; received gain={gain!r}.")
    generator = _generator(fn, generator)
    fan_in, fan_out = _fans(fn, tensor)
    if tensor.size == 0:
        return tensor
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    if uniform:
        bound = math.sqrt(3.0) * std  # U(-bound, bound) has variance bound² / 3
        return _fill_uniform(tensor, -bound, bound, generator)
    return _fill_normal(tensor, 0.0, std, generator)


def xavier_uniform_(tensor: Tensor, gain: float = 1, generator: Generator | None = None) -> Tensor:
    """Glorot/Xavier uniform: U(-bound, bound) with ``bound = gain · √(6 / (fan_in + fan_out))``.

    The variance-preserving argument (Glorot & Bengio, 2010): with zero-mean independent weights,
    ``Var(y) = fan_in · Var(w) · Var(x)`` in the forward pass, and the gradient's variance scales
    by ``fan_out · Var(w)`` in the backward pass. Both factors are 1 only when
    fan_in = fan_out; the compromise is ``Var(w) = 2 / (fan_in + fan_out)``. A uniform
    distribution on (-bound, bound) has variance ``bound² / 3``, hence the bound above (the std is
    ``gain · √(2 / (fan_in + fan_out))``). Designed for tanh/sigmoid-like units, whose slope at 0
    is about 1; pass ``gain=calculate_gain(...)`` for others.

    Examples
    --------
    >>> import math
    >>> import scratchdl as sd
    >>> from scratchdl.nn import init
    >>> w = init.xavier_uniform_(sd.empty(20, 30))
    >>> bound = math.sqrt(6 / (20 + 30))
    >>> bool(abs(w.data).max() <= bound)
    True
    """
    return _xavier("xavier_uniform_", tensor, gain, generator, uniform=True)


def xavier_normal_(tensor: Tensor, gain: float = 1, generator: Generator | None = None) -> Tensor:
    """Glorot/Xavier normal: N(0, std²) with ``std = gain · √(2 / (fan_in + fan_out))``.

    The same variance argument as ``xavier_uniform_`` (Glorot & Bengio, 2010), drawn from a
    normal distribution instead of a uniform one.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.nn import init
    >>> init.xavier_normal_(sd.empty(8, 3, 3, 3)).shape
    (8, 3, 3, 3)
    """
    return _xavier("xavier_normal_", tensor, gain, generator, uniform=False)


# --------------------------------------------------------------------------- Kaiming / He


def _kaiming(
    fn: str, tensor: Tensor, a: float, mode: str, nonlinearity: str, generator, uniform: bool
) -> Tensor:
    """The Kaiming fills and their He aliases; ``fn`` is the name errors report."""
    _check_tensor(fn, tensor, random=True)
    generator = _generator(fn, generator)
    fan = _fan(fn, tensor, mode)
    gain = _gain(fn, nonlinearity, a)
    if tensor.size == 0:
        return tensor
    std = gain / math.sqrt(fan)
    if uniform:
        bound = math.sqrt(3.0) * std  # U(-bound, bound) has variance bound² / 3
        return _fill_uniform(tensor, -bound, bound, generator)
    return _fill_normal(tensor, 0.0, std, generator)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """Kaiming/He uniform: U(-bound, bound) with ``bound = gain · √(3 / fan)``.

    The variance-preserving argument for rectifiers (He et al., 2015): ReLU zeroes the negative
    half of a symmetric input, so ``E[relu(x)²] = Var(x) / 2``. Keeping the variance constant
    through ``y = W·relu(x)`` then needs ``fan_in · Var(w) / 2 = 1``, i.e.
    ``Var(w) = 2 / fan_in``: ``std = gain / √fan`` with gain √2 (``√(2 / (1 + a²))`` for a leaky
    ReLU of negative slope ``a``). The uniform bound is ``√3 · std``. Without the factor 2 (Xavier)
    the signal halves at every ReLU layer, which stalls very deep nets.

    Parameters
    ----------
    tensor : Tensor
        A weight with at least 2 dimensions: (out, in) or (C_out, C_in, *kernel).
    a : float
        The negative slope of the leaky ReLU after this layer (used only with 'leaky_relu'; 0, the
        default, gives plain ReLU's gain √2).
    mode : {'fan_in', 'fan_out'}
        'fan_in' (default) preserves the variance of the activations in the forward pass,
        'fan_out' that of the gradients in the backward pass. The fans assume a weight used as
        ``x @ Wᵀ`` with shape (out, in); for a weight of shape (in, out) used as ``x @ W``,
        'fan_out' reads the input size.
    nonlinearity : str
        A name ``calculate_gain`` accepts; 'relu' or 'leaky_relu' (default) are what the method
        is for.
    generator : numpy.random.Generator, optional
        Where to draw from (default: the global one that ``manual_seed`` seeds).

    Examples
    --------
    >>> import math
    >>> import scratchdl as sd
    >>> from scratchdl.nn import init
    >>> w = init.kaiming_uniform_(sd.empty(64, 50), nonlinearity="relu")
    >>> bool(abs(w.data).max() <= math.sqrt(6 / 50))
    True
    """
    return _kaiming("kaiming_uniform_", tensor, a, mode, nonlinearity, generator, uniform=True)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """Kaiming/He normal: N(0, std²) with ``std = gain / √fan``.

    The same argument and arguments as ``kaiming_uniform_`` (He et al., 2015), drawn from a
    normal distribution. With ``nonlinearity='relu'`` and mode 'fan_in' this is the classic
    course's He initialisation, ``randn * √(2 / n_prev)``.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.nn import init
    >>> init.kaiming_normal_(sd.empty(16, 3, 3, 3), mode="fan_out", nonlinearity="relu").shape
    (16, 3, 3, 3)
    """
    return _kaiming("kaiming_normal_", tensor, a, mode, nonlinearity, generator, uniform=False)


# --------------------------------------------------------------------------- Keras-style aliases


def glorot_uniform_(tensor: Tensor, gain: float = 1, generator: Generator | None = None) -> Tensor:
    """Keras' name for ``xavier_uniform_`` (Glorot is Xavier Glorot's surname)."""
    return _xavier("glorot_uniform_", tensor, gain, generator, uniform=True)


def glorot_normal_(tensor: Tensor, gain: float = 1, generator: Generator | None = None) -> Tensor:
    """Keras' name for ``xavier_normal_``."""
    return _xavier("glorot_normal_", tensor, gain, generator, uniform=False)


def he_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "relu",
    generator: Generator | None = None,
) -> Tensor:
    """``kaiming_uniform_`` under Keras' name, defaulting to ``nonlinearity='relu'``."""
    return _kaiming("he_uniform_", tensor, a, mode, nonlinearity, generator, uniform=True)


def he_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "relu",
    generator: Generator | None = None,
) -> Tensor:
    """``kaiming_normal_`` under Keras' name, defaulting to ``nonlinearity='relu'``."""
    return _kaiming("he_normal_", tensor, a, mode, nonlinearity, generator, uniform=False)
