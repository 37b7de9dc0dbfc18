"""Elementwise arithmetic with NumPy broadcasting: add, sub, mul, div, pow, neg, maximum, minimum,
where. These are the ops behind ``+ - * / **`` on tensors, used by every model.

Every binary op may broadcast its inputs, so each input's gradient goes through ``unbroadcast``,
which sums it back to the input's shape (see ``_broadcast.py``).
"""

from __future__ import annotations

import numpy as np

from scratchdl.autograd.function import Function
from scratchdl.errors import DTypeError, ScratchdlError
from scratchdl.ops._broadcast import unbroadcast
from scratchdl.ops._convert import broadcast_error, constant, float_operands, operands
from scratchdl.tensor import Tensor


def _apply_binary(cls: type[Function], name: str, a, b, convert=operands) -> Tensor:
    a, b = convert(a, b)
    try:
        return cls.apply(a, b)
    except ScratchdlError:
        raise
    except ValueError as error:
        shape_error = broadcast_error(name, a, b)
        if shape_error is not None:
            raise shape_error from None
        raise ValueError(f"{name}: {error} (operands of shapes {a.shape} and {b.shape})") from None


class Add(Function):
    """y = a + b

    Backward: dy/da = dy/db = 1, so da = g and db = g, each summed back to its input's shape.
    Saved for backward: nothing (the inputs' shapes and dtypes come from the graph).
    Shapes: a and b broadcast to y's shape (NumPy rules).
    Double backward: supported.
    """

    def forward(self, a, b):
        return a + b

    def backward(self, g):
        a, b = self.inputs
        da = unbroadcast(g, a) if self.needs_input_grad[0] else None
        db = unbroadcast(g, b) if self.needs_input_grad[1] else None
        return da, db


class Sub(Function):
    """y = a - b

    Backward: dy/da = 1 and dy/db = -1, so da = g and db = -g (each summed back to its
    input's shape).
    Saved for backward: nothing.
    Shapes: a and b broadcast to y's shape.
    Double backward: supported.
    """

    def forward(self, a, b):
        return a - b

    def backward(self, g):
        a, b = self.inputs
        da = unbroadcast(g, a) if self.needs_input_grad[0] else None
        db = unbroadcast(-g, b) if self.needs_input_grad[1] else None
        return da, db


class Mul(Function):
    """y = a * b

    Backward: dy/da = b and dy/db = a, so da = g * b and db = g * a.
    Saved for backward: the inputs themselves (already held by the graph).
    Double backward: supported.
    """

    def forward(self, a, b):
        return a * b

    def backward(self, g):
        a, b = self.inputs
        da = unbroadcast(g * b, a) if self.needs_input_grad[0] else None
        db = unbroadcast(g * a, b) if self.needs_input_grad[1] else None
        return da, db


class Div(Function):
    """y = a / b

    Backward: dy/da = 1/b and dy/db = -a/b², so da = g / b and db = -g * a / b².
    Notes: b = 0 gives inf/nan exactly as NumPy's division does.
    Double backward: supported.
    """

    def forward(self, a, b):
        return a / b

    def backward(self, g):
        a, b = self.inputs
        da = unbroadcast(g / b, a) if self.needs_input_grad[0] else None
        db = unbroadcast(-(g * a) / (b * b), b) if self.needs_input_grad[1] else None
        return da, db


def _power(x: np.ndarray, p: float) -> np.ndarray:
    """x ** p with the common exponents done by multiplication: np.power on float32 is ~100x
    slower than x * x * x."""
    if p == 2:
        return x * x
    if p == 3:
        return x * x * x
    if p == 1:
        return x.copy()
    if p == 0.5:
        return np.sqrt(x)
    if p == -1:
        return 1 / x
    if p == -2:
        return 1 / (x * x)
    if p == -0.5:
        return 1 / np.sqrt(x)
    return np.power(x, p)


