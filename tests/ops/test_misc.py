"""Tests of scratchdl.ops.misc: dropout, embedding and one_hot."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.errors import DTypeError, ShapeError
from scratchdl.nn import functional as F
from tests._harness.gradients import check_gradients
from tests._harness.oracle import compare_with_torch


# ----------------------------------------------------------------------------- dropout
@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_mask_statistics_and_scaling(p):
    x = sd.ones(200_000)
    y = F.dropout(x, p=p, generator=np.random.default_rng(0))
    assert y.dtype == np.float32
    values = np.unique(y.data)
    np.testing.assert_allclose(values, [0.0, 1 / (1 - p)], rtol=1e-6)
    dropped = np.mean(y.data == 0)
    assert abs(dropped - p) < 0.005, f"dropped fraction {dropped}, expected {p}"
    assert abs(y.data.mean() - 1.0) < 0.03  # inverted dropout keeps the expectation


def test_dropout_gradient_is_the_mask_times_the_scale(rng):
    x = sd.tensor(rng.standard_normal((50, 40)), requires_grad=True)
    y = F.dropout(x, p=0.3, generator=np.random.default_rng(1))
    g = rng.standard_normal(x.shape)
    y.backward(sd.tensor(g))
    mask = (y.data != 0) / 0.7  # x is nonzero almost surely, so y == 0 exactly where dropped
    np.testing.assert_allclose(x.grad.data, g * mask, rtol=1e-12)
    np.testing.assert_allclose(y.data, x.data * mask, rtol=1e-12)


@pytest.mark.parametrize("p", [0.0, 0.5])
def test_dropout_gradients(rng, p):
    check_gradients(
        lambda x: F.dropout(x, p=p, generator=np.random.default_rng(5)),
        rng.standard_normal((4, 6)),
        double=True,
    )


def test_dropout_is_identity_in_eval_and_for_p_zero(rng):
    x = sd.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    assert F.dropout(x, p=0.5, training=False) is x
    assert F.dropout(x, p=0.0) is x


def test_dropout_p_one_gives_zeros():
    x = sd.ones(3, 4, requires_grad=True)
    y = F.dropout(x, p=1.0)
    np.testing.assert_array_equal(y.data, 0.0)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, 0.0)


def test_dropout_is_reproducible():
    x = sd.ones(1000)
    a = F.dropout(x, generator=np.random.default_rng(42))
    b = F.dropout(x, generator=np.random.default_rng(42))
    np.testing.assert_array_equal(a.data, b.data)
    sd.manual_seed(3)
    c = F.dropout(x)
    d = F.dropout(x)
    sd.manual_seed(3)
    np.testing.assert_array_equal(F.dropout(x).data, c.data)
    assert not np.array_equal(c.data, d.data)


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan")])
def test_dropout_rejects_p_out_of_range(p):
    with pytest.raises(ValueError, match=rf"dropout: p .*between 0 and 1; received p={p!r}"):
        F.dropout(sd.ones(3), p=p)


@pytest.mark.parametrize("p", ["0.5", None, True, np.array([0.5])])
def test_dropout_rejects_p_that_is_not_a_number(p):
    with pytest.raises(TypeError, match=r"dropout: p .*must be a number .*received p=.*\(type"):
        F.dropout(sd.ones(3), p=p)


@pytest.mark.parametrize("p", [np.float32(0.5), np.float64(0.5), np.int64(0), 1])
def test_dropout_accepts_numpy_and_integer_p(p):
    x = sd.ones(1000, requires_grad=True)
    y = F.dropout(x, p=p, generator=np.random.default_rng(0))
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    expected = {0.5: [0.0, 2.0], 0.0: [1.0], 1.0: [0.0]}[float(p)]
    np.testing.assert_array_equal(np.unique(y.data), expected)


def test_dropout_saves_a_boolean_mask(rng):
    x = sd.tensor(rng.standard_normal((6, 7)).astype(np.float32), requires_grad=True)
    y = F.dropout(x, p=0.25, generator=np.random.default_rng(2))
    keep = y.grad_fn.keep
    assert keep.dtype == np.bool_ and keep.shape == x.shape  # 1 byte per element
    assert isinstance(y.grad_fn.scale, float)
    np.testing.assert_array_equal(y.data, x.data * keep * np.float32(1 / 0.75))


def test_dropout_double_backward_is_the_same_mask(rng):
    # dx = g * keep * scale is linear in g: differentiating it by g gives the mask back.
    x = sd.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    y = F.dropout(x, p=0.5, generator=np.random.default_rng(3))
    g = sd.tensor(rng.standard_normal(x.shape), requires_grad=True)
    (dx,) = sd.autograd.grad([y], [x], grad_outputs=[g], create_graph=True)
    (dg,) = sd.autograd.grad([dx.sum()], [g])
    np.testing.assert_array_equal(dg.data, (y.data != 0) * 2.0)


# ----------------------------------------------------------------------------- embedding
EMBEDDING_CASES = [
    ("small_table", 7, (3, 4)),  # V <= 128: one-hot matmul
    ("large_table", 300, (5, 40)),  # V > 128: index.py's ScatterAdd (np.add.at)
]


@pytest.mark.parametrize("case, num_rows, index_shape", EMBEDDING_CASES)
def test_embedding_accumulates_repeated_indices(rng, case, num_rows, index_shape):
    weight = sd.tensor(rng.standard_normal((num_rows, 3)), requires_grad=True)
    indices = rng.integers(0, min(num_rows, 10), index_shape)  # many repeats
    y = F.embedding(sd.tensor(indices), weight)
    np.testing.assert_array_equal(y.data, weight.data[indices])
    g = rng.standard_normal(y.shape)
    y.backward(sd.tensor(g))
    expected = np.zeros_like(weight.data)
    np.add.at(expected, indices.reshape(-1), g.reshape(-1, 3))
    np.testing.assert_allclose(weight.grad.data, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("index_shape", [(5,), (2, 3), (2, 2, 2), ()])
def test_embedding_gradients(rng, index_shape):
    indices = rng.integers(0, 4, index_shape)
    check_gradients(
        lambda w: F.embedding(sd.tensor(indices), w), rng.standard_normal((4, 3)), double=True
    )


def test_embedding_gradients_large_table(rng):
    indices = np.array([[150, 3, 150], [3, 199, 150]])
    check_gradients(lambda w: F.embedding(indices, w), rng.standard_normal((200, 2)), double=True)


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case, num_rows, index_shape", EMBEDDING_CASES)
def test_embedding_matches_torch(rng, case, num_rows, index_shape, dtype):
    import torch.nn.functional as TF

    compare_with_torch(
        F.embedding,
        TF.embedding,
        rng.integers(0, num_rows, index_shape),
        rng.standard_normal((num_rows, 5)),
        dtype=dtype,
    )


@pytest.mark.parametrize("num_rows", [5, 200])
@pytest.mark.parametrize("index_shape", [(0,), (2, 0)])
def test_embedding_of_empty_indices_has_zero_gradient(rng, index_shape, num_rows):
    weight = sd.tensor(rng.standard_normal((num_rows, 3)).astype(np.float32), requires_grad=True)
    y = F.embedding(np.zeros(index_shape, np.int64), weight)
    assert y.shape == index_shape + (3,) and y.dtype == np.float32
    y.sum().backward()  # torch: a zero gradient of the table's shape
    assert weight.grad.shape == (num_rows, 3) and weight.grad.dtype == np.float32
    np.testing.assert_array_equal(weight.grad.data, 0.0)


@pytest.mark.oracle
def test_embedding_of_empty_indices_matches_torch(rng):
    import torch.nn.functional as TF

    compare_with_torch(
        F.embedding, TF.embedding, np.zeros((2, 0), np.int64), rng.standard_normal((4, 3))
    )


@pytest.mark.parametrize(
    "num_rows, node", [(4, "MatMul"), (128, "MatMul"), (129, "ScatterAdd"), (1000, "ScatterAdd")]
)
def test_embedding_backward_reuses_existing_ops(num_rows, node):
    # No scatter implementation of its own: small tables use the matmul op with a one-hot
    # matrix, larger ones index.py's ScatterAdd (np.add.at), whichever was measured faster.
    weight = sd.ones(num_rows, 2, requires_grad=True)
    y = F.embedding(np.array([1, 1, 3]), weight)
    g = sd.ones(3, 2, requires_grad=True)
    (dw,) = sd.autograd.grad([y], [weight], grad_outputs=[g], create_graph=True)
    assert type(dw.grad_fn).__name__ == node
    expected = np.zeros((num_rows, 2))
    expected[1], expected[3] = 2.0, 1.0
    np.testing.assert_array_equal(dw.data, expected)


@pytest.mark.oracle
@pytest.mark.parametrize("layout", ["strided", "transposed"])
@pytest.mark.parametrize("num_rows", [9, 300])
def test_embedding_non_contiguous_matches_torch(rng, num_rows, layout):
    # Both the table and the index array are non-contiguous views.
    import torch.nn.functional as TF

    compare_with_torch(
        F.embedding,
        TF.embedding,
        rng.integers(0, num_rows, (4, 6)),
        rng.standard_normal((num_rows, 5)),
        dtype=np.float32,
        layout=layout,
    )


def test_embedding_errors():
    table = sd.zeros(4, 2)
    with pytest.raises(ValueError, match=r"embedding: index 4, 9 is out of range .*0 to 3"):
        F.embedding(sd.tensor([1, 4, 9]), table)
    with pytest.raises(
        DTypeError, match="embedding: indices must be integers; received dtype float"
    ):
        F.embedding(np.array([1.0]), table)
    with pytest.raises(ShapeError, match=r"2-D table .*received shape \(4,\)"):
        F.embedding(sd.tensor([1]), sd.zeros(4))


# ----------------------------------------------------------------------------- one_hot
@pytest.mark.oracle
@pytest.mark.parametrize("num_classes", [-1, 6])
def test_one_hot_matches_torch(rng, num_classes):
    import torch
    import torch.nn.functional as TF

    t = rng.integers(0, 5, (3, 4))
    expected = TF.one_hot(torch.tensor(t), num_classes=num_classes).numpy()
    out = F.one_hot(sd.tensor(t), num_classes=num_classes)
    assert out.dtype == np.int64 and not out.requires_grad
    np.testing.assert_array_equal(out.data, expected)


def test_one_hot_values():
    np.testing.assert_array_equal(F.one_hot([2, 0], 3).data, [[0, 0, 1], [1, 0, 0]])
    assert F.one_hot(np.array(1), 2).shape == (2,)
    assert F.one_hot(np.zeros(0, np.int64), 3).shape == (0, 3)


def test_one_hot_errors():
    with pytest.raises(ValueError, match=r"one_hot: class index 3 is outside .*\[0, 2\]"):
        F.one_hot(sd.tensor([0, 3]), num_classes=3)
    with pytest.raises(ValueError, match=r"class index -1"):
        F.one_hot(sd.tensor([-1, 0]))
    with pytest.raises(DTypeError, match="one_hot: indices must be integers"):
        F.one_hot(sd.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="cannot infer num_classes"):
        F.one_hot(np.zeros(0, np.int64))
    with pytest.raises(ValueError, match="num_classes must be a non-negative integer or -1"):
        F.one_hot(sd.tensor([0, 1]), num_classes=-2)


@pytest.mark.parametrize("num_classes", [True, np.True_, 3.0, -1.0, "3", None])
def test_one_hot_rejects_non_integer_num_classes(num_classes):
    with pytest.raises(TypeError, match=r"one_hot: num_classes must be an integer .*received"):
        F.one_hot(sd.tensor([0, 1]), num_classes=num_classes)


def test_one_hot_accepts_numpy_integer_num_classes():
    out = F.one_hot(sd.tensor([0, 1]), num_classes=np.int64(3))
    assert out.shape == (2, 3)
