"""Image augmentation: random crops and flips, per-channel normalization, chained with Compose.

Augmentation shows the model a slightly different version of each training image every epoch
(shifted by a few pixels, mirrored), which acts as a regulariser: the standard CIFAR-10 recipe
(He et al. 2016, "Deep Residual Learning") pads by 4 pixels, crops back to 32x32 at a random
offset and flips half of the images, which typically adds a few points of test accuracy.

Every transform is a callable object, as in torchvision::

    augment = Compose([RandomCrop(32, padding=4), RandomHorizontalFlip(), Normalize(mean, std)])
    x = augment(x)

``x`` is one image (C, H, W) or a batch (N, C, H, W), a NumPy array or a Tensor (the result has
the same type; a Tensor result is outside any autograd graph, since augmentation prepares data).
A batch is transformed in one vectorised pass, with an independent random draw per image. The
output keeps the input's dtype: float32 stays float32.

Random transforms draw from the ``generator`` given to them (a ``numpy.random.Generator`` or an
int seed), else from scratchdl's global generator at call time, so ``sd.manual_seed(s)`` makes a
run reproducible and a checkpoint that saves ``backend.get_rng_state()`` resumes the same crops.

``TransformDataset`` (in ``dataset.py``) applies a transform to the samples of a dataset, so a
``DataLoader`` yields augmented mini-batches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from scratchdl import backend
from scratchdl.errors import DTypeError, ShapeError
from scratchdl.tensor import Tensor

__all__ = [
    "Compose",
    "Normalize",
    "RandomCrop",
    "RandomHorizontalFlip",
    "ToFloat",
]

_PADDING_MODES = ("constant", "edge", "reflect", "symmetric")


# ----------------------------------------------------------------------------- shared helpers
def _unwrap(x: Any, name: str, image_only: bool = True) -> tuple[np.ndarray, bool]:
    """The array inside ``x``, and whether ``x`` was a Tensor; checks the image's number of axes."""
    is_tensor = isinstance(x, Tensor)
    array = x.data if is_tensor else np.asarray(x)
    if image_only and array.ndim not in (3, 4):
        raise ShapeError(
            f"{name}: expected one image of shape (C, H, W) or a batch of shape (N, C, H, W); "
            f"received shape {array.shape}. help: add a channel axis for grey images, e.g. "
            "x[:, None] for a batch of shape (N, H, W)."
        )
    return array, is_tensor


def _wrap(array: np.ndarray, is_tensor: bool) -> Any:
    return Tensor._from_op(array, None) if is_tensor else array


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _are_ints(values: Any, minimum: int) -> bool:
    return isinstance(values, (tuple, list)) and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= minimum
        for v in values
    )


def _as_generator(generator: Any, name: str) -> np.random.Generator | None:
    """A Generator as is, an int seed as a new Generator, None as None (the global one later)."""
    if generator is None or isinstance(generator, np.random.Generator):
        return generator
    if _are_ints([generator], minimum=0):
        return np.random.default_rng(int(generator))
    raise TypeError(
        f"{name}: generator must be a numpy.random.Generator, a non-negative int seed or None "
        f"(the global generator); received generator={generator!r}."
    )


class _RandomTransform:
    """Holds the optional generator of a random transform and picks the one to draw from."""

    def __init__(self, generator: np.random.Generator | int | None) -> None:
        self.generator = _as_generator(generator, type(self).__name__)

    def _rng(self) -> np.random.Generator:
        # Looked up at call time, so sd.manual_seed() after construction still takes effect.
        return self.generator if self.generator is not None else backend.default_generator()


