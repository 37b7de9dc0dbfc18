"""The study report (metrics.json, metrics.md, a self-contained and well-formed report.html)
and the figures every single-run recipe draws.

``check_report`` and ``check_run_figures`` are also what the study and 2-D recipe tests use to
check their output folders.
"""

from __future__ import annotations

import base64
import json
import math
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from scratchdl.recipes._common import write_json
from scratchdl.recipes._report import format_value, metric_tables, write_report

IMAGE_SUFFIXES = (".png", ".gif")
VOID_ELEMENTS = {"meta", "img", "br", "hr", "link", "input", "col", "source", "wbr"}


class ReportParser(HTMLParser):
    """Collects the images, figures and text of a page and checks that tags nest properly."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.images: list[dict[str, str]] = []
        self.figure_files: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.doctype = None

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        self.tags.append(tag)
        if tag == "img":
            self.images.append(attributes)
        if tag == "figure":
            self.figure_files.append(attributes.get("data-file"))
        if tag not in VOID_ELEMENTS:
            self.open.append(tag)

    def handle_endtag(self, tag) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:]}")
        else:
            self.open.pop()

    def handle_data(self, data) -> None:
        self.text.append(data)


def parse_report(path: Path) -> ReportParser:
    parser = ReportParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    assert parser.doctype is not None and parser.doctype.lower() == "doctype html"
    assert not parser.problems, parser.problems
    assert not parser.open, f"unclosed tags: {parser.open}"
    return parser


def check_report(folder: Path, runs) -> ReportParser:
    """report.html parses and nests, embeds every image of ``folder`` as a data URI (so it
    needs no file beside it), and metrics.md has a row per compared run."""
    parser = parse_report(folder / "report.html")
    for image in parser.images:
        assert image["src"].startswith(("data:image/png;base64,", "data:image/gif;base64,"))
    written = sorted(p.name for p in folder.iterdir() if p.suffix in IMAGE_SUFFIXES)
    assert sorted(parser.figure_files) == written
    for name, image in zip(parser.figure_files, parser.images):
        payload = image["src"].split(",", 1)[1]
        assert base64.b64decode(payload) == (folder / name).read_bytes()
    markdown = (folder / "metrics.md").read_text()
    table = markdown.split("## runs\n", 1)[1].split("\n## ", 1)[0].splitlines()
    for run in runs:
        assert sum(line.startswith(f"| {run} |") for line in table) == 1, run
    assert sum(line.startswith("| ") for line in table) == len(runs) + 1  # and the header
    return parser


def check_run_figures(folder: Path, plane: bool = True) -> None:
    """The single-run recipe's figures: curves, and for 2-D inputs the boundary and the GIF."""
    from PIL import Image

    assert (folder / "curves.png").is_file()
    if not plane:
        assert not (folder / "training.gif").exists()
        return
    assert (folder / "decision_boundary.png").is_file()
    with Image.open(folder / "training.gif") as gif:
        assert gif.format == "GIF" and gif.n_frames > 1


# --------------------------------------------------------------------------- write_report


def _images(folder: Path) -> list[tuple[str, str]]:
    (folder / "curve.png").write_bytes(b"\x89PNG\r\n\x1a\n fake png bytes")
    (folder / "anim.gif").write_bytes(b"GIF89a fake gif bytes")
    return [("curve.png", "loss <per> epoch"), ("anim.gif", "boundary & loss")]


def _metrics() -> dict:
    return {
        "epochs": 3,
        "best": "Adam",
        "runs": {
            "GD": {"final_loss": 0.5, "accuracy": 0.8, "diverged_epoch": None},
            "Adam": {"final_loss": 0.1, "accuracy": 0.95, "diverged_epoch": None},
            "big lr": {"final_loss": float("nan"), "accuracy": 0.0, "diverged_epoch": 1},
        },
        "sweep": {"0.1": 0.3, "1.0": 0.2},
    }


def test_write_report_embeds_every_figure_and_tables_every_run(tmp_path):
    figures = _images(tmp_path)
    path = write_report(
        tmp_path,
        title="study <x> & y",
        description="First paragraph.\n\n* item one\n  continued\n* item two\n\n    code  block",
        config={"lr": 0.01, "names": ["a", "b"]},
        metrics=_metrics(),
        figures=figures,
    )
    assert path == tmp_path / "report.html"
    parser = check_report(tmp_path, ["GD", "Adam", "big lr"])
    text = " ".join(parser.text)
    assert "study <x> & y" in text  # escaped in the file, restored by the parser
    assert "<x>" not in path.read_text()
    assert "loss <per> epoch" in text and "boundary & loss" in text
    assert parser.tags.count("li") == 2 and "pre" in parser.tags
    assert "item one continued" in text
    assert "0.01" in text  # the configuration table


