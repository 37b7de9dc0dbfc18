"""MNIST-1D: a small, procedurally generated stand-in for MNIST, made locally in milliseconds.

Greydanus (2020), "Scaling Down Deep Learning" (arXiv:2011.14439), drew each digit 0..9 as a
hand-designed 1-D curve of 12 points, then passed it through random transformations (dilation,
scaling, translation, correlated and iid noise, shear) and resampled it to 40 points. The result
is a 4,000 / 1,000 train / test set that separates models far better than MNIST does: the paper
reports about 32% test accuracy for logistic regression, 68% for an MLP, 94% for a CNN and 96%
for a human expert. Nothing is downloaded; the same seed always gives the same data.

The default hyper-parameters are those of the reference implementation
(github.com/greydanus/mnist1d, ``get_dataset_args`` in ``mnist1d/data.py``): 5,000 samples, an
0.8 train split, padding of 36..60 points, scale coefficient 0.4, 48 possible shifts,
correlated-noise scale 0.25 (Gaussian smoothing with sigma 2), iid-noise scale 0.02, shear scale
0.75, final length 40, seed 42. The template values are the ones published there. This module
draws its random numbers from a ``numpy.random.Generator``, vectorised over the samples, so the
procedure and its distribution are the same but the individual samples differ from the pickled
file the project distributes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scratchdl import backend
from scratchdl.data.dataset import TensorDataset

__all__ = ["MNIST1DData", "make_mnist1d", "mnist1d_templates"]

# The ten hand-drawn strokes (Greydanus 2020): one row per digit 0..9, 12 points each, each
# starting and ending at 5 so that, once shifted, the curve leaves and returns to 0.
_STROKES = np.array(
    [
        [5, 6, 6.5, 6.75, 7, 7, 7, 7, 6.75, 6.5, 6, 5],  # 0
        [5, 3, 3, 3.4, 3.8, 4.2, 4.6, 5, 5.4, 5.8, 5, 5],  # 1
        [5, 6, 6.5, 6.5, 6, 5.25, 4.75, 4, 3.5, 3.5, 4, 5],  # 2
        [5, 6, 6.5, 6.5, 6, 5, 5, 6, 6.5, 6.5, 6, 5],  # 3
        [5, 4.4, 3.8, 3.2, 2.6, 2.6, 5, 5, 5, 5, 5, 5],  # 4
        [5, 3, 3, 3, 3, 5, 6, 6.5, 6.5, 6, 4.5, 5],  # 5
        [5, 4, 3.5, 3.25, 3, 3, 3, 3, 3.25, 3.5, 4, 5],  # 6
        [5, 7, 7, 6.6, 6.2, 5.8, 5.4, 5, 4.6, 4.2, 5, 5],  # 7
        [5, 4, 3.5, 3.5, 4, 5, 5, 4, 3.5, 3.5, 4, 5],  # 8
        [5, 4, 3.5, 3.5, 4, 5, 5, 5, 5, 4.7, 4.3, 5],  # 9
    ],
    dtype=np.float64,
)
_NUM_CLASSES, _TEMPLATE_LENGTH = _STROKES.shape
_SMOOTHING_SIGMA = 2.0  # width, in canvas points, of the Gaussian that correlates the noise


def mnist1d_templates() -> np.ndarray:
    """The ten MNIST-1D digit templates, shape (10, 12), float64.

    Each hand-drawn stroke ``s`` is standardized, shifted so it starts at 0, and shrunk::

        template = ((s - mean(s)) / std(s) - (s_0 - mean(s)) / std(s)) / 6

    so every template begins and ends at exactly 0 (the strokes start and end at the same value)
    and has an amplitude of about 1/3.

    Examples
    --------
    >>> t = mnist1d_templates()
    >>> t.shape, float(t[:, 0].max()), float(t[:, -1].max())
    ((10, 12), 0.0, 0.0)
    """
    standardized = (_STROKES - _STROKES.mean(axis=1, keepdims=True)) / _STROKES.std(
        axis=1, keepdims=True
    )
    return (standardized - standardized[:, :1]) / 6


@dataclass(frozen=True)
class MNIST1DData:
    """The arrays made by ``make_mnist1d``.

    Attributes
    ----------
    x_train : ndarray, float32, shape (n_train, length)
    y_train : ndarray, int64, shape (n_train,), digits 0..9
    x_test : ndarray, float32, shape (n_test, length)
    y_test : ndarray, int64, shape (n_test,)
    templates : ndarray, float32, shape (10, 12)
        The clean digit curves every sample was made from (``mnist1d_templates()``).
    t : ndarray, float32, shape (length,)
        The second coordinate for drawing a sample as a stroke, as in the paper's figures:
        ``plt.plot(x, t)`` with the vertical axis inverted.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    templates: np.ndarray
    t: np.ndarray

    def datasets(self) -> tuple[TensorDataset, TensorDataset]:
        """``(TensorDataset(x_train, y_train), TensorDataset(x_test, y_test))``, ready for a
        ``DataLoader``."""
        return TensorDataset(self.x_train, self.y_train), TensorDataset(self.x_test, self.y_test)

    def __repr__(self) -> str:
        return (
            f"MNIST1DData(train={len(self.y_train)}, test={len(self.y_test)}, "
            f"length={self.x_train.shape[1]})"
        )


