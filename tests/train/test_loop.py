"""Tests of fit / evaluate / predict: learning, metrics, validation, exact resume, Ctrl-C."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import nn, optim
from scratchdl.data import DataLoader, TensorDataset
from scratchdl.errors import ShapeError
from scratchdl.train import EarlyStopping, ModelCheckpoint, evaluate, fit, predict


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


def _interrupt_at_step(monkeypatch, opt, n):
    """Make the n-th ``opt.step()`` raise KeyboardInterrupt, as a Ctrl-C there would."""
    calls = {"n": 0}
    original = opt.step

    def step(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(opt, "step", step)


def _same_weights(a, b):
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)


def test_ctrl_c_keeps_the_last_complete_checkpoint(tmp_path, monkeypatch, capsys):
    """A Ctrl-C in epoch 2 leaves checkpoint= at epoch 1 (exact resume), the rest beside it."""
    path = tmp_path / "run.ckpt"
    loss = nn.BCEWithLogitsLoss()
    straight, opt, loader = _setup(seed=3)
    fit(straight, loss, opt, loader, epochs=3)

    model, opt, loader = _setup(seed=3)
    fit(model, loss, opt, loader, epochs=1, checkpoint=path)
    _interrupt_at_step(monkeypatch, opt, 4)  # the 4th of epoch 2's 8 batches
    with pytest.raises(KeyboardInterrupt):
        fit(model, loss, opt, loader, epochs=3, checkpoint=path, resume=path)
    interrupted = tmp_path / "run.ckpt.interrupted"
    assert sd.load(path)["epoch"] == 1  # not overwritten with the half-trained epoch 2
    assert sd.load(interrupted)["epoch"] == 1  # epoch index 1 (the second) runs again
    printed = capsys.readouterr().out
    assert f"{path}: after epoch 1, the last complete one" in printed and "exactly" in printed
    assert f"{interrupted}: the weights part-way through epoch 2" in printed
    assert "restarts epoch 2 from these partially trained weights" in printed

    resumed, opt, loader = _setup(seed=99)  # everything must come from the file
    history = fit(resumed, loss, opt, loader, epochs=3, resume=path)
    _same_weights(straight, resumed)
    assert len(history["loss"]) == 3
    restarted, opt, loader = _setup(seed=99)
    assert len(fit(restarted, loss, opt, loader, epochs=3, resume=interrupted)["loss"]) == 3


def test_ctrl_c_without_checkpoint_never_overwrites(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "interrupted.ckpt").write_bytes(b"an earlier run's file")
    model, opt, loader = _setup()
    _interrupt_at_step(monkeypatch, opt, 5)
    with pytest.raises(KeyboardInterrupt):
        fit(model, nn.BCEWithLogitsLoss(), opt, loader, epochs=3)
    assert (tmp_path / "interrupted.ckpt").read_bytes() == b"an earlier run's file"
    assert sd.load(tmp_path / "interrupted.1.ckpt")["epoch"] == 0
    printed = capsys.readouterr().out
    assert "No checkpoint= path was given" in printed and "interrupted.1.ckpt" in printed
    fresh, opt2, loader2 = _setup(seed=5)
    fit(fresh, nn.BCEWithLogitsLoss(), opt2, loader2, epochs=1, resume="interrupted.1.ckpt")


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


def test_resume_from_a_model_checkpoint_file_is_exact(tmp_path):
    """The scheduler steps before the callbacks, so ModelCheckpoint saves it already stepped."""
    path = tmp_path / "every-epoch.ckpt"
    loss = nn.BCEWithLogitsLoss()

    def run(seed, epochs, **kwargs):
        model, opt, loader = _setup(seed=seed)
        scheduler = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
        callbacks = [ModelCheckpoint(path, monitor="loss")]
        history = fit(
            model, loss, opt, loader, epochs, scheduler=scheduler, callbacks=callbacks, **kwargs
        )
        return model, history

    straight, straight_history = run(3, 4)
    run(3, 2)
    resumed, resumed_history = run(99, 4, resume=path)
    _same_weights(straight, resumed)
    assert resumed_history["lr"] == straight_history["lr"] == [0.05, 0.025, 0.0125, 0.00625]


def test_lr_is_the_rate_at_the_start_of_each_epoch():
    model, opt, loader = _setup()
    scheduler = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    history = fit(
        model,
        nn.BCEWithLogitsLoss(),
        opt,
        loader,
        2,
        scheduler=scheduler,
        scheduler_interval="step",
    )
    steps = len(loader)  # the rate halves after every batch
    assert history["lr"] == [0.05, 0.05 * 0.5**steps]
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05 * 0.5 ** (2 * steps))


def test_early_stopping_state_survives_resume(tmp_path):
    """EarlyStopping, validation, scheduler: 2 epochs + resume == straight (stop epoch, weights)."""
    path = tmp_path / "run.ckpt"
    val = DataLoader(_problem(seed=1), batch_size=64)
    loss = nn.BCEWithLogitsLoss()

    def run(seed, epochs, **kwargs):
        model, opt, loader = _setup(seed=seed)
        scheduler = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
        # min_delta=10: only the first epoch counts as an improvement, so it stops after epoch 4
        stopper = EarlyStopping(monitor="val_loss", patience=3, min_delta=10.0)
        history = fit(
            model, loss, opt, loader, epochs, val_loader=val, scheduler=scheduler,
            callbacks=[stopper], **kwargs,
        )  # fmt: skip
        return model, history, stopper

    straight, straight_history, straight_stopper = run(3, 8)
    assert len(straight_history["loss"]) == 4 and straight_stopper.best_epoch == 0
    run(3, 2, checkpoint=path)
    resumed, resumed_history, resumed_stopper = run(99, 8, resume=path)
    assert resumed_history.history == straight_history.history
    assert resumed_stopper.best_epoch == 0 and resumed_stopper.wait == 3
    _same_weights(straight, resumed)  # both restored the best (first) epoch's weights


def test_resume_warns_when_nothing_is_left_to_train(tmp_path):
    path = tmp_path / "run.ckpt"
    model, opt, loader = _setup()
    fit(model, nn.BCEWithLogitsLoss(), opt, loader, epochs=2, checkpoint=path)
    with pytest.warns(UserWarning, match="nothing left to train") as record:
        history = fit(model, nn.BCEWithLogitsLoss(), opt, loader, epochs=2, resume=path)
    assert record[0].filename == __file__  # stacklevel=2: points at the call to fit
    assert len(history["loss"]) == 2


def test_progress_bar_shows_the_epoch_loss_and_metrics(capsys):
    pytest.importorskip("tqdm")
    model, opt, loader = _setup()
    val = DataLoader(_problem(seed=1), batch_size=64)
    fit(
        model, nn.BCEWithLogitsLoss(), opt, loader, 2, val_loader=val, metrics=["accuracy"],
        progress=True,
    )  # fmt: skip
    shown = capsys.readouterr().err
    last_lines = [line.split("\r")[-1] for line in shown.strip().split("\n")]
    assert len(last_lines) == 2  # one bar per epoch, each left on screen
    for epoch, line in enumerate(last_lines, start=1):
        assert line.startswith(f"epoch {epoch}/2")
        for key in ("loss=", "accuracy=", "val_loss=", "val_accuracy="):
            assert key in line, line


def test_named_metrics_with_one_hot_targets_explain_the_fix():
    x = np.random.default_rng(0).standard_normal((8, 2)).astype(np.float32)
    one_hot = np.eye(3, dtype=np.float32)[np.arange(8) % 3]
    model = nn.Linear(2, 3)
    with pytest.raises(ShapeError, match=r"look one-hot.*target\.argmax\(axis=1\)"):
        evaluate(model, nn.MSELoss(), DataLoader(TensorDataset(x, one_hot), 4), ["accuracy"])
    with pytest.raises(ShapeError, match=r"^fit: metrics \['accuracy'\].*shape \(4, 3\)"):
        fit(
            model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1),
            DataLoader(TensorDataset(x, one_hot), 4), 1, metrics=["accuracy"],
        )  # fmt: skip


def test_empty_loader_because_of_drop_last_says_so():
    model = nn.Linear(1, 1)
    data = TensorDataset(np.ones((3, 1), np.float32), np.ones((3, 1), np.float32))
    loader = DataLoader(data, batch_size=4, drop_last=True)
    with pytest.raises(ValueError, match=r"3 examples, fewer than batch_size=4, and drop_last"):
        fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), loader, 1)
    with pytest.raises(ValueError, match="is the dataset empty"):
        evaluate(model, nn.MSELoss(), DataLoader(TensorDataset(np.ones((0, 1))), 4))


def test_monitoring_a_value_fit_cannot_produce_fails_before_training():
    model, opt, loader = _setup()
    before = [p.data.copy() for p in model.parameters()]
    loss = nn.BCEWithLogitsLoss()
    with pytest.raises(ValueError, match="EarlyStopping: monitor='val_loss'.*no val_loader"):
        fit(model, loss, opt, loader, 3, callbacks=[EarlyStopping()])
    best_only = ModelCheckpoint("unused", monitor="val_accuracy", save_best_only=True)
    val = DataLoader(_problem(seed=1), batch_size=64)
    with pytest.raises(ValueError, match=r"pass metrics=\['accuracy'\]"):
        fit(model, loss, opt, loader, 3, val_loader=val, callbacks=[best_only])
    for p, q in zip(before, model.parameters()):
        np.testing.assert_array_equal(p, q.data)  # nothing was trained


def test_recipe_checkpoint_resumes_exactly(tmp_path):
    """recipes' model.ckpt holds the train loader's state, so fit(resume=...) can continue it."""
    from scratchdl.recipes._common import train_classifier

    train, test = _problem(), _problem(seed=1)

    def build():
        return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))

    kwargs = {"batch_size": 32, "seed": 0, "lr": 0.05}
    train_classifier("t", build, train, test, epochs=3, out=tmp_path / "three", **kwargs)
    train_classifier("t", build, train, test, epochs=2, out=tmp_path / "two", **kwargs)
    model = build()
    opt = optim.Adam(model.parameters(), lr=0.05)
    loader = DataLoader(train, batch_size=32, shuffle=True, generator=np.random.default_rng(0))
    history = fit(model, nn.BCEWithLogitsLoss(), opt, loader, 3, resume=tmp_path / "two/model.ckpt")
    assert len(history["loss"]) == 3  # the recipe's history is in the checkpoint too
    three = sd.load(tmp_path / "three" / "model.ckpt")["model"]
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value.data, three[name].data, err_msg=name)
