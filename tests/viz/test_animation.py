"""Tests of BoundaryRecorder (a fit callback) and animate_training (the GIF)."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import nn, optim
from scratchdl.data import DataLoader, TensorDataset
from scratchdl.errors import ShapeError
from scratchdl.train import Callback, fit
from scratchdl.viz import BoundaryRecorder, animate_training, decision_grid
from tests.viz import assert_image, no_temporary_files, points


class LossLog(Callback):
    def __init__(self):
        self.losses = []

    def on_batch_end(self, trainer, batch, loss):
        self.losses.append(loss)


def _model():
    sd.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 6), nn.Tanh(), nn.Dropout(0.3), nn.Linear(6, 1))


def _train(X, y, callbacks, epochs=3, model=None):
    """40 points in batches of 8: 5 optimizer steps per epoch."""
    model = model if model is not None else _model()
    sd.manual_seed(1)
    loader = DataLoader(TensorDataset(X, y), batch_size=8, shuffle=True)
    opt = optim.SGD(model.parameters(), lr=0.5)
    fit(model, nn.BCEWithLogitsLoss(), opt, loader, epochs=epochs, callbacks=callbacks)
    return model


@pytest.mark.parametrize(("every", "frames"), [(4, 2 + 15 // 4), (5, 2 + 3), (1, 2 + 15), (20, 2)])
def test_frame_count_and_steps(rng, every, frames):
    X, y = points(rng, n=40)
    recorder, log = BoundaryRecorder(X, y, every=every, resolution=6), LossLog()
    _train(X, y, [recorder, log])
    assert recorder.steps == 15
    assert len(recorder.frames) == frames
    periodic = list(range(every, 16, every))
    assert [f.step for f in recorder.frames] == [0, *periodic, 15]
    assert [f.moment for f in recorder.frames] == ["start"] + ["step"] * len(periodic) + ["end"]
    assert recorder.losses == log.losses
    assert recorder.frames[0].loss is None
    assert [f.loss for f in recorder.frames[1:]] == [
        log.losses[f.step - 1] for f in recorder.frames[1:]
    ]


def test_frames_hold_the_models_grid_at_that_moment(rng):
    X, y = points(rng, n=40)
    model = _model()
    before = decision_grid(model, X, resolution=7)[2]
    recorder = BoundaryRecorder(X, y, every=100, resolution=7)
    _train(X, y, [recorder], model=model)
    np.testing.assert_array_equal(recorder.frames[0].probs, before)
    np.testing.assert_array_equal(recorder.frames[-1].probs, decision_grid(model, X, 7)[2])
    assert not np.allclose(before, recorder.frames[-1].probs)  # it did learn something
    assert recorder.xx.shape == recorder.yy.shape == (7, 7)


def test_recording_does_not_change_training(rng):
    """Captures run in eval mode and draw no random numbers: dropout masks stay the same."""
    X, y = points(rng, n=40)
    plain = _train(X, y, [])
    recorded = _train(X, y, [BoundaryRecorder(X, y, every=1, resolution=4)])
    for (name, a), (_, b) in zip(plain.named_parameters(), recorded.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)
    assert recorded.training  # fit leaves it in training mode, as without the recorder


def test_each_fit_starts_a_new_recording(rng):
    X, y = points(rng, n=40)
    recorder = BoundaryRecorder(X, y, every=5, resolution=4)
    model = _train(X, y, [recorder], epochs=2)
    _train(X, y, [recorder], epochs=1, model=model)
    assert recorder.steps == 5 and len(recorder.losses) == 5
    assert [f.step for f in recorder.frames] == [0, 5, 5]


def test_gif_has_one_image_per_frame(rng, tmp_path):
    X, y = points(rng, n=40)
    recorder = BoundaryRecorder(X, y, every=5, resolution=12)  # last periodic step == end step
    _train(X, y, [recorder])
    path = animate_training(recorder, tmp_path / "anim" / "train.gif", fps=5)
    assert path == tmp_path / "anim" / "train.gif"
    assert_image(path, size=(672, 288), frames=len(recorder.frames))  # 8.4 x 3.6 in at 80 dpi
    assert no_temporary_files(tmp_path)


def test_gif_without_loss_curve_and_multiclass(rng, tmp_path):
    X, _ = points(rng, n=30)
    y = np.arange(30) % 3
    sd.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 5), nn.ReLU(), nn.Linear(5, 3))
    recorder = BoundaryRecorder(X, y, resolution=10)
    recorder.capture(model, "start")
    model[2].weight.data *= 3.0
    recorder.capture(model)
    path = animate_training(recorder, tmp_path / "multi", loss_curve=False, dpi=50)
    assert path.suffix == ".gif"
    assert_image(path, size=(230, 180), frames=2)  # 4.6 x 3.6 in at 50 dpi


def test_recorder_and_animation_errors(rng, tmp_path):
    X, y = points(rng, n=10)
    with pytest.raises(ValueError, match="every must be an integer >= 1"):
        BoundaryRecorder(X, y, every=0)
    with pytest.raises(ShapeError, match=r"shape \(N, 2\)"):
        BoundaryRecorder(np.zeros((10, 2, 2)), y)
    recorder = BoundaryRecorder(X, y)
    with pytest.raises(ValueError, match="holds no frames yet"):
        animate_training(recorder, tmp_path / "x.gif")
    recorder.capture(_model())
    with pytest.raises(ValueError, match=r"must end in \.gif"):
        animate_training(recorder, tmp_path / "x.png")
    with pytest.raises(TypeError, match="expected a BoundaryRecorder"):
        animate_training([np.zeros((3, 3))], tmp_path / "x.gif")
    with pytest.raises(ValueError, match="only knows classes 0 to 1"):
        BoundaryRecorder(X, np.arange(10) % 3).capture(_model())


def test_gif_keeps_identical_captures_as_separate_images(rng, tmp_path):
    """Pillow merges identical consecutive images: the frame counter keeps them apart."""
    X, y = points(rng, n=10)
    recorder = BoundaryRecorder(X, y, resolution=6)
    model = _model()
    for _ in range(3):
        recorder.capture(model)  # the same model, step and loss three times
    path = animate_training(recorder, tmp_path / "same.gif", loss_curve=False, dpi=40)
    assert_image(path, size=(184, 144), frames=3)
