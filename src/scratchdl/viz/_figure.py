"""What every figure shares: the lazy matplotlib import, new figures, colours, atomic saving.

matplotlib is an optional extra, so it is imported only when a figure is made. Figures are plain
``matplotlib.figure.Figure`` objects on the Agg canvas: no pyplot, no global "current figure", and
nothing ever opens a window, so the functions work the same in scripts, tests and servers.
Their pixel size is exactly ``figsize * dpi`` (no ``bbox_inches="tight"``), which keeps files small
and predictable; the layout engine ("constrained") keeps labels inside the canvas instead.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Okabe & Ito's palette, reordered so that the first two (the two classes of a binary problem)
# stay distinct for every common colour-vision deficiency: blue, orange, green, pink, sky blue,
# vermillion, yellow, black.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)
DPI = 100
SIZE = (5.0, 4.0)  # inches: 500 x 400 pixels at DPI
_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
INSTALL_HINT = 'pip install "scratchdl[viz]"'


def require_matplotlib() -> Any:
    """Import matplotlib, or explain how to install it."""
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError(
            "scratchdl.viz draws its figures with matplotlib, which is not installed. "
            f"help: {INSTALL_HINT} (it installs matplotlib and pillow)."
        ) from error
    return matplotlib


def require_pillow() -> Any:
    """Import PIL.Image (animated GIFs), or explain how to install it."""
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError(
            f"scratchdl.viz writes animations with pillow, which is not installed. "
            f"help: {INSTALL_HINT}."
        ) from error
    return Image


def new_figure(size: tuple[float, float] = SIZE, dpi: int = DPI) -> Figure:
    """An empty Figure on the Agg canvas (``size`` in inches, ``size * dpi`` pixels)."""
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)  # attaches itself as figure.canvas
    return figure


def color(index: int) -> str:
    """The palette's ``index``-th colour (cycling after eight)."""
    return PALETTE[index % len(PALETTE)]


def figure_path(path: str | os.PathLike, default_suffix: str = ".png") -> Path:
    """``path`` as a Path; one without a suffix gets ``default_suffix``."""
    path = Path(path)
    return path if path.suffix else path.with_suffix(default_suffix)


def save_figure(fig: Figure, path: str | os.PathLike) -> Path:
    """Save ``fig`` to ``path`` atomically, in the format its suffix names; return the path.

    ``.png`` (the default when ``path`` has no suffix), ``.svg`` or ``.pdf``. Missing parent
    folders are created. The bytes are rendered in memory first and then written through
    ``scratchdl.serialization.write_atomically``, so an interrupted save never leaves half a file.
    """
    from scratchdl.serialization import write_atomically

    path = figure_path(path)
    file_format = _FORMATS.get(path.suffix.lower())
    if file_format is None:
        raise ValueError(
            f"save_figure: cannot tell the image format from the suffix {path.suffix!r} of "
            f"{str(path)!r}; use one of {', '.join(_FORMATS)}."
        )
    path.parent.mkdir(parents=True, exist_ok=True)

    def render() -> bytes:
        buffer = io.BytesIO()
        fig.savefig(buffer, format=file_format, dpi=fig.dpi)
        return buffer.getvalue()

    write_atomically(path, render)
    return path


def finish(fig: Figure, path: str | os.PathLike | None) -> Figure:
    """Save ``fig`` when a path is given and return it (how every plot function ends)."""
    if path is not None:
        save_figure(fig, path)
    return fig


def grid_shape(count: int, max_columns: int) -> tuple[int, int]:
    """(rows, columns) of the smallest near-square grid with room for ``count`` panels."""
    columns = max(1, min(count, max_columns))
    return -(-count // columns), columns