# ----------------------------------------------------------------------------- transforms
class Compose:
    """Apply transforms one after the other: ``Compose([f, g])(x) == g(f(x))``.

    Parameters
    ----------
    transforms : sequence of callables
        Each takes an image or batch and returns one; any function works, not only the classes
        of this module.

    Examples
    --------
    >>> import numpy as np
    >>> augment = Compose([RandomHorizontalFlip(p=1.0), Normalize(mean=0.5, std=0.5)])
    >>> augment(np.ones((1, 2, 2), dtype=np.float32)).tolist()
    [[[1.0, 1.0], [1.0, 1.0]]]
    >>> augment
    Compose(
        RandomHorizontalFlip(p=1.0)
        Normalize(mean=(0.5,), std=(0.5,))
    )
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        if not isinstance(transforms, (list, tuple)):
            raise TypeError(
                f"Compose: expected a list of transforms, e.g. Compose([RandomCrop(32, "
                f"padding=4), RandomHorizontalFlip()]); received {type(transforms).__name__}."
            )
        for position, transform in enumerate(transforms):
            if not callable(transform):
                raise TypeError(
                    f"Compose: transform {position} is not callable (received {transform!r}); "
                    "every entry must map an image or batch to a new one."
                )
        self.transforms = list(transforms)

    def __call__(self, x: Any) -> Any:
        for transform in self.transforms:
            x = transform(x)
        return x

    def __repr__(self) -> str:
        lines = [f"    {transform!r}" for transform in self.transforms]
        return "\n".join([f"{type(self).__name__}(", *lines, ")"])


def _pair(value: Any, name: str, argument: str) -> tuple[int, int]:
    """``size`` as (height, width): an int means a square."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else value
    if not (_are_ints(pair, minimum=1) and len(pair) == 2):
        raise ValueError(
            f"{name}: {argument} must be a positive int or a pair (height, width) of them; "
            f"received {argument}={value!r}."
        )
    return int(pair[0]), int(pair[1])


def _padding(value: Any) -> tuple[int, int, int, int]:
    """``padding`` as (left, top, right, bottom), with torchvision's conventions for the input."""
    sides = (value,) if isinstance(value, (int, np.integer)) else value
    if _are_ints(sides, minimum=0) and len(sides) in (1, 2, 4):
        if len(sides) == 1:
            return (int(sides[0]),) * 4
        if len(sides) == 2:  # (left and right, top and bottom)
            return int(sides[0]), int(sides[1]), int(sides[0]), int(sides[1])
        return tuple(int(v) for v in sides)
    raise ValueError(
        f"RandomCrop: padding must be a non-negative int (all sides), a pair (left/right, "
        f"top/bottom) or four values (left, top, right, bottom); received padding={value!r}."
    )


