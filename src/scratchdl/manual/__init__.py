"""The classic L-layer network, written out by hand in NumPy, with no autograd.

This is the teaching reference of the classic deep-learning courses: every gradient is derived
and coded explicitly (dZ = dA * g'(Z), dW = dZ A_prevᵀ / m, db = Σ_columns dZ / m,
dA_prev = Wᵀ dZ), so a learner can read it top to bottom, in this order:

    network.py      initialize_parameters, activations, forward pass with caches, compute_cost,
                    backward pass, dropout, predict
    optimizers.py   gradient descent, momentum, RMSprop, Adam
    minibatches.py  random_mini_batches
    gradcheck.py    gradient checking by central differences
    model.py        L_layer_model: the whole training loop

Conventions are the course's, not the rest of scratchdl's: examples are *columns* (X has shape
(n_x, m), Y shape (1, m)), parameters live in a dictionary {"W1", "b1", ...}, and arrays are
float64 by default (the course's habit; the functions keep whatever floating dtype they are
given). The tests prove that these hand-written gradients equal scratchdl's autograd on the same
weights and data. For speed and for anything beyond this network, use scratchdl.nn and
scratchdl.optim instead.
"""

from scratchdl.manual.gradcheck import (
    dictionary_to_vector,
    gradient_check_n,
    gradients_to_vector,
    vector_to_dictionary,
)
from scratchdl.manual.minibatches import random_mini_batches
from scratchdl.manual.model import L_layer_model
from scratchdl.manual.network import (
    L_model_backward,
    L_model_forward,
    compute_cost,
    dropout_backward,
    dropout_forward,
    initialize_parameters,
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
    predict,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    tanh,
    tanh_backward,
)
from scratchdl.manual.optimizers import (
    initialize_adam,
    initialize_rmsprop,
    initialize_velocity,
    update_parameters_with_adam,
    update_parameters_with_gd,
    update_parameters_with_momentum,
    update_parameters_with_rmsprop,
)

__all__ = [
    "L_layer_model",
    "L_model_backward",
    "L_model_forward",
    "compute_cost",
    "dictionary_to_vector",
    "dropout_backward",
    "dropout_forward",
    "gradient_check_n",
    "gradients_to_vector",
    "initialize_adam",
    "initialize_parameters",
    "initialize_rmsprop",
    "initialize_velocity",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
    "predict",
    "random_mini_batches",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "tanh",
    "tanh_backward",
    "update_parameters_with_adam",
    "update_parameters_with_gd",
    "update_parameters_with_momentum",
    "update_parameters_with_rmsprop",
    "vector_to_dictionary",
]
