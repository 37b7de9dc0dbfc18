"""Tests of nn.Module: registration, traversal, modes, state dicts, hooks, repr, summary, errors."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import nn
from scratchdl.errors import ModuleStateError, ShapeError


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.fc2 = nn.Linear(4, 2)
        self.register_buffer("steps", sd.zeros(1))
        self.register_buffer("scratch", sd.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc2(self.fc1(x).relu())


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Linear(2, 1)

    def forward(self, x):
        return self.head(self.block(x))


def test_parameters_register_in_order_with_dotted_names():
    names = [name for name, _ in Net().named_parameters()]
    assert names == [
        "block.fc1.weight",
        "block.fc1.bias",
        "block.fc2.weight",
        "block.fc2.bias",
        "head.weight",
        "head.bias",
    ]
    net = Net()
    assert [type(m).__name__ for m in net.modules()] == [
        "Net",
        "Block",
        "Linear",
        "Linear",
        "Linear",
    ]
    assert [name for name, _ in net.named_children()] == ["block", "head"]
    assert net.num_parameters() == 3 * 4 + 4 + 4 * 2 + 2 + 2 + 1


def test_shared_parameter_listed_once():
    net = Net()
    net.head.weight = net.block.fc1.weight  # tie (shapes differ, but registration is the point)
    params = list(net.parameters())
    assert len(params) == len({id(p) for p in params}) == 5


def test_assignment_errors():
    class Early(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(
        ModuleStateError, match=r"before Module.__init__\(\).*super\(\).__init__\(\)"
    ):
        Early()
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'weight'"):
        layer.weight = sd.zeros(2, 2)
    layer.bias = None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]


def test_train_eval_propagate():
    net = Net().eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_and_requires_grad():
    net = Net()
    net(sd.ones(5, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert net.num_parameters(trainable_only=True) == 0


def test_state_dict_has_parameters_and_persistent_buffers():
    # PyTorch's order: a module's own parameters and buffers, then its children's.
    assert list(Net().state_dict()) == [
        "block.steps",
        "block.fc1.weight",
        "block.fc1.bias",
        "block.fc2.weight",
        "block.fc2.bias",
        "head.weight",
        "head.bias",
    ]


def test_load_state_dict_accepts_numpy_and_copies_in_place():
    source, target = Net(), Net()
    weight_before = target.head.weight
    target.load_state_dict(
        {k: v.numpy().astype(np.float64) for k, v in source.state_dict().items()}
    )
    assert target.head.weight is weight_before and target.head.weight.dtype == np.float32
    x = sd.ones(2, 3)
    np.testing.assert_array_equal(target(x).data, source(x).data)


def test_load_state_dict_reports_every_problem_at_once():
    state = Net().state_dict()
    state.pop("head.bias")
    state["extra.weight"] = np.zeros(1)
    state["head.weight"] = np.zeros((5, 5))
    with pytest.raises(ShapeError) as info:
        Net().load_state_dict(state)
    message = str(info.value)
    assert "head.weight: checkpoint has shape (5, 5), model has (1, 2)" in message
    assert "missing keys: head.bias" in message
    assert "unexpected keys: extra.weight" in message
    del state["head.weight"]
    result = Net().load_state_dict(state, strict=False)
    assert result.missing_keys == ["head.weight", "head.bias"]
    assert result.unexpected_keys == ["extra.weight"]


def test_forward_hooks_see_and_replace_outputs():
    net = Net()
    seen = []
    handle = net.block.fc1.register_forward_hook(lambda m, inputs, out: seen.append(out.shape))
    net(sd.ones(5, 3))
    assert seen == [(5, 4)]
    handle.remove()
    net(sd.ones(5, 3))
    assert seen == [(5, 4)]
    net.head.register_forward_hook(lambda m, inputs, out: out * 0.0)
    np.testing.assert_array_equal(net(sd.ones(2, 3)).data, np.zeros((2, 1)))
    net.block.register_forward_pre_hook(lambda m, inputs: (inputs[0] * 0.0,))
    assert net.block(sd.ones(2, 3)).shape == (2, 2)


def test_error_names_the_failing_layer_path():
    net = Net()
    with pytest.raises(
        ValueError, match=r"in Linear at 'block.fc1': Linear\(in_features=3.*expected 3"
    ):
        net(sd.ones(5, 7))
    with pytest.raises(
        ValueError, match=r"^Linear\(in_features=3, out_features=4, bias=True\): input"
    ):
        net.block.fc1(sd.ones(5, 7))  # called alone: the message already names it


def test_repr_is_nested():
    text = repr(Net())
    assert text.startswith(
        "Net(\n  (block): Block(\n    (fc1): Linear(in_features=3, out_features=4"
    )
    assert "(head): Linear(in_features=2, out_features=1, bias=True)" in text


def test_summary_table():
    net = Net()
    lines = []
    table = net.summary((8, 3), print_fn=lines.append)
    assert lines == [table]
    assert "block.fc1 (Linear)" in table and "(8, 4)" in table and "(8, 1)" in table
    assert f"Total params: {net.num_parameters():,}" in table
    assert net.training  # summary restores the mode


def test_apply_and_astype():
    net = Net()
    net.apply(lambda m: nn.init.zeros_(m.bias) if isinstance(m, nn.Linear) else None)
    assert all(np.all(m.bias.data == 0) for m in net.modules() if isinstance(m, nn.Linear))
    net.astype("float64")
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert net(sd.ones(1, 3, dtype="float64")).dtype == np.float64


def test_none_child_keeps_its_place_and_non_modules_are_refused():
    net = Net()
    net.block = None
    assert "(block): None" in repr(net)
    net.block = Block()
    assert [name for name, _ in net.named_children()] == ["block", "head"]
    with pytest.raises(TypeError, match="cannot assign int as child module 'head'"):
        net.head = 3
    model = nn.Sequential(nn.Linear(1, 1))
    with pytest.raises(TypeError, match="child module '0'"):
        setattr(model, "0", 3)


def test_register_parameter_and_buffer_validate():
    layer = nn.Linear(3, 2, bias=False)
    assert "bias" in layer._parameters and layer.bias is None
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'bias'"):
        layer.bias = sd.zeros(2)
    with pytest.raises(TypeError, match="must be an nn.Parameter or None"):
        layer.register_parameter("extra", sd.zeros(2))
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        layer.register_buffer("weight", sd.zeros(2))
    with pytest.raises(KeyError, match="without '.'"):
        layer.register_buffer("a.b", sd.zeros(1))


def test_train_calls_each_childs_own_train():
    class FrozenNorm(nn.BatchNorm1d):
        def train(self, mode=True):
            return super().train(False)  # always in eval: a frozen BatchNorm

    model = nn.Sequential(nn.Linear(2, 2), FrozenNorm(2))
    model.train()
    assert model[0].training and not model[1].training
    with pytest.raises(ValueError, match="mode must be True or False"):
        model.train("eval")


def test_summary_restores_every_modules_mode():
    model = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
    model.train()
    object.__setattr__(model[1], "training", False)  # a mixed state, e.g. a frozen BatchNorm
    model.summary((2, 3), print_fn=lambda text: None)
    assert model.training and model[0].training and not model[1].training


def test_load_state_dict_errors_and_non_persistent_buffers():
    with pytest.raises(TypeError, match="expected a dict"):
        Net().load_state_dict([1, 2])
    state = Net().state_dict()
    state.pop("head.bias")
    with pytest.raises(ModuleStateError, match="missing keys: head.bias"):
        Net().load_state_dict(state)
    net = Net()
    result = net.load_state_dict({**Net().state_dict(), "block.scratch": np.ones(2)}, strict=False)
    assert result.unexpected_keys == ["block.scratch"]
    np.testing.assert_array_equal(net.block.scratch.data, [0.0, 0.0])  # not loaded, as in torch


def test_tied_weights_survive_a_state_dict_round_trip():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Linear(3, 3, bias=False)
            self.decoder = nn.Linear(3, 3, bias=False)
            self.decoder.weight = self.encoder.weight

    source, target = Tied(), Tied()
    target.load_state_dict(source.state_dict())
    assert target.decoder.weight is target.encoder.weight
    np.testing.assert_array_equal(target.encoder.weight.data, source.encoder.weight.data)
