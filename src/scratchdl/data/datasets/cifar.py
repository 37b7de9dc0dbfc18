"""CIFAR-10 and CIFAR-100: 32x32 colour images, from the "python version" batches.

The python version of CIFAR is a tar.gz of pickle files, each a dict such as
``{b"data": uint8 array (N, 3072), b"labels": [int, ...], ...}``; a row of ``data`` holds the
1024 red, then 1024 green, then 1024 blue pixels of one image, row by row.

**Why a restricted unpickler.** ``pickle.load`` runs whatever the file tells it to: a pickle can
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

Batches are read with ``encoding="bytes"`` (they were written by Python 2), and the loader then
checks that it got a dict with a uint8 ``data`` array and integer labels.

The archive (``cifar-10-python.tar.gz`` / ``cifar-100-python.tar.gz``) is extracted with a check
that every member is a plain file or folder landing inside the data folder: a tar member named
``../../.bashrc`` or a symbolic link would otherwise write outside it.
"""

from __future__ import annotations

import os
import pickle
import tarfile
from pathlib import Path

import numpy as np

from scratchdl.data.dataset import TensorDataset
from scratchdl.data.download import (
    ChecksumError,
    DataFormatError,
    RemoteFile,
    data_root,
    fetch,
    not_found_error,
    sha256_file,
)
from scratchdl.errors import ScratchdlError

__all__ = [
    "CIFAR10",
    "CIFAR100",
    "RestrictedUnpickler",
    "UnsafePickleError",
    "load_pickle",
    "safe_extract",
]


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


def safe_extract(archive: str | os.PathLike[str], dest: str | os.PathLike[str]) -> None:
    """Extract a tar archive into ``dest``, refusing members that would land outside it.

    Only regular files and folders are allowed; an absolute name, a ``..`` that climbs out of
    ``dest``, a link or a device file raises ``ValueError`` before anything is written.
    """
    dest = Path(dest).resolve()
    with tarfile.open(archive, "r:*") as tar:
        members = tar.getmembers()
        for member in members:
            target = (dest / member.name).resolve()
            if not (member.isfile() or member.isdir()):
                raise ValueError(
                    f"safe_extract: {archive} holds {member.name!r}, which is not a plain file or "
                    "folder (a link or a device); refusing to extract the archive."
                )
            if os.path.isabs(member.name) or not target.is_relative_to(dest):
                raise ValueError(
                    f"safe_extract: {archive} holds {member.name!r}, which would be written "
                    f"outside {dest}; refusing to extract the archive."
                )
        if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4: the standard library's check too
            tar.extractall(dest, members=members, filter="data")
        else:  # pragma: no cover
            tar.extractall(dest, members=members)


