"""Shared helpers of the optimizer tests.

* ``mlp_problem(rng)``: the weights and data of a small 2-layer MLP regression (float32);
* ``train_scratchdl`` / ``train_torch``: 100 steps of one optimizer on that problem, from the same
  weights on the same data, returning the final weights as NumPy arrays;
* ``assert_parity``: the two runs agree to float32 rounding;
* ``quadratic_converges``: an optimizer drives a badly scaled quadratic to its minimum;
* ``one_step``: a single step from given weights and a given gradient, to compare with a hand
  computation of the docstring's pseudo-code.
"""

from __future__ import annotations

import numpy as np

import scratchdl as sd
from scratchdl.nn.parameter import Parameter

# Parameter agreement after 100 float32 steps. The two runs compute their gradients with different
# matmul kernels, and PyTorch's kernels fuse some multiply-adds, so the weights differ by a few
# float32 ulps that add up over the steps; this stays well below 1e-5 relative.
RTOL, ATOL = 1e-5, 1e-6


def mlp_problem(rng: np.random.Generator, n: int = 32, d_in: int = 6, hidden: int = 10):
    """Weights [W1 (H, D), b1 (H,), W2 (3, H), b2 (3,)] and data x (N, D), y (N, 3), float32."""
    f32 = np.float32
    weights = [
        (rng.standard_normal((hidden, d_in)) / np.sqrt(d_in)).astype(f32),
        (0.1 * rng.standard_normal(hidden)).astype(f32),
        (rng.standard_normal((3, hidden)) / np.sqrt(hidden)).astype(f32),
        (0.1 * rng.standard_normal(3)).astype(f32),
    ]
    x = rng.standard_normal((n, d_in)).astype(f32)
    y = rng.standard_normal((n, 3)).astype(f32)
    return weights, x, y


def sd_mlp_loss(params, x, y):
    w1, b1, w2, b2 = params
    h = sd.relu(x @ w1.T + b1)  # (N, D) -> (N, H)
    out = h @ w2.T + b2  # (N, H) -> (N, 3)
    diff = out - y
    return sd.mean(diff * diff)


def torch_mlp_loss(params, x, y):
    import torch

    w1, b1, w2, b2 = params
    h = torch.relu(x @ w1.T + b1)
    out = h @ w2.T + b2
    diff = out - y
    return torch.mean(diff * diff)


def train_scratchdl(optimizer_cls, kwargs, weights, x, y, steps=100, groups=None):
    """``steps`` optimizer steps on the MLP loss; returns the final weights.

    ``groups`` (optional) maps parameter indices to per-group overrides: a list of
    ``(indices, overrides)``.
    """
    params = [Parameter(w.copy()) for w in weights]
    opt = optimizer_cls(_groups(params, groups), **kwargs)
    xt, yt = sd.tensor(x), sd.tensor(y)
    for _ in range(steps):
        opt.zero_grad()
        sd_mlp_loss(params, xt, yt).backward()
        opt.step()
    return [p.data.copy() for p in params]


def train_torch(name, kwargs, weights, x, y, steps=100, groups=None):
    """The same as ``train_scratchdl`` with ``torch.optim.<name>`` (single-tensor updates)."""
    import torch

    torch.set_num_threads(2)
    params = [torch.nn.Parameter(torch.tensor(w.copy())) for w in weights]
    opt = getattr(torch.optim, name)(_groups(params, groups), foreach=False, **kwargs)
    xt, yt = torch.tensor(x), torch.tensor(y)
    for _ in range(steps):
        opt.zero_grad()
        torch_mlp_loss(params, xt, yt).backward()
        opt.step()
    return [p.detach().numpy().copy() for p in params]


def _groups(params, groups):
    if groups is None:
        return params
    return [{"params": [params[i] for i in indices], **overrides} for indices, overrides in groups]


def assert_parity(optimizer_cls, kwargs, rng, steps=100, groups=None, rtol=RTOL, atol=ATOL):
    weights, x, y = mlp_problem(rng)
    ours = train_scratchdl(optimizer_cls, kwargs, weights, x, y, steps, groups)
    theirs = train_torch(optimizer_cls.__name__, kwargs, weights, x, y, steps, groups)
    for index, (a, b, start) in enumerate(zip(ours, theirs, weights)):
        assert a.dtype == np.float32, f"parameter {index} left float32: {a.dtype}"
        assert not np.array_equal(a, start), f"parameter {index} did not move"
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"parameter {index}")


QUADRATIC_TARGET = np.array([1.0, -2.0, 0.5, 3.0], dtype=np.float32)
QUADRATIC_SCALE = np.array([1.0, 4.0, 0.5, 2.0], dtype=np.float32)


def l2_minimum(weight_decay: float) -> np.ndarray:
    """Where the quadratic plus 0.5 * weight_decay * |w|^2 has its minimum (coupled decay)."""
    s, t = QUADRATIC_SCALE.astype(np.float64), QUADRATIC_TARGET.astype(np.float64)
    return s * t / (s + weight_decay)


def quadratic_converges(optimizer_cls, kwargs, steps=500, tol=1e-3, minimum=None):
    """Minimise 0.5 * sum(scale * (w - target)**2) from w = 0; assert w ends near the minimum.

    The scales differ by a factor 8, so the problem is badly conditioned on purpose.
    ``minimum`` defaults to ``target``; pass ``l2_minimum(wd)`` when the optimizer adds L2 decay.
    """
    minimum = QUADRATIC_TARGET if minimum is None else minimum
    scale = sd.tensor(QUADRATIC_SCALE)
    t = sd.tensor(QUADRATIC_TARGET)
    w = Parameter(np.zeros(4, dtype=np.float32))
    opt = optimizer_cls([w], **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        d = w - t
        (0.5 * sd.sum(scale * d * d)).backward()
        opt.step()
    np.testing.assert_allclose(w.data, minimum, atol=tol)
    assert w.data.dtype == np.float32


def one_step(optimizer_cls, kwargs, w0, grads):
    """Run ``len(grads)`` steps on a parameter starting at ``w0`` with the given gradients.

    Returns the parameter's array after the last step and the optimizer.
    """
    w = Parameter(np.array(w0, dtype=np.float64))
    opt = optimizer_cls([w], **kwargs)
    for g in grads:
        w.grad = sd.tensor(np.array(g, dtype=np.float64))
        opt.step()
    return w.data, opt
