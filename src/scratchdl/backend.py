"""The array engine, the default dtype and the global random generator.

Everything numeric in scratchdl goes through the module ``xp`` defined here (NumPy today; CuPy
later exposes the same interface), so switching engines touches one file.

The default floating dtype is float32, as in PyTorch: tensors made from Python floats or lists
take it, and Python scalars mixed with a tensor adopt the tensor's dtype. ``set_default_dtype``
changes it (gradient checks use float64).

One ``numpy.random.Generator`` serves the whole library (initialisers, dropout masks,
``randn``/``rand``); ``manual_seed`` re-creates it, which makes a run reproducible end to end.
"""

from __future__ import annotations

import numpy as np

from scratchdl.errors import DTypeError

xp = np

_FLOAT_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))
_default_dtype = np.dtype(np.float32)
_generator = np.random.default_rng()


def get_default_dtype() -> np.dtype:
    """The floating dtype given to tensors made from Python floats (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(dtype) -> None:
    """Set the floating dtype used for new tensors made from Python data and for creation ops.

    Parameters
    ----------
    dtype : float16, float32 or float64 (a NumPy dtype or its name)
    """
    global _default_dtype
    candidate = np.dtype(dtype)
    if candidate not in _FLOAT_DTYPES:
        raise DTypeError(
            f"set_default_dtype: expected a floating dtype (float16, float32 or float64); "
            f"received dtype={candidate!r}."
        )
    _default_dtype = candidate


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the global generator used by initialisers, dropout and random creation ops.

    Returns the new generator, so ``rng = sd.manual_seed(0)`` is also a seeded generator.
    """
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"manual_seed: expected a non-negative integer; received seed={seed!r}.")
    _generator = np.random.default_rng(int(seed))
    return _generator


def default_generator() -> np.random.Generator:
    """The global ``numpy.random.Generator`` (re-created by ``manual_seed``)."""
    return _generator


def is_floating(dtype) -> bool:
    """True for floating dtypes, the only ones whose tensors may require grad."""
    return np.dtype(dtype).kind == "f"


def get_rng_state() -> dict:
    """A snapshot of the global generator's state (``bit_generator.state``: plain ints and str).

    Checkpoints store it so that dropout masks, initialisers and random creation ops continue
    exactly where they were after ``set_rng_state``.
    """
    return _generator.bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore a state from ``get_rng_state()`` into the global generator, in place.

    The generator object stays the same (anything holding ``default_generator()`` sees the
    restored stream). A state from another kind of bit generator replaces the generator with one
    of that kind.
    """
    if not isinstance(state, dict) or "bit_generator" not in state:
        raise ValueError(
            "set_rng_state: expected a dict from get_rng_state() (with a 'bit_generator' entry); "
            f"received {type(state).__name__}."
        )
    global _generator
    kind = state["bit_generator"]
    if kind != type(_generator.bit_generator).__name__:
        bit_generator_class = getattr(np.random, str(kind), None)
        if not (
            isinstance(bit_generator_class, type)
            and issubclass(bit_generator_class, np.random.BitGenerator)
        ):
            raise ValueError(f"set_rng_state: unknown bit generator {kind!r} in the state.")
        _generator = np.random.Generator(bit_generator_class())
    _generator.bit_generator.state = state
