"""CIFAR-10/100 from tiny python-version batches written here with plain ``pickle.dump``.

The test writes with pickle (as the dataset's authors did); the loader must read them through its
restricted unpickler, and refuse a pickle that tries to run code.
"""

from __future__ import annotations

import io
import os
import pickle
import tarfile

import numpy as np
import pytest

from scratchdl.data._safe_pickle import load_pickle
from scratchdl.data.datasets import (
    CIFAR10,
    CIFAR100,
    ChecksumError,
    DataFormatError,
    DatasetNotFoundError,
    UnsafePickleError,
)
from scratchdl.data.datasets.cifar import safe_extract
from scratchdl.data.download import sha256_file


def write_pickle(path, obj, protocol):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=protocol)


def cifar10_batch(rng, n, first_label):
    """A batch dict like the real ones: bytes keys, uint8 data (N, 3072), a list of labels."""
    return {
        b"batch_label": b"training batch",
        b"labels": [(first_label + i) % 10 for i in range(n)],
        b"data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8),
        b"filenames": [f"img_{i}.png".encode() for i in range(n)],
    }


def write_cifar10(folder, rng, protocol=2):
    batches = {}
    for i in range(1, 6):
        batches[f"data_batch_{i}"] = cifar10_batch(rng, 2, first_label=2 * i)
    batches["test_batch"] = cifar10_batch(rng, 3, first_label=7)
    for name, batch in batches.items():
        write_pickle(folder / name, batch, protocol)
    write_pickle(folder / "batches.meta", {b"label_names": [b"airplane"] * 10}, protocol)
    return batches


@pytest.mark.parametrize("protocol", [2, pickle.DEFAULT_PROTOCOL, pickle.HIGHEST_PROTOCOL])
def test_cifar10_reads_batches(tmp_path, rng, protocol):
    batches = write_cifar10(tmp_path / "cifar-10-batches-py", rng, protocol)
    train = CIFAR10(root=tmp_path, train=True)
    assert len(train) == 10
    x, y = train[0]
    assert x.shape == (3, 32, 32) and x.dtype == np.float32 and y.dtype == np.int64
    first = batches["data_batch_1"][b"data"][0]
    # A row is the red plane, then green, then blue, each 32x32 row by row.
    np.testing.assert_allclose(x[0].ravel() * 255, first[:1024], atol=1e-4)
    np.testing.assert_allclose(x[2].ravel() * 255, first[2048:], atol=1e-4)
    assert train.images.min() >= 0 and train.images.max() <= 1
    expected = sum((batches[f"data_batch_{i}"][b"labels"] for i in range(1, 6)), [])
    assert train.labels.tolist() == expected

    test = CIFAR10(root=tmp_path, train=False)
    assert len(test) == 3 and test.labels.tolist() == [7, 8, 9]


def test_cifar100_fine_and_coarse(tmp_path, rng):
    folder = tmp_path / "cifar-100-python"
    data = rng.integers(0, 256, size=(4, 3072), dtype=np.uint8)
    batch = {b"data": data, b"fine_labels": [0, 99, 42, 7], b"coarse_labels": [0, 19, 5, 3]}
    write_pickle(folder / "train", batch, 2)
    write_pickle(folder / "test", {**batch, b"data": data[:2]} | {b"fine_labels": [1, 2]}, 2)
    meta = {
        b"fine_label_names": [f"fine{i}".encode() for i in range(100)],
        b"coarse_label_names": [f"coarse{i}".encode() for i in range(20)],
    }
    write_pickle(folder / "meta", meta, 2)

    fine = CIFAR100(root=tmp_path, train=True)
    assert fine.labels.tolist() == [0, 99, 42, 7] and fine.classes[99] == "fine99"
    coarse = CIFAR100(root=tmp_path, train=True, label="coarse")
    assert coarse.labels.tolist() == [0, 19, 5, 3] and len(coarse.classes) == 20
    with pytest.raises(ValueError, match="label must be 'fine' or 'coarse'"):
        CIFAR100(root=tmp_path, label="medium")


