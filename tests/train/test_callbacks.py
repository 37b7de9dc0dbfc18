"""Tests of the callbacks: early stopping, checkpoints, loggers, schedulers, gradient norms."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import nn, optim
from scratchdl.data import DataLoader, TensorDataset
from scratchdl.train import (
    Callback,
    CSVLogger,
    EarlyStopping,
    GradientNormLogger,
    JSONLogger,
    ModelCheckpoint,
    fit,
    load_checkpoint,
)


def _setup(lr=0.05):
    sd.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 2)).astype(np.float32)
    y = (x.sum(axis=1, keepdims=True) > 0).astype(np.float32)
    model = nn.Sequential(nn.Linear(2, 8), nn.Sigmoid(), nn.Linear(8, 1))
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
    return model, optim.SGD(model.parameters(), lr=lr), loader


def _val():
    """A validation loader: fit then produces val_loss (which ScriptedLoss overwrites)."""
    x = np.random.default_rng(1).standard_normal((64, 2)).astype(np.float32)
    return DataLoader(TensorDataset(x, (x.sum(axis=1, keepdims=True) > 0).astype(np.float32)), 64)


class ScriptedLoss(Callback):
    """Replaces the epoch's val_loss with a scripted sequence, to drive EarlyStopping exactly."""

    def __init__(self, values):
        self.values = list(values)

    def on_epoch_end(self, trainer, epoch, logs):
        logs["val_loss"] = self.values[epoch]


def test_early_stopping_stops_and_restores_best_weights():
    model, opt, loader = _setup()
    snapshots = []

    class Snapshot(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            snapshots.append(model[0].weight.data.copy())

    stopper = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    history = fit(
        model,
        nn.BCEWithLogitsLoss(),
        opt,
        loader,
        epochs=10,
        val_loader=_val(),
        callbacks=[ScriptedLoss([1.0, 0.5, 0.7, 0.6, 0.4]), Snapshot(), stopper],
    )
    assert len(history["loss"]) == 4  # best at epoch 2 (index 1), then 2 epochs without gain
    assert stopper.best_epoch == 1
    np.testing.assert_array_equal(model[0].weight.data, snapshots[1])


def test_model_checkpoint_best_only(tmp_path):
    model, opt, loader = _setup()
    path = tmp_path / "best.ckpt"
    checkpoint = ModelCheckpoint(path, monitor="val_loss", save_best_only=True)
    fit(
        model,
        nn.BCEWithLogitsLoss(),
        opt,
        loader,
        epochs=4,
        val_loader=_val(),
        callbacks=[ScriptedLoss([0.9, 0.3, 0.5, 0.8]), checkpoint],
    )
    fresh, _, _ = _setup()
    epoch, _ = load_checkpoint(path, fresh)
    assert epoch == 2 and checkpoint.best == 0.3


def test_csv_and_json_loggers(tmp_path):
    model, opt, loader = _setup()
    history = fit(
        model,
        nn.BCEWithLogitsLoss(),
        opt,
        loader,
        epochs=3,
        metrics=["accuracy"],
        callbacks=[CSVLogger(tmp_path / "log.csv"), JSONLogger(tmp_path / "log.json")],
    )
    rows = list(csv.DictReader(open(tmp_path / "log.csv")))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    assert float(rows[-1]["loss"]) == pytest.approx(history["loss"][-1])
    assert json.load(open(tmp_path / "log.json"))["accuracy"] == history["accuracy"]


def test_scheduler_is_stepped_per_epoch_or_per_batch():
    model, opt, loader = _setup(lr=1.0)
    scheduler = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    history = fit(model, nn.BCEWithLogitsLoss(), opt, loader, epochs=3, scheduler=scheduler)
    assert history["lr"] == [1.0, 0.5, 0.25]  # the rate each epoch trained with
    model, opt, loader = _setup(lr=1.0)
    scheduler = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    fit(
        model,
        nn.BCEWithLogitsLoss(),
        opt,
        loader,
        epochs=1,
        scheduler=scheduler,
        scheduler_interval="step",
    )
    assert opt.param_groups[0]["lr"] == 0.5 ** len(loader)


def test_plateau_scheduler_gets_the_validation_loss():
    model, opt, loader = _setup(lr=1.0)
    scheduler = optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.1)
    bce, scripted = nn.BCEWithLogitsLoss(), iter([1.0, 2.0])

    def loss_fn(output, target):  # training: the real loss; validation: 1.0, then 2.0
        return bce(output, target) if model.training else sd.tensor(next(scripted))

    history = fit(model, loss_fn, opt, loader, epochs=2, val_loader=_val(), scheduler=scheduler)
    assert history["val_loss"] == [1.0, 2.0]
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)  # reduced after the worse epoch 2


