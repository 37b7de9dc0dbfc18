"""The stateless neural-network ops under PyTorch's names, for ``import scratchdl.nn.functional
as F``. Each name is re-exported from the op file where its forward and backward live."""

from scratchdl.ops.activation import elu, leaky_relu, relu, sigmoid, softplus, tanh
from scratchdl.ops.binary_loss import binary_cross_entropy, binary_cross_entropy_with_logits
from scratchdl.ops.conv import conv1d, conv2d, conv_transpose2d
from scratchdl.ops.gelu import gelu
from scratchdl.ops.linalg import linear
from scratchdl.ops.loss import cross_entropy, huber_loss, l1_loss, mse_loss, nll_loss
from scratchdl.ops.misc import dropout, embedding, one_hot
from scratchdl.ops.norm import batch_norm, layer_norm
from scratchdl.ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool1d, max_pool2d
from scratchdl.ops.softmax import log_softmax, softmax
from scratchdl.ops.upsample import upsample

__all__ = [
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "cross_entropy",
    "dropout",
    "elu",
    "embedding",
    "gelu",
    "huber_loss",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool1d",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "relu",
    "sigmoid",
    "softmax",
    "softplus",
    "tanh",
    "upsample",
]
