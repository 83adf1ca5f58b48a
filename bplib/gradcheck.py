"""Check backpropagation against numerical gradients of the whole network."""

import numpy as np

from .numerical import METHODS, numerical_gradient
from .validation import as_float_array, check_loss, check_model, check_positive

TINY = np.finfo(np.float64).tiny


def rel_error(a, b):
    """Symmetric relative error ``|a - b| / max(tiny, |a| + |b|)``, ``|.|`` the Euclidean norm.

    Args:
        a, b: arrays of the same shape (or floats).

    Returns:
        float in [0, 1]; ``nan`` when ``a`` or ``b`` holds NaN or infinity. In float64,
        about 1e-7 or less means two gradients agree; 1e-4 or more means a bug, unless the
        gradient is so small that finite differences see only round-off.

    Taught in: chapter "Numerical gradients".
    """
    a, b = _pair(a, b, "rel_error")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return float("nan")
    largest = max(np.abs(a).max(initial=0.0), np.abs(b).max(initial=0.0))
    if largest == 0.0:
        return 0.0
    # Scale by a power of two (exact) so that the largest entry is about 1: the squares in
    # the norms then neither overflow (1e200) nor underflow (1e-170).
    shift = -np.frexp(largest)[1]
    a, b = np.ldexp(a, shift), np.ldexp(b, shift)
    return float(np.linalg.norm(a - b) / max(TINY, np.linalg.norm(a) + np.linalg.norm(b)))


def max_rel_error(a, b):
    """Largest elementwise relative error ``|a_i - b_i| / max(tiny, |a_i| + |b_i|)``.

    Unlike :func:`rel_error` over the whole array, one wrong small entry cannot hide
    behind large correct ones.

    Args:
        a, b: arrays of the same shape (or floats).

    Returns:
        float in [0, 1]; ``nan`` when ``a`` or ``b`` holds NaN or infinity.

    Taught in: chapter "Backpropagation".
    """
    a, b = _pair(a, b, "max_rel_error")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return float("nan")
    if a.size == 0:
        return 0.0
    scale = np.maximum(np.abs(a) + np.abs(b), TINY)
    return float(np.max(np.abs(a - b) / scale))


def _pair(a, b, where):
    a = as_float_array(a, "a", where).astype(np.float64)
    b = as_float_array(b, "b", where).astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"{where}: b must have the shape of a {a.shape}, got {b.shape}")
    return a, b


def numerical_gradients(model, loss, x, y, eps=1e-5, method="forward"):
    """The numerical gradient of the loss with respect to every parameter of a network.

    Each parameter array in turn is seen as the input of a function: write the moved
    values into the model's own array, recompute the loss (:func:`numerical_gradient`),
    and put the original values back. Works for any model whose ``parameters()`` returns
    its arrays, nested ones included. With N parameters in all, ``"forward"`` costs N + 1
    loss evaluations, ``"central"`` 2N.

    Args:
        model: a :class:`~bplib.Sequential` (``forward``, ``backward``, ``parameters``).
        loss: a loss object; x: (batch, n_input); y: targets.
        eps, method: as for :func:`~bplib.numerical_gradient`.

    Returns:
        list of arrays, one per parameter, in the order of ``model.parameters()``.
        Afterwards every parameter holds its original values, but the caches hold the last
        evaluation's: run ``forward`` again before ``backward``.

    Taught in: chapter "The cost of numerical gradients in a deep network".
    """
    where = "numerical_gradients"
    check_model(model, where)
    check_loss(loss, where)
    if method not in METHODS:
        raise ValueError(f"{where}: method must be one of {METHODS}, got {method!r}")
    check_positive(eps, "eps", where)
    reference = loss.forward(model.forward(x), y) if method == "forward" else None
    grads = []
    for _, param, _ in model.parameters():
        original = param.copy()

        def loss_at(value, param=param):
            param[...] = value
            return loss.forward(model.forward(x), y)

        try:
            grads.append(numerical_gradient(loss_at, original, eps, method, f_x=reference))
        finally:
            param[...] = original
    return grads


def backprop_gradients(model, loss, x, y):
    """Gradients by backpropagation: one forward, one backward.

    Returns:
        list of arrays (copies), one per parameter, in the order of ``model.parameters()``.

    Taught in: chapter "Backpropagation".
    """
    check_model(model, "backprop_gradients")
    check_loss(loss, "backprop_gradients")
    loss.forward(model.forward(x), y)
    model.backward(loss.backward())
    return [grad.copy() for _, _, grad in model.parameters()]


def gradient_check(model, loss, x, y, eps=1e-5):
    """Largest :func:`rel_error` between backprop and central differences, over all parameters.

    Args:
        model, loss, x, y: as for :func:`numerical_gradients`; eps: the step.

    Returns:
        float; about 1e-7 or less in float64 means backprop is right. Gradients smaller
        than about ``np.spacing(loss) / eps`` are invisible to it (chapter "Backpropagation").

    Taught in: chapter "Backpropagation".
    """
    check_positive(eps, "eps", "gradient_check")
    analytic = backprop_gradients(model, loss, x, y)
    numeric = numerical_gradients(model, loss, x, y, eps, method="central")
    return max(rel_error(a, n) for a, n in zip(analytic, numeric))
