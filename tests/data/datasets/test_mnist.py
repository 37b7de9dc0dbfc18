"""MNIST / Fashion-MNIST from tiny IDX files written here in the real format (never downloaded)."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from scratchdl.data.datasets import MNIST, DataFormatError, DatasetNotFoundError, FashionMNIST
from scratchdl.data.datasets.mnist import read_idx
from scratchdl.data.download import DATA_ENV


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    """The IDX encoding of ``array``: 0, 0, type code, ndim, big-endian sizes, then the data."""
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def write_split(folder, prefix, images, labels, gzipped=True):
    folder.mkdir(parents=True, exist_ok=True)
    for stem, array in (
        (f"{prefix}-images-idx3-ubyte", images),
        (f"{prefix}-labels-idx1-ubyte", labels),
    ):
        data = idx_bytes(array)
        if gzipped:
            (folder / f"{stem}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / stem).write_bytes(data)


@pytest.fixture
def tiny(rng):
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    images[0, 0, 0], images[0, 0, 1] = 0, 255
    labels = np.array([3, 0, 9, 1, 3], dtype=np.uint8)
    return images, labels


@pytest.mark.parametrize("gzipped", [True, False])
def test_mnist_reads_idx_files(tmp_path, tiny, gzipped):
    images, labels = tiny
    write_split(tmp_path / "mnist", "train", images, labels, gzipped=gzipped)
    ds = MNIST(root=tmp_path, train=True)
    assert len(ds) == 5
    x, y = ds[0]
    assert x.shape == (1, 28, 28) and x.dtype == np.float32
    assert y.dtype == np.int64 and int(y) == 3
    assert x[0, 0, 0] == 0.0 and x[0, 0, 1] == 1.0
    np.testing.assert_allclose(ds.images[:, 0] * 255, images, atol=1e-4)
    np.testing.assert_array_equal(ds.labels, labels)
    xb, yb = ds[np.array([1, 2])]
    assert xb.shape == (2, 1, 28, 28) and yb.tolist() == [0, 9]


def test_mnist_test_split_and_torchvision_layout(tmp_path, tiny):
    images, labels = tiny
    write_split(tmp_path / "MNIST" / "raw", "t10k", images[:2], labels[:2], gzipped=False)
    ds = MNIST(root=tmp_path, train=False)
    assert len(ds) == 2 and ds.labels.tolist() == [3, 0]


def test_root_from_environment(tmp_path, tiny, monkeypatch):
    images, labels = tiny
    write_split(tmp_path / "fashion-mnist", "train", images, labels)
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    ds = FashionMNIST(train=True)
    assert len(ds) == 5 and ds.classes[9] == "Ankle boot"


def test_fashion_does_not_read_mnist_folder(tmp_path, tiny):
    write_split(tmp_path / "mnist", "train", *tiny)
    with pytest.raises(DatasetNotFoundError, match="fashion-mnist"):
        FashionMNIST(root=tmp_path)


def test_missing_files_error_says_where_and_how(tmp_path):
    with pytest.raises(DatasetNotFoundError) as info:
        MNIST(root=tmp_path, train=True)
    message = str(info.value)
    assert str(tmp_path / "mnist") in message
    assert str(tmp_path / "MNIST" / "raw") in message
    assert "train-images-idx3-ubyte.gz" in message and "train-labels-idx1-ubyte.gz" in message
    assert "download=True" in message and DATA_ENV in message
    assert isinstance(info.value, FileNotFoundError)


def test_bad_magic_number(tmp_path, tiny):
    images, labels = tiny
    folder = tmp_path / "mnist"
    write_split(folder, "train", images, labels)
    # Swap the two files' contents: the images file now holds labels (magic 2049, not 2051).
    (folder / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(labels)))
    with pytest.raises(DataFormatError, match="magic number 0x00000801"):
        MNIST(root=tmp_path)


def test_not_an_idx_file(tmp_path):
    path = tmp_path / "junk"
    path.write_bytes(b"<html>not found</html>")
    with pytest.raises(DataFormatError, match="does not start like an IDX file"):
        read_idx(path)


def test_truncated_file(tmp_path, tiny):
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(idx_bytes(tiny[0])[:-10]))
    with pytest.raises(DataFormatError, match="truncated or damaged"):
        read_idx(path, magic=2051)


def test_broken_gzip(tmp_path, tiny):
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(idx_bytes(tiny[0]))[:40])
    with pytest.raises(DataFormatError, match="cannot be unzipped"):
        read_idx(path)


def test_count_mismatch(tmp_path, tiny):
    images, labels = tiny
    write_split(tmp_path / "mnist", "train", images, labels[:4])
    with pytest.raises(DataFormatError, match="5 images but .* 4 labels"):
        MNIST(root=tmp_path)


def test_label_out_of_range(tmp_path, tiny):
    images, labels = tiny
    write_split(tmp_path / "mnist", "train", images, np.array([1, 2, 3, 4, 12], dtype=np.uint8))
    with pytest.raises(DataFormatError, match="label 12"):
        MNIST(root=tmp_path)


def test_read_idx_multibyte_types(tmp_path):
    array = (np.arange(6).reshape(2, 3) - 3).astype(">i4")  # IDX stores big-endian
    path = tmp_path / "ints"
    path.write_bytes(idx_bytes(array, type_code=0x0C))
    out = read_idx(path)
    assert out.dtype == np.int32 and out.dtype.isnative
    np.testing.assert_array_equal(out, array)
