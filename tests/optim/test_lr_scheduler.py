"""Tests for scratchdl.optim.lr_scheduler.

Against PyTorch: every scheduler's lr sequence (and OneCycleLR's momentum / beta1 sequence) over
100 steps, identical to float rounding; and 100 training steps of a least-squares problem with
SGD(momentum) or Adam under each scheduler, whose parameters must agree to float32 rounding.
Without PyTorch: state_dict round trips, a custom subclass, golden values and the error messages.
"""

from __future__ import annotations

import json
import types

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.optim import SGD, Adam
from scratchdl.optim.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LinearWarmupCosineLR,
    LRScheduler,
    MultiStepLR,
    OneCycleLR,
    ReduceLROnPlateau,
    StepLR,
)

STEPS = 100
LRS = (0.1, 0.03)  # two param groups with different learning rates


# Each case: scratchdl scheduler, the same schedule in PyTorch (built from torch's module `L`),
# and the optimizer to drive it ("sgd": SGD with momentum 0.9, "adam": Adam).
def _torch_warmup_cosine(L, opt):
    warmup = L.LinearLR(opt, start_factor=0.1, end_factor=1.0, total_iters=10)
    cosine = L.CosineAnnealingLR(opt, T_max=STEPS - 10, eta_min=1e-4)
    return L.SequentialLR(opt, [warmup, cosine], milestones=[10])


CASES = {
    "step": (
        lambda o: StepLR(o, step_size=7, gamma=0.5),
        lambda L, o: L.StepLR(o, step_size=7, gamma=0.5),
        "sgd",
    ),
    "multistep": (
        lambda o: MultiStepLR(o, milestones=[60, 10, 25, 25], gamma=0.3),
        lambda L, o: L.MultiStepLR(o, milestones=[60, 10, 25, 25], gamma=0.3),
        "sgd",
    ),
    "exponential": (
        lambda o: ExponentialLR(o, gamma=0.97),
        lambda L, o: L.ExponentialLR(o, gamma=0.97),
        "adam",
    ),
    "cosine": (  # 100 steps with T_max=30 pass the bottom twice and climb back up
        lambda o: CosineAnnealingLR(o, T_max=30, eta_min=1e-3),
        lambda L, o: L.CosineAnnealingLR(o, T_max=30, eta_min=1e-3),
        "sgd",
    ),
    "warmup_cosine": (
        lambda o: LinearWarmupCosineLR(
            o, warmup_steps=10, total_steps=STEPS, warmup_start_factor=0.1, eta_min=1e-4
        ),
        _torch_warmup_cosine,
        "adam",
    ),
    "onecycle_sgd": (
        lambda o: OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=STEPS),
        lambda L, o: L.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=STEPS),
        "sgd",
    ),
    "onecycle_adam_three_phase_linear": (
        lambda o: OneCycleLR(
            o,
            max_lr=0.05,
            epochs=10,
            steps_per_epoch=10,
            pct_start=0.25,
            anneal_strategy="linear",
            three_phase=True,
            base_momentum=0.8,
            max_momentum=0.9,
        ),
        lambda L, o: L.OneCycleLR(
            o,
            max_lr=0.05,
            epochs=10,
            steps_per_epoch=10,
            pct_start=0.25,
            anneal_strategy="linear",
            three_phase=True,
            base_momentum=0.8,
            max_momentum=0.9,
        ),
        "adam",
    ),  # fmt: skip
}


def _data(rng):
    """A fixed least-squares problem: y = X @ w_true + 0.3 * noise, with w and b to learn."""
    x = rng.standard_normal((32, 5)).astype(np.float32)
    y = (x @ rng.standard_normal(5) + 0.5 + 0.3 * rng.standard_normal(32)).astype(np.float32)
    w0 = (0.1 * rng.standard_normal(5)).astype(np.float32)
    return x, y, w0, np.zeros(1, np.float32)


