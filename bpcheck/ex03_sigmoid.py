"""Checks of Exercise 3: the sigmoid and its derivative."""


import numpy as np

from bplib.activations import sigmoid, sigmoid_derivative

from .engine import Wrong, compare, make_check, unchanged
from .engine import seeded_rng as _rng

_EXTREMES = np.array([-1000.0, -710.0, -50.0, 0.0, 50.0, 710.0, 1000.0])


@make_check(4)
def check_sigmoid(run, fn):
    """Check ``fn(x)``: the sigmoid 1 / (1 + exp(-x)) elementwise, without overflow."""
    rng = _rng(4)
    grid = np.linspace(-6.0, 6.0, 13)
    matrix = rng.normal(0, 3, size=(3, 4))
    cases = [("x = linspace(-6, 6, 13)", grid), ("x of shape (3, 4)", matrix)]
    for what, x0 in cases:
        run.next(what)
        x = x0.copy()
        answer = run.call(fn, x)
        s = sigmoid(x0)
        compare(answer, s, "sigmoid(x)", [
            (sigmoid(-x0), "your curve is mirrored (s(2) < 0.5): the formula is "
             "1 / (1 + exp(-x)), with a minus sign."),
            (sigmoid(s), "you applied the sigmoid twice (the values are all between 0.5 "
             "and 0.73): apply it once."),
            (np.exp(-x0) / (1.0 + np.exp(-x0)), "you computed exp(-x) / (1 + exp(-x)), "
             "which is 1 - sigmoid(x)."),
        ])
        unchanged(x0, x, "x", "compute into a new array; do not write into the input.")
    run.next("x = [-1000, -710, -50, 0, 50, 710, 1000] without overflow")
    x = _EXTREMES.copy()
    try:
        answer = run.call(fn, x, floating_point="raise")
    except Exception as raised:
        if isinstance(getattr(raised, "error", None), FloatingPointError):
            raise Wrong(
                "numpy reports an overflow (FloatingPointError: "
                f"{raised.error}). exp(-x) overflows for x < -709 (and np.where computes both "
                "branches everywhere). Compute e = np.exp(-np.abs(x)), which is never above "
                "1, and use 1 / (1 + e) where x >= 0 and e / (1 + e) where x < 0."
            ) from None
        raise
    compare(answer, sigmoid(_EXTREMES), "sigmoid(x)")
    run.next("a float64 array comes back as a new array")
    x = matrix.copy()
    answer = run.call(fn, x)
    if answer is x:
        raise Wrong("your function returned its input array itself: return a new array.")


_DERIVATIVE_CASES = [
    ("x = linspace(-6, 6, 13)", np.linspace(-6.0, 6.0, 13)),
    ("x of shape (3, 4)", _rng(5).normal(0, 3, size=(3, 4))),
]


@make_check(3)
def check_sigmoid_derivative(run, fn):
    """Check ``fn(x)``: s'(x) = s(x) (1 - s(x)) elementwise, where s is the sigmoid."""
    for what, x0 in _DERIVATIVE_CASES:
        run.next(what)
        x = x0.copy()
        answer = run.call(fn, x)
        s = sigmoid(x0)
        compare(answer, sigmoid_derivative(x0), "s'(x)", [
            (x0 * (1 - x0), "you computed x (1 - x). The formula s (1 - s) needs "
             "s = sigmoid(x) first: s'(x) = s(x) (1 - s(x))."),
            (sigmoid(s) * (1 - sigmoid(s)), "you applied the sigmoid twice: s is already "
             "sigmoid(x), so use s * (1 - s)."),
            (s, "you returned s(x) itself; multiply by (1 - s(x))."),
            (1 - s, "you returned 1 - s(x); multiply by s(x)."),
            (s * (1 + s), "the factor is (1 - s), not (1 + s)."),
        ])
        unchanged(x0, x, "x", "compute into a new array; do not write into the input.")
    run.next("x = [-1000, ..., 1000] without overflow")
    try:
        answer = run.call(fn, _EXTREMES.copy(), floating_point="raise")
    except Exception as raised:
        if isinstance(getattr(raised, "error", None), FloatingPointError):
            raise Wrong("numpy reports an overflow for large |x|: make your sigmoid "
                        "stable first (check_sigmoid tests it).") from None
        raise
    compare(answer, sigmoid_derivative(_EXTREMES), "s'(x)")
