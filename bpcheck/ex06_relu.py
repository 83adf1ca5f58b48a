"""Checks of Exercise 6: ReLU and vanishing gradients."""


import numpy as np

from bplib.activations import ReLU, Sigmoid, relu, relu_derivative
from bplib.gradcheck import backprop_gradients
from bplib.losses import MSE
from bplib.network import DNN

from .engine import Wrong, compare, make_check, unchanged
from .engine import seeded_rng as _rng

_RELU_CASES = [
    ("x = linspace(-3, 3, 7), zero included", np.linspace(-3.0, 3.0, 7)),
    ("x of shape (3, 4)", _rng(12).normal(size=(3, 4))),
]


@make_check(2)
def check_relu(run, fn):
    """Check ``fn(x)``: ReLU, max(x, 0) elementwise, as a new array."""
    for what, x0 in _RELU_CASES:
        run.next(what)
        x = x0.copy()
        answer = run.call(fn, x)
        if np.ndim(answer) < x0.ndim and answer is not None:
            raise Wrong(f"your result has shape {np.shape(answer)}, expected {x0.shape}: "
                        "np.max reduces an axis; np.maximum(x, 0) compares elementwise.")
        unchanged(x0, x, "x", "you wrote into the input (for example x[x < 0] = 0); work "
                  "on a copy or use np.maximum(x, 0), which returns a new array.")
        compare(answer, relu(x0), "relu(x)", [
            (relu_derivative(x0), "you returned 1 where x > 0 (the derivative); ReLU "
             "returns x itself there: max(x, 0)."),
            (np.minimum(x0, 0), "you kept the negative part: ReLU is max(x, 0)."),
            (np.abs(x0), "negative inputs must become 0, not |x|."),
        ])


@make_check(2)
def check_relu_derivative(run, fn):
    """Check ``fn(x)``: 1 where x > 0, else 0 (0 at x = 0, the book's choice)."""
    for what, x0 in _RELU_CASES:
        run.next(what)
        x = x0.copy()
        answer = run.call(fn, x)
        unchanged(x0, x, "x", "compute a new array; do not write into the input.")
        compare(answer, relu_derivative(x0), "relu'(x)", [
            ((x0 >= 0).astype(float), "at x = 0 the book uses derivative 0: use x > 0, "
             "not x >= 0."),
            (relu(x0), "you returned relu(x); its derivative is 1 where x > 0, else 0."),
            ((x0 < 0).astype(float), "the derivative is 1 for *positive* x."),
        ])


def _norm_case(offset, activation, depth):
    rng = _rng(offset)
    model = DNN(depth, 6, 4, 2, activation=activation, rng=rng, init="lecun")
    return model, rng.normal(size=(3, 4)), rng.normal(size=(3, 2))


@make_check(2)
def check_gradient_norms(run, fn):
    """Check ``fn(model, x, y)``: the norm of each Dense layer's dW after one backward pass.

    Forward, MSE loss, backward; return ``[np.linalg.norm(dW) for each Dense]``, first
    layer first.
    """
    for offset, activation, depth in ((13, Sigmoid, 4), (14, ReLU, 3)):
        run.next(f"a {activation.__name__} network of depth {depth}")
        model, x, y = _norm_case(offset, activation, depth)
        answer = run.call(fn, model, x.copy(), y.copy(),
                          context="(called as fn(model, x, y))")
        ref, _, _ = _norm_case(offset, activation, depth)
        grads = backprop_gradients(ref, MSE(), x, y)
        dW, db = grads[0::2], grads[1::2]
        expected = np.array([np.linalg.norm(g) for g in dW])
        weights = np.array([np.linalg.norm(w) for _, w, _ in ref.parameters()][0::2])
        both = np.array([np.linalg.norm(g) for g in grads])
        compare(answer, expected, "the list of norms", [
            (expected[::-1], "your list starts at the last layer: list the norms first "
             "layer first (the input side), as model.layers runs."),
            (expected**2, "these are squared norms: use np.linalg.norm(dW)."),
            (weights, "these are the norms of the weights W, not of their gradients dW."),
            (both, "you included the biases' gradients: only dW of each Dense layer."),
            (np.array([np.linalg.norm(g) for g in db]), "these are the norms of db; the "
             "experiment compares dW."),
            (np.zeros_like(expected), "all norms are 0: run forward, the loss and backward "
             "before reading dW."),
        ])
