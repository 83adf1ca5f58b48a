"""The fully connected layer, ``out = x @ W + b``, batch first."""

import numpy as np

from .validation import (
    as_float_array,
    as_float_dtype,
    as_rng,
    check_2d,
    check_finite,
    check_positive,
    check_positive_int,
    need_forward,
)

INITS = ("normal", "lecun", "glorot", "xavier", "he")


def init_weights(in_features, out_features, rng, init="normal", std=0.01):
    """Random weights of shape ``(in_features, out_features)``, drawn from N(0, scale**2).

    * ``"normal"``: scale = ``std`` (0.01 by default), the original notebook's choice.
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
        rng: ``np.random.Generator``, an int seed, or None (unseeded).
        init: ``"normal"`` (seed's N(0, std**2)), ``"xavier"`` or ``"he"``; see
            :func:`init_weights`.
        std: standard deviation for ``init="normal"``.
        dtype: ``np.float64`` (the default) or ``np.float32``; the dtype of ``W`` and ``b``.
            The parameters' dtype decides the computation: ``forward`` and ``backward``
            convert their input to it. float32 weights are the float64 ones rounded.

    Attributes:
        W: (in_features, out_features); b: (out_features,).
        dW, db: gradients of the loss with respect to W and b, set by ``backward``.

    ``forward(x)``: x (batch, in_features) -> (batch, out_features); caches x.
    ``backward(grad_out)``: grad_out (batch, out_features) -> (batch, in_features), the
    gradient with respect to x; sets ``dW = x.T @ grad_out`` and ``db = grad_out.sum(0)``.
    Gradients are exact sums over the batch: the loss does the averaging.
    ``backward(grad_out, input_grad=False)`` sets ``dW`` and ``db`` and returns None: the
    first layer of a network in training, whose input is data, skips the product
    ``grad_out @ W.T`` that nobody would use (for a 784-input layer, a quarter of a step).

    Every call returns a new array. ``dW`` and ``db`` are the exception: ``backward`` writes
    them into the arrays it already has (when their shape and dtype still fit), so a step
    allocates no new parameter-sized arrays. A reference kept with ``g = layer.dW`` therefore
    sees the next ``backward``'s values; keep ``layer.dW.copy()`` to hold on to one.

    Taught in: chapter "Backpropagation".
    """

    def __init__(self, in_features, out_features, rng=None, init="normal", std=0.01,
                 dtype=np.float64):
        check_positive_int(in_features, "in_features", "Dense")
        check_positive_int(out_features, "out_features", "Dense")
        dtype = as_float_dtype(dtype, "Dense")
        rng = as_rng(rng, "Dense")
        self.W = init_weights(in_features, out_features, rng, init, std).astype(dtype)
        self.b = np.zeros(out_features, dtype=dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.x = None  # cached by forward, used by backward

    @classmethod
    def from_arrays(cls, W, b):
        """A Dense layer with the given ``W`` (in, out) and ``b`` (out,), copied.

        float32 arrays give a float32 layer; anything else becomes float64.
        """
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
        layer.W, layer.b = W.copy(), b.astype(W.dtype)  # astype copies
        layer.dW, layer.db = np.zeros_like(layer.W), np.zeros_like(layer.b)
        return layer

    def set_dtype(self, dtype):
        """Convert ``W``, ``b`` and their gradients to ``dtype`` (np.float32 or np.float64)."""
        dtype = as_float_dtype(dtype, "Dense.set_dtype")
        self.W, self.b = self.W.astype(dtype), self.b.astype(dtype)
        self.dW, self.db = self.dW.astype(dtype), self.db.astype(dtype)
        return self

    def forward(self, x):
        x = as_float_array(x, "x", "Dense.forward")
        check_2d(x, "x", "Dense.forward", self.W.shape[0])
        check_finite(x, "x", "Dense.forward")
        x = x.astype(self.W.dtype, copy=False)  # the parameters decide the dtype
        self.x = x
        out = x @ self.W
        out += self.b  # in place: one new array instead of two
        return out

    __call__ = forward

    def backward(self, grad_out, input_grad=True):
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
        grad_out = grad_out.astype(self.W.dtype, copy=False)
        # dW = x.T @ grad_out and db = grad_out.sum(0), written into the existing arrays
        self.dW = reusable(self.dW, self.W)
        np.matmul(self.x.T, grad_out, out=self.dW)
        self.db = reusable(self.db, self.b)
        grad_out.sum(axis=0, out=self.db)
        if not input_grad:  # the caller needs only dW and db (the first layer in training)
            return None
        return grad_out @ self.W.T

    def parameters(self):
        """``[("W", W, dW), ("b", b, db)]``: each parameter with its gradient."""
        return [("W", self.W, self.dW), ("b", self.b, self.db)]

    def __repr__(self):
        return f"Dense({self.W.shape[0]}, {self.W.shape[1]})"


def reusable(grad, param):
    """``grad`` if it can hold the gradient of ``param`` in place, else a new empty array.

    It can when it is a writeable, C-contiguous array of ``param``'s shape and dtype that
    does not share memory with ``param`` (someone may have replaced ``W`` or ``dW``).
    """
    fits = (isinstance(grad, np.ndarray) and grad.shape == param.shape
            and grad.dtype == param.dtype and grad.flags.c_contiguous
            and grad.flags.writeable and not np.may_share_memory(grad, param))
    return grad if fits else np.empty_like(param)
