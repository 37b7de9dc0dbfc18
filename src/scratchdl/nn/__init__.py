"""Neural-network building blocks: Module, Parameter, layers, initialisers, losses, functional ops.

The names follow PyTorch's ``torch.nn`` so that what is learned here transfers.
"""

from scratchdl.nn import functional, init
from scratchdl.nn.layers.activation import (
    ELU,
    GELU,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
)
from scratchdl.nn.layers.containers import ModuleDict, ModuleList, Sequential
from scratchdl.nn.layers.conv import Conv1d, Conv2d, ConvTranspose2d
from scratchdl.nn.layers.dropout import Dropout
from scratchdl.nn.layers.embedding import Embedding
from scratchdl.nn.layers.linear import Identity, Linear
from scratchdl.nn.layers.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
)
from scratchdl.nn.layers.norm import BatchNorm1d, BatchNorm2d, LayerNorm
from scratchdl.nn.layers.pool import AdaptiveAvgPool2d, AvgPool2d, MaxPool1d, MaxPool2d, Upsample
from scratchdl.nn.layers.reshape import Flatten
from scratchdl.nn.module import Module
from scratchdl.nn.parameter import Parameter
from scratchdl.nn.regularization import l2_penalty

__all__ = [
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv1d",
    "Conv2d",
    "ConvTranspose2d",
    "CrossEntropyLoss",
    "Dropout",
    "ELU",
    "Embedding",
    "Flatten",
    "GELU",
    "HuberLoss",
    "Identity",
    "L1Loss",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "MaxPool1d",
    "MaxPool2d",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
    "Upsample",
    "functional",
    "init",
    "l2_penalty",
]
