"""Tests for save_checkpoint / load_checkpoint (src/scratchdl/train/checkpoint.py).

The central promise: train k steps, checkpoint, train k more; separately restore the checkpoint
into freshly built objects and train k more: the parameters are bit-identical. The model has
dropout (global generator), Adam (moments and step count), StepLR (lr changes mid-way) and a
loader that shuffles with its own generator, so each piece of state has to come back.
"""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import backend, nn, optim
from scratchdl.nn import functional as F
from scratchdl.optim.lr_scheduler import StepLR
from scratchdl.train import LoadedCheckpoint, load_checkpoint, save_checkpoint

K = 6  # steps before and after the checkpoint


class _ShufflingLoader:
    """A stand-in for DataLoader: endless shuffled mini-batches from its own generator."""

    def __init__(self, x: np.ndarray, y: np.ndarray, batch_size: int, seed: int) -> None:
        self.x, self.y, self.batch_size = x, y, batch_size
        self.generator = np.random.default_rng(seed)
        self.position = 0
        self.order = self.generator.permutation(len(x))

    def next_batch(self) -> tuple[sd.Tensor, sd.Tensor]:
        if self.position + self.batch_size > len(self.x):
            self.order, self.position = self.generator.permutation(len(self.x)), 0
        index = self.order[self.position : self.position + self.batch_size]
        self.position += self.batch_size
        return sd.from_numpy(self.x[index]), sd.from_numpy(self.y[index])

    def state_dict(self) -> dict:
        return {
            "generator": self.generator.bit_generator.state,
            "position": self.position,
            "order": self.order.copy(),
        }

    def load_state_dict(self, state: dict) -> None:
        self.generator.bit_generator.state = state["generator"]
        self.position = int(state["position"])
        self.order = np.array(state["order"])


def _data() -> tuple[np.ndarray, np.ndarray]:
    data_rng = np.random.default_rng(7)
    x = data_rng.standard_normal((20, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32)).astype(np.float32)
    return x, y


def _build(seed: int):
    """A fresh model, optimizer, scheduler and loader; the weights depend on the global seed."""
    sd.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 1))
    opt = optim.Adam(model.parameters(), lr=0.05)
    scheduler = StepLR(opt, step_size=4, gamma=0.5)  # the lr drops at step 4 and step 8
    loader = _ShufflingLoader(*_data(), batch_size=8, seed=seed + 100)
    return model, opt, scheduler, loader


def _train(model, opt, scheduler, loader, steps: int) -> None:
    model.train()
    for _ in range(steps):
        x, y = loader.next_batch()
        loss = F.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        scheduler.step()


def _params(model) -> dict[str, np.ndarray]:
    return {name: p.data.copy() for name, p in model.named_parameters()}


def _assert_bit_identical(a: dict, b: dict) -> None:
    assert list(a) == list(b)
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        assert a[name].tobytes() == b[name].tobytes(), f"{name} differs"


@pytest.fixture
def interrupted_run(tmp_path):
    """Train K steps, checkpoint, train K more: the checkpoint and the uninterrupted result."""
    path = tmp_path / "ckpt.safetensors"
    model, opt, scheduler, loader = _build(seed=0)
    _train(model, opt, scheduler, loader, K)
    save_checkpoint(
        path, model, opt, scheduler, epoch=K, extra={"best": 0.25, "tag": "k"}, loaders=[loader]
    )
    _train(model, opt, scheduler, loader, K)
    return path, _params(model), opt.state_dict(), scheduler.get_last_lr()


