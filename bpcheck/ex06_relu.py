"""Checks of Exercise 6: ReLU, vanishing gradients, and what initialisation does to them."""

# The variants passed to compare() are lambdas over loop variables; compare() calls them at
# once, inside the same iteration, so the late binding ruff warns about cannot bite.
# ruff: noqa: B023

import numpy as np

from bplib.activations import ReLU, Sigmoid, relu, relu_derivative
from bplib.gradcheck import backprop_gradients
from bplib.layers import Dense
from bplib.losses import MSE
from bplib.network import DNN

from .engine import Wrong, as_answer, compare, make_check, unchanged
from .engine import seeded_rng as _rng

_RELU_CASES = [
    ("x = linspace(-3, 3, 7), zero included", np.linspace(-3.0, 3.0, 7)),
    ("x of shape (3, 4)", _rng(12).normal(size=(3, 4))),
]


def _reduced(answer, x0):
    answer = as_answer(answer, "your result")
    if np.ndim(answer) < x0.ndim:
        raise Wrong(f"your result has shape {np.shape(answer)}, expected {x0.shape}: "
                    "np.max reduces an axis; np.maximum(x, 0) compares elementwise.")


@make_check(2)
def check_relu(run, fn):
    """Check ``fn(x)``: ReLU, max(x, 0) elementwise, as a new array."""
    for what, x0 in _RELU_CASES:
        run.next(what)
        x = x0.copy()
        answer = run.call(fn, x, hints=[
            (ValueError, "truth value", "`if x > 0` asks one question about a whole array: "
             "compare elementwise with np.maximum(x, 0) or np.where(x > 0, x, 0).")])
        _reduced(answer, x0)
        unchanged(x0, x, "x", "you wrote into the input (for example x[x < 0] = 0); work "
                  "on a copy or use np.maximum(x, 0), which returns a new array.")
        compare(answer, relu(x0), "relu(x)", [
            (relu_derivative(x0), "you returned 1 where x > 0 (the derivative); ReLU "
             "returns x itself there: max(x, 0)."),
            (np.minimum(x0, 0), "you kept the negative part: ReLU is max(x, 0)."),
            (np.abs(x0), "negative inputs must become 0, not |x|."),
            (x0 * (x0 < 0), "you kept the negative part: ReLU is max(x, 0)."),
            (np.maximum(x0, 1), "compare with 0, not 1: relu(x) = max(x, 0), which "
             "np.maximum(x, 0) computes."),
            (np.trunc(relu(x0)), "relu(x) holds whole numbers: an integer dtype (.astype(int) "
             "or an array made with dtype=int) cut off the fractions; keep x's float dtype."),
        ])


@make_check(2)
def check_relu_derivative(run, fn):
    """Check ``fn(x)``: 1 where x > 0, else 0 (0 at x = 0, the book's choice)."""
    for what, x0 in _RELU_CASES:
        run.next(what)
        x = x0.copy()
        answer = run.call(fn, x, hints=[
            (ValueError, "truth value", "`if x > 0` asks one question about a whole array: "
             "compare elementwise, (x > 0).astype(float).")])
        _reduced(answer, x0)
        unchanged(x0, x, "x", "compute a new array; do not write into the input.")
        compare(answer, relu_derivative(x0), "relu'(x)", [
            ((x0 >= 0).astype(float), "at x = 0 the book uses derivative 0: use x > 0, "
             "not x >= 0."),
            (relu(x0), "you returned relu(x); its derivative is 1 where x > 0, else 0."),
            ((x0 < 0).astype(float), "the derivative is 1 for *positive* x."),
            ((x0 <= 0).astype(float), "the derivative is 1 for *positive* x."),
            (np.sign(x0), "np.sign gives -1 for negative x; the derivative is 0 there: "
             "(x > 0).astype(float)."),
            (-(x0 > 0).astype(float), "the slope of ReLU is +1 for positive x."),
        ])


