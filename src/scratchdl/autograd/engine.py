"""The backward engine: walk the graph from the output back to the leaves.

1. Order the graph's nodes so that every node comes before the nodes that made its inputs
   (reverse topological order). A depth-first search with an explicit stack does it, so a chain
   of 10,000 ops never meets Python's recursion limit.
2. Seed the output's node with the starting gradient (1 for a scalar loss).
3. Visit the nodes in that order. Each node's gradient is complete when it is visited, because
   every consumer of its output came earlier; the node's ``backward`` turns it into gradients
   for its inputs, which are added into the gradient of the node that made each input
   (a tensor used twice receives the sum of both contributions).
4. Leaves collect their total gradient in ``.grad`` (added to what was there).
5. Unless ``retain_graph``, free what the nodes saved: a second backward through them raises.

With ``create_graph=False`` the backward ops run under ``no_grad`` and build nothing; with
``create_graph=True`` they are recorded, so the gradients can be differentiated again.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scratchdl.autograd import anomaly
from scratchdl.autograd.grad_mode import state
from scratchdl.errors import GradientError, ShapeError
from scratchdl.ops.cast import copy
from scratchdl.tensor import Tensor


def _topological_order(roots: Sequence) -> list:
    """Nodes reachable from ``roots``, each listed after all nodes that made its inputs."""
    order: list = []
    visited: set = set()
    stack = [(fn, False) for fn in roots]
    while stack:
        fn, inputs_done = stack.pop()
        if inputs_done:
            order.append(fn)
            continue
        if fn in visited:
            continue
        if fn.freed:
            raise GradientError(
                f"backward: trying to go through the graph a second time, but {fn.name}'s saved "
                "values were freed by the first backward. Pass retain_graph=True to the first "
                "backward() if you need to call it again, or recompute the forward pass."
            )
        visited.add(fn)
        stack.append((fn, True))
        for t in fn.inputs:
            parent = t.grad_fn
            if parent is not None and parent not in visited:
                stack.append((parent, False))
    return order


def _seed_gradient(output: Tensor, gradient) -> Tensor:
    if gradient is None:
        if output.data.size != 1:
            raise GradientError(
                f"backward: the output has shape {output.shape}, so there is no single gradient "
                "to start from. Reduce it to a scalar first (for example loss.mean()), or pass "
                "gradient=<tensor of the same shape> (the vector of the vector-Jacobian product)."
            )
        return Tensor._from_op(np.ones_like(output.data), None)
    if not isinstance(gradient, Tensor):
        gradient = Tensor._from_op(np.asarray(gradient, dtype=output.data.dtype), None)
    elif gradient.data.dtype != output.data.dtype:
        gradient = gradient.astype(output.data.dtype)
    if gradient.shape != output.shape:
        raise ShapeError(
            f"backward: gradient has shape {gradient.shape} but the output has shape "
            f"{output.shape}; they must match."
        )
    return gradient


def _add(a: Tensor, b: Tensor, create_graph: bool) -> Tensor:
    # Always out of place: a gradient array may be shared by several consumers.
    if create_graph:
        return a + b
    return Tensor._from_op(a.data + b.data, None)


def _run_hooks(hooks, grad: Tensor) -> Tensor:
    for hook in list(hooks):
        result = hook(grad)
        if result is not None:
            grad = result
    return grad


def _wrong_gradient(fn, t: Tensor, dx: Tensor) -> GradientError:
    index = next(i for i, x in enumerate(fn.inputs) if x is t)
    return GradientError(
        f"{fn.name}.backward returned a gradient of shape {dx.data.shape} and dtype "
        f"{dx.data.dtype} for input {index}, which has shape {t.data.shape} and dtype "
        f"{t.data.dtype}. This is a bug in that op's backward."
    )


def _run(
    outputs: Sequence[Tensor],
    seeds: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    targets: Sequence[Tensor] | None,
) -> dict[int, Tensor]:
    """Shared walk of ``backward`` and ``grad``.

    With ``targets=None`` every leaf's total gradient is returned (keyed by ``id``) for
    accumulation into ``.grad``. With targets, only their gradients are returned, and only the
    part of the graph that leads to them is visited.
    """
    grads: dict = {}
    roots = []
    leaf_grads: dict[int, list] = {}
    for out, seed in zip(outputs, seeds):
        if out.grad_fn is None:  # an output that is itself a leaf: its gradient is the seed
            entry = leaf_grads.setdefault(id(out), [out, None])
            entry[1] = seed if entry[1] is None else _add(entry[1], seed, create_graph)
            continue
        fn = out.grad_fn
        grads[fn] = _add(grads[fn], seed, create_graph) if fn in grads else seed
        roots.append(fn)
    order = _topological_order(roots)

    target_nodes: dict = {}
    expand = None  # nodes whose backward must run; None means all of them
    if targets is not None:
        target_ids = {id(t) for t in targets}
        target_nodes = {t.grad_fn: t for t in targets if t.grad_fn is not None}
        expand = set()
        for fn in order:  # inputs' nodes come first, so `expand` is complete for them
            if any(id(t) in target_ids or t.grad_fn in expand for t in fn.inputs):
                expand.add(fn)
        order = [fn for fn in order if fn in expand or fn in target_nodes]

    previous_mode, anomaly_mode = state.enabled, state.anomaly
    state.enabled = create_graph
    try:
        for fn in reversed(order):
            g = grads.pop(fn, None)
            if g is None:
                continue
            saved = fn.__dict__
            hooks = saved.get("pre_hooks")
            if hooks:
                g = _run_hooks(hooks, g)
            if saved.get("retains_grad"):  # after the hooks: .grad shows what flows on
                out = fn.output()
                out.grad = g if out.grad is None else _add(out.grad, g, create_graph)
            if targets is not None:
                if fn in target_nodes:
                    leaf_grads[id(target_nodes[fn])] = [target_nodes[fn], g]
                if fn not in expand:
                    continue
            if anomaly_mode:
                anomaly.state.backward_of = fn
            input_grads = fn.backward(g)
            if type(input_grads) is not tuple:
                input_grads = (input_grads,)
            if anomaly_mode:
                anomaly.check_backward(fn, input_grads)
            for t, dx in zip(saved["inputs"], input_grads):
                if dx is None or not t._requires_grad:
                    continue
                if dx.data.shape != t.data.shape or dx.data.dtype != t.data.dtype:
                    raise _wrong_gradient(fn, t, dx)
                parent = t.grad_fn
                if parent is None:
                    entry = leaf_grads.get(id(t))
                    if entry is None:
                        leaf_grads[id(t)] = [t, dx]
                    else:
                        entry[1] = _add(entry[1], dx, create_graph)
                else:
                    previous = grads.get(parent)
                    grads[parent] = dx if previous is None else _add(previous, dx, create_graph)
    finally:
        state.enabled = previous_mode
        if anomaly_mode:
            anomaly.state.backward_of = None
        if not retain_graph:
            for fn in order:  # free what each node saved; a later pass through it raises
                fn.__dict__.clear()
                fn.freed = True
    return leaf_grads


def backward(
    output: Tensor,
    gradient=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Accumulate d(output)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

    See ``Tensor.backward`` for the arguments.
    """
    if not output._requires_grad:
        raise GradientError(
            "backward: this tensor does not require grad and has no grad_fn, so there is nothing "
            "to differentiate. Did you forget requires_grad=True on the inputs, or compute it "
            "inside no_grad()?"
        )
    seed = _seed_gradient(output, gradient)
    if retain_graph is None:
        retain_graph = create_graph
    leaf_grads = _run([output], [seed], retain_graph, create_graph, targets=None)
    handed_out: set[int] = {id(seed.data)}
    for leaf, grad in leaf_grads.values():
        if leaf._hooks:
            grad = _run_hooks(leaf._hooks, grad)
        if leaf.grad is not None:
            leaf.grad = _add(leaf.grad, grad, create_graph)
            continue
        leaf.grad = _own_array(grad, handed_out)