class RunsAShellCommand:
    """What an attacker would put in a pickle: unpickling it calls os.system(command)."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def test_malicious_pickle_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    folder = tmp_path / "cifar-10-batches-py"
    payload = {b"data": RunsAShellCommand(f"touch {marker}"), b"labels": []}
    for i in range(1, 6):
        write_pickle(folder / f"data_batch_{i}", payload, 2)
    with pytest.raises(UnsafePickleError, match="refusing to load (posix|nt|os).system"):
        CIFAR10(root=tmp_path)
    assert not marker.exists()
    assert isinstance(UnsafePickleError("x"), pickle.UnpicklingError)


@pytest.mark.parametrize("target", [eval, getattr, __import__, pickle.loads])
def test_other_callables_are_refused(tmp_path, target):
    path = tmp_path / "evil"

    class Calls:
        def __reduce__(self):
            return (target, ("1",))

    path.write_bytes(pickle.dumps(Calls(), protocol=2))
    with pytest.raises(UnsafePickleError):
        load_pickle(path)


def test_batch_with_wrong_dtype(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    batch = {b"data": np.zeros((1, 3072), dtype=np.float64), b"labels": [0]}
    for name in [f"data_batch_{i}" for i in range(1, 6)]:
        write_pickle(folder / name, batch, 2)
    with pytest.raises(DataFormatError, match="uint8"):
        CIFAR10(root=tmp_path)


def test_missing_files_error(tmp_path):
    with pytest.raises(DatasetNotFoundError) as info:
        CIFAR10(root=tmp_path, train=False)
    message = str(info.value)
    assert str(tmp_path / "cifar-10-batches-py") in message
    assert "test_batch" in message and "cifar-10-python.tar.gz" in message
    assert "download=True" in message and "SCRATCHDL_DATA" in message


def make_archive(tmp_path, rng):
    """A cifar-10-python.tar.gz like the real one, built from batches in a scratch folder."""
    scratch = tmp_path / "scratch"
    write_cifar10(scratch / "cifar-10-batches-py", rng)
    root = tmp_path / "root"
    root.mkdir()
    archive = root / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(scratch / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    return root, archive


def test_archive_on_disk_is_verified_and_extracted(tmp_path, rng, monkeypatch):
    root, archive = make_archive(tmp_path, rng)
    with pytest.raises(ChecksumError, match="SHA-256"):
        CIFAR10(root=root)  # the real digest cannot match the tiny archive
    monkeypatch.setattr(CIFAR10, "sha256", sha256_file(archive))
    ds = CIFAR10(root=root, train=False)
    assert len(ds) == 3 and (root / "cifar-10-batches-py" / "data_batch_5").is_file()


def add_member(tar, name, data=b"x", kind=tarfile.REGTYPE, linkname=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    if kind == tarfile.REGTYPE:
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    else:
        tar.addfile(info)


@pytest.mark.parametrize(
    "name, kind, linkname",
    [
        ("../escaped.txt", tarfile.REGTYPE, ""),
        ("cifar/../../escaped.txt", tarfile.REGTYPE, ""),
        ("/tmp/escaped-absolute.txt", tarfile.REGTYPE, ""),
        ("cifar/link", tarfile.SYMTYPE, "/etc/passwd"),
    ],
)
def test_safe_extract_refuses_escapes(tmp_path, name, kind, linkname):
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        add_member(tar, "cifar/ok.txt")
        add_member(tar, name, kind=kind, linkname=linkname)
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(ValueError, match="refusing to extract"):
        safe_extract(archive, dest)
    assert not (tmp_path / "escaped.txt").exists()
    assert not (dest / "cifar" / "ok.txt").exists()  # nothing written before the check


# A batch as Python 2's cPickle wrote the real files (protocol 2, str as SHORT_BINSTRING, the array
# rebuilt by numpy.core.multiarray._reconstruct): {"data": uint8 [[0, 1, 2]], "labels": [5]}.
PYTHON2_PICKLE = (
    b"\x80\x02}q\x00(U\x04dataq\x01cnumpy.core.multiarray\n_reconstruct\nq\x02cnumpy\nndarray\n"
    b"q\x03K\x00\x85U\x01b\x87Rq\x04(K\x01K\x01K\x03\x86cnumpy\ndtype\nq\x05U\x02u1K\x00K\x01"
    b"\x87Rq\x06(K\x03U\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tbI00\nU\x03\x00\x01\x02"
    b"tbU\x06labelsq\x07]q\x08K\x05au."
)


def test_python2_layout_loads(tmp_path):
    path = tmp_path / "batch"
    path.write_bytes(PYTHON2_PICKLE)
    batch = load_pickle(path)
    assert batch[b"labels"] == [5]
    np.testing.assert_array_equal(batch[b"data"], np.array([[0, 1, 2]], dtype=np.uint8))
    assert batch[b"data"].dtype == np.uint8


class Reduces:
    """Pickles as ``function(*args)``, then BUILD with ``state`` when given: a hand-made pickle."""

    def __init__(self, function, args, state=None):
        self.function, self.args, self.state = function, args, state

    def __reduce__(self):
        if self.state is None:
            return (self.function, self.args)
        return (self.function, self.args, self.state)


_reconstruct = np.ndarray.__reduce__(np.zeros(1))[0]  # numpy(._)core.multiarray._reconstruct
_frombuffer = np.zeros(1).__reduce_ex__(5)[0]  # numpy(._)core.numeric._frombuffer
POINTER = (0x4141414141414141).to_bytes(8, "little")  # what a file would pass off as an address
OBJECT_FIELD = np.dtype([("a", "O"), ("b", "u1")])
# A plain 8-byte dtype whose pickled flags (the last state entry) claim it holds objects.
FLAGGED_VOID = Reduces(np.dtype, ("V8", False, True), (3, "|", None, None, None, 8, 1, 0x3F))

UNSAFE_ARRAYS = {
    # The reviewer's files: numpy.ndarray called directly over file-chosen bytes.
    "ndarray called with dtype O": Reduces(np.ndarray, ((1,), "O", POINTER)),
    "ndarray called with an object field": Reduces(np.ndarray, ((1,), OBJECT_FIELD, POINTER * 2)),
    # NumPy's own recipe, _reconstruct + BUILD, with an object dtype in the state.
    "_reconstruct, dtype O": Reduces(
        _reconstruct, (np.ndarray, (0,), b"b"), (1, (1,), np.dtype("O"), False, POINTER)
    ),
    "_reconstruct, object field": Reduces(
        _reconstruct, (np.ndarray, (0,), b"b"), (1, (1,), OBJECT_FIELD, False, POINTER * 2)
    ),
    "_reconstruct, typecode O": Reduces(_reconstruct, (np.ndarray, (1,), b"O")),
    "_reconstruct, old 4-entry state": Reduces(
        _reconstruct, (np.ndarray, (0,), b"b"), ((1,), np.dtype("O"), False, POINTER)
    ),
    "_reconstruct, sub-array of objects": Reduces(
        _reconstruct, (np.ndarray, (0,), b"b"), (1, (1,), np.dtype(("O", (2,))), False, POINTER * 2)
    ),
    # Protocol 5's recipe.
    "_frombuffer, dtype O": Reduces(_frombuffer, (POINTER, np.dtype("O"), (1,), "C")),
    "_frombuffer, object field": Reduces(_frombuffer, (POINTER * 2, OBJECT_FIELD, (1,), "C")),
    "a bare object dtype": np.dtype("O"),
}


@pytest.mark.parametrize("protocol", [2, 5])
@pytest.mark.parametrize("name", sorted(UNSAFE_ARRAYS))
def test_object_arrays_are_refused(tmp_path, name, protocol):
    """No allowed name may build an array whose dtype holds objects: its bytes would be pointers.

    Before the fix the first case crashed the interpreter (NumPy followed 0x4141414141414141).
    """
    path = tmp_path / "evil"
    path.write_bytes(pickle.dumps({b"data": UNSAFE_ARRAYS[name], b"labels": [0]}, protocol))
    with pytest.raises(UnsafePickleError, match="numpy.ndarray|holds Python objects"):
        load_pickle(path)


def test_reviewer_object_array_batch_is_refused(tmp_path):
    """The reviewer's CIFAR batch: an object array hidden in the labels list."""
    folder = tmp_path / "cifar-10-batches-py"
    fake = Reduces(np.ndarray, ((1,), "O", POINTER))
    write_pickle(
        folder / "test_batch", {b"data": np.zeros((1, 3072), np.uint8), b"labels": [fake]}, 2
    )
    with pytest.raises(UnsafePickleError, match="numpy.ndarray"):
        CIFAR10(root=tmp_path, train=False)


