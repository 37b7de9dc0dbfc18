"""Tests for scratchdl.save / scratchdl.load (src/scratchdl/serialization.py)."""

from __future__ import annotations

import json
import math
import os
import pickle

import numpy as np
import pytest
import safetensors
import safetensors.numpy

import scratchdl as sd
from scratchdl import nn, optim
from scratchdl.optim import lr_scheduler


def _round_trip(obj, tmp_path):
    path = tmp_path / "obj.safetensors"
    sd.save(obj, path)
    return sd.load(path)


def _assert_same(a, b, where="obj"):
    """Recursive equality that also checks types, dtypes, shapes and bit patterns."""
    assert type(a) is type(b), f"{where}: {type(a)} != {type(b)}"
    if isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys {list(a)} != {list(b)}"
        for key in a:
            assert type(key) is type(next(k for k in b if k == key)), f"{where}: key {key!r}"
            _assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, sd.Tensor):
        assert a.requires_grad == b.requires_grad, where
        _assert_same(a.data, b.data, where)
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and a.shape == b.shape, f"{where}: {a.dtype}{a.shape}"
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes(), where
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"
        if isinstance(a, float):
            assert math.copysign(1.0, a) == math.copysign(1.0, b), where


# --------------------------------------------------------------------- round trips
@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        -7,
        2**53,
        2**53 + 1,
        -(2**127) - 5,
        1.5,
        -0.0,
        1e-300,
        float("inf"),
        float("-inf"),
        float("nan"),
        "",
        'héllo {"type": "dict"}',
        [],
        {},
        (),
    ],
    ids=repr,
)
def test_python_values_round_trip(value, tmp_path):
    _assert_same(value, _round_trip(value, tmp_path))


@pytest.mark.parametrize(
    "dtype",
    ["bool", "int8", "uint8", "int16", "int32", "int64", "uint64", "float16", "float32", "float64"],
)
@pytest.mark.parametrize("shape", [(), (0,), (1,), (3, 4), (2, 0, 3), (2, 3, 4)], ids=str)
def test_arrays_keep_dtype_shape_and_values(dtype, shape, rng, tmp_path):
    array = np.asarray(rng.standard_normal(shape) * 100).astype(dtype)
    assert array.shape == shape
    obj = {"array": array, "tensor": sd.from_numpy(array.copy()), "view": array.reshape(-1)[:1]}
    loaded = _round_trip(obj, tmp_path)
    _assert_same(obj, loaded)
    assert isinstance(loaded["tensor"], sd.Tensor) and isinstance(loaded["array"], np.ndarray)
    loaded["array"][...] = 0  # loaded arrays are ordinary writable arrays


@pytest.mark.parametrize(
    "scalar", [np.float16(1.5), np.float32(-2.25), np.float64(1 / 3), np.int64(-3), np.bool_(True)]
)
def test_numpy_scalars_come_back_as_numpy_scalars(scalar, tmp_path):
    loaded = _round_trip([scalar], tmp_path)[0]
    _assert_same(scalar, loaded)
    assert isinstance(loaded, np.generic) and not isinstance(loaded, np.ndarray)


def test_special_float_bits_survive(tmp_path):
    array = np.array([np.nan, -np.inf, np.inf, -0.0, np.finfo(np.float32).tiny / 2], np.float32)
    _assert_same(array, _round_trip(array, tmp_path))


def test_non_contiguous_and_big_endian_arrays(rng, tmp_path):
    base = rng.standard_normal((4, 6))
    obj = {"transposed": base.T, "strided": base[::2, 1::3], "big": base.astype(">f8")}
    loaded = _round_trip(obj, tmp_path)
    for key, value in obj.items():
        np.testing.assert_array_equal(loaded[key], value)
        assert loaded[key].shape == value.shape
    assert loaded["big"].dtype == np.float64  # the values survive; byte order becomes native


def test_nesting_tuples_and_key_types(tmp_path):
    obj = {
        "a": [1, (2.5, "x", None), [[], {}], {"deep": {"deeper": [np.arange(3)]}}],
        0: "int key",
        -5: {"nested": (True, ())},
        2**70: "big int key",
        "0": "string key that looks like an int",
        np.int64(7): "numpy int key",
    }
    loaded = _round_trip(obj, tmp_path)
    expected = dict(obj)
    expected[7] = expected.pop(np.int64(7))
    _assert_same(expected, loaded)
    assert 0 in loaded and "0" in loaded and loaded[0] != loaded["0"]
    assert isinstance(loaded["a"][1], tuple) and isinstance(loaded["a"][2], list)


