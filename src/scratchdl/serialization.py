"""``save`` and ``load``: state dicts and checkpoints on disk, without pickle.

PyTorch's habit is ``torch.save(model.state_dict(), path)``; here it is ``sd.save(obj, path)``.
PyTorch writes a pickle, and unpickling a file from the internet can run any code it carries.
scratchdl writes **one safetensors file** instead, and reading it back executes nothing.

The file format
---------------
``obj`` is a nested structure of dicts (string or int keys), lists, tuples, Tensors, NumPy arrays,
NumPy scalars and Python ``int``/``float``/``bool``/``str``/``None``: what ``Module.state_dict()``,
``Optimizer.state_dict()`` and ``LRScheduler.state_dict()`` return, and a checkpoint that holds
all three.

- Every Tensor, array and NumPy scalar becomes a safetensors tensor (raw little-endian bytes with
  its dtype and shape). Its name is its key path, e.g. ``model.fc1.weight`` or
  ``optimizer.state[0].exp_avg`` (with ``~1``, ``~2``, ... appended if two paths spell the same).
- The structure goes as JSON into the safetensors header metadata under ``scratchdl.structure``
  (next to ``scratchdl.version``). In it a JSON list is a list, ``null``/``true``/``false``/
  strings/numbers are themselves, and every JSON object is a tagged node::

      {"type": "dict", "keys": ["lr", 0], "values": [...]}   # str keys stay str, int keys int
      {"type": "tuple", "items": [...]}
      {"type": "tensor", "name": "model.fc1.weight", "dtype": "float32", "shape": [4, 2],
       "requires_grad": false}
      {"type": "array", "name": ..., "dtype": ..., "shape": ...}
      {"type": "scalar", "name": ..., "dtype": ..., "shape": []}   # np.float32(1.5), np.int64(3)
      {"type": "int", "value": "3553...71"}   # ints beyond 2**53 (RNG states), exact as text
      {"type": "float", "value": "nan"}       # nan, inf, -inf (JSON has no spelling for them)

So any safetensors reader sees the arrays, and any JSON reader sees the structure.

What comes back
---------------
The same structure: Tensors as Tensors (``requires_grad`` kept; a ``Parameter`` comes back as a
plain Tensor), arrays as arrays and NumPy scalars as NumPy scalars, with identical dtypes, shapes
and values (0-d arrays, bool, ints, float16/32/64 included); byte order becomes the machine's.
Tuples stay tuples and int keys stay ints. An object that appears twice (the same array under two
keys) is stored twice and comes back as two independent copies.

Writing is atomic: the bytes go to a temporary file in the target's folder, are flushed and
fsync'ed, and only then renamed over the target (``os.replace``). A crash or an error mid-write
leaves the previous file untouched and no temporary file behind.
"""

from __future__ import annotations

import json
import math
import os
import uuid
from typing import Any

import numpy as np

from scratchdl.tensor import Tensor

__all__ = ["load", "save"]

FORMAT_VERSION = 1
_VERSION_KEY = "scratchdl.version"
_STRUCTURE_KEY = "scratchdl.structure"
_MAX_EXACT_INT = 2**53  # larger ints are written as text: many JSON readers use float64
# Dtypes safetensors stores (complex128 and object/string arrays it does not).
_DTYPES = frozenset(
    np.dtype(name).name
    for name in (
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
        "complex64",
    )
)
_SUPPORTED = (
    "dict (str or int keys), list, tuple, Tensor, numpy array, numpy scalar, int, float, bool, "
    "str and None"
)


def _missing_safetensors() -> ImportError:
    return ImportError(
        "scratchdl.save and scratchdl.load need the safetensors package, which is not installed. "
        'Install it with: pip install "scratchdl[data]"'
    )


