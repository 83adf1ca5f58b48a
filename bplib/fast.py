"""The speed-tuned training step: the core's numbers, fewer passes over memory.

This is not the lesson: read ``layers.py``, ``activations.py`` and ``optim.py`` first.
:func:`train_step` does what :func:`bplib.gradient_descent` does for a
:class:`~bplib.Sequential` of ``Dense``, ``Sigmoid`` and ``ReLU`` layers, with the tricks
the appendix "Performance of bplib" measures:

* ``sigmoid_fast``: ``1 / (1 + exp(-x))`` computed in place in one new array;
* no copies of cached arrays (the caller never sees them);
* ``dW`` and ``db`` written into the arrays the layer already has;
* no gradient with respect to the data for the first layer;
* the update ``param -= lr * grad`` in blocks that stay in the CPU cache.

``tests/test_fast_paths.py`` holds it to the core's numbers (relative 1e-12 in float64).
"""

import numpy as np

from .activations import ReLU, Sigmoid
from .layers import Dense
from .validation import as_float_array, check_loss, check_positive

BLOCK = 65_536  # numbers per block of subtract_scaled: 512 KiB of float64


def sigmoid_fast(x):
    """:func:`bplib.sigmoid` as ``1 / (1 + exp(-x))``, four steps in one new array.

    ``exp(-x)`` overflows to inf for x < -709 (float64), and ``1 / (1 + inf) = 0`` is the
    right limit, so that warning is silenced. Equal to ``sigmoid`` within 1e-14 relative
    (float64) except below the smallest normal number.

    Args:
        x: array of any shape.

    Returns:
        array of ``x``'s shape and dtype.

    Taught in: appendix "Performance of bplib".
    """
    x = as_float_array(x, "x", "sigmoid_fast")
    out = np.negative(x, out=np.empty_like(x))
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1.0
    return np.divide(1.0, out, out=out)


def train_step(model, loss, x, y, lr):
    """One step of gradient descent, as :func:`bplib.gradient_descent`, tuned for speed.

    Args:
        model: a :class:`~bplib.Sequential`; its Dense, Sigmoid and ReLU layers take the
            fast path, other layers run their own ``forward``/``backward``.
        loss: a loss object; x: (batch, n_input); y: targets; lr: learning rate, > 0.

    Returns:
        float, the loss before the update.

    Raises:
        FloatingPointError: the loss or a gradient is not finite; no parameter changed.

    Taught in: appendix "Performance of bplib".
    """
    check_loss(loss, "fast.train_step")
    check_positive(lr, "lr", "fast.train_step")
    layers = model.layers
    h = np.asarray(x)
    for layer in layers:
        h = _forward(layer, h)
    value = loss.forward(h, y)
    g = loss.backward()
    for k in range(len(layers) - 1, -1, -1):
        g = _backward(layers[k], g, input_grad=k > 0)
    parameters = model.parameters()
    for name, _, grad in parameters:
        if not np.isfinite(grad).all():
            raise FloatingPointError(f"fast.train_step: the gradient of {name} is not "
                                     "finite; no parameter was changed")
    for _, param, grad in parameters:
        subtract_scaled(param, lr, grad)
    return value


def _forward(layer, h):
    if type(layer) is Dense:
        layer.x = h = h.astype(layer.W.dtype, copy=False)
        out = h @ layer.W
        out += layer.b  # in place: one new array instead of two
        return out
    if type(layer) is Sigmoid:
        layer.out = sigmoid_fast(h)
        return layer.out
    if type(layer) is ReLU:
        layer.mask = h > 0
        return np.maximum(h, 0.0)
    return layer.forward(h)


def _backward(layer, g, input_grad):
    if type(layer) is Dense:
        g = g.astype(layer.W.dtype, copy=False)
        layer.dW = np.matmul(layer.x.T, g, out=reusable(layer.dW, layer.W))
        layer.db = g.sum(axis=0, out=reusable(layer.db, layer.b))
        return g @ layer.W.T if input_grad else None
    if type(layer) is Sigmoid:
        grad_in = np.subtract(1.0, layer.out)  # out * (1 - out) * g in one new array
        grad_in *= layer.out
        grad_in *= g
        return grad_in
    if type(layer) is ReLU:
        return np.where(layer.mask, g, 0.0)
    return layer.backward(g)


def reusable(grad, param):
    """``grad`` if it can hold ``param``'s gradient in place, else a new empty array."""
    fits = (isinstance(grad, np.ndarray) and grad.shape == param.shape
            and grad.dtype == param.dtype and grad.flags.c_contiguous
            and grad.flags.writeable and not np.may_share_memory(grad, param))
    return grad if fits else np.empty_like(param)


def subtract_scaled(param, lr, grad):
    """``param -= lr * grad`` in place, about ``BLOCK`` numbers at a time.

    The plain line makes a temporary ``lr * grad`` as large as the parameter; blocks keep
    it small and in the cache, with the same result to the last bit.

    Args:
        param: array with at least one dimension, changed in place; lr: float;
        grad: array of ``param``'s shape.
    """
    if param.ndim == 0 or param.size <= BLOCK:
        param -= lr * grad
        return
    rows = max(1, BLOCK // max(1, param[0].size))
    for start in range(0, param.shape[0], rows):
        param[start:start + rows] -= lr * grad[start:start + rows]