def test_metrics_json_holds_the_metrics_with_nan_as_null(tmp_path):
    write_report(tmp_path, title="t", description="", config={}, metrics=_metrics())
    saved = json.loads((tmp_path / "metrics.json").read_text())
    expected = _metrics()
    expected["runs"]["big lr"]["final_loss"] = None
    assert saved == expected


def test_metrics_md_has_a_summary_a_row_per_run_and_the_sweep(tmp_path):
    write_report(tmp_path, title="t", description="", config={}, metrics=_metrics())
    lines = (tmp_path / "metrics.md").read_text().splitlines()
    assert lines[0] == "# t"
    assert "| epochs | 3 |" in lines and "| best | Adam |" in lines
    header = lines[lines.index("## runs") + 2]
    assert header == "| run | final_loss | accuracy | diverged_epoch |"
    assert "| GD | 0.5 | 0.8 | — |" in lines
    assert "| big lr | — | 0 | 1 |" in lines
    assert "| 1.0 | 0.2 |" in lines


def test_a_list_of_runs_is_one_table_with_a_row_each(tmp_path):
    rows = [{"run": "a", "loss": 1.0}, {"run": "b", "loss": 2.0, "extra": "x|y"}]
    write_report(tmp_path, title="t", description="", config={}, metrics=rows)
    assert metric_tables(rows) == [
        ("Results", ["run", "loss", "extra"], [["a", 1.0, None], ["b", 2.0, "x|y"]])
    ]
    markdown = (tmp_path / "metrics.md").read_text()
    assert "| a | 1 | — |" in markdown and "| b | 2 | x\\|y |" in markdown
    assert json.loads((tmp_path / "metrics.json").read_text()) == rows


def test_report_without_figures_has_no_images(tmp_path):
    write_report(tmp_path, title="t", description="d", config={"a": 1}, metrics={"x": 1.0})
    parser = parse_report(tmp_path / "report.html")
    assert parser.images == [] and "figure" not in parser.tags


def test_missing_figure_is_a_clear_error_and_writes_nothing(tmp_path):
    with pytest.raises(FileNotFoundError, match="gone.png"):
        write_report(
            tmp_path, title="t", description="", config={}, metrics={}, figures=["gone.png"]
        )
    assert not (tmp_path / "report.html").exists() and not (tmp_path / "metrics.json").exists()


def test_unknown_image_type_and_bad_metrics_are_rejected(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match="suffix '.txt'"):
        write_report(
            tmp_path, title="t", description="", config={}, metrics={}, figures=["notes.txt"]
        )
    with pytest.raises(TypeError, match="metrics must be a dict or a list"):
        write_report(tmp_path, title="t", description="", config={}, metrics=3.0)
    with pytest.raises(TypeError, match="must hold dicts"):
        write_report(tmp_path, title="t", description="", config={}, metrics=[{"a": 1}, 2])


def test_absolute_figure_paths_are_embedded(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "plot.png").write_bytes(b"png")
    out = tmp_path / "out"
    write_report(
        out, title="t", description="", config={}, metrics={}, figures=[elsewhere / "plot.png"]
    )
    parser = parse_report(out / "report.html")
    assert parser.figure_files == ["plot.png"]
    assert parser.images[0]["src"] == "data:image/png;base64," + base64.b64encode(b"png").decode()


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "—"), (True, "yes"), (0.123456, "0.1235"), (1.5e-5, "1.500e-05"), (3, "3"), ("a", "a")],
)
def test_format_value(value, text):
    assert format_value(value) == text


def test_write_json_writes_strict_json(tmp_path):
    write_json(tmp_path / "m.json", {"a": float("inf"), "b": [1.0, math.nan]})
    text = (tmp_path / "m.json").read_text()
    assert "Infinity" not in text and "NaN" not in text
    assert json.loads(text) == {"a": None, "b": [1.0, None]}


def test_recipes_draw_curves_only_when_the_inputs_are_not_points_in_the_plane(tmp_path):
    from scratchdl import nn
    from scratchdl.data import TensorDataset
    from scratchdl.recipes._common import train_classifier

    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = (x.sum(axis=1, keepdims=True) > 0).astype(np.float32)
    data = TensorDataset(x, y)
    train_classifier(
        "three-features",
        lambda: nn.Linear(3, 1),
        data,
        data,
        epochs=2,
        batch_size=32,
        seed=0,
        out=tmp_path,
        quick=True,
    )
    check_run_figures(tmp_path, plane=False)
    assert not (tmp_path / "decision_boundary.png").exists()
