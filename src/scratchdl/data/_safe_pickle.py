"""A restricted unpickler for data files that come as pickles (the CIFAR batches).

Why restricted: ``pickle.load`` runs whatever the file tells it to: a pickle can
name any importable function (``os.system``, ``subprocess.run``) and have it called with any
arguments while loading. A data file downloaded from the internet, or handed over by someone,
must not be able to do that. Every function or class a pickle refers to is looked up through
``Unpickler.find_class``, so ``RestrictedUnpickler`` overrides it to allow only the few names
these batches need to rebuild a NumPy array:

- ``numpy.core.multiarray._reconstruct`` with ``numpy.ndarray``: the classic recipe for an array
  (NumPy 2 spells the module ``numpy._core.multiarray``);
- ``numpy._core.numeric._frombuffer``: the recipe of pickle protocol 5;
- ``numpy.dtype``: the array's element type;
- ``_codecs.encode`` and ``bytes``: how Python 3 writes ``bytes`` at pickle protocols 0-2.

Anything else is refused with ``UnsafePickleError`` before it is called. Even these names are
dangerous as NumPy defines them: ``numpy.ndarray(shape, "O", buffer)`` makes an array of Python
object pointers out of bytes the file chose, and the first look at it crashes the interpreter
(or worse). So ``find_class`` hands out checked stand-ins, never NumPy's own objects:
``numpy.ndarray`` becomes a token that only ``_reconstruct`` accepts, and ``_reconstruct`` and
``numpy.dtype`` (with the ``BUILD`` opcode that sets their state) only record what was asked.
The real arrays and dtypes are made at the end of loading, and any dtype that holds Python
objects (``dtype.hasobject``: ``"O"``, or a record or sub-array with an object field) is refused,
as is ``_codecs.encode`` with any codec but latin-1. A dtype is rebuilt from its description by
NumPy's constructor, so flags written in the file cannot mark plain bytes as objects either.
"""

from __future__ import annotations

import os
import pickle

import numpy as np

from scratchdl.errors import ScratchdlError

__all__ = ["RestrictedUnpickler", "UnsafePickleError", "load_pickle"]


class UnsafePickleError(ScratchdlError, pickle.UnpicklingError):
    """A pickle asked for a function or class outside the loader's allow-list."""


class _ArrayClass:
    """Stands for ``numpy.ndarray`` in a pickle: ``_reconstruct`` accepts it, nothing can call it.

    A pickle names ``numpy.ndarray`` only to hand it to ``_reconstruct``. Handing out the real
    class would let a file call ``ndarray(shape, "O", buffer)``: an array of object pointers read
    from bytes the file chose, which crashes (or worse) as soon as NumPy follows one.
    """

    __slots__ = ()

    def __call__(self, *args, **kwargs):
        raise UnsafePickleError(
            "refusing to call numpy.ndarray from a pickle: it may only be passed to "
            "numpy's _reconstruct, which is how NumPy itself pickles arrays. This file builds an "
            "array by hand (over memory it chose); if it came from an untrusted source, delete it."
        )


_NDARRAY = _ArrayClass()


def _refuse_objects(dtype: np.dtype, what: str) -> np.dtype:
    if dtype.hasobject:
        raise UnsafePickleError(
            f"refusing to build {what} from a pickle: its dtype {dtype!r} holds Python objects "
            "(dtype.hasobject), and their bytes in the file would be read as memory addresses. "
            "Data files may only hold arrays of numbers, strings and bytes; if the file came "
            "from an untrusted source, delete it."
        )
    return dtype


def _rebuilt(dtype: np.dtype) -> np.dtype:
    """A dtype equal to ``dtype``, made by NumPy's constructor from its description.

    ``dtype.__setstate__`` copies the file's flags as given, so a file can mark plain bytes as
    holding objects (``hasobject``) without any object field. Rebuilding lets NumPy compute the
    flags itself from the fields, the shape and the type string.
    """
    if dtype.names is not None:  # structured: rebuild every field, then the record
        fields = [dtype.fields[name] for name in dtype.names]
        spec = {
            "names": list(dtype.names),
            "formats": [_rebuilt(field[0]) for field in fields],
            "offsets": [field[1] for field in fields],
            "itemsize": dtype.itemsize,
        }
        if any(len(field) > 2 for field in fields):
            spec["titles"] = [field[2] if len(field) > 2 else None for field in fields]
        return np.dtype(spec, align=dtype.isalignedstruct)
    if dtype.subdtype is not None:  # a fixed-shape sub-array such as ("u1", (2,))
        base, shape = dtype.subdtype
        return np.dtype((_rebuilt(base), shape))
    return np.dtype(dtype.str)  # "<f8", "|u1", "<U3", "<M8[ns]", "|O" ...


