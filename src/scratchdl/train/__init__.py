"""Training: checkpoints that resume exactly, and classification metrics.

``save_checkpoint`` / ``load_checkpoint`` store and restore a whole run (model, optimizer,
scheduler, epoch, random generator and loader states) through ``scratchdl.save``; the metrics
(accuracy, precision, recall, F1, confusion matrix) read model outputs without recording a graph.
The fit loop and callbacks live in ``loop.py`` and ``callbacks.py``.
"""

from scratchdl.train.checkpoint import LoadedCheckpoint, load_checkpoint, save_checkpoint
from scratchdl.train.metrics import (
    accuracy,
    confusion_matrix,
    f1_score,
    precision,
    predictions,
    recall,
)

__all__ = [
    "LoadedCheckpoint",
    "accuracy",
    "confusion_matrix",
    "f1_score",
    "load_checkpoint",
    "precision",
    "predictions",
    "recall",
    "save_checkpoint",
]
