"""Argument and input checks shared by the model zoo: a wrong input is reported by the model's
name, with the shape it expects and how to fix it, before any layer sees it."""

from __future__ import annotations

import numpy as np

from scratchdl.tensor import Tensor


def check_positive_int(model: str, name: str, value) -> int:
    """``value`` as an int, or a ValueError naming ``model`` and the argument."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{model}: {name} must be a positive integer; received {name}={value!r}.")
    return int(value)


def check_images(model: str, x: Tensor, channels: int, size: int | None = None) -> None:
    """Raise a ValueError unless ``x`` is a batch of images of shape (N, channels, size, size).

    ``size=None`` accepts any height and width (nets that end in global average pooling).
    """
    shape = tuple(x.shape)
    if len(shape) != 4:
        hint = (
            "add a batch axis with x.unsqueeze(0) for a single image"
            if len(shape) == 3
            else ("images are (N, C, H, W); a flat (N, H*W) batch needs x.reshape(N, C, H, W)")
        )
    elif shape[1] != channels:
        hint = (
            f"the model was built for in_channels={channels}; build it with "
            f"in_channels={shape[1]} or convert the images (grey has 1 channel, RGB 3)"
        )
    elif size is not None and shape[2:] != (size, size):
        hint = f"the model was built for input_size={size}; build it for your size or resize"
    else:
        return
    expected = f"(N, {channels}, {size}, {size})" if size else f"(N, {channels}, H, W)"
    raise ValueError(
        f"{model}: expected images of shape {expected}; received {shape}. help: {hint}."
    )
