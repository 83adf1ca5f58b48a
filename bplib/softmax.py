"""Softmax and the cross-entropy loss (교차 엔트로피) for classification into several classes.

    softmax(z)_k = exp(z_k) / sum_j exp(z_j)
    loss         = -mean_i log softmax(z_i)_{y_i}
    dloss/dz     = (softmax(z) - one_hot(y)) / batch

Both are computed from ``z - max(z)``: the result is the same (the factor exp(-max) cancels)
and no exponential can overflow, so logits of size 1e4 give finite values and no warnings.
"""

import numpy as np

from .data import as_labels
from .validation import as_float_array, check_2d, check_finite, need_forward


def log_softmax(x):
    """Logarithm of the softmax over the last axis, computed without overflow.

    ``log softmax(x)_k = (x_k - m) - log(sum_j exp(x_j - m))`` with ``m = max_j x_j``.

    Args:
        x: array (..., classes) of finite numbers, e.g. logits (batch, classes).

    Returns:
        float array of ``x``'s shape; every value <= 0.

    Taught in: chapter "Putting it together: training on handwritten digits".
    """
    x = as_float_array(x, "x", "log_softmax")
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ValueError(f"log_softmax: x must have shape (..., classes), got {x.shape}")
    check_finite(x, "x", "log_softmax")
    shifted = x - x.max(axis=-1, keepdims=True)  # largest entry 0: exp(shifted) <= 1
    with np.errstate(under="ignore"):  # exp(-1e4) is 0.0, as it should be
        return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(x):
    """Softmax over the last axis: positive numbers that sum to 1 in every row.

    Args:
        x: array (..., classes) of finite numbers, e.g. logits (batch, classes).

    Returns:
        float array of ``x``'s shape, values in [0, 1], each row summing to 1.

    Taught in: chapter "Putting it together: training on handwritten digits".
    """
    x = as_float_array(x, "x", "softmax")
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ValueError(f"softmax: x must have shape (..., classes), got {x.shape}")
    check_finite(x, "x", "softmax")
    with np.errstate(under="ignore"):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class SoftmaxCrossEntropy:
    """Softmax followed by the cross-entropy loss, as one loss object.

    The network's last Dense layer outputs raw scores (logits), one per class; this loss
    turns them into probabilities and returns the mean of ``-log p[label]`` over the batch.
    Fusing the two makes the gradient simple and stable: ``(p - one_hot(labels)) / batch``.

    ``forward(logits, labels)``: logits (batch, classes) float, labels (batch,) int in
    ``0 .. classes - 1`` -> float, the mean cross-entropy (ln(classes) for uniform guesses).
    ``backward()``: -> (batch, classes), dLoss/dlogits.

    It has the interface of :class:`~bplib.MSE` (``forward(pred, target)``, ``backward()``),
    so :func:`~bplib.gradient_check`, :func:`~bplib.gradient_descent` and
    :func:`~bplib.train` accept it with integer labels as the target.

    Attributes:
        probs: (batch, classes), the softmax of the last logits, set by ``forward``.

    Taught in: chapter "Putting it together: training on handwritten digits".
    """

    def __init__(self):
        self.probs = None  # cached by forward
        self.labels = None

    def forward(self, logits, labels):
        where = "SoftmaxCrossEntropy.forward"
        logits = as_float_array(logits, "logits", where)
        check_2d(logits, "logits", where, feature_name="classes")
        check_finite(logits, "logits", where)
        batch, n_classes = logits.shape
        labels = as_labels(labels, "labels", where, n_classes=n_classes, batch=batch)
        log_p = log_softmax(logits)
        with np.errstate(under="ignore"):
            self.probs = np.exp(log_p)
        self.labels = labels.copy()  # the caller may change its array later
        return float(-np.mean(log_p[np.arange(batch), labels]))

    __call__ = forward

    def backward(self):
        need_forward(self.probs, "SoftmaxCrossEntropy.backward")
        grad = self.probs.copy()
        grad[np.arange(grad.shape[0]), self.labels] -= 1.0
        return grad / grad.shape[0]

    def __repr__(self):
        return "SoftmaxCrossEntropy()"