def _sd_setup(kind, w0, b0):
    w = sd.tensor(w0.copy(), requires_grad=True)
    b = sd.tensor(b0.copy(), requires_grad=True)
    groups = [{"params": [w], "lr": LRS[0]}, {"params": [b], "lr": LRS[1]}]
    opt = SGD(groups, lr=LRS[0], momentum=0.9) if kind == "sgd" else Adam(groups, lr=LRS[0])
    return opt, (w, b)


def _torch_setup(torch, kind, w0, b0):
    w = torch.tensor(w0.copy(), requires_grad=True)
    b = torch.tensor(b0.copy(), requires_grad=True)
    groups = [{"params": [w], "lr": LRS[0]}, {"params": [b], "lr": LRS[1]}]
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=LRS[0], momentum=0.9), (w, b)
    return torch.optim.Adam(groups, lr=LRS[0]), (w, b)


def _hyper(opt):
    """Per step: every group's lr and its momentum or beta1, as plain floats."""
    key = "betas" if "betas" in opt.param_groups[0] else "momentum"
    momenta = [g[key][0] if key == "betas" else g[key] for g in opt.param_groups]
    return [float(g["lr"]) for g in opt.param_groups] + [float(m) for m in momenta]


def _sd_loss(x, y, w, b):
    residual = sd.matmul(sd.tensor(x), w) + b - sd.tensor(y)
    return (residual * residual).mean()


def _sd_train(case, rng_data, steps=STEPS, metric_fn=None):
    x, y, w0, b0 = rng_data
    make_sched, _, kind = case
    opt, (w, b) = _sd_setup(kind, w0, b0)
    sched = make_sched(opt)
    history = [_hyper(opt)]
    for _ in range(steps):
        loss = _sd_loss(x, y, w, b)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if metric_fn:
            sched.step(loss.item())
        else:
            sched.step()
        history.append(_hyper(opt))
    return np.array(history), np.concatenate([w.data, b.data])


def _torch_train(torch, case, rng_data, steps=STEPS, metric_fn=None):
    x, y, w0, b0 = rng_data
    _, make_torch_sched, kind = case
    opt, (w, b) = _torch_setup(torch, kind, w0, b0)
    sched = make_torch_sched(torch.optim.lr_scheduler, opt)
    history = [_hyper(opt)]
    xt, yt = torch.tensor(x), torch.tensor(y)
    for _ in range(steps):
        loss = ((xt @ w + b - yt) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if metric_fn:
            sched.step(loss.item())
        else:
            sched.step()
        history.append(_hyper(opt))
    return np.array(history), np.concatenate([w.detach().numpy(), b.detach().numpy()])


# ----------------------------------------------------------------------------- PyTorch parity
@pytest.mark.oracle
@pytest.mark.parametrize("name", list(CASES))
def test_schedule_matches_torch(name, rng):
    """The lr (and momentum / beta1) of every group after each of 100 steps equals PyTorch's."""
    import torch

    make_sched, make_torch_sched, kind = CASES[name]
    opt, _ = _sd_setup(kind, np.zeros(5, np.float32), np.zeros(1, np.float32))
    topt, _ = _torch_setup(torch, kind, np.zeros(5, np.float32), np.zeros(1, np.float32))
    sched, tsched = make_sched(opt), make_torch_sched(torch.optim.lr_scheduler, topt)
    ours, theirs = [_hyper(opt)], [_hyper(topt)]
    assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-13)
    for _ in range(STEPS):
        topt.step()  # no gradients: nothing moves, but torch wants optimizer.step() first
        sched.step()
        tsched.step()
        ours.append(_hyper(opt))
        theirs.append(_hyper(topt))
        assert sched.last_epoch == tsched.last_epoch
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-17)
    assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-13, abs=1e-17)


@pytest.mark.oracle
@pytest.mark.parametrize("name", list(CASES))
def test_training_matches_torch(name, rng):
    """100 optimizer steps under the schedule: same hyperparameters and float32 weights."""
    import torch

    torch.set_num_threads(2)
    data = _data(rng)
    ours, w_ours = _sd_train(CASES[name], data)
    theirs, w_theirs = _torch_train(torch, CASES[name], data)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-17)
    np.testing.assert_allclose(w_ours, w_theirs, rtol=1e-5, atol=1e-6)


