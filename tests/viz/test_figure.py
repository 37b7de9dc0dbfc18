"""Tests of the shared figure helpers: saving (formats, atomicity, folders) and the lazy import."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from scratchdl.viz import save_figure
from scratchdl.viz._figure import PALETTE, grid_shape, new_figure, require_matplotlib
from tests.viz import assert_image, no_temporary_files


def _line_figure():
    fig = new_figure(size=(3.0, 2.0), dpi=50)
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [0, 1, 0], color=PALETTE[0], linewidth=3)
    ax.set_title("a line")
    return fig


def test_save_png_creates_folders_and_has_exact_pixel_size(tmp_path):
    path = save_figure(_line_figure(), tmp_path / "deep" / "er" / "line.png")
    assert path == tmp_path / "deep" / "er" / "line.png"
    assert_image(path, size=(150, 100))  # 3 x 2 inches at 50 dpi
    assert no_temporary_files(tmp_path)


def test_save_without_suffix_writes_png(tmp_path):
    path = save_figure(_line_figure(), tmp_path / "line")
    assert path.suffix == ".png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(("suffix", "magic"), [(".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_save_vector_formats_by_suffix(tmp_path, suffix, magic):
    path = save_figure(_line_figure(), tmp_path / f"line{suffix}")
    assert path.read_bytes().startswith(magic)


def test_save_rejects_unknown_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"'\.bmp'.*\.png, \.svg, \.pdf"):
        save_figure(_line_figure(), tmp_path / "line.bmp")
    assert not (tmp_path / "line.bmp").exists()


def test_failed_render_leaves_the_old_file(tmp_path):
    path = save_figure(_line_figure(), tmp_path / "line.png")
    before = path.read_bytes()

    class Broken:
        dpi = 50

        def savefig(self, *args, **kwargs):
            raise RuntimeError("render failed")

    with pytest.raises(RuntimeError, match="render failed"):
        save_figure(Broken(), path)
    assert path.read_bytes() == before
    assert no_temporary_files(tmp_path)


def test_grid_shape():
    assert grid_shape(1, 3) == (1, 1)
    assert grid_shape(4, 3) == (2, 3)
    assert grid_shape(7, 3) == (3, 3)
    assert grid_shape(9, 3) == (3, 3)


def test_missing_matplotlib_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails
    with pytest.raises(ImportError, match=r'pip install "scratchdl\[viz\]"'):
        require_matplotlib()
    with pytest.raises(ImportError, match="matplotlib"):
        new_figure()


def test_core_and_viz_import_without_matplotlib():
    """Block matplotlib in a fresh interpreter: importing works, drawing explains the fix."""
    code = textwrap.dedent(
        """
        import sys
        sys.modules["matplotlib"] = None
        import scratchdl, scratchdl.viz
        from scratchdl import nn
        try:
            scratchdl.viz.plot_bar({"a": 1.0}, ylabel="x")
        except ImportError as error:
            print("ImportError:", error)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "ImportError: scratchdl.viz draws its figures with matplotlib" in result.stdout
    assert 'pip install "scratchdl[viz]"' in result.stdout
