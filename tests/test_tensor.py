"""Tests of the Tensor class itself: construction, dtype policy, array facts, repr, conversions."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd


def test_python_floats_take_default_dtype_arrays_keep_theirs():
    assert sd.tensor([1.0, 2.0]).dtype == np.float32
    assert sd.tensor(3.5).dtype == np.float32
    assert sd.tensor([1, 2]).dtype == np.int64
    assert sd.tensor(np.zeros(2)).dtype == np.float64
    assert sd.tensor([1.0], dtype="float64").dtype == np.float64
    sd.set_default_dtype("float64")
    assert sd.tensor([1.0]).dtype == np.float64 and sd.zeros(2).dtype == np.float64


def test_set_default_dtype_rejects_integers():
    with pytest.raises(TypeError, match="floating dtype.*int32"):
        sd.set_default_dtype("int32")


def test_tensor_copies_but_from_numpy_shares():
    array = np.zeros(3, dtype=np.float32)
    copied, shared = sd.tensor(array), sd.from_numpy(array)
    array[0] = 1.0
    assert copied.data[0] == 0.0 and shared.data[0] == 1.0


def test_array_facts():
    x = sd.zeros(2, 3)
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and len(x) == 2
    assert x.T.shape == (3, 2)
    assert np.asarray(x).shape == (2, 3)
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    assert x.numpy() is x.data
    assert [row.shape for row in x] == [(3,), (3,)]


def test_item_and_errors():
    assert sd.tensor([[2.5]]).item() == 2.5
    with pytest.raises(ValueError, match=r"exactly one element.*shape \(2,\)"):
        sd.tensor([1.0, 2.0]).item()
    with pytest.raises(ValueError, match="ambiguous"):
        bool(sd.tensor([1.0, 2.0]))
    assert bool(sd.tensor([1.0]))


def test_comparisons_give_boolean_tensors_without_grad():
    x = sd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = x > 1.5
    assert mask.dtype == np.bool_ and not mask.requires_grad
    np.testing.assert_array_equal(mask.data, [False, True, True])
    np.testing.assert_array_equal((x == sd.tensor([1.0, 0.0, 3.0])).data, [True, False, True])
    assert {x: 1}[x] == 1  # still hashable by identity


def test_repr_is_readable():
    assert repr(sd.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    x = sd.tensor([1.0], requires_grad=True)
    assert repr(x) == "tensor([1.], requires_grad=True)"
    assert repr(x * 2.0) == "tensor([2.], grad_fn=<Mul>)"
    assert repr(sd.tensor([1, 2])) == "tensor([1, 2], dtype=int64)"


def test_cannot_turn_off_requires_grad_on_op_output():
    x = sd.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        (x * 2.0).requires_grad = False


def test_errors_explain_themselves():
    with pytest.raises(ValueError, match="rectangular"):
        sd.tensor([[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match=r"comparison <: shapes \(3,\) and \(2,\)"):
        _ = sd.ones(3) < sd.ones(2)
    with pytest.raises(TypeError, match="x.item()"):
        len(sd.tensor(1.0))
    with pytest.raises(TypeError, match=r"0-d integer tensors.*shape \(1,\)"):
        [1, 2][sd.tensor([1])]
    assert [1, 2][sd.tensor(1)] == 2
