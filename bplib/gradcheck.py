"""Check backpropagation against numerical gradients of the whole network."""

import numpy as np

from .numerical import numerical_gradient


def rel_error(a, b):
    """Symmetric relative error ``|a - b| / max(tiny, |a| + |b|)``, ``|.|`` the Euclidean norm.

    Args:
        a, b: arrays of the same shape (or floats).

    Returns:
        float in [0, 1]. In float64, about 1e-7 or less means the two gradients agree
        (backprop is right); 1e-4 or more means a bug, unless the gradient itself is so
        small that finite differences only see round-off.

    Taught in: chapter "Numerical gradients".
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: b must have the shape of a {a.shape}, got {b.shape}")
    denominator = max(np.finfo(np.float64).tiny, np.linalg.norm(a) + np.linalg.norm(b))
    return float(np.linalg.norm(a - b) / denominator)


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

    Taught in: chapter "The cost of numerical gradients".
    """
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

    Taught in: chapter "Backpropagation".
    """
    analytic = backprop_gradients(model, loss, x, y)
    numeric = numerical_gradients(model, loss, x, y, eps, method="central")
    return max(rel_error(a, n) for a, n in zip(analytic, numeric))
