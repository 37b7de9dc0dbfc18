"""Tests of Sequential, ModuleList, ModuleDict."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import nn


def test_sequential_names_indexing_and_add():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 4))
    model.add(nn.Linear(4, 1))
    assert [name for name, _ in model.named_children()] == ["0", "1", "2"]
    assert len(model) == 3 and model[-1].out_features == 1
    assert isinstance(model[:2], nn.Sequential) and len(model[:2]) == 2
    assert model(sd.zeros(5, 2)).shape == (5, 1)
    assert [type(m).__name__ for m in model] == ["Linear"] * 3
    assert "0.weight" in model.state_dict()


def test_sequential_from_dict():
    model = nn.Sequential({"hidden": nn.Linear(2, 3), "out": nn.Linear(3, 1)})
    assert [name for name, _ in model.named_children()] == ["hidden", "out"]


def test_container_rejects_non_modules():
    with pytest.raises(TypeError, match=r"Sequential: every entry must be a Module.*nn.ReLU\(\)"):
        nn.Sequential(nn.Linear)
    with pytest.raises(TypeError, match="ModuleList"):
        nn.ModuleList([3])


def test_module_list_and_dict_register_parameters():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    layers.append(nn.Linear(2, 1))
    assert len(list(layers.parameters())) == 8
    assert layers[1] is list(layers)[1]
    table = nn.ModuleDict({"a": nn.Linear(2, 2)})
    table["b"] = nn.Linear(2, 1)
    assert list(table) == ["a", "b"] and "b" in table
    assert [name for name, _ in table.named_parameters()] == [
        "a.weight",
        "a.bias",
        "b.weight",
        "b.bias",
    ]
    with pytest.raises(NotImplementedError, match="container"):
        layers(sd.zeros(1))


def test_sequential_with_identity():
    model = nn.Sequential(nn.Identity(), nn.Linear(2, 2))
    x = sd.tensor(np.ones((1, 2), np.float32))
    np.testing.assert_array_equal(model(x).data, model[1](x).data)


def test_sequential_slice_keeps_names_and_index_errors_explain():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert list(model[1:].state_dict()) == ["2.weight", "2.bias"]
    with pytest.raises(IndexError, match=r"Sequential: index 3 is out of range for 3 layers"):
        model[3]
