"""Loss functions (손실 함수): a forward that returns a number, a backward that starts backprop."""

import numpy as np

from .validation import as_float_array, check_finite, need_forward


class MSE:
    """Mean squared error: ``0.5 * mean((pred - target) ** 2)`` over every element.

    So ``backward()`` returns ``(pred - target) / pred.size``.

    ``forward(pred, target)``: two arrays of the same shape -> float.
    ``backward()``: -> array of ``pred``'s shape and dtype, dLoss/dpred.

    Taught in: chapter "Backpropagation".
    """

    def __init__(self):
        self.diff = None  # cached by forward: pred - target

    def forward(self, pred, target):
        where = "MSE.forward"
        pred = as_float_array(pred, "pred", where)
        target = as_float_array(target, "target", where)
        if pred.shape != target.shape:
            raise ValueError(
                f"{where}: target must have the shape of pred {pred.shape}, got {target.shape}"
            )
        if pred.size == 0:
            raise ValueError(f"{where}: pred is empty (shape {pred.shape})")
        check_finite(pred, "pred", where)
        check_finite(target, "target", where)
        target = target.astype(pred.dtype, copy=False)  # a float32 pred keeps float32
        self.diff = pred - target
        return float(0.5 * np.mean(self.diff**2))

    __call__ = forward

    def backward(self):
        need_forward(self.diff, "MSE.backward")
        return self.diff / self.diff.size

    def __repr__(self):
        return "MSE()"