def test_requires_grad_is_kept(tmp_path):
    obj = [sd.randn(2, requires_grad=True), sd.randn(2), nn.Parameter(sd.ones(3))]
    loaded = _round_trip(obj, tmp_path)
    assert [t.requires_grad for t in loaded] == [True, False, True]
    assert all(type(t) is sd.Tensor for t in loaded)
    np.testing.assert_array_equal(loaded[2].data, np.ones(3, np.float32))


def test_shared_array_is_stored_twice_and_loaded_as_copies(tmp_path):
    array = np.arange(4.0)
    loaded = _round_trip({"first": array, "second": array, "same": [array, array]}, tmp_path)
    np.testing.assert_array_equal(loaded["first"], loaded["second"])
    loaded["first"][0] = 99.0
    assert loaded["second"][0] == 0.0


def test_colliding_key_paths_get_distinct_tensor_names(tmp_path):
    obj = {"a.b": np.zeros(1), "a": {"b": np.ones(1)}}
    loaded = _round_trip(obj, tmp_path)
    _assert_same(obj, loaded)


def test_model_state_dict_round_trip(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2, bias=False))
    state = model.state_dict()
    loaded = _round_trip(state, tmp_path)
    _assert_same(state, loaded)
    fresh = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2, bias=False))
    fresh.load_state_dict(loaded)
    x = sd.randn(5, 3)
    np.testing.assert_array_equal(fresh(x).data, model(x).data)


def test_optimizer_and_scheduler_state_round_trip(tmp_path):
    model = nn.Linear(3, 2)
    opt = optim.Adam(model.parameters(), lr=0.1, betas=(0.8, 0.99))
    scheduler = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        opt.zero_grad()
        model(sd.randn(4, 3)).sum().backward()
        opt.step()
        scheduler.step()
    obj = {"optimizer": opt.state_dict(), "scheduler": scheduler.state_dict()}
    loaded = _round_trip(obj, tmp_path)
    _assert_same(obj, loaded)
    assert list(loaded["optimizer"]["state"]) == [0, 1]  # int keys stay ints
    assert loaded["optimizer"]["param_groups"][0]["betas"] == (0.8, 0.99)

    fresh = optim.Adam(nn.Linear(3, 2).parameters(), lr=0.1)
    fresh.load_state_dict(loaded["optimizer"])
    _assert_same(opt.state_dict(), fresh.state_dict())


def test_rng_state_round_trips_exactly(tmp_path):
    state = np.random.default_rng(5).bit_generator.state
    loaded = _round_trip(state, tmp_path)
    assert loaded == state
    generator = np.random.default_rng()
    generator.bit_generator.state = loaded
    assert generator.random() == np.random.default_rng(5).random()


def test_file_is_plain_safetensors_with_json_structure(tmp_path):
    path = tmp_path / "model.safetensors"
    sd.save({"fc": {"weight": np.ones((2, 2), np.float32)}, "epoch": 3}, path)
    with safetensors.safe_open(str(path), framework="numpy") as file:
        assert list(file.keys()) == ["fc.weight"]
        metadata = file.metadata()
    structure = json.loads(metadata["scratchdl.structure"])
    assert structure["type"] == "dict" and structure["keys"] == ["fc", "epoch"]
    assert metadata["scratchdl.version"] == "1"


def test_save_accepts_str_and_pathlike(tmp_path):
    sd.save([1], str(tmp_path / "a"))
    sd.save([2], tmp_path / "b")
    assert sd.load(str(tmp_path / "a")) == [1] and sd.load(tmp_path / "b") == [2]


# --------------------------------------------------------------------- atomic writes
def _write_fails_midway(monkeypatch):
    """Make the write fail after part of the new file is on disk (at the fsync)."""

    def broken_fsync(fd):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(os, "fsync", broken_fsync)