# --------------------------------------------------------------------- save
def save(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` (a state dict, a checkpoint, any nesting of supported values) to ``path``.

    Parameters
    ----------
    obj : nested dict / list / tuple of Tensor, ndarray, NumPy scalar, int, float, bool, str, None
        Dict keys must be ``str`` or ``int``.
    path : str or path-like
        The file to write (``.safetensors`` is a good suffix). Written atomically.

    Raises
    ------
    TypeError
        For a value or key of another type; the message names its key path, e.g.
        ``model.layers[3].weight``.

    Examples
    --------
    >>> import os, tempfile
    >>> import scratchdl as sd
    >>> from scratchdl import nn
    >>> model = nn.Linear(2, 1)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> sd.save(model.state_dict(), path)
    >>> model.load_state_dict(sd.load(path))
    IncompatibleKeys(missing_keys=[], unexpected_keys=[])
    """
    try:
        import safetensors.numpy
    except ImportError:
        raise _missing_safetensors() from None

    arrays: dict[str, np.ndarray] = {}
    structure = _encode(obj, "", arrays, set())
    metadata = {
        _VERSION_KEY: str(FORMAT_VERSION),
        _STRUCTURE_KEY: json.dumps(structure, allow_nan=False, separators=(",", ":")),
    }
    write_atomically(os.fspath(path), lambda: safetensors.numpy.save(arrays, metadata=metadata))


def write_atomically(path: str | os.PathLike, make_bytes) -> None:
    """Write ``make_bytes()`` to a temp file beside ``path``, fsync it, then rename it over.

    Every file scratchdl writes (checkpoints, metrics, logs) goes through here, so a crash
    leaves either the old file or the new one, never half of one.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    # Not tempfile.mkstemp: it makes the file private (0o600); os.open with 0o666 lets the umask
    # decide, as a plain open() would. O_EXCL guarantees the name is ours alone.
    tmp_path = os.path.join(folder, f".{os.path.basename(path)}.{uuid.uuid4().hex[:12]}.tmp")
    fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(make_bytes())
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        try:
            os.remove(tmp_path)
        except OSError:
            pass
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _child(path: str, key: Any) -> str:
    """The key path of an entry: ``model.fc1.weight``, ``state[0].exp_avg``, ``betas[1]``."""
    if isinstance(key, str):
        return f"{path}.{key}" if path else key
    return f"{path}[{key}]"


def _where(path: str) -> str:
    return f"at {path}" if path else "at the top level"


def _encode(obj: Any, path: str, arrays: dict[str, np.ndarray], active: set[int]) -> Any:
    """Turn ``obj`` into JSON-ready data, moving every array into ``arrays``."""
    if obj is None or isinstance(obj, (bool, str)):  # np.str_ is a str and is stored as one
        return str(obj) if isinstance(obj, str) else obj
    if isinstance(obj, Tensor):
        node = _store_array(obj.data, path, "tensor", arrays)
        node["requires_grad"] = bool(obj.requires_grad)
        return node
    if isinstance(obj, np.ndarray):
        return _store_array(obj, path, "array", arrays)
    if isinstance(obj, np.generic):  # before int/float: np.float64 is a float subclass
        return _store_array(np.asarray(obj), path, "scalar", arrays)
    if isinstance(obj, int):
        value = int(obj)
        return value if abs(value) <= _MAX_EXACT_INT else {"type": "int", "value": str(value)}
    if isinstance(obj, float):
        value = float(obj)
        return value if math.isfinite(value) else {"type": "float", "value": repr(value)}
    if isinstance(obj, (dict, list, tuple)):
        if id(obj) in active:
            raise ValueError(
                f"save: the object {_where(path)} contains itself; cannot store a cycle."
            )
        active.add(id(obj))
        try:
            if isinstance(obj, dict):
                keys = [_encode_key(key, path) for key in obj]
                values = [
                    _encode(value, _child(path, key), arrays, active)
                    for key, value in zip(keys, obj.values())
                ]
                return {"type": "dict", "keys": keys, "values": values}
            items = [_encode(item, _child(path, i), arrays, active) for i, item in enumerate(obj)]
            return items if isinstance(obj, list) else {"type": "tuple", "items": items}
        finally:
            active.discard(id(obj))
    raise TypeError(
        f"save: cannot store a value of type {type(obj).__name__!r} {_where(path)}. "
        f"Supported: {_SUPPORTED}. help: convert it first (np.asarray(...), list(...), str(...)), "
        "or leave it out of the dict."
    )


def _encode_key(key: Any, path: str) -> str | int | dict[str, str]:
    if isinstance(key, str):
        return str(key)
    if isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
        value = int(key)
        return value if abs(value) <= _MAX_EXACT_INT else {"type": "int", "value": str(value)}
    raise TypeError(
        f"save: dict keys must be str or int; received key {key!r} of type "
        f"{type(key).__name__!r} {_where(path)}."
    )


def _store_array(array: np.ndarray, path: str, kind: str, arrays: dict) -> dict[str, Any]:
    if array.dtype.name not in _DTYPES:
        raise TypeError(
            f"save: cannot store a {kind} of dtype {array.dtype} {_where(path)}. Supported "
            f"dtypes: {', '.join(sorted(_DTYPES))}. help: cast it first, e.g. .astype(np.float64)."
        )
    name, n = path or "(top level)", 0
    while name in arrays:
        n += 1
        name = f"{path or '(top level)'}~{n}"
    # safetensors writes raw memory and ignores strides: it must get a C-contiguous array.
    # (Not np.ascontiguousarray, which turns a 0-d array into shape (1,).)
    arrays[name] = array if array.flags.c_contiguous else array.copy(order="C")
    return {"type": kind, "name": name, "dtype": array.dtype.name, "shape": list(array.shape)}


# --------------------------------------------------------------------- load
def load(path: str | os.PathLike) -> Any:
    """Read a file written by ``save`` and rebuild the structure that was saved.

    Nothing in the file is executed (no pickle): arrays are read as raw bytes by safetensors and
    the structure is parsed as JSON.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a safetensors file, is truncated, or was not written by ``sd.save``.
    """
    try:
        from safetensors import SafetensorError, safe_open
    except ImportError:
        raise _missing_safetensors() from None

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load: no file at {path!r}.")
    try:
        with safe_open(path, framework="numpy") as file:
            metadata = file.metadata() or {}
            arrays = {name: file.get_tensor(name) for name in file.keys()}
    except SafetensorError as error:
        raise ValueError(
            f"load: {path!r} is not a readable safetensors file ({error}). It may be truncated "
            "or corrupt, or not written by scratchdl.save."
        ) from None
    if _STRUCTURE_KEY not in metadata:
        raise ValueError(
            f"load: {path!r} is a safetensors file but was not written by scratchdl.save (its "
            f"header has no {_STRUCTURE_KEY!r} entry). help: read its arrays with "
            "safetensors.numpy.load_file(path)."
        )
    version = metadata.get(_VERSION_KEY, "")
    if version != str(FORMAT_VERSION):
        raise ValueError(
            f"load: {path!r} has scratchdl format version {version!r}; this scratchdl reads "
            f"version {FORMAT_VERSION}. help: load it with the scratchdl version that wrote it."
        )
    try:
        structure = json.loads(metadata[_STRUCTURE_KEY])
        return _decode(structure, arrays, "")
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"load: {path!r} has a damaged scratchdl structure: {error}") from None


def _decode(node: Any, arrays: dict[str, np.ndarray], path: str) -> Any:
    if node is None or isinstance(node, (bool, str, int, float)):
        return node
    if isinstance(node, list):
        return [_decode(item, arrays, _child(path, i)) for i, item in enumerate(node)]
    if not isinstance(node, dict):
        raise ValueError(f"unexpected JSON value {node!r} {_where(path)}")
    kind = node.get("type")
    if kind == "dict":
        keys = [_decode_key(key, path) for key in node["keys"]]
        if len(keys) != len(node["values"]):
            raise ValueError(
                f"the dict {_where(path)} has {len(keys)} keys but {len(node['values'])} values"
            )
        return {
            key: _decode(value, arrays, _child(path, key))
            for key, value in zip(keys, node["values"])
        }
    if kind == "tuple":
        return tuple(_decode(item, arrays, _child(path, i)) for i, item in enumerate(node["items"]))
    if kind == "int":
        return int(node["value"])
    if kind == "float":
        return float(node["value"])
    if kind in ("tensor", "array", "scalar"):
        array = arrays[node["name"]]
        if array.dtype.name != node["dtype"] or list(array.shape) != node["shape"]:
            raise ValueError(
                f"the {kind} {_where(path)} should have dtype {node['dtype']} and shape "
                f"{tuple(node['shape'])}; the file holds {array.dtype} {array.shape}"
            )
        if not array.flags.writeable:
            array = array.copy()
        if kind == "array":
            return array
        if kind == "scalar":
            return array[()]
        tensor = Tensor._from_op(array, None)
        tensor.requires_grad = bool(node.get("requires_grad", False))
        return tensor
    raise ValueError(f"unknown node type {kind!r} {_where(path)}")


def _decode_key(key: Any, path: str) -> str | int:
    if isinstance(key, (str, int)) and not isinstance(key, bool):
        return key
    if isinstance(key, dict) and key.get("type") == "int":  # an int key beyond 2**53
        return int(key["value"])
    raise ValueError(f"invalid dict key {key!r} {_where(path)}")
