"""The contract every differentiable op follows.

An op subclasses ``Function`` and writes two methods side by side:

* ``forward(self, *arrays, **params)`` computes on raw arrays and saves on ``self`` what the
  gradient needs;
* ``backward(self, g)`` receives the upstream gradient ``g`` (a Tensor shaped like the output)
  and returns one gradient per input (a Tensor, or ``None`` where ``needs_input_grad[i]`` is
  false), built from differentiable ops so that gradients of gradients work.

``Function.apply`` runs forward and, when grad mode is on and some input requires grad, links the
result into the graph: the output remembers the Function (``grad_fn``) and the Function remembers
its inputs. Otherwise no node is made at all.
"""

from __future__ import annotations

import weakref

import numpy as np

from scratchdl.autograd import anomaly
from scratchdl.autograd.grad_mode import state
from scratchdl.errors import GradientError
from scratchdl.tensor import Tensor

# ``needs_input_grad`` of ops outside the graph, made once per input count.
_NOTHING_NEEDED = [(False,) * count for count in range(8)]
_new_tensor = object.__new__


class Function:
    """Base class of every op. Subclasses implement ``forward`` and ``backward``.

    Attributes set by ``apply`` for use in ``forward``/``backward``:

    * ``inputs``: the input Tensors (only when the graph is recorded);
    * ``needs_input_grad``: one bool per input, true when that input needs a gradient.
    """

    freed = False
    created_at = None

    def forward(self, *arrays, **params):
        raise NotImplementedError(f"{type(self).__name__} must implement forward")

    def backward(self, g: Tensor):
        raise NotImplementedError(f"{type(self).__name__} must implement backward")

    @classmethod
    def apply(cls, *inputs: Tensor, **params) -> Tensor:
        """Run the op on Tensors and return its output Tensor (recording the graph if needed)."""
        fn = cls.__new__(cls)
        record = False
        if state.enabled:
            needs = [t._requires_grad for t in inputs]
            record = True in needs
        if record:
            fn.inputs = inputs
            fn.needs_input_grad = needs
        else:
            count = len(inputs)
            fn.needs_input_grad = _NOTHING_NEEDED[count] if count < 8 else (False,) * count
        checking = state.anomaly  # read once: the state is thread-local, so lookups cost
        if checking:
            fn.created_at = anomaly.creation_site()
        out = fn.forward(*[t.data for t in inputs], **params)
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        if checking:
            anomaly.check_forward(fn, inputs, out)
        # Tensor._from_op, inlined: this line runs for every op of every step.
        result = _new_tensor(Tensor)
        result.data = out
        result.grad = None
        result._hooks = None
        result.name = None
        if record:
            result.grad_fn = fn
            result._requires_grad = True
            fn._output_ref = weakref.ref(result)
        else:
            result.grad_fn = None
            result._requires_grad = False
        return result

    def output(self) -> Tensor:
        """The output Tensor of this node, for backward formulas written in terms of it.

        Using the live output (rather than a constant copy of its values) keeps double
        backward correct: d/dx of ``g * (1 - y**2)`` must see that ``y = tanh(x)``.
        """
        out = self._output_ref()
        if out is None:
            raise GradientError(
                f"{type(self).__name__}: its output tensor was garbage-collected before backward; "
                "this is a bug in scratchdl, please report it."
            )
        return out

    @property
    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name}>"
