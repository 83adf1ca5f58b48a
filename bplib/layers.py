"""The fully connected layer, ``out = x @ W + b``, batch first."""

import numpy as np

from .validation import (
    as_float_array,
    as_float_dtype,
    as_rng,
    check_2d,
    check_finite,
    check_int,
    check_positive,
    check_same_shape,
    need_forward,
)

INITS = ("normal", "lecun", "glorot", "xavier", "he")


def init_weights(in_features, out_features, rng, init="normal", std=0.01):
    """Random weights of shape ``(in_features, out_features)``, drawn from N(0, scale**2).

    * ``"normal"``: scale = ``std`` (0.01 by default).
    * ``"lecun"``: variance 1 / in_features; keeps the forward variance of a linear layer.
    * ``"glorot"`` (also ``"xavier"``): variance 2 / (in_features + out_features); a
      compromise between the forward (1 / in) and the backward (1 / out) variance, for tanh.
    * ``"he"``: variance 2 / in_features; ReLU zeroes half its inputs, so it doubles LeCun's.

    Args:
        in_features, out_features: sizes, positive ints.
        rng: an ``np.random.Generator``.
        init: one of ``INITS``; std: for ``"normal"``, > 0.

    Returns:
        float64 array of shape ``(in_features, out_features)``.

    Taught in: chapters "ReLU and vanishing gradients", "Initialisation and unstable gradients".
    """
    check_int(in_features, "in_features", "init_weights")
    check_int(out_features, "out_features", "init_weights")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"init_weights: rng must be an np.random.Generator (np.random.default_rng(seed)), "
            f"got {type(rng).__name__}"
        )
    if init not in INITS:
        raise ValueError(f"init_weights: init must be one of {INITS}, got {init!r}")
    check_positive(std, "std", "init_weights")
    variance = {
        "lecun": 1.0 / in_features,
        "glorot": 2.0 / (in_features + out_features),
        "xavier": 2.0 / (in_features + out_features),
        "he": 2.0 / in_features,
    }
    scale = std if init == "normal" else np.sqrt(variance[init])
    return rng.normal(0.0, scale, size=(in_features, out_features))


class Dense:
    """Fully connected layer: ``forward(x) = x @ W + b``.

    Args:
        in_features, out_features: sizes, positive ints.
        rng: ``np.random.Generator``, an int seed >= 0, or None (unseeded).
        init, std: weight initialisation, see :func:`init_weights`.
        dtype: ``np.float64`` (default) or ``np.float32``, the dtype of ``W`` and ``b``; the
            input is converted to it.

    Attributes:
        W: (in_features, out_features); b: (out_features,).
        dW, db: dLoss/dW and dLoss/db, set by ``backward``.

    ``forward(x)``: x (batch, in_features) -> (batch, out_features); caches a copy of x.
    ``backward(grad_out)``: grad_out (batch, out_features) -> dLoss/dx (batch, in_features).

    Taught in: chapter "Backpropagation".
    """

    def __init__(self, in_features, out_features, rng=None, init="normal", std=0.01,
                 dtype=np.float64):
        check_int(in_features, "in_features", "Dense")
        check_int(out_features, "out_features", "Dense")
        dtype = as_float_dtype(dtype, "Dense")
        rng = as_rng(rng, "Dense")
        self.W = init_weights(in_features, out_features, rng, init, std).astype(dtype)
        self.b = np.zeros(out_features, dtype=dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.x = None  # cached by forward

    @classmethod
    def from_arrays(cls, W, b):
        """A Dense layer holding copies of ``W`` (in, out) and ``b`` (out,).

        float32 arrays give a float32 layer; anything else becomes float64.
        """
        where = "Dense.from_arrays"
        W, b = as_float_array(W, "W", where), as_float_array(b, "b", where)
        if W.ndim != 2:
            raise ValueError(f"{where}: W must have shape (in, out), got {W.shape}")
        check_same_shape(b, "b", (W.shape[1],), where)
        check_finite(W, "W", where)
        check_finite(b, "b", where)
        layer = cls(W.shape[0], W.shape[1], dtype=W.dtype)
        layer.W, layer.b = W.copy(order="C"), b.astype(W.dtype)  # astype copies
        return layer

    def set_dtype(self, dtype):
        """Convert ``W``, ``b`` and their gradients to ``dtype`` (float32 or float64)."""
        dtype = as_float_dtype(dtype, "Dense.set_dtype")
        self.W, self.b = self.W.astype(dtype), self.b.astype(dtype)
        self.dW, self.db = self.dW.astype(dtype), self.db.astype(dtype)
        return self

    def forward(self, x):
        self.x = self._input(x)
        return self.x @ self.W + self.b

    __call__ = forward

    def backward(self, grad_out):
        g = self._grad(grad_out)
        self.dW = self.x.T @ g
        self.db = g.sum(axis=0)
        return g @ self.W.T

    def parameters(self):
        """``[("W", W, dW), ("b", b, db)]``: each parameter with its gradient."""
        return [("W", self.W, self.dW), ("b", self.b, self.db)]

    def _input(self, x):
        """A private copy of ``x`` (batch, in_features) in the parameters' dtype."""
        where = "Dense.forward"
        x = as_float_array(x, "x", where)
        check_2d(x, "x", where, self.W.shape[0])
        if x.dtype != self.W.dtype and np.abs(x).max() > np.finfo(self.W.dtype).max:
            raise ValueError(f"{where}: x holds values beyond the range of {self.W.dtype} "
                             f"(largest |x| {np.abs(x).max():.3g}) and would become infinite")
        return np.array(x, dtype=self.W.dtype, order="C")

    def _grad(self, grad_out):
        """``grad_out`` checked to be (batch, out_features), in the parameters' dtype."""
        where = "Dense.backward"
        need_forward(self.x, where)
        grad_out = as_float_array(grad_out, "grad_out", where)
        expected = (self.x.shape[0], self.W.shape[1])
        if grad_out.shape != expected:
            raise ValueError(f"{where}: grad_out must have shape (batch, out_features) = "
                             f"{expected}, got {grad_out.shape}")
        return grad_out.astype(self.W.dtype, copy=False)

    def __repr__(self):
        return f"Dense({self.W.shape[0]}, {self.W.shape[1]})"
