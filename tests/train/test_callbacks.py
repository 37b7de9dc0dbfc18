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


def test_plateau_scheduler_gets_the_loss():
    model, opt, loader = _setup(lr=1.0)
    scheduler = optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.1)
    fit(
        model,
        nn.BCEWithLogitsLoss(),
        opt,
        loader,
        epochs=2,
        scheduler=scheduler,
        callbacks=[ScriptedLoss([1.0, 2.0])],
    )
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)


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
    model, opt, loader = _setup()
    with pytest.raises(KeyError, match="'val_loss' is not in the epoch logs"):
        fit(model, nn.BCEWithLogitsLoss(), opt, loader, epochs=1, callbacks=[EarlyStopping()])
