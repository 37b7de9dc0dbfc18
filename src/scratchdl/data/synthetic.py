"""Synthetic 2-D classification sets: small, seeded, and easy to plot.

Each function draws ``n`` points in the plane and returns ``TensorDataset(x, y)``:

* ``x`` is float32 of shape (n, 2);
* for two-class sets (``flower``, ``moons``, ``circles``, ``xor``, ``swiss_roll``) ``y`` is float32
  of shape (n, 1) with values 0 and 1, ready for ``binary_cross_entropy_with_logits`` on a model
  with one output;
* for multi-class sets (``spirals``, ``blobs``) ``y`` is int64 of shape (n,), ready for
  ``cross_entropy`` on a model with one output per class.

The classes are balanced (sizes differ by at most one) and the rows are shuffled, so the classes
are interleaved. ``seed`` is an int or a ``numpy.random.Generator``; without it the points come from
the global generator, so ``sd.manual_seed`` makes them reproducible too. ``noise`` is the standard
deviation of Gaussian noise, in the units of the plot.
"""

from __future__ import annotations

import math

import numpy as np

from scratchdl import backend
from scratchdl.data.dataset import TensorDataset

__all__ = ["blobs", "circles", "flower", "moons", "spirals", "swiss_roll", "xor"]


# ----------------------------------------------------------------------------- shared helpers
def _generator(seed, name: str) -> np.random.Generator:
    if seed is None:
        return backend.default_generator()
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return np.random.default_rng(int(seed))
    raise TypeError(
        f"{name}: seed must be a non-negative int, a numpy.random.Generator or None; received "
        f"seed={seed!r}."
    )


