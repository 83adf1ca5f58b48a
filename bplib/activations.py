"""Activation functions (활성화 함수) and their derivatives, as functions and as layers.

    sigmoid(x) = 1 / (1 + exp(-x)),   sigmoid'(x) = sigmoid(x) (1 - sigmoid(x)) <= 1/4
    tanh(x),                          tanh'(x) = 1 - tanh(x)**2 <= 1
    relu(x)    = max(x, 0),           relu'(x) = 1 for x > 0, else 0 (0 at x = 0 too)

A layer's ``forward`` caches what its ``backward`` needs and returns a new array; the caller
may change that array without touching the cache.
"""

import numpy as np

from .validation import as_float_array, check_same_shape, need_forward


def sigmoid(x):
    """Logistic sigmoid, elementwise, that never overflows.

    Negative inputs use the equal form ``exp(x) / (1 + exp(x))``, so ``exp`` only ever sees
    ``-|x| <= 0``.

    Args:
        x: array of any shape (or a float).

    Returns:
        array of ``x``'s shape, values in [0, 1].

    Taught in: chapter "Sigmoid and its derivative".
    """
    x = as_float_array(x, "x", "sigmoid")
    e = np.exp(-np.abs(x))  # in (0, 1]
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(x):
    """``sigmoid(x) * (1 - sigmoid(x))``, elementwise; at most 1/4.

    Args:
        x: array of any shape (or a float).

    Returns:
        array of ``x``'s shape, values in [0, 0.25].

    Taught in: chapter "Sigmoid and its derivative".
    """
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x):
    """Hyperbolic tangent, elementwise (``2 * sigmoid(2x) - 1``).

    Args:
        x: array of any shape (or a float).

    Returns:
        array of ``x``'s shape, values in [-1, 1].

    Taught in: chapter "Initialisation and unstable gradients".
    """
    return np.tanh(as_float_array(x, "x", "tanh"))


def relu(x):
    """Rectified linear unit, ``max(x, 0)``, elementwise.

    Args:
        x: array of any shape (or a float).

    Returns:
        array of ``x``'s shape.

    Taught in: chapter "ReLU and vanishing gradients".
    """
    return np.maximum(as_float_array(x, "x", "relu"), 0.0)


def relu_derivative(x):
    """1 where ``x > 0``, else 0 (we choose 0 at exactly x = 0).

    Args:
        x: array of any shape (or a float).

    Returns:
        array of ``x``'s shape holding 0.0 and 1.0.

    Taught in: chapter "ReLU and vanishing gradients".
    """
    x = as_float_array(x, "x", "relu_derivative")
    return (x > 0).astype(x.dtype)


def _grad(layer, grad_out, cache):
    """``grad_out`` as a float array of the cached output's shape."""
    where = f"{type(layer).__name__}.backward"
    need_forward(cache, where)
    grad_out = as_float_array(grad_out, "grad_out", where)
    check_same_shape(grad_out, "grad_out", cache.shape, where)
    return grad_out


class Sigmoid:
    """Sigmoid layer: ``forward`` caches ``out = sigmoid(x)``; ``backward`` uses ``out (1 - out)``.

    ``forward(x)``: x of any shape -> same shape.
    ``backward(grad_out)``: grad_out of the output's shape -> dLoss/dx, same shape.

    Taught in: chapter "Backpropagation".
    """

    def __init__(self):
        self.out = None  # cached by forward

    def forward(self, x):
        self.out = sigmoid(as_float_array(x, "x", "Sigmoid.forward"))
        return self.out.copy()

    __call__ = forward

    def backward(self, grad_out):
        grad_out = _grad(self, grad_out, self.out)
        return grad_out * self.out * (1.0 - self.out)

    def parameters(self):
        """No parameters: ``[]``."""
        return []

    def __repr__(self):
        return "Sigmoid()"


class Tanh:
    """Tanh layer: ``forward`` caches ``out = tanh(x)``; ``backward`` uses ``1 - out**2``.

    ``forward(x)``: x of any shape -> same shape.
    ``backward(grad_out)``: grad_out of the output's shape -> dLoss/dx, same shape.

    Taught in: chapter "Initialisation and unstable gradients".
    """

    def __init__(self):
        self.out = None  # cached by forward

    def forward(self, x):
        self.out = tanh(as_float_array(x, "x", "Tanh.forward"))
        return self.out.copy()

    __call__ = forward

    def backward(self, grad_out):
        grad_out = _grad(self, grad_out, self.out)
        return grad_out * (1.0 - self.out**2)

    def parameters(self):
        """No parameters: ``[]``."""
        return []

    def __repr__(self):
        return "Tanh()"


class ReLU:
    """ReLU layer: ``forward`` caches where ``x > 0``; ``backward`` lets only those through.

    ``forward(x)``: x of any shape -> same shape (NaN stays NaN).
    ``backward(grad_out)``: grad_out of the output's shape -> dLoss/dx, 0 where x <= 0.

    Taught in: chapter "ReLU and vanishing gradients".
    """

    def __init__(self):
        self.mask = None  # cached by forward: True where x > 0

    def forward(self, x):
        x = as_float_array(x, "x", "ReLU.forward")
        self.mask = x > 0
        return np.maximum(x, 0.0)

    __call__ = forward

    def backward(self, grad_out):
        grad_out = _grad(self, grad_out, self.mask)
        return np.where(self.mask, grad_out, 0.0)

    def parameters(self):
        """No parameters: ``[]``."""
        return []

    def __repr__(self):
        return "ReLU()"
