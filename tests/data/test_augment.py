"""Augmentation transforms and TransformDataset: the math, the randomness, types and bad input."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import backend
from scratchdl.data import (
    Compose,
    DataLoader,
    Dataset,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
    Subset,
    TensorDataset,
    ToFloat,
    TransformDataset,
)
from scratchdl.errors import DTypeError, ShapeError


def unique_images(n: int, c: int = 2, h: int = 5, w: int = 6) -> np.ndarray:
    """Images whose pixel values are all distinct (and non-zero), so a window has one position."""
    return (np.arange(n * c * h * w, dtype=np.float32) + 1).reshape(n, c, h, w)


def matching_offsets(window: np.ndarray, padded: np.ndarray) -> list[tuple[int, int]]:
    """Every (i, j) with padded[:, i:i+h, j:j+w] == window, by trying all offsets."""
    h, w = window.shape[-2:]
    return [
        (i, j)
        for i in range(padded.shape[-2] - h + 1)
        for j in range(padded.shape[-1] - w + 1)
        if np.array_equal(padded[:, i : i + h, j : j + w], window)
    ]


def pad_like_torchvision(images: np.ndarray, left, top, right, bottom, **kwargs) -> np.ndarray:
    widths = [(0, 0)] * (images.ndim - 2) + [(top, bottom), (left, right)]
    return np.pad(images, widths, **kwargs)


# ----------------------------------------------------------------------------- shapes and types
TRANSFORMS = {
    "crop": lambda: RandomCrop(4, padding=2, generator=0),
    "crop_reflect": lambda: RandomCrop((3, 5), padding=1, padding_mode="reflect", generator=0),
    "flip": lambda: RandomHorizontalFlip(generator=0),
    "normalize": lambda: Normalize(mean=[0.5, 0.2], std=[0.25, 2.0]),
    "compose": lambda: Compose(
        [RandomCrop(5, padding=1, generator=0), RandomHorizontalFlip(generator=1)]
    ),
}
EXPECTED_HW = {"crop": (4, 4), "crop_reflect": (3, 5)}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batched", [False, True])
def test_outputs_keep_layout_type_and_dtype(name, dtype, batched, rng):
    images = rng.standard_normal((3, 2, 5, 6)).astype(dtype)
    x = images if batched else images[0]
    transform = TRANSFORMS[name]()
    out = transform(x)
    h, w = EXPECTED_HW.get(name, (5, 6) if name != "compose" else (5, 5))
    assert isinstance(out, np.ndarray) and out.dtype == dtype
    assert out.shape == x.shape[:-2] + (h, w)
    assert not np.shares_memory(out, x)
    tensor_out = TRANSFORMS[name]()(sd.tensor(x))
    assert isinstance(tensor_out, sd.Tensor) and tensor_out.dtype == dtype
    np.testing.assert_array_equal(tensor_out.data, out)  # same seed, same result


@pytest.mark.parametrize("dtype", [np.uint8, np.int64])
def test_integer_images_are_cropped_and_flipped_without_conversion(dtype):
    images = np.arange(2 * 1 * 4 * 4).reshape(2, 1, 4, 4).astype(dtype)
    assert RandomCrop(4, padding=1, generator=0)(images).dtype == dtype
    assert RandomHorizontalFlip(generator=0)(images).dtype == dtype


# ----------------------------------------------------------------------------- flips
def test_flip_with_p_one_mirrors_and_p_zero_keeps(rng):
    images = rng.standard_normal((4, 3, 5, 7)).astype(np.float32)
    np.testing.assert_array_equal(RandomHorizontalFlip(p=1.0)(images), images[..., ::-1])
    np.testing.assert_array_equal(RandomHorizontalFlip(p=1.0)(images[0]), images[0, ..., ::-1])
    np.testing.assert_array_equal(RandomHorizontalFlip(p=0.0)(images), images)
    np.testing.assert_array_equal(RandomHorizontalFlip(p=0.0)(images[0]), images[0])


def test_flip_draws_once_per_image_of_a_batch(rng):
    images = rng.standard_normal((400, 1, 2, 3))
    out = RandomHorizontalFlip(p=0.5, generator=5)(images)
    flipped = np.all(out == images[..., ::-1], axis=(1, 2, 3))
    kept = np.all(out == images, axis=(1, 2, 3))
    assert np.all(flipped ^ kept)  # every image is exactly one of the two
    assert 150 < flipped.sum() < 250  # about half (binomial sd 10)
    rare = RandomHorizontalFlip(p=0.1, generator=5)(images)
    assert 15 < np.all(rare == images[..., ::-1], axis=(1, 2, 3)).sum() < 70


# ----------------------------------------------------------------------------- crops
@pytest.mark.parametrize("padding_mode", ["constant", "reflect"])
def test_every_crop_is_a_window_of_the_padded_image(padding_mode):
    images = unique_images(24)
    out = RandomCrop((4, 5), padding=2, padding_mode=padding_mode, generator=1)(images)
    padded = pad_like_torchvision(images, 2, 2, 2, 2, mode=padding_mode)
    offsets = []
    for k in range(len(images)):
        found = matching_offsets(out[k], padded[k])
        assert found, f"crop {k} is not a window of its padded image"
        offsets.append(found[0])
    assert len(set(offsets)) > 8  # offsets vary across the batch (48 possible)


def test_single_image_crop_is_a_window():
    image = unique_images(1)[0]
    padded = pad_like_torchvision(image, 1, 1, 1, 1, mode="constant")
    crop = RandomCrop(4, padding=1, generator=3)
    for _ in range(10):
        assert matching_offsets(crop(image), padded)


def test_crop_offsets_cover_every_position():
    images = unique_images(300, c=1, h=4, w=4)
    out = RandomCrop(4, padding=1, generator=2)(images)  # 3 x 3 possible offsets
    padded = pad_like_torchvision(images, 1, 1, 1, 1, mode="constant")
    offsets = [matching_offsets(out[k], padded[k])[0] for k in range(len(images))]
    counts = np.bincount([3 * i + j for i, j in offsets], minlength=9)
    assert counts.min() > 15  # uniform: about 33 each


@pytest.mark.parametrize(
    ("padding", "sides"),
    [(2, (2, 2, 2, 2)), ((1, 3), (1, 3, 1, 3)), ((1, 2, 3, 0), (1, 2, 3, 0))],
)
@pytest.mark.parametrize("mode", ["reflect", "edge", "symmetric", "constant"])
def test_padding_matches_numpy_pad(padding, sides, mode, rng):
    images = rng.standard_normal((2, 3, 5, 6)).astype(np.float32)
    left, top, right, bottom = sides
    full = (5 + top + bottom, 6 + left + right)  # a crop of the full padded size: one offset
    extra = {"constant_values": 1.5} if mode == "constant" else {}
    crop = RandomCrop(full, padding=padding, padding_mode=mode, fill=1.5, generator=0)
    expected = pad_like_torchvision(images, *sides, mode=mode, **extra)
    np.testing.assert_array_equal(crop(images), expected)
    np.testing.assert_array_equal(crop(images[1]), expected[1])


@pytest.mark.oracle
@pytest.mark.parametrize(("mode", "torch_mode"), [("reflect", "reflect"), ("edge", "replicate")])
def test_padding_modes_match_torch_pad(mode, torch_mode, rng):
    # torchvision's RandomCrop pads with torch.nn.functional.pad in these modes.
    torch = pytest.importorskip("torch")
    images = rng.standard_normal((2, 3, 5, 6)).astype(np.float32)
    expected = torch.nn.functional.pad(torch.from_numpy(images), (1, 3, 2, 0), mode=torch_mode)
    crop = RandomCrop((7, 10), padding=(1, 2, 3, 0), padding_mode=mode)
    np.testing.assert_array_equal(crop(images), expected.numpy())


def test_seeds_make_crops_and_flips_reproducible():
    images = unique_images(16)
    augment = lambda seed: Compose(  # noqa: E731
        [RandomCrop(4, padding=2, generator=seed), RandomHorizontalFlip(generator=seed + 1)]
    )
    np.testing.assert_array_equal(augment(7)(images), augment(7)(images))
    assert not np.array_equal(augment(7)(images), augment(8)(images))
    generator_a, generator_b = np.random.default_rng(4), np.random.default_rng(4)
    np.testing.assert_array_equal(
        RandomCrop(4, padding=2, generator=generator_a)(images),
        RandomCrop(4, padding=2, generator=generator_b)(images),
    )
    crop = RandomCrop(4, padding=2, generator=7)
    assert not np.array_equal(crop(images), crop(images))  # the generator moves on


def test_default_generator_is_the_global_one_read_at_call_time():
    images = unique_images(16)
    crop, flip = RandomCrop(4, padding=2), RandomHorizontalFlip()
    sd.manual_seed(11)
    first = flip(crop(images))
    sd.manual_seed(11)
    np.testing.assert_array_equal(flip(crop(images)), first)
    state = backend.get_rng_state()
    after_state = flip(crop(images))
    backend.set_rng_state(state)
    np.testing.assert_array_equal(flip(crop(images)), after_state)  # checkpoints capture it


# ----------------------------------------------------------------------------- normalize
def test_normalize_applies_the_per_channel_formula(rng):
    images = rng.uniform(0, 1, (4, 3, 5, 5)).astype(np.float32)
    mean, std = [0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616]
    out = Normalize(mean, std)(images)
    assert out.dtype == np.float32
    for c in range(3):  # output[c] = (input[c] - mean[c]) / std[c]
        expected = (images[:, c].astype(np.float64) - mean[c]) / std[c]
        np.testing.assert_allclose(out[:, c], expected, rtol=1e-5, atol=1e-6)
    single = np.stack([Normalize(mean, std)(image) for image in images])
    np.testing.assert_array_equal(out, single)  # a batch is normalized image by image


def test_normalize_with_one_value_applies_it_to_every_channel(rng):
    images = rng.standard_normal((2, 4, 3, 3))
    np.testing.assert_allclose(Normalize(0.5, 2.0)(images), (images - 0.5) / 2.0)
    np.testing.assert_allclose(
        Normalize([0.5], [1, 2, 3, 4])(images)[:, 3], (images[:, 3] - 0.5) / 4
    )


# ----------------------------------------------------------------------------- to float, compose
def test_to_float_scales_uint8_and_casts_floats():
    pixels = np.array([[[0, 51, 255]]], dtype=np.uint8)
    out = ToFloat()(pixels)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[[0.0, 0.2, 1.0]]], rtol=1e-7)
    assert ToFloat(np.float64)(pixels).dtype == np.float64
    floats = np.array([0.25, 2.0], dtype=np.float64)
    assert ToFloat()(floats).dtype == np.float64
    assert ToFloat("float32")(floats).dtype == np.float32
    assert isinstance(ToFloat()(sd.tensor(pixels)), sd.Tensor)


def test_compose_applies_in_order():
    shift = Compose([lambda x: x + 1, lambda x: x * 10])
    np.testing.assert_array_equal(shift(np.zeros((1, 1, 1))), [[[10.0]]])
    pipeline = Compose([ToFloat(), Normalize([0.5] * 3, [0.5] * 3)])
    out = pipeline(np.full((2, 3, 2, 2), 255, dtype=np.uint8))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.ones((2, 3, 2, 2)))


def test_reprs_read_like_torchvision():
    assert repr(RandomCrop(32, padding=4)) == "RandomCrop(size=(32, 32), padding=4)"
    assert (
        repr(RandomCrop((3, 4), padding=(1, 2), padding_mode="reflect"))
        == "RandomCrop(size=(3, 4), padding=(1, 2), padding_mode='reflect')"
    )
    assert repr(RandomHorizontalFlip()) == "RandomHorizontalFlip(p=0.5)"
    assert repr(Normalize([0.5, 0.25], 2)) == "Normalize(mean=(0.5, 0.25), std=(2.0,))"
    assert repr(ToFloat()) == "ToFloat(dtype=None)"
    assert repr(Compose([RandomHorizontalFlip(p=1), ToFloat("float32")])) == (
        "Compose(\n    RandomHorizontalFlip(p=1.0)\n    ToFloat(dtype=float32)\n)"
    )


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: RandomCrop(0), ValueError, r"size must be a positive int.*size=0"),
        (lambda: RandomCrop((2, 3, 4)), ValueError, r"pair \(height, width\)"),
        (lambda: RandomCrop(4, padding=-1), ValueError, r"padding=-1"),
        (lambda: RandomCrop(4, padding=(1, 2, 3)), ValueError, r"\(left, top, right, bottom\)"),
        (lambda: RandomCrop(4, padding_mode="wrap"), ValueError, r"padding_mode='wrap'"),
        (lambda: RandomCrop(4, fill="white"), TypeError, r"fill must be a number"),
        (lambda: RandomCrop(4, generator="seed"), TypeError, r"RandomCrop: generator must be"),
        (lambda: RandomHorizontalFlip(p=1.5), ValueError, r"\[0, 1\]; received p=1.5"),
        (lambda: RandomHorizontalFlip(p=None), TypeError, r"p must be a number"),
        (lambda: Normalize([0.5, 0.5], [0.5, 0.0]), ValueError, r"std must be > 0"),
        (lambda: Normalize([0.1, 0.2], [1, 2, 3]), ValueError, r"2 means and 3 standard dev"),
        (lambda: Normalize("red", 1.0), TypeError, r"mean must be a number or a sequence"),
        (lambda: ToFloat(np.int32), DTypeError, r"floating dtype"),
        (lambda: Compose(RandomHorizontalFlip()), TypeError, r"expected a list of transforms"),
        (lambda: Compose([RandomHorizontalFlip(), 3]), TypeError, r"transform 1 is not callable"),
        (lambda: TransformDataset(5, ToFloat()), TypeError, r"__len__ and __getitem__"),
        (lambda: TransformDataset(TensorDataset(np.zeros(3)), "x"), TypeError, r"callable"),
    ],
)
def test_bad_arguments_raise_clear_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize(
    ("transform", "x", "error", "message"),
    [
        (RandomCrop(8), np.zeros((1, 5, 5)), ShapeError, r"8x8 is larger than .* 5x5"),
        (RandomHorizontalFlip(), np.zeros((5, 5)), ShapeError, r"\(C, H, W\).*\(5, 5\)"),
        (RandomCrop(2), np.zeros((1, 1, 1, 4, 4)), ShapeError, r"received shape \(1, 1, 1, 4, 4\)"),
        (Normalize([0.5] * 3, 0.5), np.zeros((2, 1, 4, 4)), ShapeError, r"3 values.*1 channels"),
        (Normalize(0.5, 0.5), np.zeros((1, 4, 4), np.uint8), DTypeError, r"uint8.*ToFloat"),
        (ToFloat(), np.zeros(3, np.int32), DTypeError, r"received dtype int32"),
    ],
)
def test_bad_inputs_raise_clear_errors(transform, x, error, message):
    with pytest.raises(error, match=message):
        transform(x)


# ----------------------------------------------------------------------------- TransformDataset
def test_transform_dataset_transforms_images_and_targets():
    images = unique_images(6)
    labels = np.arange(6)
    dataset = TransformDataset(
        TensorDataset(images, labels), RandomHorizontalFlip(p=1.0), lambda y: y + 100
    )
    assert len(dataset) == 6 and dataset.supports_batch_indexing
    x, y = dataset[2]
    np.testing.assert_array_equal(x, images[2, ..., ::-1])
    assert y == 102
    batch_x, batch_y = dataset[np.array([4, 0, 5])]
    np.testing.assert_array_equal(batch_x, images[[4, 0, 5]][..., ::-1])
    np.testing.assert_array_equal(batch_y, [104, 100, 105])
    np.testing.assert_array_equal(images, unique_images(6))  # the source is never modified


def test_transform_dataset_draws_per_image_in_a_batch():
    images = unique_images(32)
    dataset = TransformDataset(TensorDataset(images), RandomCrop(4, padding=2, generator=0))
    (batch,) = dataset[np.arange(32)]
    padded = pad_like_torchvision(images, 2, 2, 2, 2, mode="constant")
    offsets = {matching_offsets(batch[k], padded[k])[0] for k in range(32)}
    assert len(offsets) > 8


class SquaresDataset(Dataset):
    """A dataset that is not array-backed and returns single arrays, not tuples."""

    def __len__(self) -> int:
        return 3

    def __getitem__(self, index):
        return np.full((1, 2, 2), float(index * index), dtype=np.float32)


def test_transform_dataset_handles_other_datasets_and_subsets():
    dataset = TransformDataset(SquaresDataset(), Normalize(1.0, 2.0))
    assert not dataset.supports_batch_indexing
    np.testing.assert_array_equal(dataset[2], np.full((1, 2, 2), 1.5))
    assert TransformDataset(SquaresDataset())[1].sum() == 4  # no transform: as is
    subset = Subset(TensorDataset(unique_images(5)), [3, 1])
    wrapped = TransformDataset(subset, RandomHorizontalFlip(p=1.0))
    assert wrapped.supports_batch_indexing
    (x,) = wrapped[np.array([1, 0])]
    np.testing.assert_array_equal(x, unique_images(5)[[1, 3]][..., ::-1])


def test_dataloader_yields_augmented_batches_end_to_end():
    images = unique_images(20)
    train = TransformDataset(
        TensorDataset(images, np.arange(20)),
        Compose([RandomCrop(4, padding=1), RandomHorizontalFlip(), Normalize(0.0, 1.0)]),
    )
    sd.manual_seed(0)
    loader = DataLoader(train, batch_size=8, shuffle=True)
    padded = pad_like_torchvision(images, 1, 1, 1, 1, mode="constant")
    epochs = []
    for _ in range(2):
        seen = []
        for x, y in loader:
            assert isinstance(x, sd.Tensor) and x.dtype == np.float32 and x.shape[1:] == (2, 4, 4)
            for image, label in zip(x.data, y.data):
                window = image if matching_offsets(image, padded[label]) else image[..., ::-1]
                assert matching_offsets(window, padded[label]), f"sample {label} not augmented"
            seen.extend(y.tolist())
        assert sorted(seen) == list(range(20))
        epochs.append(seen)
    assert epochs[0] != epochs[1]  # a new order and new crops every epoch