class _DtypeRecipe:
    """What a pickle's ``numpy.dtype(spec, align, copy)`` plus BUILD asked for.

    The file only ever holds this inert record; ``resolve`` makes the real dtype (rebuilt, and
    refused when it holds objects) when an array is made from it, after loading.
    """

    __slots__ = ("spec", "align", "state", "_dtype", "_resolving")

    def __init__(self, spec, align=False, copy=True) -> None:
        if not isinstance(spec, (str, bytes)) or not isinstance(align, (bool, int)):
            raise UnsafePickleError(
                f"numpy.dtype in a pickle: expected a type string such as 'u1' and a bool; "
                f"received {type(spec).__name__} and {type(align).__name__}."
            )
        self.spec, self.align, self.state = spec, bool(align), None
        self._dtype: np.dtype | None = None
        self._resolving = False

    def __setstate__(self, state) -> None:  # the BUILD opcode: stored, applied in resolve()
        self.state = state

    def resolve(self) -> np.dtype:
        if self._dtype is None:
            if self._resolving:
                raise UnsafePickleError("a dtype in this pickle contains itself.")
            self._resolving = True
            spec = self.spec.decode("latin-1") if isinstance(self.spec, bytes) else self.spec
            dtype = _refuse_objects(np.dtype(spec, align=self.align), "a dtype")
            if self.state is not None:
                dtype = np.dtype(dtype, copy=True)  # never set the state of NumPy's shared dtype
                dtype.__setstate__(_resolve_nested(self.state))  # nested: field and base dtypes
            self._dtype = _refuse_objects(_rebuilt(dtype), "a dtype")
        return self._dtype


def _resolve_nested(value, depth: int = 0):
    """``value`` with every ``_DtypeRecipe`` inside tuples, lists and dicts made real."""
    if depth > 32:
        raise UnsafePickleError("a dtype in this pickle is nested more than 32 levels deep.")
    if isinstance(value, _DtypeRecipe):
        return value.resolve()
    if isinstance(value, (tuple, list)):
        return type(value)(_resolve_nested(item, depth + 1) for item in value)
    if isinstance(value, dict):
        return {key: _resolve_nested(item, depth + 1) for key, item in value.items()}
    return value


def _as_dtype(value, where: str) -> np.dtype:
    """A pickle's dtype argument (a recipe, or a type string) as a checked real dtype."""
    if isinstance(value, _DtypeRecipe):
        return value.resolve()
    if isinstance(value, (str, bytes)):
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        return _refuse_objects(_rebuilt(np.dtype(text)), where)
    raise UnsafePickleError(
        f"{where} in a pickle: expected a dtype; received a {type(value).__name__}."
    )


class _ArrayRecipe:
    """What a pickle's ``_reconstruct(ndarray, shape, typecode)`` plus BUILD asked for.

    NumPy's own recipe makes an empty array and then calls ``array.__setstate__((version, shape,
    dtype, is_fortran, raw_bytes))``. Here BUILD only stores that state; ``resolve`` makes the
    array from it after checking the dtype, so no real array's ``__setstate__`` is ever called
    by the file.
    """

    __slots__ = ("shape", "typecode", "state", "_array")

    def __init__(self, shape, typecode) -> None:
        self.shape, self.typecode, self.state = shape, typecode, None
        self._array: np.ndarray | None = None

    def __setstate__(self, state) -> None:
        self.state = state

    def resolve(self) -> np.ndarray:
        if self._array is None:
            if self.state is None:  # no BUILD followed: the empty array _reconstruct makes
                self._array = np.ndarray(self.shape, _as_dtype(self.typecode, "an array"))
            else:
                state = self.state
                if not isinstance(state, tuple) or len(state) not in (4, 5):
                    raise UnsafePickleError(
                        "an array in this pickle has an unexpected state; expected (version, "
                        f"shape, dtype, is_fortran, data). Received a {type(state).__name__}."
                    )
                state = (*state[:-3], _as_dtype(state[-3], "an array"), *state[-2:])
                array = np.ndarray((0,), np.uint8)
                array.__setstate__(state)  # NumPy checks the data's size against shape x dtype
                self._array = array
        return self._array


