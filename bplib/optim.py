"""Gradient descent (경사 하강법): move every parameter a small step against its gradient."""

from .validation import check_positive


def gradient_descent(model, loss, x, y, lr=0.01):
    """One step of gradient descent: forward, backward, update.

    Args:
        model: a :class:`~bplib.Sequential` (or anything with ``forward``,
            ``backward`` and ``parameters``).
        loss: a loss object such as :class:`~bplib.MSE`.
        x: inputs (batch, n_input); y: targets of the model output's shape.
        lr: learning rate, > 0.

    Returns:
        float, the loss *before* the update (as the seed's function returned it).

    Taught in: chapter "Backpropagation".
    """
    check_positive(lr, "lr", "gradient_descent")
    value = loss.forward(model.forward(x), y)  # forward pass, every layer caches
    model.backward(loss.backward())  # backward pass, every layer sets its gradients
    for _, param, grad in model.parameters():
        param -= lr * grad  # in place: the model's own arrays change
    return value