def _norm_case(offset, activation, depth):
    rng = _rng(offset)
    model = DNN(hidden_depth=depth, num_neuron=6, n_input=4, n_output=2,
                activation=activation, rng=rng, init="lecun")
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
        calls = {"backward": 0}
        original = model.backward

        def counted(*args, **kwargs):
            calls["backward"] += 1
            return original(*args, **kwargs)

        model.backward = counted
        answer = run.call(fn, model, x.copy(), y.copy(),
                          context="(called as fn(model, x, y))", hints=[
                              (AttributeError, "dW", "only the Dense layers have dW: keep "
                               "the layers with isinstance(layer, bplib.Dense)."),
                              (ValueError, "call forward() before backward()", "the loss "
                               "must see the output before it has a gradient: "
                               "loss.forward(model.forward(x), y), then "
                               "model.backward(loss.backward()).")])
        ref, _, _ = _norm_case(offset, activation, depth)
        grads = backprop_gradients(ref, MSE(), x, y)
        dW, db = grads[0::2], grads[1::2]
        expected = np.array([np.linalg.norm(g) for g in dW])
        if calls["backward"] == 0 and not any(
                np.any(layer.dW) for layer in model.layers if isinstance(layer, Dense)):
            raise Wrong("model.backward was never called, so every dW is still 0: run "
                        "the forward pass, the loss, then model.backward(loss.backward()) "
                        "before reading the norms.")
        weights = np.array([np.linalg.norm(w) for _, w, _ in ref.parameters()][0::2])
        both = np.array([np.linalg.norm(g) for g in grads])
        if isinstance(answer, (list, tuple)) and len(answer) == 2 * len(expected):
            raise Wrong("you included the biases' gradients: only dW of each Dense layer.")
        compare(answer, expected, "the list of norms", [
            (expected[::-1], "your list starts at the last layer: list the norms first "
             "layer first (the input side), as model.layers runs."),
            (expected**2, "these are squared norms: use np.linalg.norm(dW)."),
            (weights, "these are the norms of the weights W, not of their gradients dW."),
            (both, "you included the biases' gradients: only dW of each Dense layer."),
            (np.array([np.linalg.norm(g) for g in db]), "these are the norms of db; the "
             "experiment compares dW."),
            (np.array([np.abs(g).max() for g in dW]), "this is the largest entry of each "
             "dW; the norm is np.linalg.norm(dW), the square root of the sum of squares."),
            (np.array([np.abs(g).sum() for g in dW]), "this is the sum of absolute values; "
             "the norm is np.linalg.norm(dW), the square root of the sum of squares."),
            (np.array([np.linalg.norm(g, 2) for g in dW]), "np.linalg.norm(dW, 2) is the "
             "largest singular value; use the default (Frobenius) norm, "
             "np.linalg.norm(dW)."),
            (np.zeros_like(expected), "all norms are 0: run forward, the loss and backward "
             "before reading dW."),
            (lambda: _norms_sent_back(offset, activation, depth, x, np.ones_like),
             "you sent back ones instead of the loss's gradient: loss = bplib.MSE(), "
             "loss.forward(out, y), then model.backward(loss.backward())."),
            (lambda: _norms_sent_back(offset, activation, depth, x, lambda out: out - y),
             "out - y is MSE's gradient without its factor 1 / out.size: let the loss "
             "compute it, model.backward(loss.backward()) after loss.forward(out, y)."),
        ])


def _norms_sent_back(offset, activation, depth, x, gradient_of):
    """The dW norms when ``gradient_of(output)`` is sent back instead of the loss's."""
    model, _, _ = _norm_case(offset, activation, depth)
    model.backward(gradient_of(model.forward(x)))
    return np.array([np.linalg.norm(layer.dW) for layer in model.layers
                     if isinstance(layer, Dense)])


# --- predict, then measure: the gradient factor per layer --------------------------------

_VARIANCE = {
    "normal": lambda width: 0.01**2,
    "lecun": lambda width: 1.0 / width,
    "glorot": lambda width: 2.0 / (width + width),
    "xavier": lambda width: 2.0 / (width + width),
    "he": lambda width: 2.0 / width,
}


def gradient_factor(init, width):
    """The book's prediction: sqrt(width * Var(W) / 2) for a ReLU layer of width -> width."""
    return float(np.sqrt(width * _VARIANCE[init](width) / 2))