# ----------------------------------------------------------------------------- building blocks
def _sample_linear(rows: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Linear interpolation of each row at fractional indices.

    ``rows`` (N, L) holds values at integer positions 0..L-1; ``positions`` (N, M) or (M,) holds
    where to read, in [0, L-1]. Position ``s = i + f`` (``i`` an integer, ``0 <= f <= 1``) reads
    ``(1 - f) * rows[:, i] + f * rows[:, i + 1]``.
    """
    positions = np.broadcast_to(positions, (rows.shape[0], np.shape(positions)[-1]))
    left = np.minimum(np.floor(positions).astype(np.int64), rows.shape[1] - 2)  # (N, M)
    fraction = positions - left
    values_left = np.take_along_axis(rows, left, axis=1)
    values_right = np.take_along_axis(rows, left + 1, axis=1)
    return (1 - fraction) * values_left + fraction * values_right


def _gaussian_smooth(rows: np.ndarray, sigma: float) -> np.ndarray:
    """Smooth each row (N, L) with a normalised Gaussian kernel of standard deviation ``sigma``.

    ``y[i] = sum_k w[k] x[i + k]`` for ``k = -r..r``, ``w[k] ∝ exp(-k^2 / (2 sigma^2))``, with
    ``r = round(4 sigma)`` and the rows extended by mirroring (``a b c | c b a``). These are the
    conventions of ``scipy.ndimage.gaussian_filter1d``, which the reference implementation uses.
    """
    radius = int(4 * sigma + 0.5)
    offsets = np.arange(-radius, radius + 1)
    weights = np.exp(-0.5 * (offsets / sigma) ** 2)
    weights /= weights.sum()
    padded = np.pad(rows, ((0, 0), (radius, radius)), mode="symmetric")  # (N, L + 2r)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * radius + 1, axis=1)
    return windows @ weights  # (N, L, 2r + 1) @ (2r + 1,) -> (N, L)


def _rng(seed) -> np.random.Generator:
    if seed is None:
        return backend.default_generator()
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return np.random.default_rng(int(seed))
    raise TypeError(
        f"make_mnist1d: seed must be a non-negative int, a numpy.random.Generator or None (the "
        f"global generator); received seed={seed!r}."
    )


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _check_arguments(
    n_samples, train_split, length, padding, max_shift, scales: dict[str, float]
) -> tuple[int, int]:
    for name, value, minimum in (("n_samples", n_samples, 1), ("length", length, 2)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise ValueError(
                f"make_mnist1d: {name} must be an integer >= {minimum}; received {name}={value!r}."
            )
    if isinstance(max_shift, bool) or not isinstance(max_shift, (int, np.integer)) or max_shift < 0:
        raise ValueError(
            f"make_mnist1d: max_shift must be an integer >= 0 (0 turns translation off); "
            f"received max_shift={max_shift!r}."
        )
    if not _is_number(train_split) or not 0 < train_split <= 1:
        raise ValueError(
            f"make_mnist1d: train_split is the fraction of samples in the training set and must "
            f"lie in (0, 1]; received train_split={train_split!r}."
        )
    try:
        low, high = (int(p) for p in padding)
    except (TypeError, ValueError):
        raise ValueError(
            f"make_mnist1d: padding must be a pair (low, high) of integers; received "
            f"padding={padding!r}."
        ) from None
    if not 0 <= low <= high:
        raise ValueError(
            f"make_mnist1d: padding=(low, high) needs 0 <= low <= high (the number of zeros "
            f"appended is drawn from low..high); received padding={padding!r}."
        )
    for name, value in scales.items():
        if not (_is_number(value) and math.isfinite(value) and value >= 0):
            raise ValueError(f"make_mnist1d: {name} must be a number >= 0; received {value!r}.")
    return low, high


# ----------------------------------------------------------------------------- the generator
def make_mnist1d(
    n_samples: int = 5000,
    train_split: float = 0.8,
    length: int = 40,
    seed: int | np.random.Generator | None = 42,
    *,
    padding: tuple[int, int] = (36, 60),
    scale_coeff: float = 0.4,
    max_shift: int = 47,
    corr_noise_scale: float = 0.25,
    iid_noise_scale: float = 0.02,
    shear_scale: float = 0.75,
    shuffle_positions: bool = False,
) -> MNIST1DData:
    """Generate the MNIST-1D dataset (Greydanus 2020): ten 1-D digit curves, randomly distorted.

    Every sample starts from the template of its digit (``mnist1d_templates()``, 12 points that
    begin and end at 0) and goes through these steps, each with its own random draw:

    1. **Pad and dilate.** Append ``p ~ U{padding[0]..padding[1]}`` zeros and stretch the
       ``12 + p`` points linearly onto a canvas of ``C = 12 + padding[1]`` points (72 by
       default). More padding leaves less of the canvas to the digit, so ``p`` sets its width.
    2. **Scale** the amplitude by ``a ~ U[1 - scale_coeff/2, 1 + scale_coeff/2)``.
    3. **Translate**: roll the canvas circularly right by ``k ~ U{0..max_shift}`` points.
    4. **Correlated noise** fills the background (the canvas outside the digit):
       ``corr_noise_scale * smooth(z)``, ``z ~ N(0, 1)`` per point, ``smooth`` a Gaussian filter
       of standard deviation 2 points, so neighbouring background values move together.
    5. **iid noise** ``iid_noise_scale * N(0, 1)`` is added to every point.
    6. **Shear**: subtract the line ``c * u``, ``u`` evenly spaced on [-1/2, 1/2] across the
       canvas, ``c ~ U[-shear_scale/2, shear_scale/2)``: a random tilt of the whole signal.
    7. **Resample** the canvas linearly to ``length`` points.

    Finally the rows are shuffled, the whole set is standardized with its overall mean and
    standard deviation (two numbers, as in the reference implementation: they are part of the
    generator, not statistics a model fits), and the first ``int(n_samples * train_split)``
    rows form the training set.

    Parameters
    ----------
    n_samples : int
        Samples in total; the classes get ``n_samples // 10`` each (the first ``n_samples % 10``
        classes one more).
    train_split : float
        Fraction of the samples in the training set, in (0, 1]; the rest is the test set.
    length : int
        Points per sample after resampling.
    seed : int, numpy.random.Generator or None
        Seeds the generator (the same seed gives the same arrays); None draws from scratchdl's
        global generator, which ``sd.manual_seed`` seeds.
    padding : (int, int)
        Inclusive range of the number of zeros appended before dilation (step 1).
    scale_coeff : float
        Width of the amplitude factor's range around 1 (step 2).
    max_shift : int
        Largest circular shift in canvas points (step 3); 0 turns translation off. The reference
        implementation's ``max_translation=48`` draws from ``range(48)``, i.e. up to 47.
    corr_noise_scale, iid_noise_scale : float
        Standard deviations of the background's correlated noise and of the iid noise.
    shear_scale : float
        Width of the range of the shear slope (step 6).
    shuffle_positions : bool
        Apply one random permutation to the ``length`` positions of every sample. A model that
        ignores order (an MLP, logistic regression) does as well as before; a CNN loses its
        spatial prior (the paper's "shuffle" row).

    Returns
    -------
    MNIST1DData
        ``x_train``/``x_test`` float32 (N, length), ``y_train``/``y_test`` int64, ``templates``,
        ``t``; ``.datasets()`` gives the two ``TensorDataset``.

    Notes
    -----
    Every random number is drawn whatever the scales are, in a fixed order, so with one seed
    the samples keep their digit, width, shift and noise pattern when a scale changes: setting
    ``iid_noise_scale=0`` shows the same samples without their iid noise.

    Examples
    --------
    >>> data = make_mnist1d()
    >>> data.x_train.shape, data.x_train.dtype, data.y_test.shape, data.y_test.dtype
    ((4000, 40), dtype('float32'), (1000,), dtype('int64'))
    >>> train, test = data.datasets()
    >>> len(train), len(test)
    (4000, 1000)
    """
    scales = {
        "scale_coeff": scale_coeff,
        "corr_noise_scale": corr_noise_scale,
        "iid_noise_scale": iid_noise_scale,
        "shear_scale": shear_scale,
    }
    low, high = _check_arguments(n_samples, train_split, length, padding, max_shift, scales)
    rng = _rng(seed)
    templates = mnist1d_templates()  # (10, 12)
    canvas = _TEMPLATE_LENGTH + high  # C

    labels = np.repeat(np.arange(_NUM_CLASSES), n_samples // _NUM_CLASSES)
    labels = np.concatenate([labels, np.arange(n_samples % _NUM_CLASSES)])  # (N,)
    n = len(labels)

    # Every draw, in a fixed order (see Notes).
    pad = rng.integers(low, high + 1, size=n)  # (N,)
    amplitude = 1 + scale_coeff * (rng.random(n) - 0.5)  # (N,)
    shift = rng.integers(0, max_shift + 1, size=n)  # (N,)
    background = corr_noise_scale * _gaussian_smooth(
        rng.standard_normal((n, canvas)), _SMOOTHING_SIGMA
    )  # (N, C)
    iid_noise = iid_noise_scale * rng.standard_normal((n, canvas))  # (N, C)
    slope = shear_scale * (rng.random(n) - 0.5)  # (N,)

    # 1. Pad and dilate: canvas point j reads the padded digit at index s_j = j/(C-1) * (12+p-1).
    digits = np.zeros((n, canvas))
    digits[:, :_TEMPLATE_LENGTH] = templates[labels]  # (N, C): the template, then zeros
    grid = np.linspace(0.0, 1.0, canvas)  # (C,)
    positions = grid * (_TEMPLATE_LENGTH + pad - 1)[:, None]  # (N, C)
    x = _sample_linear(digits, positions)
    # The digit covers the points read before the first padding zero; the rest is background.
    is_digit = positions < _TEMPLATE_LENGTH

    # 2. Scale and 3. translate (the digit mask moves with the digit).
    x *= amplitude[:, None]
    source = (np.arange(canvas) - shift[:, None]) % canvas  # (N, C): point j comes from j - k
    x = np.take_along_axis(x, source, axis=1)
    is_digit = np.take_along_axis(is_digit, source, axis=1)

    # 4. Correlated noise on the background, 5. iid noise everywhere, 6. shear.
    x = np.where(is_digit, x, background) + iid_noise
    x -= slope[:, None] * np.linspace(-0.5, 0.5, canvas)

    # 7. Resample the canvas (C points) to `length` points.
    x = _sample_linear(x, np.linspace(0.0, canvas - 1.0, length))  # (N, length)

    order = rng.permutation(n)
    x, labels = x[order], labels[order]
    if shuffle_positions:
        x = x[:, rng.permutation(length)]

    # The vertical drawing coordinate of the reference implementation, scaled like x.
    t = np.linspace(-5.0, 5.0, length) / 6 / x.std()
    x = (x - x.mean()) / x.std()
    n_train = int(n * train_split)
    x, labels = x.astype(np.float32), labels.astype(np.int64)
    return MNIST1DData(
        x_train=x[:n_train],
        y_train=labels[:n_train],
        x_test=x[n_train:],
        y_test=labels[n_train:],
        templates=templates.astype(np.float32),
        t=t.astype(np.float32),
    )
