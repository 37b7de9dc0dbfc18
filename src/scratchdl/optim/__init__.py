"""Optimizers, gradient clipping and (in ``lr_scheduler``) learning-rate schedules.

Every optimizer takes ``model.parameters()`` (or parameter groups) and updates the parameters in
place from their ``.grad`` when ``step()`` is called. Names, arguments and formulas follow
``torch.optim``; each class docstring gives its update rule as numbered pseudo-code.
"""

from scratchdl.optim import lr_scheduler
from scratchdl.optim.adagrad import Adagrad
from scratchdl.optim.adam import Adam
from scratchdl.optim.adamw import AdamW
from scratchdl.optim.clip import clip_grad_norm_, clip_grad_value_
from scratchdl.optim.optimizer import Optimizer
from scratchdl.optim.rmsprop import RMSprop
from scratchdl.optim.sgd import SGD

__all__ = [
    "lr_scheduler",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Optimizer",
    "RMSprop",
    "clip_grad_norm_",
    "clip_grad_value_",
]