def _text(value) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _read_batch(path: Path, label_key: str, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """One batch file -> images uint8 (N, 3, 32, 32) and labels int64 (N,), after checks."""
    batch = load_pickle(path)
    if not isinstance(batch, dict):
        raise DataFormatError(f"CIFAR: {path} holds a {type(batch).__name__}; expected a dict.")
    batch = {_text(k): v for k, v in batch.items()}  # b"data" -> "data"
    if "data" not in batch or label_key not in batch:
        raise DataFormatError(
            f"CIFAR: {path} has keys {sorted(batch)}; expected 'data' and {label_key!r}."
        )
    data = batch["data"]
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2:
        raise DataFormatError(f"CIFAR: {path}: 'data' must be a uint8 array of shape (N, 3072).")
    if data.shape[1] != 3 * 32 * 32:
        raise DataFormatError(
            f"CIFAR: {path}: 'data' has shape {data.shape}; expected (N, 3072) (3x32x32 images)."
        )
    labels = np.asarray(batch[label_key])
    if labels.shape != (len(data),) or (labels.size and labels.dtype.kind not in "iu"):
        raise DataFormatError(
            f"CIFAR: {path}: {label_key!r} must be {len(data)} integers, one per image; "
            f"received shape {labels.shape} of {labels.dtype}."
        )
    labels = labels.astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise DataFormatError(
            f"CIFAR: {path}: labels range over {labels.min()}..{labels.max()}; expected "
            f"0..{n_classes - 1}."
        )
    return data.reshape(-1, 3, 32, 32), labels  # rows are R, G, B planes of 32x32


class CIFAR10(TensorDataset):
    """CIFAR-10: 50,000 training and 10,000 test colour images of 32x32 in ten classes.

    Parameters
    ----------
    root : path, optional
        Data folder (see ``data_root``). The batches are read from
        ``<root>/cifar-10-batches-py``; a ``cifar-10-python.tar.gz`` found in ``root`` is
        verified and extracted there.
    train : bool
        The training set (``data_batch_1`` .. ``data_batch_5``) or the test set (``test_batch``).
    download : bool
        Fetch the archive from ``url`` when missing, verifying its SHA-256, and extract it.
    progress : bool
        Show a download progress bar (only on a terminal).

    Items are ``(x, y)``: x float32 in [0, 1] of shape (3, 32, 32) (channels first), y int64.
    ``self.images`` (N, 3, 32, 32) and ``self.labels`` (N,) hold the whole set.
    """

    name = "CIFAR10"
    folder = "cifar-10-batches-py"
    archive = "cifar-10-python.tar.gz"
    # The address on Alex Krizhevsky's CIFAR page, https://www.cs.toronto.edu/~kriz/cifar.html
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    # SHA-256 of the archive (170,498,071 bytes; MD5 c58f30108f718f92721af3b95e74349a as on the
    # CIFAR page). Source: the file_hash in Keras' keras.datasets.cifar10.load_data, pinned
    # identically by several other public projects.
    sha256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
    label_key = "labels"
    n_classes = 10
    classes = (
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    )

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        train: bool = True,
        download: bool = False,
        progress: bool = True,
    ) -> None:
        self.root = data_root(root)
        self.train = train
        folder = self.root / self.folder
        names = self._batch_names(train)
        if not all((folder / name).is_file() for name in names):
            self._extract_or_download(folder, names, download, progress)
        parts = [_read_batch(folder / name, self.label_key, self.n_classes) for name in names]
        images = np.concatenate([p[0] for p in parts])  # (N, 3, 32, 32) uint8
        # uint8 -> float32 in [0, 1]
        self.images = np.divide(images, 255, dtype=np.float32)
        self.labels = np.concatenate([p[1] for p in parts])
        super().__init__(self.images, self.labels)

    @staticmethod
    def _batch_names(train: bool) -> list[str]:
        return [f"data_batch_{i}" for i in range(1, 6)] if train else ["test_batch"]

    def _extract_or_download(
        self, folder: Path, names: list[str], download: bool, progress: bool
    ) -> None:
        archive = self.root / self.archive
        if not archive.is_file():
            if not download:
                raise not_found_error(
                    self.name,
                    [folder, self.root],
                    [f"{self.folder}/{n}" for n in names]
                    + [f"or the archive {self.archive} (extracted on first use)"],
                    can_download=True,
                )
            fetch(RemoteFile(self.archive, (self.url,), self.sha256), self.root, progress)
        else:
            actual = sha256_file(archive)
            if actual != self.sha256:
                raise ChecksumError(
                    f"{self.name}: {archive} has SHA-256 {actual}; expected {self.sha256}.\n"
                    "help: delete it and pass download=True, or extract it yourself into "
                    f"{folder} if you trust it."
                )
        safe_extract(archive, self.root)
        missing = [n for n in names if not (folder / n).is_file()]
        if missing:
            raise DataFormatError(
                f"{self.name}: {archive} was extracted but {folder} lacks {missing}; is it the "
                "python version of the dataset?"
            )

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return f"{type(self).__name__}(split={split!r}, n={len(self.labels)}, root='{self.root}')"


class CIFAR100(CIFAR10):
    """CIFAR-100: CIFAR-10's format with 100 fine classes grouped into 20 coarse ones.

    Same parameters and items as ``CIFAR10``, plus ``label``: "fine" (100 classes) or "coarse"
    (20 superclasses). The files are ``<root>/cifar-100-python/train`` and ``test``.
    """

    name = "CIFAR100"
    folder = "cifar-100-python"
    archive = "cifar-100-python.tar.gz"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    # SHA-256 of the archive (169,001,437 bytes; MD5 eb9058c3a382ffc7106e4002c42a8d85 as on the
    # CIFAR page). Source: the file_hash in Keras' keras.datasets.cifar100.load_data and
    # torchvision's prototype datasets, pinned identically by several other public projects.
    sha256 = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"
    classes = None  # read from the "meta" file when present

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        train: bool = True,
        download: bool = False,
        label: str = "fine",
        progress: bool = True,
    ) -> None:
        if label not in ("fine", "coarse"):
            raise ValueError(
                f"CIFAR100: label must be 'fine' or 'coarse'. Received: label={label!r}"
            )
        self.label = label
        self.label_key = f"{label}_labels"
        self.n_classes = 100 if label == "fine" else 20
        super().__init__(root, train=train, download=download, progress=progress)
        meta = self.root / self.folder / "meta"
        self.classes = self._class_names(meta, f"{label}_label_names")

    @staticmethod
    def _batch_names(train: bool) -> list[str]:
        return ["train"] if train else ["test"]

    @staticmethod
    def _class_names(meta: Path, key: str) -> tuple[str, ...] | None:
        """The class names from the ``meta`` file, or None when it is absent or unreadable."""
        if not meta.is_file():
            return None
        content = load_pickle(meta)
        if not isinstance(content, dict):
            return None
        names = {_text(k): v for k, v in content.items()}.get(key)
        return tuple(_text(n) for n in names) if isinstance(names, list) else None
