"""Gradient descent (경사 하강법): move every parameter a small step against its gradient."""

from .network import Sequential
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
    backward_pass(model, loss.backward())  # every layer sets its gradients
    parameters = model.parameters()
    check_gradient_shapes(parameters, where)
    for _, param, grad in parameters:
        subtract_scaled(param, lr, grad)  # param -= lr * grad, in place
    return value


BLOCK = 65_536  # numbers per block of subtract_scaled: 512 KiB of float64, fits in a cache


def subtract_scaled(param, lr, grad):
    """``param -= lr * grad`` in place, a block of rows at a time.

    The plain line makes a temporary array ``lr * grad`` as large as the parameter (8 MB
    for a 1024 x 1024 float64 weight) and then reads it back. Going through blocks of about
    ``BLOCK`` numbers keeps each temporary small and in the CPU cache, with the same result
    to the last bit; it is about twice as fast for large weights.

    Args:
        param: array of any shape with at least one dimension, changed in place.
        lr: float; grad: array of ``param``'s shape.

    Taught in: appendix "Performance of bplib".
    """
    if param.ndim == 0 or param.size <= BLOCK:  # small: one block, the plain line
        param -= lr * grad
        return
    rows = max(1, BLOCK // max(1, param[0].size))  # rows per block
    for start in range(0, param.shape[0], rows):
        param[start:start + rows] -= lr * grad[start:start + rows]


def backward_pass(model, grad):
    """``model.backward(grad)`` for training: only the parameters' gradients are needed.

    A :class:`~bplib.Sequential` is told so (``input_grad=False``), and its first Dense
    layer skips the gradient with respect to the data; other models run their plain
    ``backward``.

    Args:
        model: the network; grad: dLoss/doutput, of the output's shape.

    Taught in: appendix "Performance of bplib".
    """
    if isinstance(model, Sequential):
        model.backward(grad, input_grad=False)
    else:
        model.backward(grad)


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
