"""Automatic differentiation of scalar code: reverse mode (``Value``) and forward mode (``Dual``).

Every operation below states its local derivatives once, as ``(child, d(result)/d(child))``
pairs. ``Value`` records them in a graph and ``backward()`` walks it from the output back
to the inputs, one pass for the whole gradient. ``Dual`` uses the same pairs forward,
carrying one derivative along with each number: one pass per input.
"""

import math
from numbers import Real


def _real(x, name, where):
    """``x`` as a float; TypeError unless a real number, ValueError if nan or inf."""
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{where}: {name} must be a real number, got {type(x).__name__}")
    if not math.isfinite(x):
        raise ValueError(f"{where}: {name} must be finite, got {x}")
    return float(x)


def _fmt(x):
    """Six significant digits, printed like a float: 2.0, 0.182426, 1e-08."""
    return repr(float(f"{x:.6g}"))


class _Scalar:
    """The operations of ``Value`` and ``Dual``, each with its local derivatives.

    A subclass provides ``_x`` (its number) and ``_apply(result, op, *pairs)``, which
    makes the new number ``result`` from ``pairs`` of (child, d(result)/d(child)).
    """

    def _lift(self, other):
        return other if isinstance(other, type(self)) else type(self)(other)

    def __add__(self, other):  # add distributes: local derivative 1 for each input
        other = self._lift(other)
        return self._apply(self._x + other._x, "+", (self, 1.0), (other, 1.0))

    def __mul__(self, other):  # multiply swaps: each gets the other's value
        other = self._lift(other)
        return self._apply(self._x * other._x, "*",
                           (self, other._x), (other, self._x))

    def maximum(self, other):  # max routes: all to the larger input, to other on a tie
        other = self._lift(other)
        first = float(self._x > other._x)
        return self._apply(max(self._x, other._x), "max", (self, first), (other, 1 - first))

    def __pow__(self, k):
        x, where = self._x, f"{type(self).__name__} ** k"
        if isinstance(k, bool) or not isinstance(k, Real) or not math.isfinite(k):
            raise TypeError(f"{where}: k must be a finite int or float, got {k!r}")
        if (x < 0 and k != int(k)) or (x == 0 and k < 1 and k != 0):
            raise ValueError(f"{where}: x ** {k:g} has no real value or derivative at x = {x:g}")
        return self._apply(x**k, f"**{k:g}", (self, k * x ** (k - 1) if k else 0.0))

    def exp(self):
        if self._x > 709.78:  # the largest float64 is about exp(709.78)
            raise ValueError(f"{type(self).__name__}.exp: exp({self._x:g}) overflows float64")
        e = math.exp(self._x)
        return self._apply(e, "exp", (self, e))

    def log(self):
        if self._x <= 0:
            raise ValueError(f"{type(self).__name__}.log: needs x > 0, got {self._x:g}")
        return self._apply(math.log(self._x), "log", (self, 1.0 / self._x))

    def tanh(self):
        t = math.tanh(self._x)
        return self._apply(t, "tanh", (self, 1.0 - t * t))

    def sigmoid(self):
        e = math.exp(-abs(self._x))  # exp of a number <= 0 never overflows
        s = 1.0 / (1.0 + e) if self._x >= 0 else e / (1.0 + e)
        return self._apply(s, "sigmoid", (self, s * (1.0 - s)))

    def relu(self):  # derivative 0 at x = 0, as bplib.ReLU
        return self._apply(max(self._x, 0.0), "relu", (self, float(self._x > 0)))

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + -self._lift(other)

    def __rsub__(self, other):
        return -self + other

    def __truediv__(self, other):
        return self * other**-1.0

    def __rtruediv__(self, other):
        return self**-1.0 * other

    __radd__ = __add__
    __rmul__ = __mul__


