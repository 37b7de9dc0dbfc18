"""scratchdl: deep learning from first principles on NumPy.

``import scratchdl as sd`` gives the Tensor, creation functions, every array-style op under its
NumPy name (``sd.exp``, ``sd.sum``, ``sd.matmul``, ...), grad-mode switches, seeding and the
gradient checkers. Neural-network ops live in ``scratchdl.nn.functional``.
"""

from scratchdl.tensor import Tensor  # noqa: I001  (Tensor first: the ops import it)

from scratchdl import autograd, ops
from scratchdl.autograd import (
    enable_grad,
    gradcheck,
    gradgradcheck,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from scratchdl.backend import get_default_dtype, manual_seed, set_default_dtype
from scratchdl.creation import (
    arange,
    empty,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)
from scratchdl.errors import AnomalyError, DTypeError, GradientError, ScratchdlError, ShapeError
from scratchdl.ops import activation as _activation
from scratchdl.ops import extrema as _extrema
from scratchdl.ops import gelu as _gelu
from scratchdl.ops import join as _join
from scratchdl.ops import reduce as _reduce
from scratchdl.ops import shape as _shape
from scratchdl.ops import unary as _unary
from scratchdl.ops.activation import *  # noqa: F403
from scratchdl.ops.arithmetic import add, div, maximum, minimum, mul, neg, pow, sub, where
from scratchdl.ops.cast import astype, copy
from scratchdl.ops.extrema import *  # noqa: F403
from scratchdl.ops.gelu import *  # noqa: F403
from scratchdl.ops.join import *  # noqa: F403
from scratchdl.ops.linalg import matmul
from scratchdl.ops.reduce import *  # noqa: F403
from scratchdl.ops.shape import *  # noqa: F403
from scratchdl.ops.unary import *  # noqa: F403
from scratchdl.serialization import load, save

# The layers and optimizers sit above the ops; imported last, as ``torch.nn`` is with torch.
from scratchdl import nn, optim  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "AnomalyError",
    "DTypeError",
    "GradientError",
    "ScratchdlError",
    "ShapeError",
    "Tensor",
    "add",
    "arange",
    "astype",
    "autograd",
    "copy",
    "div",
    "empty",
    "enable_grad",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "get_default_dtype",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "linspace",
    "load",
    "manual_seed",
    "matmul",
    "maximum",
    "minimum",
    "mul",
    "neg",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "ops",
    "optim",
    "pow",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "save",
    "set_default_dtype",
    "set_grad_enabled",
    "sub",
    "tensor",
    "where",
    "zeros",
    "zeros_like",
    *_activation.__all__,
    *_extrema.__all__,
    *_gelu.__all__,
    *_join.__all__,
    *_reduce.__all__,
    *_shape.__all__,
    *_unary.__all__,
]
