"""Activation functions (활성화 함수) and their derivatives, as functions and as layers.

    sigmoid(x) = 1 / (1 + exp(-x)),   sigmoid'(x) = sigmoid(x) (1 - sigmoid(x)) <= 1/4
    relu(x)    = max(x, 0),           relu'(x) = 1 for x > 0, else 0 (0 at x = 0 too)
    tanh(x),                          tanh'(x) = 1 - tanh(x)**2 <= 1
"""

import numpy as np

from .validation import as_float_array, check_finite, check_same_shape, need_forward


def sigmoid(x):
    """Logistic sigmoid, elementwise, without overflow for large ``|x|``.

    ``exp(-x)`` overflows for x < -709, so negative inputs use the equal form
    ``exp(x) / (1 + exp(x))``; both branches only ever exponentiate ``-|x|`` <= 0.

    Args:
        x: array of any shape (or a float).

    Returns:
        array of ``x``'s shape with values in [0, 1].

    Taught in: chapter "Sigmoid and its derivative".
    """
    x = as_float_array(x, "x", "sigmoid")
    e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_fast(x):
    """:func:`sigmoid` as the textbook formula ``1 / (1 + exp(-x))``, computed in place.

    Four steps, each writing into the one new array that is returned (numpy's ``out=``):
    ``-x``, ``exp``, ``+ 1``, ``1 / ...``. No ``np.where`` and no temporary arrays: on a
    batch of 256 x 1024 it is several times faster than ``sigmoid``, which computes both
    branches and then chooses.

    For x < -709 (float64; x < -88 in float32) ``exp(-x)`` overflows to infinity, and
    ``1 / (1 + inf) = 0`` is the right limit, so that overflow is expected and its
    warning silenced. The results equal ``sigmoid``'s to a few units in the last place
    (relative difference below 1e-14 in float64, 1e-6 in float32); only values smaller
    than the smallest normal float (x < -708 in float64, x < -87 in float32) may differ
    by more, and then by less than that tiny number. The ``Sigmoid`` layer uses it; read
    ``sigmoid`` to learn the formula.

    Args:
        x: array of any shape (or a float).

    Returns:
        array of ``x``'s shape with values in [0, 1].

    Taught in: chapter "Sigmoid and its derivative" (the formula); appendix "Performance
    of bplib" (why it is written this way).
    """
    x = as_float_array(x, "x", "sigmoid")
    out = np.negative(x, out=np.empty_like(x))  # the new array; it ends up holding s(x)
    with np.errstate(over="ignore"):  # exp(-x) = inf for very negative x: s(x) = 0
        np.exp(out, out=out)
    out += 1.0
    np.divide(1.0, out, out=out)
    return out


def sigmoid_derivative(x):
    """Derivative of the sigmoid, ``s(x) * (1 - s(x))``, elementwise; at most 1/4.

    Args:
        x: array of any shape (or a float).

    Returns:
        array of ``x``'s shape with values in [0, 0.25].

    Taught in: chapter "Sigmoid and its derivative".
    """
    s = sigmoid(x)
    return s * (1.0 - s)


def relu(x):
    """Rectified linear unit, ``max(x, 0)``, elementwise.

    Args:
        x: array of any shape (or a float).

    Returns:
        array of ``x``'s shape.

    Taught in: chapter "ReLU and vanishing gradients".
    """
    x = as_float_array(x, "x", "relu")
    return np.maximum(x, 0.0)


def relu_derivative(x):
    """Derivative of ReLU: 1 where ``x > 0``, else 0 (we choose 0 at exactly x = 0).

    Args:
        x: array of any shape (or a float).

    Returns:
        array of ``x``'s shape holding 0.0 and 1.0.

    Taught in: chapter "ReLU and vanishing gradients".
    """
    x = as_float_array(x, "x", "relu_derivative")
    return (x > 0).astype(x.dtype)