class Value(_Scalar):
    """A scalar that remembers how it was computed, for reverse-mode differentiation.

    ``Value(data)``: a finite real number (bool, complex and str raise TypeError, nan and
    inf ValueError). Attributes: ``data`` (float); ``grad`` (float, 0.0 until ``backward``);
    ``_prev`` (tuple of the Values it was computed from); ``_op`` (str: "+", "*", "exp",
    ...); ``_backward`` (adds, with ``+=``, ``grad`` times each local derivative into the
    children's ``grad``; does nothing for a leaf).

    Operators ``+ - * /`` (a Value or a number on either side), unary ``-``, ``**`` with an
    int or float exponent; methods ``exp log tanh sigmoid relu maximum``. ``relu`` has
    derivative 0 at 0; ``a.maximum(b)`` gives the whole gradient to the larger input and,
    on a tie, to ``b``, so ``x.maximum(0.0)`` has the gradient of ``x.relu()``.

    Taught in: chapter "Reverse mode on any graph".
    """

    def __init__(self, data, _children=(), _op=""):
        self.data = _real(data, "data", "Value")
        self.grad = 0.0
        self._prev = tuple(_children)
        self._op = _op
        self._backward = lambda: None  # a leaf has nobody to pass its gradient to

    @property
    def _x(self):
        return self.data

    def _apply(self, data, op, *pairs):
        out = Value(data, [child for child, _ in pairs], op)

        def _backward():  # chain rule, once per (child, local derivative)
            for child, local in pairs:  # d(root)/d(child) += ...
                child.grad += out.grad * local
        out._backward = _backward
        return out

    def backward(self):
        """Set ``grad = 1.0`` here, then run ``_backward`` of every node, this one first.

        Gradients are added to what is there: call ``zero_grad`` first.
        """
        self.grad = 1.0
        for node in reversed(topological_order(self)):
            node._backward()

    def __repr__(self):
        return f"Value(data={_fmt(self.data)}, grad={_fmt(self.grad)})"


def topological_order(root):
    """Every Value reachable from ``root``, each once and after all its children.

    An iterative depth-first search, so no recursion limit even for deep graphs.

    Args:
        root: a Value.

    Returns:
        list of Values, inputs first and ``root`` last.

    Taught in: chapter "Reverse mode on any graph".
    """
    if not isinstance(root, Value):
        raise TypeError(f"topological_order: root must be a Value, got {type(root).__name__}")
    order, seen, stack = [], {root}, [(root, iter(root._prev))]
    while stack:
        node, children = stack[-1]
        for child in children:
            if child not in seen:  # go down first: a node waits for its children
                seen.add(child)
                stack.append((child, iter(child._prev)))
                break
        else:  # every child is placed: the node can follow them
            stack.pop()
            order.append(node)
    return order


def zero_grad(root):
    """Set ``grad = 0.0`` on every Value reachable from ``root``.

    Args:
        root: a Value.

    Returns:
        None.

    Taught in: chapter "Reverse mode on any graph".
    """
    if not isinstance(root, Value):
        raise TypeError(f"zero_grad: root must be a Value, got {type(root).__name__}")
    for node in topological_order(root):
        node.grad = 0.0


class Dual(_Scalar):
    """A dual number for forward-mode differentiation: a value and its derivative.

    ``Dual(value, derivative=0.0)``: two finite real numbers (floats after checking).
    Each operation returns the result and its derivative by the chain rule. Give one input
    derivative 1.0 and the others 0.0: the output's ``derivative`` is d(output)/d(that
    input), so a gradient of N inputs takes N passes. Operators and methods as ``Value``.

    Taught in: chapter "Reverse mode on any graph".
    """

    def __init__(self, value, derivative=0.0):
        self.value = _real(value, "value", "Dual")
        self.derivative = _real(derivative, "derivative", "Dual")

    @property
    def _x(self):
        return self.value

    def _apply(self, value, op, *pairs):  # chain rule, forward: sum of local * d(child)
        return Dual(value, sum(local * child.derivative for child, local in pairs))

    def __repr__(self):
        return f"Dual(value={_fmt(self.value)}, derivative={_fmt(self.derivative)})"
