"""Tests of fit / evaluate / predict: learning, metrics, validation, exact resume, Ctrl-C."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import nn, optim
from scratchdl.data import DataLoader, TensorDataset
from scratchdl.train import evaluate, fit, predict


def _problem(seed=0, n=256):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2)).astype(np.float32)
    y = (x[:, :1] * x[:, 1:] > 0).astype(np.float32)  # XOR of the signs
    return TensorDataset(x, y)


def _setup(seed=0, dropout=0.1):
    sd.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Dropout(dropout), nn.Linear(16, 1))
    opt = optim.Adam(model.parameters(), lr=0.05)
    loader = DataLoader(_problem(), batch_size=32, shuffle=True)
    return model, opt, loader


def test_fit_learns_and_reports_history():
    model, opt, loader = _setup()
    val = DataLoader(_problem(seed=1), batch_size=64)
    history = fit(
        model, nn.BCEWithLogitsLoss(), opt, loader, epochs=15, val_loader=val, metrics=["accuracy"]
    )
    assert history.epochs == list(range(1, 16))
    assert set(history.keys()) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert history["loss"][-1] < history["loss"][0]
    assert history["val_accuracy"][-1] > 0.9
    assert model.training  # fit leaves the model in training mode


def test_named_metrics_are_exact_over_the_epoch():
    model, _, _ = _setup(dropout=0.0)
    data = _problem()
    loader = DataLoader(data, batch_size=7)  # uneven batches
    results = evaluate(model, nn.BCEWithLogitsLoss(), loader, metrics=["accuracy", "f1_score"])
    x, target = data[np.arange(len(data))]
    with sd.no_grad():
        output = model(sd.tensor(x))
    predicted = (output.data > 0).astype(np.float32)
    assert results["accuracy"] == pytest.approx(float(np.mean(predicted == target)))
    tp = float(np.sum((predicted == 1) & (target == 1)))
    precision = tp / max(predicted.sum(), 1)
    recall = tp / max(target.sum(), 1)
    expected_f1 = 0.0 if tp == 0 else 2 * precision * recall / (precision + recall)
    assert results["f1_score"] == pytest.approx(expected_f1)


def test_custom_metric_function_and_unknown_metric():
    model, opt, loader = _setup()
    history = fit(
        model,
        nn.BCEWithLogitsLoss(),
        opt,
        loader,
        epochs=1,
        metrics={"mean_output": lambda out, y: float(out.data.mean())},
    )
    assert "mean_output" in history
    with pytest.raises(ValueError, match="unknown metric 'acc'"):
        fit(model, nn.BCEWithLogitsLoss(), opt, loader, epochs=1, metrics=["acc"])


def test_resume_is_bit_identical(tmp_path):
    """2 epochs, checkpoint, resume for 2 more == 4 straight epochs (weights, order, dropout)."""
    path = tmp_path / "run.ckpt"
    straight, opt, loader = _setup(seed=3)
    scheduler = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    fit(straight, nn.BCEWithLogitsLoss(), opt, loader, epochs=4, scheduler=scheduler)

    first, opt, loader = _setup(seed=3)
    scheduler = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    fit(first, nn.BCEWithLogitsLoss(), opt, loader, epochs=2, scheduler=scheduler, checkpoint=path)

    resumed, opt, loader = _setup(seed=99)  # different init and RNG: all must come from the file
    scheduler = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    history = fit(
        resumed, nn.BCEWithLogitsLoss(), opt, loader, epochs=4, scheduler=scheduler, resume=path
    )
    for (name, a), (_, b) in zip(straight.named_parameters(), resumed.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)
    assert len(history["loss"]) == 4  # the history continues too


def test_ctrl_c_saves_a_checkpoint(tmp_path, monkeypatch):
    model, opt, loader = _setup()
    path = tmp_path / "interrupted.ckpt"
    calls = {"n": 0}
    original = opt.step

    def interrupt_on_fifth(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(opt, "step", interrupt_on_fifth)
    with pytest.raises(KeyboardInterrupt):
        fit(model, nn.BCEWithLogitsLoss(), opt, loader, epochs=3, checkpoint=path)
    assert path.exists()
    fresh, opt2, loader2 = _setup(seed=5)
    fit(fresh, nn.BCEWithLogitsLoss(), opt2, loader2, epochs=1, resume=path)


def test_predict_batches_and_restores_mode():
    model, _, _ = _setup()
    x = np.random.default_rng(0).standard_normal((70, 2)).astype(np.float32)
    out = predict(model, x, batch_size=32)
    assert out.shape == (70, 1) and not out.requires_grad and model.training
    model.eval()
    np.testing.assert_allclose(out.data, model(sd.tensor(x)).data, rtol=1e-6)


def test_fit_rejects_bad_arguments():
    model, opt, loader = _setup()
    with pytest.raises(ValueError, match="epochs must be a non-negative integer"):
        fit(model, nn.BCEWithLogitsLoss(), opt, loader, epochs=-1)
    with pytest.raises(ValueError, match=r"pair \(inputs, targets\)"):
        fit(model, nn.BCEWithLogitsLoss(), opt, [sd.zeros(2, 2)], epochs=1)


def test_manual_seed_makes_a_run_reproducible_end_to_end():
    """Same seed: same init, same shuffling, same dropout masks, so the same weights."""
    runs = []
    for _ in range(2):
        model, opt, loader = _setup(seed=11, dropout=0.3)
        fit(model, nn.BCEWithLogitsLoss(), opt, loader, epochs=2)
        runs.append([p.data.copy() for p in model.parameters()])
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)
    other, opt, loader = _setup(seed=12, dropout=0.3)
    fit(other, nn.BCEWithLogitsLoss(), opt, loader, epochs=2)
    assert not np.array_equal(runs[0][0], next(other.parameters()).data)