def _own_array(grad: Tensor, handed_out: set[int]) -> Tensor:
    """``grad`` backed by an array that no other ``.grad`` shares and that may be written.

    Backward passes gradients around without copying: ``a + b`` gives both inputs the very same
    array, and ``sum`` gives a read-only broadcast view. A ``.grad`` must be safe to clip or
    modify in place, so such arrays are copied here, once, when they reach a leaf.
    """
    array = grad.data
    if not array.flags.writeable or array.base is not None or id(array) in handed_out:
        # With create_graph the copy must stay differentiable: the Copy op keeps the graph.
        grad = copy(grad) if grad.grad_fn is not None else Tensor._from_op(array.copy(), None)
    handed_out.add(id(grad.data))
    return grad


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Return the gradients of ``outputs`` with respect to ``inputs`` without touching ``.grad``.

    This is what a gradient penalty needs: ``dx, = sd.autograd.grad(d_out.sum(), x,
    create_graph=True)`` gives a differentiable ``dx``. ``grad_outputs`` plays the role of
    ``gradient`` in ``backward`` for non-scalar outputs. Inputs that the outputs do not depend on
    raise unless ``allow_unused=True``, in which case their gradient is ``None``.
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single_input = isinstance(inputs, Tensor)
    inputs = [inputs] if single_input else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise GradientError(
            f"autograd.grad: got {len(outputs)} outputs but {len(grad_outputs)} grad_outputs; "
            "give one gradient (or None for a scalar output) per output."
        )
    for index, t in enumerate(inputs):
        if not t._requires_grad:
            raise GradientError(
                f"autograd.grad: input {index} (shape {t.shape}) does not require grad; create "
                "it with requires_grad=True."
            )
    for out in outputs:
        if not out._requires_grad:
            raise GradientError(
                f"autograd.grad: an output (shape {out.shape}) does not require grad, so it does "
                "not depend on any input that does."
            )
    seeds = [_seed_gradient(out, g) for out, g in zip(outputs, grad_outputs)]
    if retain_graph is None:
        retain_graph = create_graph
    found = _run(outputs, seeds, retain_graph, create_graph, targets=inputs)
    result = []
    for index, t in enumerate(inputs):
        entry = found.get(id(t))
        if entry is None and not allow_unused:
            raise GradientError(
                f"autograd.grad: input {index} (shape {t.shape}) was not used to compute the "
                "outputs; pass allow_unused=True to get None for it."
            )
        if entry is None:
            result.append(None)
        elif t.grad_fn is None and t._hooks:  # a leaf's own hooks run, as in backward()
            result.append(_run_hooks(t._hooks, entry[1]))
        else:
            result.append(entry[1])
    return tuple(result)
