"""Training: the fit loop, callbacks, checkpoints that resume exactly, and metrics.

``fit`` runs the five-line training step over epochs with validation, metrics, callbacks and
checkpoints; ``save_checkpoint`` / ``load_checkpoint`` store and restore a whole run (model,
optimizer, scheduler, epoch, random generator and loader states) through ``scratchdl.save``; the
metrics (accuracy, precision, recall, F1, confusion matrix) read outputs without a graph.
"""

from scratchdl.train.callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    GradientNormLogger,
    JSONLogger,
    LRSchedulerCallback,
    ModelCheckpoint,
)
from scratchdl.train.checkpoint import LoadedCheckpoint, load_checkpoint, save_checkpoint
from scratchdl.train.loop import History, Trainer, evaluate, fit, predict
from scratchdl.train.metrics import (
    accuracy,
    confusion_matrix,
    f1_score,
    precision,
    predictions,
    recall,
)

__all__ = [
    "CSVLogger",
    "Callback",
    "EarlyStopping",
    "GradientNormLogger",
    "History",
    "JSONLogger",
    "LRSchedulerCallback",
    "LoadedCheckpoint",
    "ModelCheckpoint",
    "Trainer",
    "evaluate",
    "fit",
    "predict",
    "accuracy",
    "confusion_matrix",
    "f1_score",
    "load_checkpoint",
    "precision",
    "predictions",
    "recall",
    "save_checkpoint",
]