class RandomCrop(_RandomTransform):
    """Pad the image, then cut out a ``size`` window at a uniformly random position.

    For an image padded to ``H' x W'``, the window's top-left corner ``(i, j)`` is drawn
    uniformly from ``{0..H'-h} x {0..W'-w}``, a separate draw for each image of a batch, and the
    result is ``padded[..., i:i+h, j:j+w]``. With ``padding=4`` and ``size`` equal to the image
    size this shifts the image by up to 4 pixels in each direction.

    Parameters
    ----------
    size : int or (int, int)
        Output height and width (an int gives a square).
    padding : int, (int, int) or (int, int, int, int)
        Pixels added on every side; a pair gives (left/right, top/bottom), four values give
        (left, top, right, bottom), as in torchvision.
    padding_mode : {"constant", "edge", "reflect", "symmetric"}
        How the border is filled, with ``numpy.pad``'s meaning: ``fill`` everywhere, the edge
        pixel repeated, a mirror without the edge (``c b | a b c``), or with it (``b a | a b c``).
    fill : float
        The border value for ``padding_mode="constant"``.
    generator : numpy.random.Generator or int, optional
        The source of the offsets (an int seeds a new generator); default: the global one.

    Examples
    --------
    >>> import numpy as np
    >>> crop = RandomCrop(2, padding=1, generator=0)
    >>> crop(np.ones((3, 2, 2), dtype=np.float32)).shape
    (3, 2, 2)
    >>> crop(np.ones((8, 3, 32, 32), dtype=np.float32)).shape
    (8, 3, 2, 2)
    >>> RandomCrop(32, padding=4)
    RandomCrop(size=(32, 32), padding=4)
    """

    def __init__(
        self,
        size: int | tuple[int, int],
        padding: int | Sequence[int] = 0,
        padding_mode: str = "constant",
        fill: float = 0,
        generator: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__(generator)
        self.size = _pair(size, "RandomCrop", "size")
        self.padding = padding
        self._pad = _padding(padding)  # (left, top, right, bottom)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"RandomCrop: padding_mode must be one of {_PADDING_MODES}; received "
                f"padding_mode={padding_mode!r}."
            )
        if not _is_number(fill):
            raise TypeError(f"RandomCrop: fill must be a number; received fill={fill!r}.")
        self.padding_mode = padding_mode
        self.fill = fill

    def _padded(self, array: np.ndarray) -> np.ndarray:
        left, top, right, bottom = self._pad
        if not any(self._pad):
            return array
        widths = [(0, 0)] * (array.ndim - 2) + [(top, bottom), (left, right)]
        if self.padding_mode == "constant":
            return np.pad(array, widths, mode="constant", constant_values=self.fill)
        return np.pad(array, widths, mode=self.padding_mode)

    def __call__(self, x: Any) -> Any:
        array, is_tensor = _unwrap(x, "RandomCrop")
        height, width = self.size
        padded = self._padded(array)
        padded_height, padded_width = padded.shape[-2:]
        if height > padded_height or width > padded_width:
            raise ShapeError(
                f"{self!r}: the crop of {height}x{width} is larger than the image after padding, "
                f"{padded_height}x{padded_width} (input shape {array.shape}). Use a smaller size "
                "or more padding."
            )
        rng = self._rng()
        if array.ndim == 3:  # one image: one offset
            i = int(rng.integers(0, padded_height - height + 1))
            j = int(rng.integers(0, padded_width - width + 1))
            return _wrap(padded[:, i : i + height, j : j + width].copy(), is_tensor)
        n = array.shape[0]
        i = rng.integers(0, padded_height - height + 1, size=n)  # (N,)
        j = rng.integers(0, padded_width - width + 1, size=n)  # (N,)
        # Every window of every image, as a view: (N, C, H'-h+1, W'-w+1, h, w).
        windows = np.lib.stride_tricks.sliding_window_view(padded, (height, width), axis=(2, 3))
        # Image k takes its window (i[k], j[k]): one gather, (N, C, h, w).
        return _wrap(windows[np.arange(n), :, i, j], is_tensor)

    def __repr__(self) -> str:
        extra = "" if self.padding_mode == "constant" else f", padding_mode={self.padding_mode!r}"
        if self.fill != 0:
            extra += f", fill={self.fill}"
        return f"{type(self).__name__}(size={self.size}, padding={self.padding}{extra})"


class RandomHorizontalFlip(_RandomTransform):
    """Mirror the image left to right (``x[..., ::-1]``) with probability ``p``.

    Each image of a batch is flipped or not on its own draw. The result is always a new array.

    Parameters
    ----------
    p : float
        Probability of a flip, in [0, 1].
    generator : numpy.random.Generator or int, optional
        The source of the coin flips (an int seeds a new generator); default: the global one.

    Examples
    --------
    >>> import numpy as np
    >>> RandomHorizontalFlip(p=1.0)(np.array([[[1, 2, 3]]])).tolist()
    [[[3, 2, 1]]]
    """

    def __init__(self, p: float = 0.5, generator: np.random.Generator | int | None = None) -> None:
        super().__init__(generator)
        if not _is_number(p):
            raise TypeError(f"RandomHorizontalFlip: p must be a number; received p={p!r}.")
        if not 0 <= p <= 1:
            raise ValueError(
                f"RandomHorizontalFlip: p is a probability and must lie in [0, 1]; received "
                f"p={p!r}."
            )
        self.p = float(p)

    def __call__(self, x: Any) -> Any:
        array, is_tensor = _unwrap(x, "RandomHorizontalFlip")
        rng = self._rng()
        if array.ndim == 3:
            flipped = array[..., ::-1] if rng.random() < self.p else array
            return _wrap(flipped.copy(), is_tensor)
        flip = rng.random(array.shape[0]) < self.p  # (N,)
        return _wrap(np.where(flip[:, None, None, None], array[..., ::-1], array), is_tensor)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


def _per_channel(value: Any, argument: str) -> tuple[float, ...]:
    values = np.atleast_1d(np.asarray(value, dtype=object))
    if values.ndim != 1 or values.size == 0 or not all(_is_number(v) for v in values):
        raise TypeError(
            f"Normalize: {argument} must be a number or a sequence of numbers, one per channel; "
            f"received {argument}={value!r}."
        )
    return tuple(float(v) for v in values)