def test_resume_into_fresh_objects_is_bit_identical(interrupted_run):
    path, expected, expected_opt, expected_lr = interrupted_run
    model, opt, scheduler, loader = _build(seed=123)  # different weights and loader seed
    sd.randn(50)  # move the global generator away from the saved state
    generator = backend.default_generator()

    result = load_checkpoint(path, model, opt, scheduler, loaders=[loader])

    assert isinstance(result, LoadedCheckpoint)
    assert result == (K, {"best": 0.25, "tag": "k"})
    epoch, extra = result
    assert epoch == K and extra["tag"] == "k"
    assert backend.default_generator() is generator  # restored in place
    _train(model, opt, scheduler, loader, K)
    _assert_bit_identical(expected, _params(model))
    assert scheduler.get_last_lr() == expected_lr
    got_opt = opt.state_dict()
    assert got_opt["param_groups"] == expected_opt["param_groups"]
    for index, state in expected_opt["state"].items():
        assert state["step"] == got_opt["state"][index]["step"]
        _assert_bit_identical(
            {k: v for k, v in state.items() if k != "step"},
            {k: v for k, v in got_opt["state"][index].items() if k != "step"},
        )


def test_resume_without_the_rng_state_would_differ(interrupted_run):
    """Sanity check of the test itself: dropout makes the global generator's state matter."""
    path, expected, _, _ = interrupted_run
    model, opt, scheduler, loader = _build(seed=123)
    load_checkpoint(path, model, opt, scheduler, loaders=[loader])
    sd.randn(1)  # one extra draw after restoring
    _train(model, opt, scheduler, loader, K)
    assert any(expected[n].tobytes() != p.tobytes() for n, p in _params(model).items())


def test_model_only_restore(interrupted_run, tmp_path):
    path, _, _, _ = interrupted_run
    source, _, _, _ = _build(seed=0)
    load_checkpoint(path, source)
    model, _, _, _ = _build(seed=5)
    epoch, extra = load_checkpoint(path, model)
    assert epoch == K and extra == {"best": 0.25, "tag": "k"}
    _assert_bit_identical(_params(source), _params(model))


def test_checkpoint_without_optional_parts(tmp_path):
    path = tmp_path / "plain.safetensors"
    model = nn.Linear(2, 2)
    save_checkpoint(path, model)
    assert load_checkpoint(path, nn.Linear(2, 2)) == (None, None)
    with pytest.raises(
        ValueError, match=r"optimizer= was given but the checkpoint has no optimizer"
    ):
        load_checkpoint(path, model, optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match=r"1 loaders were given but the checkpoint holds 0"):
        load_checkpoint(path, model, loaders=[_ShufflingLoader(*_data(), 4, 0)])


def test_loader_without_state_dict_is_recorded_as_none(tmp_path):
    path = tmp_path / "c.safetensors"
    model = nn.Linear(2, 2)
    save_checkpoint(path, model, loaders=[[1, 2, 3]])  # a plain list has no state_dict
    assert sd.load(path)["loaders"] == [None]
    load_checkpoint(path, model, loaders=[[1, 2, 3]])


def test_not_a_checkpoint(tmp_path):
    path = tmp_path / "state.safetensors"
    sd.save(nn.Linear(2, 2).state_dict(), path)
    with pytest.raises(ValueError, match=r"state\.safetensors.*not a checkpoint"):
        load_checkpoint(path, nn.Linear(2, 2))


def test_bad_arguments(tmp_path):
    model = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"loaders must be a list or tuple.*loaders=\[loader\]"):
        save_checkpoint(tmp_path / "x", model, loaders=_ShufflingLoader(*_data(), 4, 0))
    with pytest.raises(TypeError, match=r"optimizer must have a state_dict\(\) method"):
        save_checkpoint(tmp_path / "x", model, optimizer=object())
    assert not (tmp_path / "x").exists()


def test_set_rng_state_round_trip():
    state = backend.get_rng_state()
    first = sd.rand(4).data.copy()
    backend.set_rng_state(state)
    np.testing.assert_array_equal(sd.rand(4).data, first)
    backend.set_rng_state(np.random.Generator(np.random.Philox(3)).bit_generator.state)
    assert type(backend.default_generator().bit_generator).__name__ == "Philox"
    with pytest.raises(ValueError, match="set_rng_state: expected a dict"):
        backend.set_rng_state([1, 2])
