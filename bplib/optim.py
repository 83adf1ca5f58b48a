"""Gradient descent (경사 하강법): move every parameter a small step against its gradient."""

import numpy as np

from .validation import check_loss, check_model, check_positive


def gradient_descent(model, loss, x, y, lr=0.01):
    """One step of gradient descent: forward, backward, ``update``.

    Args:
        model: a :class:`~bplib.Sequential` (anything with ``forward``, ``backward`` and
            ``parameters``).
        loss: a loss object such as ``bplib.MSE()``.
        x: inputs (batch, n_input); y: targets for the model's output.
        lr: learning rate, > 0.

    Returns:
        float, the loss *before* the update.

    Taught in: chapter "Backpropagation".
    """
    where = "gradient_descent"
    check_model(model, where)
    check_loss(loss, where)
    check_positive(lr, "lr", where)
    value = loss.forward(model.forward(x), y)
    model.backward(loss.backward())
    update(model.parameters(), lr, where)
    return value


def update(parameters, lr, where="update"):
    """``param -= lr * grad`` for every parameter, all or nothing.

    Every new value is computed and checked first; only when all are finite and of the
    right shape are they written, so a call that raises leaves every parameter as it was.

    Args:
        parameters: ``[(name, param, grad), ...]`` as from ``model.parameters()``; each
            ``param`` a writeable float array, ``grad`` of its shape.
        lr: learning rate, > 0.

    Raises:
        ValueError: a gradient of the wrong shape, or a read-only parameter.
        TypeError: a parameter that is not a float array.
        FloatingPointError: a new value would be NaN or infinite (lr too large?).

    Taught in: chapter "Backpropagation".
    """
    new_values = []
    for name, param, grad in parameters:
        if not (isinstance(param, np.ndarray) and param.dtype.kind == "f"):
            raise TypeError(f"{where}: parameter {name} must be a float array, got "
                            f"{type(param).__name__} {getattr(param, 'dtype', '')}".rstrip())
        if not param.flags.writeable:
            raise ValueError(f"{where}: parameter {name} is read-only; no parameter was changed")
        if np.shape(grad) != param.shape:
            raise ValueError(f"{where}: the gradient of {name} must have the parameter's shape "
                             f"{param.shape}, got {np.shape(grad)}; no parameter was changed")
        new = param - lr * np.asarray(grad, dtype=param.dtype)
        if not np.isfinite(new).all():
            raise FloatingPointError(f"{where}: the update would make {name} NaN or infinite "
                                     f"(is lr={lr:g} too large?); no parameter was changed")
        new_values.append(new)
    for (_, param, _), new in zip(parameters, new_values):
        param[...] = new
