"""Watch a classifier learn: record its decision boundary during ``fit``, then play it as a GIF.

``BoundaryRecorder`` is a callback. Every ``every`` optimizer steps (and once before the first
step and once after the last) it evaluates the model on a fixed grid over the data, the same
computation as ``decision_grid``, and keeps the probabilities with the step number and the loss.
It only reads the model, in eval mode and without a graph, and draws no random numbers, so a run
with the recorder trains exactly as a run without it.

``animate_training`` turns the frames into an animated GIF: on the left the boundary of each frame
over the data, on the right the training loss up to that step.

    recorder = BoundaryRecorder(X, y, every=5)
    fit(model, loss_fn, optimizer, loader, epochs=50, callbacks=[recorder])
    animate_training(recorder, "moons.gif")
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from scratchdl.train.callbacks import Callback
from scratchdl.viz._figure import color, new_figure, require_pillow
from scratchdl.viz.boundary import (
    _grid,
    _points,
    check_label_range,
    class_labels,
    draw_background,
    draw_boundaries,
    scatter_classes,
    shade,
)

if TYPE_CHECKING:
    from scratchdl.train.loop import Trainer


class BoundaryFrame(NamedTuple):
    """One captured moment: the grid's probabilities after ``step`` optimizer steps.

    ``probs`` is shaped as ``decision_grid`` returns it, (R, R) or (R, R, K); ``loss`` is the
    loss of the last step (None before the first); ``moment`` is "start", "step" or "end".
    """

    step: int
    loss: float | None
    probs: np.ndarray
    moment: str


def _positive_int(owner: str, name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{owner}: {name} must be an integer >= {minimum}; received {value!r}.")
    return int(value)


class BoundaryRecorder(Callback):
    """Capture the decision boundary every ``every`` optimizer steps during ``fit``.

    Parameters
    ----------
    X : Tensor or array of shape (N, 2)
        The points to draw (and whose bounding box, plus ``margin``, the grid covers).
    y : Tensor or array of shape (N,) or (N, 1)
        Their class labels.
    every : int
        Capture after every ``every``-th optimizer step (counted over the whole run).
    resolution : int
        Grid points per axis (the boundary is evaluated on resolution² points per frame).
    margin : float
        Room around the data, in the data's units.

    Attributes
    ----------
    frames : list of BoundaryFrame
        One at train begin, one after each ``every``-th step, one at train end: for S steps,
        ``2 + S // every`` frames.
    losses : list of float
        The loss of every step, in order.
    steps : int
        Optimizer steps seen so far.
    xx, yy : ndarray of shape (R, R)
        The grid (the same for every frame).

    Every ``fit`` starts a new recording: ``on_train_begin`` clears the frames, losses and count.
    """

    def __init__(
        self, X: Any, y: Any, every: int = 10, resolution: int = 80, margin: float = 0.5
    ) -> None:
        owner = "BoundaryRecorder"
        self.points = _points(X, owner)
        self.labels = class_labels(y, len(self.points), owner)
        self.every = _positive_int(owner, "every", every, 1)
        self.resolution = _positive_int(owner, "resolution", resolution, 2)
        self.margin = margin
        self.frames: list[BoundaryFrame] = []
        self.losses: list[float] = []
        self.steps = 0
        self.xx: np.ndarray | None = None
        self.yy: np.ndarray | None = None

    def capture(self, model: Any, moment: str = "step") -> BoundaryFrame:
        """Evaluate ``model`` on the grid now and append the frame (also usable without fit)."""
        xx, yy, probs = _grid(model, self.points, self.resolution, self.margin, "BoundaryRecorder")
        if not self.frames:
            check_label_range(self.labels, probs, "BoundaryRecorder")
        self.xx, self.yy = xx, yy
        frame = BoundaryFrame(self.steps, self.losses[-1] if self.losses else None, probs, moment)
        self.frames.append(frame)
        return frame

    def on_train_begin(self, trainer: Trainer) -> None:
        self.frames, self.losses, self.steps = [], [], 0
        self.capture(trainer.model, "start")

    def on_batch_end(self, trainer: Trainer, batch: int, loss: float) -> None:
        self.steps += 1
        self.losses.append(float(loss))
        if self.steps % self.every == 0:
            self.capture(trainer.model, "step")

    def on_train_end(self, trainer: Trainer) -> None:
        self.capture(trainer.model, "end")


def _frame_title(frame: BoundaryFrame) -> str:
    text = f"step {frame.step}"
    if frame.moment != "step":
        text += f" ({frame.moment})"
    if frame.loss is not None:
        text += f", loss {frame.loss:.4f}"
    return text


def animate_training(
    recorder: BoundaryRecorder,
    path: str | os.PathLike,
    *,
    fps: int = 8,
    loss_curve: bool = True,
    dpi: int = 80,
) -> Path:
    """Write the recorder's frames as an animated GIF; return its path.

    Parameters
    ----------
    recorder : BoundaryRecorder
        Filled by ``fit(..., callbacks=[recorder])`` (or by ``recorder.capture(model)``).
    path : str or path-like
        The ``.gif`` file (the suffix is added when missing); written atomically, parent folders
        created.
    fps : int
        Frames per second.
    loss_curve : bool
        Draw the training loss up to each frame's step beside the boundary.
    dpi : int
        Pixels per inch (the figure is 8.4 x 3.6 inches with the loss curve, 4.6 x 3.6 without).

    Returns
    -------
    pathlib.Path
        The GIF, with one image per captured frame (``len(recorder.frames)``).
    """
    if not isinstance(recorder, BoundaryRecorder):
        raise TypeError(
            f"animate_training: expected a BoundaryRecorder; received {type(recorder).__name__}."
        )
    if not recorder.frames:
        raise ValueError(
            "animate_training: the recorder holds no frames yet. help: pass it to fit, "
            "fit(..., callbacks=[recorder]), or call recorder.capture(model) yourself."
        )
    fps = _positive_int("animate_training", "fps", fps, 1)
    path = Path(path)
    if path.suffix == "":
        path = path.with_suffix(".gif")
    if path.suffix.lower() != ".gif":
        raise ValueError(
            f"animate_training: writes an animated GIF, so path must end in .gif; received "
            f"{str(path)!r}."
        )
    images = _render_frames(recorder, loss_curve, dpi)

    def gif_bytes() -> bytes:
        buffer = io.BytesIO()
        images[0].save(
            buffer,
            format="GIF",
            save_all=True,
            append_images=images[1:],
            duration=max(20, round(1000 / fps)),  # GIF counts in 10 ms; browsers floor at 20
            loop=0,
        )
        return buffer.getvalue()

    from scratchdl.serialization import write_atomically

    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, gif_bytes)
    return path


def _render_frames(recorder: BoundaryRecorder, loss_curve: bool, dpi: int) -> list:
    """One PIL image per frame: the figure is built once and only its data changes."""
    Image = require_pillow()  # noqa: N806  (PIL's module name)
    frames, xx, yy = recorder.frames, recorder.xx, recorder.yy
    fig = new_figure(size=(8.4 if loss_curve else 4.6, 3.6), dpi=dpi)
    axes = fig.subplots(1, 2, width_ratios=[1.0, 1.1]) if loss_curve else [fig.add_subplot()]
    boundary_ax = axes[0]
    background = draw_background(boundary_ax, xx, yy, frames[0].probs)
    scatter_classes(boundary_ax, recorder.points, recorder.labels)
    boundary_ax.set_xlabel("x₁")
    boundary_ax.set_ylabel("x₂")
    boundary_ax.legend(loc="upper right", fontsize="x-small", framealpha=0.8)
    if loss_curve:
        loss_ax = axes[1]
        losses = np.asarray(recorder.losses, dtype=np.float64)
        steps = np.arange(1, len(losses) + 1)
        (line,) = loss_ax.plot([], [], color=color(0), linewidth=1.2)
        (marker,) = loss_ax.plot([], [], "o", color=color(5), markersize=4)
        loss_ax.set_xlim(0, max(1, len(losses)))
        finite = losses[np.isfinite(losses)]
        if len(finite):
            low, high = finite.min(), finite.max()
            pad = 0.05 * (high - low) or 0.05 * abs(high) or 0.05
            loss_ax.set_ylim(low - pad, high + pad)
        loss_ax.set_xlabel("optimizer step")
        loss_ax.set_ylabel("training loss")
        loss_ax.set_title("Loss")
        loss_ax.grid(alpha=0.3)

    # Pillow merges identical consecutive GIF images into one; the frame counter in the corner
    # keeps every image distinct, so the GIF has exactly one image per frame.
    counter = fig.text(0.995, 0.01, "", ha="right", va="bottom", fontsize="x-small", color="gray")
    images, contours = [], []
    for frame in frames:
        background.set_data(shade(frame.probs))
        for contour in contours:
            contour.remove()
        contours = draw_boundaries(boundary_ax, xx, yy, frame.probs)
        boundary_ax.set_title(_frame_title(frame), fontsize="medium")
        counter.set_text(f"frame {len(images) + 1}/{len(frames)}")
        if loss_curve:
            line.set_data(steps[: frame.step], losses[: frame.step])
            marker.set_data(steps[frame.step - 1 : frame.step], losses[frame.step - 1 : frame.step])
        fig.canvas.draw()
        fig.set_layout_engine("none")  # keep the first frame's layout: no jitter between frames
        rgba = np.asarray(fig.canvas.buffer_rgba())
        images.append(Image.fromarray(rgba[..., :3].copy()))
    return images