def _check_int(name: str, argument: str, value, minimum: int, meaning: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(
            f"{name}: expected {argument} >= {minimum} ({meaning}); received {argument}={value!r}."
        )
    return int(value)


def _check_nonnegative(name: str, argument: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: {argument} must be a number; received {argument}={value!r}.")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(
            f"{name}: expected {argument} >= 0 (a standard deviation); received "
            f"{argument}={value!r}."
        )
    return float(value)


def _class_sizes(n: int, k: int) -> list[int]:
    """``n`` points shared by ``k`` classes as evenly as possible (the first ones get the extra)."""
    return [n // k + (c < n % k) for c in range(k)]


def _polar(r: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Points at radius ``r`` and angle ``theta`` (radians): (m,), (m,) -> (m, 2)."""
    return np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)


def _dataset(parts: list[np.ndarray], rng: np.random.Generator, binary: bool) -> TensorDataset:
    """Label part c with class c, shuffle the rows, and cast to the documented dtypes."""
    x = np.concatenate(parts)
    y = np.concatenate([np.full(len(p), c) for c, p in enumerate(parts)])
    order = rng.permutation(len(x))
    x = x[order].astype(np.float32)
    if binary:
        y = y[order].astype(np.float32).reshape(-1, 1)  # (n, 1) like a one-output model's logits
    else:
        y = y[order].astype(np.int64)  # (n,) class indices
    return TensorDataset(x, y)


# ----------------------------------------------------------------------------- the data sets
def flower(n: int = 400, petals: int = 4, noise: float = 0.2, seed=None) -> TensorDataset:
    """The classic course's planar "flower": two classes on the petals of a rose curve.

    The rose ``r = 4 |sin(petals * theta)|`` has ``2 * petals`` petals, numbered ``i = 0, 1, ...``
    counterclockwise, each spanning an angle of ``pi / petals``. Around the first half turn the
    classes alternate (petal ``i`` has class ``i % 2``), and the opposite petal ``i + petals``
    always has the other class. For the default 4 petals this is the course's layout: the points
    of class ``c`` trace half a turn of ``r = 4 sin(4 t)``, ``t`` in ``[c pi, (c + 1) pi]``, where
    a negative radius lands on the opposite side. No straight line separates the classes
    (logistic regression stays near 50% accuracy); one tanh hidden layer of 4 units gets about
    90%. A point at fraction ``u`` along petal ``i`` has the angle
    ``theta = (i + u) * pi / petals + noise * e1`` and the radius
    ``4 sin(petals * theta - i * pi) + noise * e2`` (``e1``, ``e2`` standard normal), so without
    noise it lies on the rose.

    Parameters
    ----------
    n : int, at least 2
    petals : int, at least 1
        Petals per class.
    noise : float
        Standard deviation of the noise on the angle (radians) and on the radius.
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    TensorDataset
        ``x`` float32 (n, 2) in about [-4, 4]^2; ``y`` float32 (n, 1) of 0s and 1s.

    Examples
    --------
    >>> x, y = flower(n=400, seed=0).arrays
    >>> x.shape, x.dtype, y.shape, y.dtype, int(y.sum())
    ((400, 2), dtype('float32'), (400, 1), dtype('float32'), 200)
    """
    n = _check_int("flower", "n", n, 2, "the number of points")
    petals = _check_int("flower", "petals", petals, 1, "petals per class")
    noise = _check_nonnegative("flower", "noise", noise)
    rng = _generator(seed, "flower")
    index = np.arange(2 * petals)
    petal_class = np.where(index < petals, index % 2, 1 - (index - petals) % 2)
    parts = []
    for c, m in enumerate(_class_sizes(n, 2)):
        owned = index[petal_class == c]  # the class's petals, spread evenly over its points
        petal = owned[np.arange(m) % petals]
        u = rng.random(m)  # 0 and 1: the centre, 0.5: the tip of the petal
        theta = (petal + u) * (np.pi / petals) + noise * rng.standard_normal(m)
        # The radius follows the noisy angle, so noise slides a point along the petal's outline;
        # past the petal's end the radius turns negative and the point lands on the far side.
        r = 4.0 * np.sin(petals * theta - petal * np.pi) + noise * rng.standard_normal(m)
        parts.append(_polar(r, theta))
    return _dataset(parts, rng, binary=True)


def moons(n: int = 1000, noise: float = 0.1, seed=None) -> TensorDataset:
    """Two interleaving half circles ("moons").

    Class 0 lies on the upper half of the unit circle, ``(cos t, sin t)`` for t in [0, pi]; class 1
    on the lower half circle ``(1 - cos t, 0.5 - sin t)``, which reaches into the first one.
    Gaussian noise of standard deviation ``noise`` is added to both coordinates.

    Returns
    -------
    TensorDataset
        ``x`` float32 (n, 2); ``y`` float32 (n, 1) of 0s and 1s.

    Examples
    --------
    >>> x, y = moons(n=100, seed=0).arrays
    >>> x.shape, x.dtype, y.shape, y.dtype, int(y.sum())
    ((100, 2), dtype('float32'), (100, 1), dtype('float32'), 50)
    """
    n = _check_int("moons", "n", n, 2, "the number of points")
    noise = _check_nonnegative("moons", "noise", noise)
    rng = _generator(seed, "moons")
    m0, m1 = _class_sizes(n, 2)
    t0 = np.linspace(0, np.pi, m0)
    t1 = np.linspace(0, np.pi, m1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    parts = [p + noise * rng.standard_normal(p.shape) for p in (upper, lower)]
    return _dataset(parts, rng, binary=True)


def circles(n: int = 1000, noise: float = 0.05, factor: float = 0.5, seed=None) -> TensorDataset:
    """A small circle (class 1) inside a large one (class 0).

    The outer circle has radius 1, the inner one radius ``factor``; points are evenly spaced
    around each, then Gaussian noise of standard deviation ``noise`` is added.

    Parameters
    ----------
    factor : float in (0, 1)
        Radius of the inner circle relative to the outer one.

    Returns
    -------
    TensorDataset
        ``x`` float32 (n, 2); ``y`` float32 (n, 1), 1 for the inner circle.

    Examples
    --------
    >>> x, y = circles(n=100, seed=0).arrays
    >>> x.shape, x.dtype, y.shape, y.dtype, int(y.sum())
    ((100, 2), dtype('float32'), (100, 1), dtype('float32'), 50)
    """
    n = _check_int("circles", "n", n, 2, "the number of points")
    noise = _check_nonnegative("circles", "noise", noise)
    if isinstance(factor, bool) or not isinstance(factor, (int, float, np.number)):
        raise TypeError(f"circles: factor must be a number; received factor={factor!r}.")
    if not 0 < factor < 1:
        raise ValueError(
            f"circles: expected 0 < factor < 1 (the inner radius over the outer one); received "
            f"factor={factor!r}."
        )
    rng = _generator(seed, "circles")
    parts = []
    for radius, m in zip((1.0, float(factor)), _class_sizes(n, 2)):
        theta = np.linspace(0, 2 * np.pi, m, endpoint=False)
        parts.append(_polar(np.full(m, radius), theta) + noise * rng.standard_normal((m, 2)))
    return _dataset(parts, rng, binary=True)


def xor(n: int = 1000, noise: float = 0.1, seed=None) -> TensorDataset:
    """The XOR problem: class 1 where the two coordinates have different signs.

    Points fill the square [-1, 1]^2 except a margin of 0.1 along both axes (each coordinate's
    size is uniform in [0.1, 1]); the label is 1 in the second and fourth quadrants, 0 in the first
    and third. Gaussian noise of standard deviation ``noise`` then moves the points (not their
    labels), so a few cross the axes. No single line separates the classes.

    Returns
    -------
    TensorDataset
        ``x`` float32 (n, 2); ``y`` float32 (n, 1) of 0s and 1s.

    Examples
    --------
    >>> x, y = xor(n=100, seed=0).arrays
    >>> x.shape, x.dtype, y.shape, y.dtype, int(y.sum())
    ((100, 2), dtype('float32'), (100, 1), dtype('float32'), 50)
    """
    n = _check_int("xor", "n", n, 2, "the number of points")
    noise = _check_nonnegative("xor", "noise", noise)
    rng = _generator(seed, "xor")
    parts = []
    for c, m in enumerate(_class_sizes(n, 2)):
        size = rng.uniform(0.1, 1.0, (m, 2))
        sign_x = rng.choice([-1.0, 1.0], m)
        sign_y = sign_x if c == 0 else -sign_x  # same signs: class 0; different: class 1
        p = size * np.stack([sign_x, sign_y], axis=1)
        parts.append(p + noise * rng.standard_normal((m, 2)))
    return _dataset(parts, rng, binary=True)


def spirals(n: int = 1000, classes: int = 3, noise: float = 0.2, seed=None) -> TensorDataset:
    """``classes`` spiral arms winding out of the centre, one class per arm.

    Arm ``c`` starts at angle ``2 pi c / classes``; a point at fraction ``u`` along it has radius
    ``u`` and angle ``2 pi c / classes + 1.5 pi u``, plus Gaussian noise of standard deviation
    ``noise`` on the angle (radians). A linear softmax classifier manages about 1 / classes;
    a hidden layer separates the arms.

    Parameters
    ----------
    classes : int, at least 2
        The number of arms (and classes); ``n`` must be at least ``classes``.

    Returns
    -------
    TensorDataset
        ``x`` float32 (n, 2) inside the unit disc (up to noise); ``y`` int64 (n,) in
        ``[0, classes)``.

    Examples
    --------
    >>> x, y = spirals(n=300, classes=3, seed=0).arrays
    >>> x.shape, x.dtype, y.shape, y.dtype, y.tolist().count(2)
    ((300, 2), dtype('float32'), (300,), dtype('int64'), 100)
    """
    classes = _check_int("spirals", "classes", classes, 2, "the number of arms")
    n = _check_int(
        "spirals", "n", n, max(2, classes), "the number of points, one per class at least"
    )
    noise = _check_nonnegative("spirals", "noise", noise)
    rng = _generator(seed, "spirals")
    parts = []
    for c, m in enumerate(_class_sizes(n, classes)):
        u = np.linspace(0, 1, m)
        theta = 2 * np.pi * c / classes + 1.5 * np.pi * u + noise * rng.standard_normal(m)
        parts.append(_polar(u, theta))
    return _dataset(parts, rng, binary=False)


def swiss_roll(n: int = 1000, noise: float = 0.1, seed=None) -> TensorDataset:
    """Two interleaved spiral arms in the plane (a flat "swiss roll"), one class per arm.

    Arm 0 is the spiral ``(t / pi) (cos t, sin t)`` for t from 1.5 pi to 4.5 pi (a turn and a
    half, radius 1.5 to 4.5); arm 1 is the same spiral turned by half a turn, so the arms alternate
    1 unit apart along any ray. Gaussian noise of standard deviation ``noise`` is added to both
    coordinates.

    Returns
    -------
    TensorDataset
        ``x`` float32 (n, 2) in about [-4.5, 4.5]^2; ``y`` float32 (n, 1) of 0s and 1s.

    Examples
    --------
    >>> x, y = swiss_roll(n=100, seed=0).arrays
    >>> x.shape, x.dtype, y.shape, y.dtype, int(y.sum())
    ((100, 2), dtype('float32'), (100, 1), dtype('float32'), 50)
    """
    n = _check_int("swiss_roll", "n", n, 2, "the number of points")
    noise = _check_nonnegative("swiss_roll", "noise", noise)
    rng = _generator(seed, "swiss_roll")
    parts = []
    for c, m in enumerate(_class_sizes(n, 2)):
        t = 1.5 * np.pi * (1 + 2 * np.linspace(0, 1, m))
        arm = _polar(t / np.pi, t + c * np.pi)  # arm 1: turned by pi
        parts.append(arm + noise * rng.standard_normal((m, 2)))
    return _dataset(parts, rng, binary=True)


def blobs(n: int = 1000, centers=3, std: float = 1.0, seed=None) -> TensorDataset:
    """Gaussian clouds ("blobs"), one class per centre.

    Parameters
    ----------
    centers : int (at least 2) or array of shape (k, 2)
        The number of classes, or the centres themselves. An int ``k`` puts the centres evenly on a
        circle of radius ``max(5, 2 / sin(pi / k))``, so neighbouring centres are at least 4 apart.
    std : float
        Standard deviation of each cloud (both coordinates).

    Returns
    -------
    TensorDataset
        ``x`` float32 (n, 2); ``y`` int64 (n,) in ``[0, k)``.

    Examples
    --------
    >>> x, y = blobs(n=300, centers=3, seed=0).arrays
    >>> x.shape, x.dtype, y.shape, y.dtype, y.tolist().count(0)
    ((300, 2), dtype('float32'), (300,), dtype('int64'), 100)
    """
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        k = _check_int("blobs", "centers", centers, 2, "the number of classes")
        radius = max(5.0, 2.0 / math.sin(math.pi / k))
        points = _polar(np.full(k, radius), 2 * np.pi * np.arange(k) / k)
    else:
        points = np.asarray(centers, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != 2 or points.shape[0] < 2:
            raise ValueError(
                f"blobs: centers must be an int >= 2 or an array of shape (k, 2) with k >= 2; "
                f"received centers of shape {points.shape}."
            )
        k = points.shape[0]
    n = _check_int("blobs", "n", n, max(2, k), "the number of points, one per class at least")
    std = _check_nonnegative("blobs", "std", std)
    rng = _generator(seed, "blobs")
    parts = [
        center + std * rng.standard_normal((m, 2)) for center, m in zip(points, _class_sizes(n, k))
    ]
    return _dataset(parts, rng, binary=False)