class PowScalar(Function):
    """y = x ** p for a constant Python number p

    Backward: dy/dx = p * x^(p-1), so dx = g * p * x ** (p - 1).
    Notes: p = 0 gives dx = 0 everywhere (x^0 = 1 is constant), also at x = 0 where the formula
    would give 0 * inf. Common exponents (2, 3, 0.5, -1, ...) use multiplication or sqrt.
    Double backward: supported.
    """

    def forward(self, x, p):
        self.p = p
        return _power(x, p)

    def backward(self, g):
        (x,) = self.inputs
        if self.p == 0:
            return g * 0.0
        if self.p == 1:
            return g
        if self.p == 2:
            return g * (x * 2.0)
        return g * (pow(x, self.p - 1) * self.p)


class Pow(Function):
    """y = a ** b for tensors a and b (b may broadcast)

    Backward: dy/da = b * a^(b-1) and dy/db = a^b * ln(a) = y * ln(a), so
    da = g * b * a ** (b - 1) and db = g * y * log(a).
    Notes: log(a) is undefined for a <= 0; where a = 0 and b >= 0, db is set to 0 (as PyTorch
    does: a^b is flat in b there from the right), elsewhere a negative base gives nan. Where
    b = 0, da = 0 (a^0 = 1 is constant), also at a = 0 where the formula gives 0 * inf.
    Double backward: supported.
    """

    def forward(self, a, b):
        return np.power(a, b)

    def backward(self, g):
        a, b = self.inputs
        da = db = None
        if self.needs_input_grad[0]:
            # b = 0 gives 0 * a^-1, which is nan at a = 0: the true derivative of a^0 is 0.
            da = unbroadcast(where(constant(b.data == 0), 0.0, g * b * a ** (b - 1.0)), a)
        if self.needs_input_grad[1]:
            from scratchdl.ops.unary import log

            flat = constant((a.data == 0) & (b.data >= 0))
            safe_a = where(flat, 1.0, a)
            db = unbroadcast(where(flat, 0.0, g * self.output() * log(safe_a)), b)
        return da, db


class Neg(Function):
    """y = -x

    Backward: dy/dx = -1, so dx = -g.
    Saved for backward: nothing.
    Shapes: y has x's shape.
    Double backward: supported.
    """

    def forward(self, x):
        return np.negative(x)

    def backward(self, g):
        return -g


def _tie_mask(first: np.ndarray, second: np.ndarray, dtype) -> np.ndarray:
    """1 where ``first`` wins, 0.5 at ties, 0 where it loses."""
    mask = (first > second).astype(dtype)
    mask += 0.5 * (first == second)
    return mask


class Maximum(Function):
    """y = max(a, b) elementwise

    Backward: the gradient goes to the larger input: da = g * [a > b], db = g * [b > a].
    Saved for backward: nothing; the masks are built from the inputs when needed.
    Shapes: a and b broadcast to y's shape.
    Notes: at ties a = b, each input gets half of g (PyTorch's convention; the average of the two
    one-sided derivatives).
    Double backward: supported (the masks are piecewise constant).
    """

    def forward(self, a, b):
        return np.maximum(a, b)

    def backward(self, g):
        a, b = self.inputs
        dtype = g.data.dtype
        da = db = None
        if self.needs_input_grad[0]:
            da = unbroadcast(g * constant(_tie_mask(a.data, b.data, dtype)), a)
        if self.needs_input_grad[1]:
            db = unbroadcast(g * constant(_tie_mask(b.data, a.data, dtype)), b)
        return da, db


class Minimum(Function):
    """y = min(a, b) elementwise

    Backward: da = g * [a < b], db = g * [b < a].
    Saved for backward: nothing.
    Shapes: a and b broadcast to y's shape.
    Notes: at ties each input gets half of g, as for Maximum.
    Double backward: supported.
    """

    def forward(self, a, b):
        return np.minimum(a, b)

    def backward(self, g):
        a, b = self.inputs
        dtype = g.data.dtype
        da = db = None
        if self.needs_input_grad[0]:
            da = unbroadcast(g * constant(_tie_mask(b.data, a.data, dtype)), a)
        if self.needs_input_grad[1]:
            db = unbroadcast(g * constant(_tie_mask(a.data, b.data, dtype)), b)
        return da, db