PLATEAU = {
    "min_rel": {"factor": 0.5, "patience": 2},
    "min_abs_cooldown": {"threshold": 0.05, "threshold_mode": "abs", "patience": 1, "cooldown": 3},
    "max_rel_min_lr": {"mode": "max", "factor": 0.3, "patience": 0, "min_lr": [0.01, 0.002]},
    "max_abs_eps": {"mode": "max", "threshold_mode": "abs", "patience": 1, "eps": 0.02},
}


@pytest.mark.oracle
@pytest.mark.parametrize("name", list(PLATEAU))
def test_plateau_matches_torch_on_scripted_metric(name):
    """A metric that improves, stalls, dips and jitters: same lrs and counters as PyTorch."""
    import torch

    metric = [5, 4, 3, 3, 3.0001, 3, 2.5, 2.5, 2.49, 2.6, 2.7, 2.4, 2.4, 2.4, 2.4, 1, 1, 0.99]
    metric = metric + [0.99 - 1e-3 * k * (-1) ** k for k in range(42)]
    if PLATEAU[name].get("mode") == "max":
        metric = [-m for m in metric]
    opt, _ = _sd_setup("sgd", np.zeros(5, np.float32), np.zeros(1, np.float32))
    topt, _ = _torch_setup(torch, "sgd", np.zeros(5, np.float32), np.zeros(1, np.float32))
    sched = ReduceLROnPlateau(opt, **PLATEAU[name])
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **PLATEAU[name])
    counters = ("last_epoch", "best", "num_bad_epochs", "cooldown_counter")
    for m in metric:
        sched.step(m)
        tsched.step(m)
        assert sched.get_last_lr() == tsched.get_last_lr()
        assert [getattr(sched, c) for c in counters] == [getattr(tsched, c) for c in counters]
    assert sched.get_last_lr() != list(LRS), "the script should trigger at least one reduction"


@pytest.mark.oracle
def test_plateau_training_matches_torch(rng):
    """Adam on least squares, ReduceLROnPlateau fed the loss: lrs and weights match PyTorch."""
    import torch

    case = (
        lambda o: ReduceLROnPlateau(o, factor=0.5, patience=3, threshold=1e-3),
        lambda L, o: L.ReduceLROnPlateau(o, factor=0.5, patience=3, threshold=1e-3),
        "adam",
    )
    data = _data(rng)
    ours, w_ours = _sd_train(case, data, metric_fn=True)
    theirs, w_theirs = _torch_train(torch, case, data, metric_fn=True)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13)
    np.testing.assert_allclose(w_ours, w_theirs, rtol=1e-5, atol=1e-6)
    assert ours[-1, 0] < LRS[0], "the loss should plateau and the lr drop"


# ------------------------------------------------------------------------ state and semantics
@pytest.mark.parametrize("name", list(CASES))
def test_state_dict_round_trip_continues_identically(name, rng):
    """Stop at step 40, save both states through JSON, resume in fresh objects: same run."""
    data = _data(rng)
    full, w_full = _sd_train(CASES[name], data)

    x, y, w0, b0 = data
    make_sched, _, kind = CASES[name]
    opt, (w, b) = _sd_setup(kind, w0, b0)
    sched = make_sched(opt)
    for _ in range(40):
        loss = _sd_loss(x, y, w, b)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    saved = json.loads(json.dumps(sched.state_dict()))  # plain numbers only
    saved_opt = opt.state_dict()

    opt2, (w2, b2) = _sd_setup(kind, w.data.copy(), b.data.copy())
    sched2 = make_sched(opt2)  # a fresh scheduler first, then the saved states
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved)
    resumed = [_hyper(opt2)]
    for _ in range(STEPS - 40):
        loss = _sd_loss(x, y, w2, b2)
        opt2.zero_grad()
        loss.backward()
        opt2.step()
        sched2.step()
        resumed.append(_hyper(opt2))
    np.testing.assert_array_equal(np.array(resumed), full[40:])
    np.testing.assert_array_equal(np.concatenate([w2.data, b2.data]), w_full)