def test_gradient_norm_logger_records_every_layer():
    model, opt, loader = _setup()
    logger = GradientNormLogger()
    fit(model, nn.BCEWithLogitsLoss(), opt, loader, epochs=2, callbacks=[logger])
    assert set(logger.norms) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    assert len(logger.norms["0.weight"]) == 2 * len(loader)
    assert len(logger.epoch_norms["0.weight"]) == 2
    assert all(v > 0 for v in logger.norms["2.weight"])


def test_callback_argument_errors():
    with pytest.raises(ValueError, match="mode must be 'min' or 'max'"):
        EarlyStopping(mode="lowest")
    with pytest.raises(TypeError, match=r"EarlyStopping: patience must be an int.*patience='3'"):
        EarlyStopping(patience="3")
    with pytest.raises(TypeError, match="EarlyStopping: min_delta must be a number"):
        EarlyStopping(min_delta="0.1")
    with pytest.raises(TypeError, match="ModelCheckpoint: monitor must be the name"):
        ModelCheckpoint("x", monitor=None)
    # A key no callback adds is found missing at the end of the first epoch.
    model, opt, loader = _setup()
    with pytest.raises(KeyError, match="'val_auc' is not in the epoch logs"):
        fit(
            model, nn.BCEWithLogitsLoss(), opt, loader, epochs=1, val_loader=_val(),
            callbacks=[EarlyStopping(monitor="val_auc")],
        )  # fmt: skip


def test_reused_callbacks_start_afresh_in_each_fit(tmp_path):
    """A second fit with the same EarlyStopping / ModelCheckpoint does not inherit the first's."""
    stopper = EarlyStopping(patience=1, restore_best_weights=False)
    best = ModelCheckpoint(tmp_path / "best.ckpt", save_best_only=True)
    model, opt, loader = _setup()
    loss = nn.BCEWithLogitsLoss()
    first = fit(
        model, loss, opt, loader, 5, val_loader=_val(),
        callbacks=[ScriptedLoss([0.1, 0.5, 0.5, 0.5, 0.5]), stopper, best],
    )  # fmt: skip
    assert len(first["loss"]) == 2 and stopper.best == best.best == 0.1
    second = fit(  # improves every epoch, though never down to the first run's 0.1
        model, loss, opt, loader, 5, val_loader=_val(),
        callbacks=[ScriptedLoss([0.3, 0.2, 0.15, 0.12, 0.11]), stopper, best],
    )  # fmt: skip
    assert len(second["loss"]) == 5 and stopper.best == best.best == 0.11
    assert load_checkpoint(tmp_path / "best.ckpt", model).epoch == 5


def test_model_checkpoint_best_survives_resume(tmp_path):
    best_path, last = tmp_path / "best.ckpt", tmp_path / "last.ckpt"
    loss = nn.BCEWithLogitsLoss()

    def callbacks():
        return [ScriptedLoss([0.1, 0.5, 0.9]), ModelCheckpoint(best_path, save_best_only=True)]

    model, opt, loader = _setup()
    fit(model, loss, opt, loader, 2, val_loader=_val(), callbacks=callbacks(), checkpoint=last)
    assert sd.load(best_path)["epoch"] == 1
    assert sd.load(last)["extra"]["callbacks"] == {"1.ModelCheckpoint": {"best": 0.1}}
    model, opt, loader = _setup()
    resumed = callbacks()
    fit(model, loss, opt, loader, 3, val_loader=_val(), callbacks=resumed, resume=last)
    assert resumed[1].best == 0.1
    assert sd.load(best_path)["epoch"] == 1  # epoch 3's 0.9 is no better than epoch 1's 0.1


def test_resume_with_other_callbacks_warns(tmp_path):
    path = tmp_path / "run.ckpt"
    model, opt, loader = _setup()
    fit(model, nn.BCEWithLogitsLoss(), opt, loader, 1, checkpoint=path)
    with pytest.warns(UserWarning, match=r"no state for the callbacks \['0.EarlyStopping'\]"):
        fit(
            model, nn.BCEWithLogitsLoss(), opt, loader, 2, resume=path,
            callbacks=[EarlyStopping(monitor="loss")],
        )  # fmt: skip


def test_csv_logger_keeps_one_header_when_columns_change(tmp_path):
    """Appending rows with other columns rewrites the file under the union of both headers."""
    path = tmp_path / "log.csv"
    model, opt, loader = _setup()
    fit(model, nn.BCEWithLogitsLoss(), opt, loader, 1, callbacks=[CSVLogger(path)])
    fit(
        model,
        nn.BCEWithLogitsLoss(),
        opt,
        loader,
        1,
        val_loader=_val(),
        callbacks=[CSVLogger(path)],
    )
    fit(model, nn.BCEWithLogitsLoss(), opt, loader, 1, callbacks=[CSVLogger(path)])
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch,loss,lr,val_loss"
    rows = list(csv.DictReader(open(path)))
    assert len(rows) == 3 and [r["val_loss"] == "" for r in rows] == [True, False, True]
    assert all(float(r["lr"]) == 0.05 for r in rows)