class Sigmoid:
    """Sigmoid layer: caches its output in ``forward``; ``backward`` uses ``out * (1 - out)``.

    ``forward(x)``: x of any shape, finite -> same shape. ``backward(grad_out)``: grad_out
    of the output's shape -> gradient with respect to x, same shape. The output has x's
    dtype (float32 stays float32). ``forward`` computes ``sigmoid`` with
    ``sigmoid_fast``, which gives the same numbers (to the last bits) with no temporary
    arrays.

    Taught in: chapter "Backpropagation".
    """

    def __init__(self):
        self.out = None  # cached by forward, used by backward

    def forward(self, x):
        x = as_float_array(x, "x", "Sigmoid.forward")
        check_finite(x, "x", "Sigmoid.forward")
        self.out = sigmoid_fast(x)  # sigmoid(x), without temporary arrays
        return self.out

    __call__ = forward

    def backward(self, grad_out):
        need_forward(self.out, "Sigmoid.backward")
        grad_out = as_float_array(grad_out, "grad_out", "Sigmoid.backward")
        check_same_shape(grad_out, "grad_out", self.out.shape, "Sigmoid.backward")
        check_finite(grad_out, "grad_out", "Sigmoid.backward")
        grad_out = grad_out.astype(self.out.dtype, copy=False)  # float32 stays float32
        # grad_out * out * (1 - out), in the one new array that is returned:
        grad_in = np.subtract(1.0, self.out)
        grad_in *= self.out
        grad_in *= grad_out
        return grad_in

    def parameters(self):
        """A Sigmoid has no parameters: an empty list."""
        return []

    def __repr__(self):
        return "Sigmoid()"


def tanh(x):
    """Hyperbolic tangent, elementwise: ``2 * sigmoid(2x) - 1``, values in [-1, 1].

    Args:
        x: array of any shape (or a float).

    Returns:
        array of ``x``'s shape.

    Taught in: chapter "ReLU and vanishing gradients".
    """
    return np.tanh(as_float_array(x, "x", "tanh"))


class Tanh:
    """Tanh layer: caches its output ``h``; ``backward`` uses ``1 - h**2``.

    ``forward(x)``: x of any shape -> same shape. ``backward(grad_out)``: grad_out of the
    output's shape -> gradient with respect to x, same shape.

    Taught in: chapter "ReLU and vanishing gradients".
    """

    def __init__(self):
        self.out = None  # cached by forward, used by backward

    def forward(self, x):
        x = as_float_array(x, "x", "Tanh.forward")
        check_finite(x, "x", "Tanh.forward")
        self.out = np.tanh(x)
        return self.out

    __call__ = forward

    def backward(self, grad_out):
        need_forward(self.out, "Tanh.backward")
        grad_out = as_float_array(grad_out, "grad_out", "Tanh.backward")
        check_same_shape(grad_out, "grad_out", self.out.shape, "Tanh.backward")
        return grad_out * (1.0 - self.out**2)

    def parameters(self):
        """A Tanh has no parameters: an empty list."""
        return []

    def __repr__(self):
        return "Tanh()"


class ReLU:
    """ReLU layer: caches where its input was positive; ``backward`` lets only those through.

    ``forward(x)``: x of any shape, finite -> same shape. ``backward(grad_out)``: grad_out
    of the output's shape -> gradient with respect to x, same shape (0 where x <= 0).

    Taught in: chapter "ReLU and vanishing gradients".
    """

    def __init__(self):
        self.mask = None  # cached by forward: True where x > 0

    def forward(self, x):
        x = as_float_array(x, "x", "ReLU.forward")
        check_finite(x, "x", "ReLU.forward")  # NaN > 0 is False: a NaN would become 0
        self.mask = x > 0
        return np.where(self.mask, x, 0.0).astype(x.dtype, copy=False)

    __call__ = forward

    def backward(self, grad_out):
        need_forward(self.mask, "ReLU.backward")
        grad_out = as_float_array(grad_out, "grad_out", "ReLU.backward")
        check_same_shape(grad_out, "grad_out", self.mask.shape, "ReLU.backward")
        check_finite(grad_out, "grad_out", "ReLU.backward")
        return np.where(self.mask, grad_out, 0.0).astype(grad_out.dtype, copy=False)

    def parameters(self):
        """A ReLU has no parameters: an empty list."""
        return []

    def __repr__(self):
        return "ReLU()"
