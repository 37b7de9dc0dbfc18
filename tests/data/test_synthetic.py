"""Synthetic 2-D sets: shapes, dtypes, balance, geometry, seeding, bad input, and learnability."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.data import (
    DataLoader,
    TensorDataset,
    blobs,
    circles,
    flower,
    moons,
    spirals,
    swiss_roll,
    xor,
)
from scratchdl.nn import functional as F

BINARY = {
    "flower": flower,
    "moons": moons,
    "circles": circles,
    "xor": xor,
    "swiss_roll": swiss_roll,
}
MULTI = {"spirals": spirals, "blobs": blobs}
ALL = {**BINARY, **MULTI}


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("n", [2, 101, 400])
def test_two_class_sets_shapes_dtypes_and_balance(name, n):
    ds = BINARY[name](n=n, seed=0)
    assert isinstance(ds, TensorDataset) and len(ds) == n
    x, y = ds.arrays
    assert x.shape == (n, 2) and x.dtype == np.float32
    assert y.shape == (n, 1) and y.dtype == np.float32
    assert set(np.unique(y).tolist()) == {0.0, 1.0}
    assert int(y.sum()) == n // 2  # class 0 gets the odd point out
    assert np.all(np.isfinite(x))


@pytest.mark.parametrize(
    ("name", "kwargs"), [("spirals", {"classes": 4}), ("blobs", {"centers": 4})]
)
def test_multi_class_sets_shapes_dtypes_and_balance(name, kwargs):
    x, y = MULTI[name](n=10, seed=0, **kwargs).arrays
    assert x.shape == (10, 2) and x.dtype == np.float32
    assert y.shape == (10,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [3, 3, 2, 2]


@pytest.mark.parametrize("name", ALL)
def test_seeded_sets_are_reproducible(name):
    make = ALL[name]
    a, b, c = make(n=60, seed=3), make(n=60, seed=3), make(n=60, seed=4)
    for left, right in zip(a.arrays, b.arrays):
        np.testing.assert_array_equal(left, right)
    assert not np.array_equal(a.arrays[0], c.arrays[0])
    sd.manual_seed(8)
    d = make(n=60)
    sd.manual_seed(8)
    e = make(n=60)
    np.testing.assert_array_equal(d.arrays[0], e.arrays[0])
    f = make(n=60, seed=np.random.default_rng(3))
    np.testing.assert_array_equal(f.arrays[0], a.arrays[0])


@pytest.mark.parametrize("name", ALL)
def test_rows_are_shuffled_so_classes_interleave(name):
    y = ALL[name](n=200, seed=0).arrays[1].ravel()
    assert len(np.unique(y[:50])) > 1 and len(np.unique(y[-50:])) > 1


# ----------------------------------------------------------------------------- geometry
def _by_class(ds):
    x, y = ds.arrays
    y = y.ravel()
    return [x[y == c].astype(np.float64) for c in np.unique(y)]


def test_circles_without_noise_lie_on_the_two_radii():
    outer, inner = _by_class(circles(n=100, noise=0.0, factor=0.3, seed=0))
    np.testing.assert_allclose(np.hypot(*outer.T), 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.hypot(*inner.T), 0.3, rtol=1e-6)


def test_moons_without_noise_lie_on_their_half_circles():
    upper, lower = _by_class(moons(n=100, noise=0.0, seed=0))
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, rtol=1e-6)
    assert upper[:, 1].min() >= -1e-6
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, rtol=1e-6)
    assert lower[:, 1].max() <= 0.5 + 1e-6


def test_xor_without_noise_labels_opposite_signs_as_one():
    x, y = xor(n=200, noise=0.0, seed=0).arrays
    np.testing.assert_array_equal(y.ravel(), (x[:, 0] * x[:, 1] < 0).astype(np.float32))
    assert np.abs(x).min() >= 0.1 - 1e-6 and np.abs(x).max() <= 1.0 + 1e-6


def test_flower_without_noise_lies_on_the_rose_with_alternating_petals():
    x, y = flower(n=800, petals=4, noise=0.0, seed=0).arrays
    x = x.astype(np.float64)
    theta = np.arctan2(x[:, 1], x[:, 0]) % (2 * np.pi)
    r = np.hypot(x[:, 0], x[:, 1])
    np.testing.assert_allclose(r, 4 * np.abs(np.sin(4 * theta)), atol=1e-4)
    petal = np.floor(theta / (np.pi / 4)).astype(int)
    # the course's layout: 0 1 0 1 | 1 0 1 0 counterclockwise (opposite petals differ)
    expected = np.array([0, 1, 0, 1, 1, 0, 1, 0])[petal]
    far = r > 0.5  # away from the centre, where every petal meets
    np.testing.assert_array_equal(y.ravel()[far], expected[far])


def test_swiss_roll_without_noise_has_two_opposite_arms():
    arm0, arm1 = _by_class(swiss_roll(n=200, noise=0.0, seed=0))
    r = np.hypot(*arm0.T)
    assert r.min() == pytest.approx(1.5, abs=1e-5) and r.max() == pytest.approx(4.5, abs=1e-5)
    # arm 1 is arm 0 turned by half a turn (the same set of points, negated)
    order0, order1 = np.lexsort(arm0.T), np.lexsort((-arm1).T)
    np.testing.assert_allclose(arm0[order0], -arm1[order1], atol=1e-5)


def test_spirals_without_noise_start_at_the_centre_and_end_on_the_unit_circle():
    x, y = spirals(n=300, classes=3, noise=0.0, seed=0).arrays
    r = np.hypot(x[:, 0], x[:, 1])
    assert r.min() == pytest.approx(0.0, abs=1e-6) and r.max() == pytest.approx(1.0, abs=1e-6)


def test_blobs_gather_around_their_centres():
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, -10.0]])
    clouds = _by_class(blobs(n=3000, centers=centres, std=0.5, seed=0))
    for cloud, centre in zip(clouds, centres):
        np.testing.assert_allclose(cloud.mean(axis=0), centre, atol=0.1)
        np.testing.assert_allclose(cloud.std(axis=0), 0.5, atol=0.05)
    default = _by_class(blobs(n=300, centers=6, std=0.0, seed=0))
    points = np.array([cloud[0] for cloud in default])
    distances = np.hypot(*(points[:, None] - points[None]).transpose(2, 0, 1))
    assert distances[~np.eye(6, dtype=bool)].min() >= 4.0 - 1e-5


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("name", ALL)
def test_bad_n_is_rejected(name):
    with pytest.raises(ValueError, match=rf"{name}: expected n >= [23] .*received n=1\."):
        ALL[name](n=1)
    with pytest.raises(ValueError, match="received n=3.5"):
        ALL[name](n=3.5)


@pytest.mark.parametrize("name", [n for n in ALL if n != "blobs"])
def test_bad_noise_is_rejected(name):
    with pytest.raises(ValueError, match=r"expected noise >= 0.*received noise=-0\.1"):
        ALL[name](noise=-0.1)
    with pytest.raises(ValueError, match="received noise=nan"):
        ALL[name](noise=float("nan"))
    with pytest.raises(TypeError, match="noise must be a number"):
        ALL[name](noise="0.1")


@pytest.mark.parametrize("name", ALL)
def test_bad_seed_is_rejected(name):
    with pytest.raises(TypeError, match=r"seed must be a non-negative int.*received seed='0'"):
        ALL[name](n=10, seed="0")


def test_set_specific_arguments_are_checked():
    with pytest.raises(ValueError, match=r"spirals: expected classes >= 2.*received classes=1"):
        spirals(classes=1)
    with pytest.raises(ValueError, match=r"spirals: expected n >= 5 .*received n=4"):
        spirals(n=4, classes=5)
    with pytest.raises(ValueError, match=r"blobs: expected centers >= 2.*received centers=1"):
        blobs(centers=1)
    with pytest.raises(ValueError, match=r"centers of shape \(3,\)"):
        blobs(centers=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"expected std >= 0.*received std=-1"):
        blobs(std=-1)
    with pytest.raises(ValueError, match=r"expected 0 < factor < 1.*received factor=1\.5"):
        circles(factor=1.5)
    with pytest.raises(ValueError, match=r"expected petals >= 1.*received petals=0"):
        flower(petals=0)


# ----------------------------------------------------------------------------- learnability
def test_a_small_mlp_of_raw_ops_separates_moons():
    """Loader + hand-written 2-16-1 tanh MLP + BCE-with-logits + SGD: >= 95% accuracy."""
    ds = moons(n=400, noise=0.1, seed=0)
    loader = DataLoader(ds, batch_size=50, shuffle=True, generator=0)
    rng = np.random.default_rng(0)
    w1 = sd.tensor(rng.normal(0, 1.0, (2, 16)).astype(np.float32), requires_grad=True)
    b1 = sd.zeros(16, requires_grad=True)
    w2 = sd.tensor(rng.normal(0, 0.25, (16, 1)).astype(np.float32), requires_grad=True)
    b2 = sd.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]

    def model(x):
        return sd.tanh(x @ w1 + b1) @ w2 + b2

    for _ in range(60):
        for x, y in loader:
            loss = F.binary_cross_entropy_with_logits(model(x), y)
            for p in params:
                p.grad = None
            loss.backward()
            for p in params:
                p.data -= 0.5 * p.grad.data
    x, y = ds.arrays
    with sd.no_grad():
        accuracy = ((model(sd.tensor(x)).data > 0) == (y > 0.5)).mean()
    assert accuracy >= 0.95
