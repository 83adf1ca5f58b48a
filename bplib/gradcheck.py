"""Check backpropagation against numerical gradients of the whole network."""

import numpy as np

from .numerical import METHODS, numerical_gradient
from .validation import as_float_array, check_not_class, check_positive


def rel_error(a, b):
    """Symmetric relative error ``|a - b| / max(tiny, |a| + |b|)``, ``|.|`` the Euclidean norm.

    Args:
        a, b: arrays of the same shape (or floats).

    Returns:
        float in [0, 1]. In float64, about 1e-7 or less means the two gradients agree
        (backprop is right); 1e-4 or more means a bug, unless the gradient itself is so
        small that finite differences only see round-off. ``nan`` when ``a`` or ``b``
        holds NaN or infinity: ``nan < threshold`` is False, so such a check fails.

    Taught in: chapter "Numerical gradients".
    """
    a = as_float_array(a, "a", "rel_error").astype(np.float64)
    b = as_float_array(b, "b", "rel_error").astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: b must have the shape of a {a.shape}, got {b.shape}")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return float("nan")  # inf / inf would also be nan, with a warning
    denominator = max(np.finfo(np.float64).tiny, np.linalg.norm(a) + np.linalg.norm(b))
    return float(np.linalg.norm(a - b) / denominator)


def _check_model_and_loss(model, loss, where):
    """The whole-network functions need a network (with ``.layers``) and a loss object."""
    check_not_class(model, "model", where, "bplib.DNN(...)")
    check_not_class(loss, "loss", where, "bplib.MSE()")
    if not hasattr(model, "layers"):
        raise TypeError(
            f"{where}: model must be a network with a list of layers, such as "
            f"bplib.Sequential(layer, ...), got {type(model).__name__}"
        )


def numerical_gradients(model, loss, x, y, eps=1e-5, method="forward"):
    """The seed's whole-network numerical gradient, made to work.

    For every parameter array (each layer's ``W`` then ``b``, first layer first), the
    loss is seen as a function of that array alone and differentiated with
    :func:`~bplib.numerical_gradient`: the layer is handed the perturbed copy, the loss
    is recomputed, and the layer gets its original array back afterwards.
    With N parameters in all, ``"forward"`` costs N + 1 loss evaluations (the reference
    loss once, then one per parameter), ``"central"`` 2N.

    Args:
        model: a :class:`~bplib.Sequential`.
        loss: a loss object; x: (batch, n_input); y: targets.
        eps, method: as for :func:`~bplib.numerical_gradient`.

    Returns:
        list of arrays, one per parameter, in the order of ``model.parameters()``.

    Afterwards every parameter holds its original array again, but the layers' caches hold
    the last perturbed evaluation: run ``forward`` again before calling ``backward``.

    Taught in: chapter "The cost of numerical gradients".
    """
    _check_model_and_loss(model, loss, "numerical_gradients")
    if method not in METHODS:
        raise ValueError(f"numerical_gradients: method must be one of {METHODS}, got {method!r}")
    check_positive(eps, "eps", "numerical_gradients")
    reference = loss.forward(model.forward(x), y) if method == "forward" else None
    grads = []
    for layer in model.layers:
        for name, original, _ in layer.parameters():

            def loss_with(value, layer=layer, name=name):
                setattr(layer, name, value)
                return loss.forward(model.forward(x), y)

            try:
                grads.append(numerical_gradient(loss_with, original, eps, method, f_x=reference))
            finally:
                setattr(layer, name, original)
    return grads


def backprop_gradients(model, loss, x, y):
    """Gradients by backpropagation: one forward, one backward.

    Returns:
        list of arrays, one per parameter, in the order of ``model.parameters()``.

    Taught in: chapter "Backpropagation".
    """
    _check_model_and_loss(model, loss, "backprop_gradients")
    loss.forward(model.forward(x), y)
    model.backward(loss.backward())
    return [grad.copy() for _, _, grad in model.parameters()]


def gradient_check(model, loss, x, y, eps=1e-5):
    """Largest relative error between backprop and central differences over all parameters.

    Args:
        model, loss, x, y: as for :func:`numerical_gradients`.
        eps: finite-difference step.

    Returns:
        float; about 1e-7 or less in float64 means backprop is right.

    The check is blind to gradients smaller than about ``np.spacing(loss) / eps``: moving a
    parameter by ``eps`` then changes the loss by less than its round-off, so the central
    difference is noise. Deep sigmoid networks with tiny initial weights have such first
    layers; there a large error says "vanishing gradient", not "bug" (chapter "ReLU and
    vanishing gradients"). On deep networks, ``eps = 1e-4`` often sits nearer the bottom of
    the error curve than the default.

    Taught in: chapter "Backpropagation".
    """
    check_positive(eps, "eps", "gradient_check")
    analytic = backprop_gradients(model, loss, x, y)
    numeric = numerical_gradients(model, loss, x, y, eps, method="central")
    return max(rel_error(a, n) for a, n in zip(analytic, numeric))