class Where(Function):
    """y = a where condition else b (condition is a boolean array, not differentiated)

    Backward: each output element came from exactly one of a or b, so
    da = where(condition, g, 0) and db = where(condition, 0, g).
    Saved for backward: nothing (the condition is an input of the graph node).
    Shapes: condition, a and b broadcast to y's shape.
    Double backward: supported.
    """

    def forward(self, condition, a, b):
        return np.where(condition, a, b)

    def backward(self, g):
        condition, a, b = self.inputs
        da = unbroadcast(where(condition, g, 0.0), a) if self.needs_input_grad[1] else None
        db = unbroadcast(where(condition, 0.0, g), b) if self.needs_input_grad[2] else None
        return None, da, db


def add(a, b) -> Tensor:
    """Elementwise ``a + b`` with broadcasting. See ``Add`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.add(sd.tensor([1.0, 2.0]), 1.0)
    tensor([2., 3.])
    """
    return _apply_binary(Add, "add", a, b)


def sub(a, b) -> Tensor:
    """Elementwise ``a - b`` with broadcasting. See ``Sub`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.sub(sd.tensor([3.0, 5.0]), 1.0)
    tensor([2., 4.])
    """
    return _apply_binary(Sub, "sub", a, b)


def mul(a, b) -> Tensor:
    """Elementwise ``a * b`` with broadcasting. See ``Mul`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.mul(sd.tensor([1.0, 2.0]), sd.tensor([[3.0], [4.0]]))
    tensor([[3., 6.],
            [4., 8.]])
    """
    return _apply_binary(Mul, "mul", a, b)


def div(a, b) -> Tensor:
    """Elementwise true division ``a / b`` with broadcasting. See ``Div`` for the gradient.

    Two integer operands give a float result of the default dtype, as in PyTorch.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.div(sd.tensor([1, 3]), 2)
    tensor([0.5, 1.5])
    """
    return _apply_binary(Div, "div", a, b, convert=float_operands)


def pow(x, exponent) -> Tensor:  # noqa: A001  (NumPy/PyTorch name)
    """Elementwise ``x ** exponent``; the exponent may be a number or a tensor.

    See ``PowScalar`` and ``Pow`` for the gradients.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.pow(sd.tensor([2.0, 3.0]), 2)
    tensor([4., 9.])
    """
    if isinstance(x, Tensor) and isinstance(exponent, (int, float)) and x.data.dtype.kind == "f":
        return PowScalar.apply(x, p=exponent)
    return _apply_binary(Pow, "pow", x, exponent)


def neg(x: Tensor) -> Tensor:
    """Elementwise ``-x``. See ``Neg``.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.neg(sd.tensor([1.0, -2.0]))
    tensor([-1.,  2.])
    """
    return Neg.apply(constant(x))


def maximum(a, b) -> Tensor:
    """Elementwise maximum of ``a`` and ``b`` with broadcasting (ties split the gradient).

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.maximum(sd.tensor([1.0, 5.0]), 3.0)
    tensor([3., 5.])
    """
    return _apply_binary(Maximum, "maximum", a, b)


def minimum(a, b) -> Tensor:
    """Elementwise minimum of ``a`` and ``b`` with broadcasting (ties split the gradient).

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.minimum(sd.tensor([1.0, 5.0]), 3.0)
    tensor([1., 3.])
    """
    return _apply_binary(Minimum, "minimum", a, b)


def where(condition, a, b) -> Tensor:
    """Choose elementwise from ``a`` where ``condition`` is true, else from ``b``.

    ``condition`` is a boolean tensor or array; ``a`` and ``b`` broadcast with it.

    Examples
    --------
    >>> import scratchdl as sd
    >>> x = sd.tensor([-1.0, 2.0])
    >>> sd.where(x > 0, x, 0.0)
    tensor([0., 2.])
    """
    condition = constant(condition)
    if condition.data.dtype != np.bool_:
        raise DTypeError(
            f"where: condition must be a boolean tensor or array; received dtype "
            f"{condition.data.dtype}. Build it with a comparison such as x > 0."
        )
    a, b = operands(a, b)
    try:
        return Where.apply(condition, a, b)
    except ScratchdlError:
        raise
    except ValueError:
        raise broadcast_error("where", condition, a, b) or ValueError("where failed") from None
