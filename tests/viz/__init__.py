"""Shared helpers of the figure tests.

* ``assert_image``: a saved image exists, has the expected pixel size and is not blank;
* ``tiny_binary_model`` / ``tiny_multiclass_model``: small seeded MLPs on 2-D points;
* ``ConvTiny`` / ``TinyCNN`` / ``TinyCNN1d``: convolution models built only from
  ``scratchdl.nn.functional``, so these tests do not depend on ``nn.Conv2d``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

import scratchdl as sd
from scratchdl import nn
from scratchdl.nn import functional as F

# A blank (single-colour) image has a standard deviation of 0; any real plot, even a few lines
# on white, is far above this.
MIN_PIXEL_STD = 5.0


def assert_image(path: Path, size: tuple[int, int] | None = None, frames: int | None = None):
    """Read ``path`` back with PIL: its size (width, height), frame count, and not blank."""
    assert path.exists(), f"{path} was not written"
    with Image.open(path) as image:
        if size is not None:
            assert image.size == size
        if frames is not None:
            assert getattr(image, "n_frames", 1) == frames
        grey = np.asarray(image.convert("L"), dtype=np.float64)
    assert grey.std() > MIN_PIXEL_STD, f"{path} looks blank (pixel std {grey.std():.2f})"
    return grey


def no_temporary_files(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def points(rng: np.random.Generator, n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """n points in the plane (float32) and a binary label (x₁ + x₂ > 0) of shape (n, 1)."""
    X = rng.standard_normal((n, 2)).astype(np.float32)
    y = (X.sum(axis=1, keepdims=True) > 0).astype(np.float32)
    return X, y


def tiny_binary_model() -> nn.Module:
    sd.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))


def tiny_multiclass_model(classes: int = 3) -> nn.Module:
    sd.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, classes))


class ConvTiny(nn.Module):
    """A 2-D or 1-D convolution with a weight (out, in, k[, k]), padding keeps the size."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int = 3, dims: int = 2):
        super().__init__()
        rng = np.random.default_rng(in_channels * 10 + out_channels)
        shape = (out_channels, in_channels) + (kernel,) * dims
        scale = 1.0 / np.sqrt(in_channels * kernel**dims)
        self.weight = nn.Parameter((scale * rng.standard_normal(shape)).astype(np.float32))
        self.padding = kernel // 2

    def forward(self, x):
        if self.weight.ndim == 4:
            return F.conv2d(x, self.weight, padding=self.padding)
        return F.conv1d(x, self.weight, padding=self.padding)


class TinyCNN(nn.Module):
    """(N, 3, 6, 6) -> conv 3→4 -> tanh -> dropout -> conv 4→2 -> flatten -> linear -> 3 logits."""

    def __init__(self, in_channels: int = 3, size: int = 6, classes: int = 3):
        super().__init__()
        sd.manual_seed(0)
        self.conv1 = ConvTiny(in_channels, 4)
        self.act = nn.Tanh()
        self.drop = nn.Dropout(0.5)
        self.conv2 = ConvTiny(4, 2)
        self.flatten = nn.Flatten()
        self.head = nn.Linear(2 * size * size, classes)

    def forward(self, x):
        return self.head(self.flatten(self.conv2(self.drop(self.act(self.conv1(x))))))


class TinyCNN1d(nn.Module):
    """(N, 2, 10) -> conv1d 2→3 -> tanh -> flatten -> linear -> 2 logits."""

    def __init__(self):
        super().__init__()
        sd.manual_seed(0)
        self.conv = ConvTiny(2, 3, dims=1)
        self.act = nn.Tanh()
        self.flatten = nn.Flatten()
        self.head = nn.Linear(3 * 10, 2)

    def forward(self, x):
        return self.head(self.flatten(self.act(self.conv(x))))