def _reconstruct(cls, shape, typecode) -> _ArrayRecipe:
    if cls is not _NDARRAY:
        raise UnsafePickleError(
            f"_reconstruct in a pickle: expected numpy.ndarray as the class; received {cls!r}."
        )
    return _ArrayRecipe(shape, typecode)


def _frombuffer(buffer, dtype, shape, order) -> np.ndarray:
    """Protocol 5's recipe, ``frombuffer(buffer, dtype).reshape(shape, order)``, checked."""
    if not isinstance(buffer, (bytes, bytearray, pickle.PickleBuffer)):
        raise UnsafePickleError(
            f"_frombuffer in a pickle: expected a bytes buffer; received {type(buffer).__name__}."
        )
    checked = _as_dtype(dtype, "an array")
    array = np.frombuffer(buffer, dtype=checked)
    return array.reshape(shape, order="F" if order == "F" else "C")


def _latin1_bytes(text, encoding) -> bytes:
    """``_codecs.encode(text, "latin1")``: how Python 3 pickles ``bytes`` at protocols 0-2."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise UnsafePickleError(
            "_codecs.encode in a pickle: expected (str, 'latin1'), which is how Python writes "
            f"bytes; received ({type(text).__name__}, {encoding!r})."
        )
    return text.encode("latin-1")


def _empty_bytes(*args) -> bytes:
    """``bytes()``: how Python pickles ``b""`` at protocols 0-2 (the only call allowed)."""
    if args:
        raise UnsafePickleError(
            f"bytes in a pickle: only bytes() (the empty string) is allowed; received {len(args)} "
            "argument(s)."
        )
    return b""


def _materialize(value, memo: dict[int, object]):
    """The loaded object with every recipe replaced by its real array or dtype.

    Lists and dicts are updated in place (they may be shared or contain themselves); tuples and
    sets are rebuilt (a cycle back to one keeps the original there: rare, and still inert).
    """
    key = id(value)
    if key in memo:
        return memo[key]
    if isinstance(value, (_ArrayRecipe, _DtypeRecipe)):
        memo[key] = result = value.resolve()
        return result
    if isinstance(value, list):
        memo[key] = value
        value[:] = [_materialize(item, memo) for item in value]
    elif isinstance(value, dict):
        memo[key] = value
        items = [(_materialize(k, memo), _materialize(v, memo)) for k, v in value.items()]
        value.clear()
        value.update(items)
    elif isinstance(value, (tuple, set, frozenset)):
        memo[key] = value
        memo[key] = type(value)(_materialize(item, memo) for item in value)
    return memo[key] if key in memo else value


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds dicts, lists, numbers, strings, bytes and NumPy arrays only.

    ``find_class`` is the one door through which a pickle reaches Python code; this class opens
    it for the names in ``ALLOWED`` and raises ``UnsafePickleError`` for every other name. Even
    those get checked stand-ins, never NumPy's own functions: arrays and dtypes are recorded
    while loading and made at the end, and one whose dtype holds Python objects is refused.
    """

    ALLOWED = frozenset(
        {
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct"),
            ("numpy.core.numeric", "_frombuffer"),
            ("numpy._core.numeric", "_frombuffer"),
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
            ("_codecs", "encode"),
            ("builtins", "bytes"),
            ("__builtin__", "bytes"),
        }
    )
    _STAND_INS = {
        "_reconstruct": _reconstruct,
        "_frombuffer": _frombuffer,
        "ndarray": _NDARRAY,
        "dtype": _DtypeRecipe,
        "encode": _latin1_bytes,
        "bytes": _empty_bytes,
    }

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise UnsafePickleError(
                f"refusing to load {module}.{name} from a pickle: data files may only hold "
                "dicts, lists, numbers, strings, bytes and NumPy arrays, and this file asks to "
                "import and call something else. If the file came from an untrusted source, "
                "delete it."
            )
        return self._STAND_INS[name]

    def load(self):
        return _materialize(super().load(), {})


def load_pickle(path: str | os.PathLike[str]):
    """Read a CIFAR batch (or any pickle of plain data and arrays) with ``RestrictedUnpickler``."""
    with open(path, "rb") as f:
        return RestrictedUnpickler(f, encoding="bytes").load()