@make_check(2)
def check_gradient_factor(run, fn):
    """Check ``fn(init, width)``: by what factor one ReLU layer (width -> width) scales the
    norm of the gradient on its way back, for ``init`` in "normal" (std 0.01), "lecun",
    "glorot" (also "xavier") and "he".

    The gradient's squared norm is multiplied by width * Var(W) (the product with W.T)
    and halved (ReLU's derivative is 0 for about half the units), so the norm is
    multiplied by sqrt(width * Var(W) / 2).
    """
    groups = [("width 256 with init 'he', 'lecun' and 'normal'",
               [("he", 256), ("lecun", 256), ("normal", 256)]),
              ("width 32 and 64 with init 'glorot', 'xavier' and 'normal'",
               [("glorot", 32), ("xavier", 64), ("normal", 32)])]
    for what, cases in groups:
        run.next(what)
        answers = []
        for init, width in cases:
            answer = run.call(fn, init, width, context="(called as fn(init, width))",
                              hints=[(KeyError, None, "your function does not know one of "
                                      "the init names: 'normal', 'lecun', 'glorot' (the same "
                                      "as 'xavier') and 'he'.")])
            if answer is None:
                raise Wrong(f"your function returned None for init={init!r}: every init "
                            "name needs a return value ('xavier' is 'glorot').")
            answers.append(as_answer(answer, f"the factor for init={init!r}"))
        widths = np.array([width for _, width in cases], dtype=float)
        var = np.array([_VARIANCE[init](width) for init, width in cases])
        glorot = np.array([init in ("glorot", "xavier") for init, _ in cases])
        expected = np.sqrt(widths * var / 2)
        same = "each init has its own variance: 'normal' 0.01**2, 'lecun' 1/n_in, " \
               "'glorot' 2/(n_in + n_out), 'he' 2/n_in."
        compare(np.array(answers).reshape(-1) if all(a.size == 1 for a in answers)
                else answers, expected, "the list of factors for " + ", ".join(
                    f"{init!r} at width {width}" for init, width in cases), [
            (np.sqrt(widths * var), "you left out ReLU. Its derivative is 0 for about half "
             "of the units, which halves the squared norm: sqrt(width * Var(W) / 2)."),
            (widths * var / 2, "this is the factor of the *squared* norm; the norm itself "
             "scales by its square root."),
            (widths * var, "this is the factor of the squared norm without ReLU's "
             "halving; take sqrt(width * Var(W) / 2)."),
            (1 / expected, "this is the inverse; going back, the norm is *multiplied* by "
             "sqrt(width * Var(W) / 2)."),
            (np.sqrt(var / 2), "the product with W.T sums width terms, multiplying the "
             "squared norm by width * Var(W): sqrt(width * Var(W) / 2)."),
            (np.sqrt(var), "the product with W.T sums width terms: "
             "sqrt(width * Var(W) / 2)."),
            (np.sqrt(widths * 0.01**2 / 2), "0.01 is the standard deviation of init "
             "'normal' only; " + same),
            (np.sqrt(widths * (1.0 / widths) / 2), same),
            (np.sqrt(widths * (2.0 / widths) / 2), same),
            (np.sqrt(widths * np.where(var == 1e-4, 0.01, var) / 2), "0.01 is the "
             "standard deviation of init 'normal'; its variance is 0.01**2."),
            (np.sqrt(widths * var) / 2, "ReLU halves the *squared* norm, so the norm shrinks "
             "by sqrt(2), not by 2: sqrt(width * Var(W) / 2)."),
            (np.sqrt(widths * np.where(glorot, 2.0 / widths, var) / 2), "'glorot' (the same "
             "as 'xavier') has variance 2/(n_in + n_out), which for a square layer is "
             "1/width, not He's 2/width."),
        ], tol=1e-6)


# --- the ReLU kink -------------------------------------------------------------------------


@make_check(2)
def check_kink_entries(run, fn):
    """Check ``fn(x, eps)``: a boolean array, True where a central difference with step eps
    straddles ReLU's kink at 0 (|x| < eps), so that it disagrees with the exact derivative.
    """
    cases = [("x with entries near 0, eps = 1e-5",
              np.array([[1.5e-5, 4e-6, 0.7], [-2e-6, -0.3, -9e-6]]), 1e-5),
             ("x of shape (5,), eps = 1e-3",
              np.array([2e-3, -5e-4, 0.0, 0.25, -0.8]), 1e-3)]
    for what, x0, eps in cases:
        run.next(what)
        x = x0.copy()
        answer = run.call(fn, x, eps, context="(called as fn(x, eps))", hints=[
            (ValueError, "truth value", "`if` and `and` ask one question about a whole "
             "array: compare elementwise, np.abs(x) < eps.")])
        unchanged(x0, x, "x", "do not write into x.")
        expected = np.abs(x0) < eps
        if isinstance(answer, tuple):
            raise Wrong("return a boolean array of x's shape (np.abs(x) < eps), not "
                        "the indices of the entries.")
        answer = as_answer(answer, "your mask")
        if answer.shape != x0.shape and answer.ndim >= 1:
            if answer.ndim == 1 and answer.size < x0.size:
                raise Wrong("return a boolean array of x's shape (np.abs(x) < eps), not "
                            "the indices of the entries.")
        compare(answer, expected.astype(float), "your mask", [
            ((x0 == 0).astype(float), "not only x = 0 itself: any entry closer to 0 than "
             "eps puts x - eps and x + eps on both sides of the kink."),
            ((x0 < eps).astype(float), "negative entries far from 0 are fine (both points "
             "lie where ReLU is flat): take the absolute value, np.abs(x) < eps."),
            ((np.abs(x0) < 2 * eps).astype(float), "x - eps and x + eps lie on both sides "
             "of 0 exactly when |x| < eps, not 2 eps."),
            ((np.abs(x0) > eps).astype(float), "that is the opposite: True where the "
             "central difference straddles the kink, np.abs(x) < eps."),
            ((np.abs(x0) < eps / 2).astype(float), "x - eps and x + eps lie on both sides "
             "of 0 exactly when |x| < eps, not eps / 2."),
            ((x0 > -eps).astype(float), "positive entries far from 0 are fine (ReLU is a "
             "straight line there): np.abs(x) < eps."),
        ])