class Normalize:
    """Standardize each channel with fixed statistics: ``out[c] = (x[c] - mean[c]) / std[c]``.

    The statistics are usually the per-channel mean and standard deviation of the training set
    (for CIFAR-10 in [0, 1]: mean (0.4914, 0.4822, 0.4465), std (0.2470, 0.2435, 0.2616)).
    A single number applies to every channel. The computation runs in the input's floating
    dtype, so float32 stays float32.

    Parameters
    ----------
    mean : float or sequence of float
    std : float or sequence of float
        Every entry > 0.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[[1.0]], [[4.0]]], dtype=np.float32)  # (C=2, H=1, W=1)
    >>> Normalize(mean=[1.0, 2.0], std=[1.0, 0.5])(x).ravel().tolist()
    [0.0, 4.0]
    """

    def __init__(self, mean: float | Sequence[float], std: float | Sequence[float]) -> None:
        self.mean = _per_channel(mean, "mean")
        self.std = _per_channel(std, "std")
        if len(self.mean) != len(self.std) and 1 not in (len(self.mean), len(self.std)):
            raise ValueError(
                f"Normalize: mean and std need one value per channel each; received "
                f"{len(self.mean)} means and {len(self.std)} standard deviations."
            )
        if not all(s > 0 for s in self.std):
            raise ValueError(
                f"Normalize: every std must be > 0 (it divides the image); received std={self.std}."
            )

    def __call__(self, x: Any) -> Any:
        array, is_tensor = _unwrap(x, "Normalize")
        if array.dtype.kind != "f":
            raise DTypeError(
                f"Normalize: expected a floating-point image; received dtype {array.dtype}. "
                "help: convert uint8 pixels to [0, 1] first with ToFloat()."
            )
        channels = array.shape[-3]
        for argument, values in (("mean", self.mean), ("std", self.std)):
            if len(values) not in (1, channels):
                raise ShapeError(
                    f"{self!r}: {argument} has {len(values)} values but the input has {channels} "
                    f"channels (shape {array.shape}, channels on axis -3)."
                )
        mean = np.asarray(self.mean, dtype=array.dtype).reshape(-1, 1, 1)  # (C, 1, 1)
        std = np.asarray(self.std, dtype=array.dtype).reshape(-1, 1, 1)
        return _wrap((array - mean) / std, is_tensor)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class ToFloat:
    """uint8 pixels 0..255 -> floats in [0, 1] (``x / 255``); floating input is only cast.

    Parameters
    ----------
    dtype : floating dtype, optional
        The result's dtype. Default: scratchdl's default dtype (float32) for uint8 input, and the
        input's own dtype for floating input (returned unchanged).

    Works on arrays and Tensors of any shape.

    Examples
    --------
    >>> import numpy as np
    >>> ToFloat()(np.array([0, 51, 255], dtype=np.uint8))
    array([0. , 0.2, 1. ], dtype=float32)
    """

    def __init__(self, dtype: Any = None) -> None:
        if dtype is not None and not backend.is_floating(dtype):
            raise DTypeError(
                f"ToFloat: dtype must be a floating dtype such as float32; received "
                f"dtype={dtype!r}."
            )
        self.dtype = None if dtype is None else np.dtype(dtype)

    def __call__(self, x: Any) -> Any:
        array, is_tensor = _unwrap(x, "ToFloat", image_only=False)
        if array.dtype == np.uint8:
            target = self.dtype if self.dtype is not None else backend.get_default_dtype()
            return _wrap(np.divide(array, 255, dtype=target), is_tensor)
        if array.dtype.kind == "f":
            return _wrap(array.astype(self.dtype or array.dtype, copy=False), is_tensor)
        raise DTypeError(
            f"ToFloat: expected uint8 pixels (0..255) or floats; received dtype {array.dtype}. "
            "help: for other integer images divide by their maximum value yourself."
        )

    def __repr__(self) -> str:
        dtype = None if self.dtype is None else self.dtype.name
        return f"{type(self).__name__}(dtype={dtype})"