def test_plateau_state_dict_round_trip():
    opt, _ = _sd_setup("sgd", np.zeros(5, np.float32), np.zeros(1, np.float32))
    sched = ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=2)
    for m in [3, 2, 2, 2, 2]:
        sched.step(m)
    opt2, _ = _sd_setup("sgd", np.zeros(5, np.float32), np.zeros(1, np.float32))
    opt2.load_state_dict(opt.state_dict())
    sched2 = ReduceLROnPlateau(opt2)
    sched2.load_state_dict(json.loads(json.dumps(sched.state_dict())))
    for m in [2, 2, 2, 2, 1, 1, 1, 1]:
        sched.step(m)
        sched2.step(m)
        assert sched2.get_last_lr() == sched.get_last_lr()
    assert sched2.state_dict() == sched.state_dict()


def test_last_epoch_counts_steps_and_initial_lr_is_stored():
    opt, _ = _sd_setup("sgd", np.zeros(5, np.float32), np.zeros(1, np.float32))
    sched = StepLR(opt, step_size=2)
    assert sched.last_epoch == 0
    assert [g["initial_lr"] for g in opt.param_groups] == list(LRS) == sched.base_lrs
    for _ in range(3):
        sched.step()
    assert sched.last_epoch == 3
    assert sched.get_last_lr() == pytest.approx([0.1 * 0.1, 0.03 * 0.1])
    sched.get_last_lr()[0] = 123.0  # a copy: changing it changes nothing
    assert opt.param_groups[0]["lr"] == pytest.approx(0.01)


def test_warmup_cosine_golden_values():
    """lr_0 = 1, W = 4, T = 8, s = 0.2, eta_min = 0.1, from the docstring's formula."""
    opt, _ = _sd_setup("sgd", np.zeros(5, np.float32), np.zeros(1, np.float32))
    opt.param_groups[0]["lr"] = 1.0
    sched = LinearWarmupCosineLR(opt, 4, 8, warmup_start_factor=0.2, eta_min=0.1)
    lrs = [sched.get_last_lr()[0]]
    for _ in range(10):
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    cos = [0.1 + 0.9 * (1 + np.cos(np.pi * k / 4)) / 2 for k in range(5)]
    expected = [0.2, 0.4, 0.6, 0.8, *cos, 0.1, 0.1]
    np.testing.assert_allclose(lrs, expected, rtol=1e-15, atol=1e-15)


def test_onecycle_allows_the_final_extra_step_then_raises():
    opt, _ = _sd_setup("sgd", np.zeros(5, np.float32), np.zeros(1, np.float32))
    sched = OneCycleLR(opt, max_lr=1.0, total_steps=5)
    for _ in range(5):  # a `for` loop over 5 batches steps 5 times: allowed
        sched.step()
    with pytest.raises(
        ValueError, match=r"OneCycleLR: step\(\) was called 6 times .*total_steps=5"
    ):
        sched.step()


def test_custom_subclass_uses_base_bookkeeping():
    class HalveEvenSteps(LRScheduler):
        def get_lr(self):
            factor = 0.5 if self.last_epoch > 0 and self.last_epoch % 2 == 0 else 1.0
            return [g["lr"] * factor for g in self.optimizer.param_groups]

    opt, _ = _sd_setup("sgd", np.zeros(5, np.float32), np.zeros(1, np.float32))
    sched = HalveEvenSteps(opt)
    for _ in range(4):
        sched.step()
    assert sched.get_last_lr() == [0.1 / 4, 0.03 / 4]


# ---------------------------------------------------------------------------------- bad input
def _opt():
    return _sd_setup("sgd", np.zeros(5, np.float32), np.zeros(1, np.float32))[0]


