"""The fully connected layer, ``out = x @ W + b``, batch first."""

import numpy as np

from .validation import (
    as_float_array,
    as_rng,
    check_2d,
    check_finite,
    check_positive,
    check_positive_int,
    need_forward,
)

INITS = ("normal", "xavier", "he")


def init_weights(in_features, out_features, rng, init="normal", std=0.01):
    """Random weights of shape ``(in_features, out_features)``.

    * ``"normal"``: N(0, std**2), the seed's choice (std = 0.01 by default).
    * ``"xavier"``: N(0, 1 / in_features) -- keeps the variance of sigmoid/tanh layers.
    * ``"he"``: N(0, 2 / in_features) -- keeps the variance of ReLU layers.

    Args:
        in_features, out_features: sizes, positive ints.
        rng: an ``np.random.Generator``.
        init: ``"normal"``, ``"xavier"`` or ``"he"``; std: for ``"normal"``, > 0.

    Returns:
        float64 array of shape ``(in_features, out_features)``.

    Taught in: chapter "ReLU and vanishing gradients".
    """
    check_positive_int(in_features, "in_features", "init_weights")
    check_positive_int(out_features, "out_features", "init_weights")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"init_weights: rng must be an np.random.Generator (np.random.default_rng(seed)), "
            f"got {type(rng).__name__}"
        )
    if init not in INITS:
        raise ValueError(f"init_weights: init must be one of {INITS}, got {init!r}")
    check_positive(std, "std", "init_weights")
    scale = {"normal": std, "xavier": np.sqrt(1.0 / in_features), "he": np.sqrt(2.0 / in_features)}
    return rng.normal(0.0, scale[init], size=(in_features, out_features))


class Dense:
    """Fully connected layer: ``forward(x) = x @ W + b``.

    Args:
        in_features, out_features: sizes, positive ints.
        rng: ``np.random.Generator``, an int seed, or None (unseeded).
        init: ``"normal"`` (seed's N(0, std**2)), ``"xavier"`` or ``"he"``; see
            :func:`init_weights`.
        std: standard deviation for ``init="normal"``.

    Attributes:
        W: (in_features, out_features); b: (out_features,).
        dW, db: gradients of the loss with respect to W and b, set by ``backward``.

    ``forward(x)``: x (batch, in_features) -> (batch, out_features); caches x.
    ``backward(grad_out)``: grad_out (batch, out_features) -> (batch, in_features), the
    gradient with respect to x; sets ``dW = x.T @ grad_out`` and ``db = grad_out.sum(0)``.
    Gradients are exact sums over the batch: the loss does the averaging.

    Taught in: chapter "Backpropagation".
    """

    def __init__(self, in_features, out_features, rng=None, init="normal", std=0.01):
        check_positive_int(in_features, "in_features", "Dense")
        check_positive_int(out_features, "out_features", "Dense")
        rng = as_rng(rng, "Dense")
        self.W = init_weights(in_features, out_features, rng, init, std)
        self.b = np.zeros(out_features)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.x = None  # cached by forward, used by backward

    @classmethod
    def from_arrays(cls, W, b):
        """A Dense layer with the given ``W`` (in, out) and ``b`` (out,), copied."""
        W = as_float_array(W, "W", "Dense.from_arrays")
        b = as_float_array(b, "b", "Dense.from_arrays")
        if W.ndim != 2:
            raise ValueError(f"Dense.from_arrays: W must have shape (in, out), got {W.shape}")
        if b.shape != (W.shape[1],):
            raise ValueError(
                f"Dense.from_arrays: b must have shape ({W.shape[1]},), got {b.shape}"
            )
        check_finite(W, "W", "Dense.from_arrays")
        check_finite(b, "b", "Dense.from_arrays")
        layer = cls(W.shape[0], W.shape[1])
        layer.W, layer.b = W.copy(), b.copy()
        layer.dW, layer.db = np.zeros_like(layer.W), np.zeros_like(layer.b)
        return layer

    def forward(self, x):
        x = as_float_array(x, "x", "Dense.forward")
        check_2d(x, "x", "Dense.forward", self.W.shape[0])
        check_finite(x, "x", "Dense.forward")
        self.x = x
        return x @ self.W + self.b

    __call__ = forward

    def backward(self, grad_out):
        where = "Dense.backward"
        need_forward(self.x, where)
        grad_out = as_float_array(grad_out, "grad_out", where)
        expected = (self.x.shape[0], self.W.shape[1])
        if grad_out.shape != expected:
            raise ValueError(
                f"{where}: grad_out must have shape (batch, out_features) = {expected}, "
                f"got {grad_out.shape}"
            )
        check_finite(grad_out, "grad_out", where)
        self.dW = self.x.T @ grad_out
        self.db = grad_out.sum(axis=0)
        return grad_out @ self.W.T

    def parameters(self):
        """``[("W", W, dW), ("b", b, db)]``: each parameter with its gradient."""
        return [("W", self.W, self.dW), ("b", self.b, self.db)]

    def __repr__(self):
        return f"Dense({self.W.shape[0]}, {self.W.shape[1]})"
