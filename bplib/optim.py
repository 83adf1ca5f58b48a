"""Gradient descent (경사 하강법): move every parameter a small step against its gradient."""

from .validation import check_not_class, check_positive


def gradient_descent(model, loss, x, y, lr=0.01):
    """One step of gradient descent: forward, backward, update.

    Every check happens before the first parameter moves, so a call that raises leaves
    the model as it was.

    Args:
        model: a :class:`~bplib.Sequential` (or anything with ``forward``,
            ``backward`` and ``parameters``).
        loss: a loss object such as :class:`~bplib.MSE` (an instance: ``MSE()``).
        x: inputs (batch, n_input); y: targets of the model output's shape.
        lr: learning rate, > 0.

    Returns:
        float, the loss *before* the update (as the seed's function returned it).

    Taught in: chapter "Backpropagation".
    """
    where = "gradient_descent"
    check_positive(lr, "lr", where)
    check_not_class(model, "model", where, "bplib.DNN(...)")
    check_not_class(loss, "loss", where, "bplib.MSE()")
    value = loss.forward(model.forward(x), y)  # forward pass, every layer caches
    model.backward(loss.backward())  # backward pass, every layer sets its gradients
    parameters = model.parameters()
    check_gradient_shapes(parameters, where)
    for _, param, grad in parameters:
        param -= lr * grad  # in place: the model's own arrays change
    return value


def check_gradient_shapes(parameters, where):
    """Raise ``ValueError`` unless every gradient has its parameter's shape.

    Called before the first parameter moves, so that a wrong gradient (say a transposed
    ``dW``) leaves the whole model unchanged instead of half updated.

    Args:
        parameters: list of ``(name, value, grad)`` as returned by ``model.parameters()``.
        where: the calling function's name, for the message.
    """
    for name, param, grad in parameters:
        if grad.shape != param.shape:
            raise ValueError(
                f"{where}: the gradient of {name} must have the parameter's shape "
                f"{param.shape}, got {grad.shape}; no parameter was changed"
            )
