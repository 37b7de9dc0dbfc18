"""Tests of the backward engine: graph walk, accumulation, freeing, hooks, create_graph."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.errors import GradientError, ShapeError


def test_diamond_graph_accumulates_both_paths():
    x = sd.tensor(3.0, requires_grad=True)
    a = x * 2.0
    y = a * a + a  # a is used twice
    y.backward()
    # y = 4x^2 + 2x, dy/dx = 8x + 2
    assert x.grad.item() == pytest.approx(26.0)


def test_tensor_used_twice_in_one_op():
    x = sd.tensor([1.0, -2.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, -4.0])


def test_deep_chain_does_not_hit_recursion_limit():
    x = sd.tensor(1.0, dtype="float64", requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001**10_000, rel=1e-4)


def test_gradients_accumulate_across_backward_calls():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    (x * 3.0).sum().backward()
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [6.0, 6.0])
    x.zero_grad()
    assert x.grad is None


def test_second_backward_through_freed_graph_raises():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(GradientError, match="second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [4.0, 8.0])


def test_non_scalar_backward_needs_gradient():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    with pytest.raises(GradientError, match=r"shape \(2,\).*gradient="):
        y.backward()
    with pytest.raises(ShapeError, match=r"gradient has shape \(3,\)"):
        y.backward(sd.ones(3))
    y.backward(sd.tensor([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad.data, [2.0, 20.0])


def test_backward_of_tensor_without_grad_raises():
    with pytest.raises(GradientError, match="does not require grad"):
        (sd.ones(2) * 2.0).sum().backward()


def test_no_grad_builds_no_graph():
    x = sd.tensor([1.0], requires_grad=True)
    with sd.no_grad():
        y = x * 2.0 + 1.0
        with sd.enable_grad():
            z = x * 2.0
    assert y.grad_fn is None and not y.requires_grad
    assert z.grad_fn is not None
    assert sd.is_grad_enabled()


def test_no_grad_as_decorator():
    @sd.no_grad()
    def evaluate(t):
        return t * 2.0

    x = sd.tensor([1.0], requires_grad=True)
    assert evaluate(x).grad_fn is None
    assert (x * 2.0).grad_fn is not None


def test_detach_cuts_the_graph_and_shares_data():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2.0).detach()
    assert d.grad_fn is None and not d.requires_grad
    y = (x * d).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])  # d treated as a constant


def test_create_graph_gives_differentiable_gradients():
    x = sd.tensor([1.0, -2.0], requires_grad=True)
    y = (x * x * x).sum()
    y.backward(create_graph=True)
    np.testing.assert_allclose(x.grad.data, [3.0, 12.0])
    assert x.grad.requires_grad
    first = x.grad
    x.grad = None
    first.sum().backward()
    np.testing.assert_allclose(x.grad.data, [6.0, -12.0])


def test_autograd_grad_leaves_dot_grad_untouched():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    w = sd.tensor([3.0, 4.0], requires_grad=True)
    (dx,) = sd.autograd.grad((x * w).sum(), x)
    np.testing.assert_array_equal(dx.data, [3.0, 4.0])
    assert x.grad is None and w.grad is None


def test_autograd_grad_gradient_penalty_pattern():
    """WGAN-GP: the penalty on ||d out / d x|| is differentiated with respect to the weights."""
    x = sd.tensor([[0.5, -1.0]], requires_grad=True)
    w = sd.tensor([[2.0], [3.0]], requires_grad=True)
    out = ((x @ w) ** 2).sum()
    (dx,) = sd.autograd.grad(out, x, create_graph=True)  # 2 (x w) w^T
    penalty = (dx * dx).sum()
    penalty.backward()
    # x w = -2; dx = -4 w^T; penalty = 16 |w|^2 ... but x w depends on w too:
    # penalty = 4 (x w)^2 |w|^2; d/dw = 8 (x w) x^T |w|^2 + 8 (x w)^2 w
    xw = -2.0
    expected = 8 * xw * np.array([[0.5], [-1.0]]) * 13.0 + 8 * xw**2 * np.array([[2.0], [3.0]])
    np.testing.assert_allclose(w.grad.data, expected)


def test_autograd_grad_non_leaf_input_and_unused():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    hidden = x * 2.0
    unused = sd.tensor([5.0], requires_grad=True)
    out = (hidden * hidden).sum()
    dh, du = sd.autograd.grad(out, [hidden, unused], allow_unused=True, retain_graph=True)
    np.testing.assert_array_equal(dh.data, [4.0, 8.0])
    assert du is None
    with pytest.raises(GradientError, match="was not used"):
        sd.autograd.grad(out, [unused])


def test_leaf_hook_sees_total_gradient_and_can_replace_it():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = x.register_hook(lambda g: seen.append(g.data.copy()))
    (x * 2.0 + x * 3.0).sum().backward()
    np.testing.assert_array_equal(seen[0], [5.0, 5.0])  # both paths summed before the hook
    handle.remove()
    x.grad = None
    x.register_hook(lambda g: g * 0.0)
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])


def test_non_leaf_hook_changes_what_flows_below():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    h.register_hook(lambda g: g * 10.0)
    (h * h).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [180.0, 360.0])  # 10 * 2h * 3


def test_retain_grad_keeps_non_leaf_gradient():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_array_equal(h.grad.data, [6.0, 12.0])


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(TypeError, match=r"only floating-point tensors can require grad.*int64"):
        sd.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="dtype=int64"):
        sd.tensor([1, 2]).requires_grad_()


def test_backward_never_mutates_shared_gradient():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    y = sd.tensor([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward()
    np.testing.assert_array_equal(y.grad.data, [1.0, 1.0])
    g = sd.tensor([1.0, 1.0])
    z = x + y
    z.backward(g)
    np.testing.assert_array_equal(g.data, [1.0, 1.0])


def test_saved_values_are_freed_after_backward():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    node = y.grad_fn
    y.backward(sd.ones_like(y))
    assert node.freed and "inputs" not in node.__dict__
    z = x * x
    z.backward(sd.ones_like(z), retain_graph=True)
    assert not z.grad_fn.freed


def test_leaf_gradients_are_writable_and_not_shared():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    y = sd.tensor([3.0, 4.0], requires_grad=True)
    seed = sd.tensor([1.0, 1.0])
    (x + y).backward(seed)  # add hands the same g to both inputs
    assert x.grad.data.flags.writeable and y.grad.data.flags.writeable
    x.grad.data *= 0.0  # clipping one gradient in place must not touch the other
    np.testing.assert_array_equal(y.grad.data, [1.0, 1.0])
    np.testing.assert_array_equal(seed.data, [1.0, 1.0])
    w = sd.tensor([[1.0, 2.0]], requires_grad=True)
    w.sum().backward()  # the sum's backward is a read-only broadcast view
    w.grad.data += 1.0
    np.testing.assert_array_equal(w.grad.data, [[2.0, 2.0]])


def test_autograd_grad_several_outputs_and_count_check():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    y1, y2 = x * 2.0, x * x
    (dx,) = sd.autograd.grad([y1, y2], x, grad_outputs=[sd.ones(2), sd.tensor([1.0, 10.0])])
    np.testing.assert_array_equal(dx.data, [2.0 + 2.0, 2.0 + 40.0])
    with pytest.raises(GradientError, match="2 outputs but 1 grad_outputs"):
        sd.autograd.grad([x * 2.0, x * 3.0], x, grad_outputs=[sd.ones(2)])


def test_float64_seed_for_float32_output_is_cast():
    x = sd.tensor([0.0, 1.0], requires_grad=True)
    x.exp().backward(sd.tensor(np.ones(2)))
    assert x.grad.dtype == np.float32


def test_retain_grad_is_idempotent_and_sees_hooks():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    h.retain_grad()
    h.retain_grad()
    h.register_hook(lambda g: g * 10.0)
    (h * h).sum().backward()
    np.testing.assert_array_equal(h.grad.data, [60.0, 120.0])  # torch: after the hook, once


def test_leaf_hooks_run_in_autograd_grad():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 10.0)
    (dx,) = sd.autograd.grad((x * 2.0).sum(), x)
    np.testing.assert_array_equal(dx.data, [20.0, 20.0])


def test_hooks_run_in_registration_order():
    x = sd.tensor([1.0], requires_grad=True)
    h = x * 1.0
    h.register_hook(lambda g: g + 1.0)
    h.register_hook(lambda g: g * 10.0)
    h.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [20.0])  # (1 + 1) * 10


def test_create_graph_leaf_gradients_are_separate():
    a = sd.tensor([1.0, 2.0], requires_grad=True)
    b = sd.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward(create_graph=True)
    assert a.grad is not b.grad and a.grad.data is not b.grad.data
    assert a.grad.data.flags.writeable


def test_grad_mode_decorator_is_reentrant_and_bare():
    @sd.no_grad()
    def countdown(n):
        return countdown(n - 1) if n else sd.is_grad_enabled()

    assert countdown(3) is False and sd.is_grad_enabled()

    @sd.no_grad
    def bare():
        return sd.is_grad_enabled()

    assert bare() is False and sd.is_grad_enabled()
    sd.set_grad_enabled(False)
    assert not sd.is_grad_enabled()
    sd.set_grad_enabled(True)
    with sd.set_grad_enabled(False):
        assert not sd.is_grad_enabled()
    assert sd.is_grad_enabled()