BAD = [
    (lambda: StepLR(_opt(), step_size=3, gamma=0), r"StepLR: gamma must be .*> 0, got 0"),
    (lambda: StepLR(_opt(), step_size=3, gamma=-0.5), r"StepLR: gamma .* got -0.5"),
    (lambda: StepLR(_opt(), step_size=0), r"StepLR: step_size must be an integer >= 1, got 0"),
    (lambda: MultiStepLR(_opt(), [5, 2.5]), r"MultiStepLR: milestone must be an integer .*2.5"),
    (lambda: ExponentialLR(_opt(), gamma=-1.0), r"ExponentialLR: gamma .* got -1.0"),
    (lambda: CosineAnnealingLR(_opt(), T_max=0), r"CosineAnnealingLR: T_max must be .* got 0"),
    (lambda: CosineAnnealingLR(_opt(), T_max=-10), r"CosineAnnealingLR: T_max .* got -10"),
    (
        lambda: LinearWarmupCosineLR(_opt(), warmup_steps=10, total_steps=10),
        r"LinearWarmupCosineLR: total_steps \(10\) must be greater than warmup_steps \(10\)",
    ),
    (
        lambda: LinearWarmupCosineLR(_opt(), 2, 10, warmup_start_factor=1.5),
        r"LinearWarmupCosineLR: warmup_start_factor must be .*\[0, 1\], got 1.5",
    ),
    (lambda: OneCycleLR(_opt(), max_lr=0.1), r"OneCycleLR: the cycle length is missing"),
    (lambda: OneCycleLR(_opt(), 0.1, epochs=3), r"OneCycleLR: .*steps_per_epoch=None"),
    (lambda: OneCycleLR(_opt(), 0.1, total_steps=0), r"OneCycleLR: total_steps .* got 0"),
    (
        lambda: OneCycleLR(_opt(), 0.1, total_steps=9, anneal_strategy="cosine"),
        r"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got 'cosine'",
    ),
    (lambda: OneCycleLR(_opt(), 0.1, 9, pct_start=1.5), r"OneCycleLR: pct_start .* got 1.5"),
    (lambda: OneCycleLR(_opt(), [0.1], 9), r"OneCycleLR: max_lr has 1 values .* 2 param group"),
    (
        lambda: OneCycleLR(types.SimpleNamespace(param_groups=[{"lr": 0.1}], defaults={}), 1, 9),
        r"OneCycleLR: cycle_momentum=True needs an optimizer with 'momentum'",
    ),
    (lambda: ReduceLROnPlateau(_opt(), mode="minimum"), r"mode must be 'min' or 'max', got 'mini"),
    (
        lambda: ReduceLROnPlateau(_opt(), threshold_mode="relative"),
        r"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got 'relative'",
    ),
    (lambda: ReduceLROnPlateau(_opt(), factor=1.0), r"ReduceLROnPlateau: factor .* got 1.0"),
    (lambda: ReduceLROnPlateau(_opt(), patience=-1), r"ReduceLROnPlateau: patience .* got -1"),
    (lambda: ReduceLROnPlateau(_opt(), min_lr=[0.1]), r"min_lr has 1 values .* 2 param group"),
    (lambda: StepLR(_opt(), 3, last_epoch=4), r"StepLR: last_epoch=4 .*no 'initial_lr'"),
    (
        lambda: StepLR(_opt(), 3).load_state_dict(CosineAnnealingLR(_opt(), 9).state_dict()),
        r"StepLR.load_state_dict: missing keys \['gamma', 'step_size'\]",
    ),
]


@pytest.mark.parametrize("make, message", BAD, ids=[b[1][:40] for b in BAD])
def test_bad_arguments_raise_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_not_an_optimizer_and_bad_metric_raise_type_errors():
    w = sd.zeros(3, requires_grad=True)
    with pytest.raises(TypeError, match=r"StepLR: expected an optimizer .* got list"):
        StepLR([w], step_size=3)
    with pytest.raises(TypeError, match=r"ReduceLROnPlateau: expected an optimizer"):
        ReduceLROnPlateau({"lr": 0.1})
    with pytest.raises(TypeError, match=r"ReduceLROnPlateau.step: metric must be a number .*str"):
        ReduceLROnPlateau(_opt()).step("low")