def test_failed_serialization_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    sd.save({"version": 1}, path)
    before = path.read_bytes()

    def broken_writer(*args, **kwargs):
        raise RuntimeError("writer crashed (simulated)")

    monkeypatch.setattr(safetensors.numpy, "save", broken_writer)
    with pytest.raises(RuntimeError, match="writer crashed"):
        sd.save({"version": 2, "w": np.ones(1000)}, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["ckpt.safetensors"]


def test_failure_during_write_keeps_previous_file_and_leaves_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    sd.save({"version": 1}, path)
    before = path.read_bytes()
    _write_fails_midway(monkeypatch)
    with pytest.raises(OSError, match="disk full"):
        sd.save({"version": 2, "w": np.ones(1000)}, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["ckpt.safetensors"]
    monkeypatch.undo()
    assert sd.load(path) == {"version": 1}


def test_failure_on_first_write_leaves_nothing(tmp_path, monkeypatch):
    _write_fails_midway(monkeypatch)
    with pytest.raises(OSError):
        sd.save({"w": np.ones(3)}, tmp_path / "new.safetensors")
    assert os.listdir(tmp_path) == []


def test_unsupported_value_fails_before_touching_the_file(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    sd.save({"ok": 1}, path)
    with pytest.raises(TypeError):
        sd.save({"bad": {1, 2}}, path)
    assert sd.load(path) == {"ok": 1}
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]


# --------------------------------------------------------------------- errors
def test_unsupported_type_names_the_key_path(tmp_path):
    obj = {"model": {"layers": [0, 1, 2, {"weight": {1, 2}}]}}
    with pytest.raises(TypeError, match=r"'set' at model\.layers\[3\]\.weight"):
        sd.save(obj, tmp_path / "x")


@pytest.mark.parametrize(
    ("obj", "fragment"),
    [
        (object(), r"'object' at the top level"),
        ({"f": lambda: 0}, r"'function' at f"),
        ({"state": {0: {"buf": b"raw"}}}, r"'bytes' at state\[0\]\.buf"),
        ({"c": np.zeros(2, np.complex128)}, r"dtype complex128 at c"),
        ({"s": np.array(["a"])}, r"dtype <U1 at s"),
        ({"o": np.array([None])}, r"dtype object at o"),
    ],
)
def test_unsupported_values_are_rejected(obj, fragment, tmp_path):
    with pytest.raises(TypeError, match=fragment):
        sd.save(obj, tmp_path / "x")


@pytest.mark.parametrize("key", [1.5, (1, 2), True, None])
def test_unsupported_keys_are_rejected(key, tmp_path):
    with pytest.raises(TypeError, match=r"dict keys must be str or int.*at opt"):
        sd.save({"opt": {key: 1}}, tmp_path / "x")


def test_cycle_is_rejected(tmp_path):
    cyclic: list = [1]
    cyclic.append(cyclic)
    with pytest.raises(ValueError, match=r"contains itself"):
        sd.save({"c": cyclic}, tmp_path / "x")


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.safetensors"):
        sd.load(tmp_path / "nothing.safetensors")


@pytest.mark.parametrize("content", [b"", b"not a safetensors file at all", b"\xff" * 64])
def test_load_garbage_names_the_path(content, tmp_path):
    path = tmp_path / "garbage.bin"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"garbage\.bin.*not a readable safetensors file"):
        sd.load(path)


def test_load_truncated_file(tmp_path):
    path = tmp_path / "cut.safetensors"
    sd.save({"w": np.ones(100)}, path)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match=r"cut\.safetensors.*truncated or corrupt"):
        sd.load(path)


def test_load_plain_safetensors_file_is_refused(tmp_path):
    path = tmp_path / "hf.safetensors"
    safetensors.numpy.save_file({"w": np.ones(2)}, str(path))
    with pytest.raises(ValueError, match=r"hf\.safetensors.*not written by scratchdl\.save"):
        sd.load(path)


def test_load_damaged_structure(tmp_path):
    path = tmp_path / "bad.safetensors"
    metadata = {"scratchdl.version": "1", "scratchdl.structure": '{"type": "tensor", "name": "x"}'}
    safetensors.numpy.save_file({"w": np.ones(2)}, str(path), metadata=metadata)
    with pytest.raises(ValueError, match=r"bad\.safetensors.*damaged"):
        sd.load(path)


def test_load_newer_version_is_refused(tmp_path):
    path = tmp_path / "future.safetensors"
    metadata = {"scratchdl.version": "99", "scratchdl.structure": "null"}
    safetensors.numpy.save_file({}, str(path), metadata=metadata)
    with pytest.raises(ValueError, match=r"future\.safetensors.*version '99'"):
        sd.load(path)


def test_missing_safetensors_gives_install_hint(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("safetensors"):
            raise ImportError("No module named 'safetensors'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r'pip install "scratchdl\[data\]"'):
        sd.save({}, tmp_path / "x")
    with pytest.raises(ImportError, match=r'pip install "scratchdl\[data\]"'):
        sd.load(tmp_path / "x")


# --------------------------------------------------------------------- no pickle
def test_load_never_unpickles(tmp_path, monkeypatch):
    model = nn.Linear(3, 2)
    opt = optim.Adam(model.parameters())
    obj = {"model": model.state_dict(), "optimizer": opt.state_dict(), "rng": [2**100]}
    path = tmp_path / "x.safetensors"
    sd.save(obj, path)

    def forbidden(*args, **kwargs):
        raise AssertionError("pickle was used")

    class ForbiddenUnpickler:
        def __init__(self, *args, **kwargs):
            forbidden()

    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", ForbiddenUnpickler)
    monkeypatch.setattr(np, "load", forbidden)  # np.load can unpickle with allow_pickle=True
    _assert_same(obj, sd.load(path))
    assert b"pickle" not in path.read_bytes()
