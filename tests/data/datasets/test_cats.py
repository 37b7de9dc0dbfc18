"""The cat / non-cat HDF5 files, written here in the course's layout with h5py."""

from __future__ import annotations

import numpy as np
import pytest

from scratchdl.data.datasets import DataFormatError, DatasetNotFoundError, load_cat_vs_noncat

h5py = pytest.importorskip("h5py")


def write_h5(path, split, images, labels, classes=(b"non-cat", b"cat")):
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        f.create_dataset(f"{split}_set_x", data=images)
        f.create_dataset(f"{split}_set_y", data=labels)
        if classes is not None:
            f.create_dataset("list_classes", data=np.array(classes, dtype="S7"))


@pytest.fixture
def images(rng):
    x = rng.integers(0, 256, size=(4, 64, 64, 3), dtype=np.uint8)
    x[0, 0, 0] = [0, 128, 255]
    return x


@pytest.mark.parametrize("split", ["train", "test"])
def test_reads_split(tmp_path, images, split):
    write_h5(
        tmp_path / "datasets" / f"{split}_catvnoncat.h5", split, images, np.array([1, 0, 0, 1])
    )
    ds = load_cat_vs_noncat(root=tmp_path, split=split)
    x, y = ds.arrays
    assert x.shape == (4, 64, 64, 3) and x.dtype == np.float32
    assert y.shape == (4, 1) and y.dtype == np.float32
    assert y.ravel().tolist() == [1.0, 0.0, 0.0, 1.0]
    np.testing.assert_allclose(x[0, 0, 0], [0.0, 128 / 255, 1.0], rtol=1e-6)
    assert 0 <= x.min() and x.max() <= 1
    assert ds.classes == ("non-cat", "cat")


def test_root_itself_and_environment(tmp_path, images, monkeypatch):
    write_h5(tmp_path / "train_catvnoncat.h5", "train", images, np.zeros(4, dtype=np.int64))
    monkeypatch.setenv("SCRATCHDL_DATA", str(tmp_path))
    assert len(load_cat_vs_noncat()) == 4


def test_missing_file_says_where_and_how(tmp_path):
    with pytest.raises(DatasetNotFoundError) as info:
        load_cat_vs_noncat(root=tmp_path, split="test")
    message = str(info.value)
    assert "test_catvnoncat.h5" in message
    for folder in (tmp_path / "catvnoncat", tmp_path / "datasets", tmp_path):
        assert f"  {folder}\n" in message
    assert "no canonical public address" in message and "SCRATCHDL_DATA" in message


def test_wrong_datasets(tmp_path, images):
    write_h5(tmp_path / "train_catvnoncat.h5", "test", images, np.zeros(4))  # test_* keys
    with pytest.raises(DataFormatError, match="train_set_x"):
        load_cat_vs_noncat(root=tmp_path)


def test_label_count_mismatch(tmp_path, images):
    write_h5(tmp_path / "train_catvnoncat.h5", "train", images, np.zeros(3))
    with pytest.raises(DataFormatError, match="4 images but 3 labels"):
        load_cat_vs_noncat(root=tmp_path)


def test_bad_split(tmp_path):
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        load_cat_vs_noncat(root=tmp_path, split="val")