@pytest.mark.parametrize("protocol", [2, 5])
def test_flags_in_a_dtype_state_cannot_add_objects(tmp_path, protocol):
    """A dtype's pickled flags are not trusted: NumPy recomputes them, so no hasobject appears."""
    array = Reduces(
        _reconstruct, (np.ndarray, (0,), b"b"), (1, (2,), FLAGGED_VOID, False, b"A" * 16)
    )
    path = tmp_path / "flags"
    path.write_bytes(pickle.dumps({"x": array, "d": FLAGGED_VOID}, protocol))
    loaded = load_pickle(path)
    assert loaded["x"].dtype == np.dtype("V8") and not loaded["x"].dtype.hasobject
    assert loaded["x"].tobytes() == b"A" * 16
    assert not loaded["d"].hasobject


@pytest.mark.parametrize("protocol", [0, 2, 5])
def test_plain_arrays_round_trip(tmp_path, protocol):
    """What NumPy writes for arrays of numbers, strings, records and dates loads back equal."""
    arrays = {
        "uint8": np.arange(12, dtype=np.uint8).reshape(3, 4),
        "big-endian": np.arange(5, dtype=">f4"),
        "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        "record": np.array([(1, b"ab"), (2, b"cd")], dtype=[("n", "<u2"), ("s", "S3")]),
        "aligned record": np.zeros(2, dtype=np.dtype([("a", "u1"), ("b", "<f8")], align=True)),
        "sub-array": np.zeros(2, dtype=("<i4", (3,))),
        "dates": np.array(["2020-01-01", "2021-06-30"], dtype="M8[D]"),
        "unicode": np.array(["x", "yz"]),
        "empty": np.zeros((0, 3), np.float32),
    }
    shared = np.arange(3)
    obj = {"arrays": arrays, "shared": (shared, [shared]), "dtype": np.dtype("<i8")}
    path = tmp_path / "ok"
    path.write_bytes(pickle.dumps(obj, protocol))
    loaded = load_pickle(path)
    trusted = pickle.loads(path.read_bytes())  # NumPy's own unpickling: the reference
    for name, array in arrays.items():
        got, expected = loaded["arrays"][name], trusted["arrays"][name]
        assert type(got) is np.ndarray and got.dtype == expected.dtype, name
        np.testing.assert_array_equal(got, array, err_msg=name)
    assert loaded["arrays"]["fortran"].flags.f_contiguous
    assert loaded["shared"][0] is loaded["shared"][1][0]  # one array, referenced twice
    assert loaded["dtype"] == np.dtype("<i8")


def test_codecs_encode_only_makes_latin1_bytes(tmp_path):
    import codecs

    path = tmp_path / "zlib"
    path.write_bytes(pickle.dumps(Reduces(codecs.encode, (b"abc", "zlib")), 2))
    with pytest.raises(UnsafePickleError, match="latin1"):
        load_pickle(path)
