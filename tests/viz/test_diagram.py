"""Tests of plot_model_diagram, autograd_graph (DOT text) and render_dot."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter

import numpy as np
import pytest
from matplotlib.figure import Figure

import scratchdl as sd
from scratchdl import nn
from scratchdl.errors import GradientError
from scratchdl.viz import autograd_graph, plot_model_diagram, render_dot
from tests.viz import ConvTiny, assert_image, no_temporary_files


def _mlp():
    sd.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 1))


def _box_texts(fig):
    return [text.get_text() for text in fig.axes[0].texts if text.get_text()]  # not the arrows


def test_model_diagram_boxes_and_shapes(tmp_path):
    model = _mlp()
    fig = plot_model_diagram(model, input_size=2, path=tmp_path / "mlp.png")
    assert isinstance(fig, Figure)
    assert _box_texts(fig) == [
        "input\n(1, 2)",
        "Linear  2 → 8\n+ ReLU\n→ (1, 8)",
        "Dropout(p=0.2)\n→ (1, 8)",
        "Linear  8 → 1\n→ (1, 1)",
    ]
    assert fig.axes[0].get_title() == "Sequential: 33 parameters"
    assert model.training is True  # the zero batch ran in eval mode, then the mode came back
    assert_image(tmp_path / "mlp.png", size=(420, 330))  # 4.2 x (0.7 per box + 0.5) in


def test_model_diagram_without_input_size_and_of_a_single_layer():
    fig = plot_model_diagram(_mlp(), title="my net")
    assert _box_texts(fig)[0] == "Linear  2 → 8\n+ ReLU"
    assert fig.axes[0].get_title() == "my net"
    assert _box_texts(plot_model_diagram(nn.Linear(3, 4))) == ["Linear  3 → 4"]


def test_model_diagram_of_convolutions():
    model = nn.Sequential(ConvTiny(3, 4), nn.Tanh(), nn.Flatten())
    texts = _box_texts(plot_model_diagram(model, input_size=(1, 3, 5, 5)))
    assert texts[1] == "ConvTiny  3 → 4, 3×3\n+ Tanh\n→ (1, 4, 5, 5)"
    assert texts[2].endswith("→ (1, 100)")


def test_model_diagram_errors():
    with pytest.raises(ValueError, match=r"input_size=\(1, 3\) failed"):
        plot_model_diagram(_mlp(), input_size=(1, 3))
    with pytest.raises(TypeError, match="shape of one input batch"):
        plot_model_diagram(_mlp(), input_size="2")
    with pytest.raises(TypeError, match="expected an nn.Module"):
        plot_model_diagram(lambda x: x)


# ----------------------------------------------------------------------------- autograd graph
def _parse(dot: str):
    """{node id: label} and the list of (source, target) edges of our DOT output."""
    labels = dict(re.findall(r"^\s+(\w+) \[label=\"((?:[^\"\\]|\\.)*)\"", dot, flags=re.M))
    edges = re.findall(r"^\s+(\w+) -> (\w+);", dot, flags=re.M)
    return labels, edges


def test_graph_has_each_op_and_one_edge_per_input():
    a = sd.tensor([1.0, 2.0], requires_grad=True)
    b = sd.tensor([3.0, 4.0], requires_grad=True)
    c = sd.tensor([0.5, 0.5])  # a constant
    loss = (a * b + c).sum()
    dot = autograd_graph(loss, names={"a": a, "b": b})
    assert dot.startswith("digraph autograd {") and dot.rstrip().endswith("}")
    labels, edges = _parse(dot)
    by_label = {label.split("\\n")[0]: node for node, label in labels.items()}
    assert {"Mul", "Add", "Sum", "output", "a", "b", "tensor"} <= set(by_label)
    incoming = Counter(target for _, target in edges)
    assert incoming[by_label["Mul"]] == 2 and incoming[by_label["Add"]] == 2
    assert incoming[by_label["Sum"]] == 1 and incoming[by_label["output"]] == 1
    assert (by_label["a"], by_label["Mul"]) in edges and (by_label["Mul"], by_label["Add"]) in edges
    assert (by_label["Sum"], by_label["output"]) in edges
    assert "(2,) float32\\nrequires_grad" in labels[by_label["a"]]
    assert labels[by_label["tensor"]].endswith("constant")
    assert len(edges) == 2 + 2 + 1 + 1


def test_graph_input_used_twice_gets_two_edges():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    labels, edges = _parse(autograd_graph(x * x))
    mul = next(node for node, label in labels.items() if label == "Mul")
    leaf = next(node for node, label in labels.items() if label.startswith("tensor"))
    assert edges.count((leaf, mul)) == 2


def test_graph_of_a_model_labels_parameters():
    model = _mlp()
    loss = model(sd.ones(4, 2)).mean()
    labels, _ = _parse(autograd_graph(loss, names=dict(model.named_parameters())))
    names = {label.split("\\n")[0] for label in labels.values()}
    assert {"0.weight", "0.bias", "3.weight", "3.bias"} <= names


def test_graph_of_a_leaf_and_of_a_freed_graph():
    x = sd.tensor([1.0], requires_grad=True)
    labels, edges = _parse(autograd_graph(x))
    assert len(labels) == 1 and edges == []
    y = (x * 2).sum()
    y.backward(retain_graph=True)
    assert "Mul" in autograd_graph(y)  # retained: still drawable
    y.backward()
    with pytest.raises(GradientError, match="freed by backward"):
        autograd_graph(y)


def test_graph_truncates_and_walks_deep_chains_without_recursion():
    x = sd.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(3000):  # deeper than Python's recursion limit
        y = y * 1.0
    labels, edges = _parse(autograd_graph(y, max_nodes=10_000))
    assert sum(label == "Mul" for label in labels.values()) == 3000
    labels, _ = _parse(autograd_graph(y, max_nodes=10))
    assert len(labels) == 11 and "truncated" in labels  # 10 nodes and the note
    with pytest.raises(ValueError, match="max_nodes must be >= 1"):
        autograd_graph(y, max_nodes=0)
    with pytest.raises(TypeError, match="expected a Tensor"):
        autograd_graph(np.ones(2))


# ----------------------------------------------------------------------------- render_dot
DOT = "digraph g {\n  a -> b;\n}\n"


def test_render_dot_without_graphviz_writes_only_the_dot_file(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)

    def no_subprocess(*args, **kwargs):
        raise AssertionError("dot must not run when it is not installed")

    monkeypatch.setattr(subprocess, "run", no_subprocess)
    assert render_dot(DOT, tmp_path / "graphs" / "g.png") is None
    assert (tmp_path / "graphs" / "g.dot").read_text() == DOT
    assert not (tmp_path / "graphs" / "g.png").exists()


@pytest.mark.parametrize(("name", "flag"), [("g.png", "-Tpng"), ("g.svg", "-Tsvg"), ("g", "-Tpng")])
def test_render_dot_with_graphviz(tmp_path, monkeypatch, name, flag):
    calls = []

    def fake_run(command, **kwargs):
        calls.append((command, kwargs))
        return subprocess.CompletedProcess(command, 0, stdout=b"IMAGE BYTES", stderr=b"")

    monkeypatch.setattr(shutil, "which", lambda program: f"/opt/bin/{program}")
    monkeypatch.setattr(subprocess, "run", fake_run)
    result = render_dot(DOT, tmp_path / name)
    expected = (tmp_path / name).with_suffix(".svg" if name.endswith(".svg") else ".png")
    assert result == expected
    assert expected.read_bytes() == b"IMAGE BYTES"
    assert expected.with_suffix(".dot").read_text() == DOT
    [(command, kwargs)] = calls
    assert command == ["/opt/bin/dot", flag] and kwargs["input"] == DOT.encode()
    assert no_temporary_files(tmp_path)


def test_render_dot_reports_a_graphviz_failure(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda program: "/opt/bin/dot")
    monkeypatch.setattr(
        subprocess,
        "run",
        lambda command, **kw: subprocess.CompletedProcess(command, 1, b"", b"syntax error"),
    )
    with pytest.raises(RuntimeError, match=r"exit code 1\): syntax error"):
        render_dot("not dot", tmp_path / "bad.png")
    assert (tmp_path / "bad.dot").exists() and not (tmp_path / "bad.png").exists()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_render_dot_with_the_real_graphviz(tmp_path):
    """With Graphviz installed, the autograd graph of a model's loss becomes a real PNG."""
    model = _mlp()
    loss = model(sd.ones(4, 2)).mean()
    path = render_dot(autograd_graph(loss, names=dict(model.named_parameters())), tmp_path / "g")
    assert path == tmp_path / "g.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert_image(path)
    assert (tmp_path / "g.dot").read_text().startswith("digraph autograd {")
