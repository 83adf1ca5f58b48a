"""Checks of Exercise 3: the sigmoid, its derivative, and softplus, derived and checked."""

import numpy as np

from bplib.activations import sigmoid, sigmoid_derivative
from bplib.gradcheck import rel_error

from .engine import Raised, Wrong, as_answer, check_signature, compare, make_check, unchanged
from .engine import seeded_rng as _rng

_EXTREMES = np.array([-1000.0, -720.0, -710.0, -50.0, 0.0, 50.0, 710.0, 1000.0])

_OVERFLOW_HINT = (
    "exp(-x) overflows for x < -709 (to inf; np.where computes both branches everywhere, and "
    "np.errstate only hides the warning). Compute u = np.exp(-np.abs(x)), which is never "
    "above 1, and use 1 / (1 + u) where x >= 0 and u / (1 + u) where x < 0."
)


def _grid_cases(offset):
    return [("x = linspace(-6, 6, 13)", np.linspace(-6.0, 6.0, 13)),
            ("x of shape (3, 4)", _rng(offset).normal(0, 3, size=(3, 4)))]


def _call_extremes(run, fn, *args, hint, hints=()):
    """Call fn(*args) with numpy raising on overflow; an overflow gets ``hint``."""
    try:
        return run.call(fn, *args, floating_point="raise", hints=hints)
    except Raised as raised:
        if isinstance(raised.error, FloatingPointError):
            raise Wrong(f"numpy reports an overflow or an invalid operation, "
                        f"FloatingPointError: {raised.error} — {hint}") from None
        if isinstance(raised.error, OverflowError):
            raise Wrong(f"math.exp overflows, OverflowError: {raised.error} — {hint}") from None
        raise


_ELEMENT_HINTS = (
    (TypeError, "only length-1 arrays", "math.exp takes one number, not an array: use "
     "np.exp, which works on every entry at once."),
    (TypeError, "only 0-dimensional", "math.exp takes one number, not an array: use np.exp, "
     "which works on every entry at once."),
    (ValueError, "truth value of an array", "`if x >= 0:` asks one question about a whole "
     "array: use np.where(x >= 0, ..., ...) or boolean masks."),
    (OverflowError, None, "math.exp overflows for large arguments: " + _OVERFLOW_HINT),
)


@make_check(4)
def check_sigmoid(run, fn):
    """Check ``fn(x)``: the sigmoid 1 / (1 + exp(-x)) elementwise, without overflow.

    At x = -720 and -710 the sigmoid is about 1e-313 and 4e-309; an answer of 0 there means
    exp(-x) overflowed, even with the warning silenced. A fourth test calls it again.
    """
    check_signature(fn, ("x",), "fn(x)")
    cases = _grid_cases(4)
    for what, x0 in [*cases, (cases[0][0] + ", again", cases[0][1])]:
        run.next(what)
        x = x0.copy()
        answer = run.call(fn, x, context="(called as fn(x))", hints=_ELEMENT_HINTS)
        unchanged(x0, x, "x", "compute into a new array; do not write into the input.")
        s = sigmoid(x0)
        compare(answer, s, "sigmoid(x)", [
            (sigmoid(-x0), "your curve is mirrored (s(2) < 0.5): you computed sigmoid(-x) "
             "= 1 - sigmoid(x). The formula is 1 / (1 + exp(-x)), with a minus sign; for "
             "x < 0 its stable form is e^x / (1 + e^x)."),
            (sigmoid(s), "you applied the sigmoid twice (the values are all between 0.5 "
             "and 0.73): apply it once."),
            (1.0 / (1.0 - np.exp(-x0)), "the denominator is 1 + exp(-x), with a plus."),
            (1.0 / np.exp(-x0), "you left out the 1 in the denominator: 1 / (1 + exp(-x))."),
            (1.0 / (1.0 + 10.0 ** -x0), "use the natural exponential np.exp, not a power "
             "of 10."),
            (sigmoid(np.abs(x0)), "your values are all 0.5 or more: for x < 0 you used "
             "1 / (1 + u) as for x >= 0. With u = exp(-|x|), the sigmoid of a negative x is "
             "u / (1 + u)."),
        ])
    run.next("x = [-1000, -720, -710, -50, 0, 50, 710, 1000]")
    answer = _call_extremes(run, fn, _EXTREMES.copy(), hint=_OVERFLOW_HINT,
                            hints=_ELEMENT_HINTS)
    array = as_answer(answer, "sigmoid(x)")
    expected = sigmoid(_EXTREMES)
    if array.shape == expected.shape:
        if np.isnan(array).any():
            raise Wrong("sigmoid(x) holds NaN at large |x|: exp(x) / (1 + exp(x)) is "
                        "inf / inf there. " + _OVERFLOW_HINT)
        if array[0] > 0 and expected[0] == 0:
            raise Wrong(f"sigmoid(-1000) is 0 in float64, yours is {array[0]:.3g}: did you "
                        "clip x? Clipping changes the values at large |x|; compute "
                        "u = exp(-|x|) and u / (1 + u) for x < 0 instead.")
        if array[3] == 0 and expected[3] > 0:
            raise Wrong(f"sigmoid(-50) is {expected[3]:.3g}, yours is 0: a formula such as "
                        "(1 + tanh(x/2)) / 2 or 1 - 1 / (1 + exp(x)) subtracts two numbers "
                        "near 1 and loses every digit. Use u / (1 + u) with e = "
                        "exp(-|x|) for x < 0.")
        tiny = (array[1:3] == 0) & (expected[1:3] > 0)
        if tiny.any():
            raise Wrong(f"sigmoid(-710) is {expected[2]:.3g}, yours is 0: exp(710) "
                        "overflowed to inf and 1 / (1 + inf) gave 0. " + _OVERFLOW_HINT)
    compare(array, expected, "sigmoid(x)", tol=1e-6, atol=0)


_DERIVATIVE_CASES = _grid_cases(5)


@make_check(4)
def check_sigmoid_derivative(run, fn):
    """Check ``fn(x)``: s'(x) = s(x) (1 - s(x)) elementwise, where s is the sigmoid."""
    check_signature(fn, ("x",), "fn(x)")
    cases = [*_DERIVATIVE_CASES, (_DERIVATIVE_CASES[1][0] + ", again",
                                  _DERIVATIVE_CASES[1][1])]
    for what, x0 in cases:
        run.next(what)
        x = x0.copy()
        answer = run.call(fn, x, context="(called as fn(x))", hints=_ELEMENT_HINTS)
        unchanged(x0, x, "x", "compute into a new array; do not write into the input.")
        s = sigmoid(x0)
        compare(answer, sigmoid_derivative(x0), "s'(x)", [
            (x0 * (1 - x0), "you computed x (1 - x). The formula s (1 - s) needs "
             "s = sigmoid(x) first: s'(x) = s(x) (1 - s(x))."),
            (sigmoid(s) * (1 - sigmoid(s)), "you applied the sigmoid twice: s is already "
             "sigmoid(x), so use s * (1 - s)."),
            (s, "you returned s(x) itself; multiply by (1 - s(x))."),
            (1 - s, "you returned 1 - s(x); multiply by s(x)."),
            (s * (1 + s), "the factor is (1 - s), not (1 + s)."),
            (-s * (1 - s), "the sign is flipped: s'(x) = s (1 - s) is positive everywhere."),
            (s * s, "s'(x) = s (1 - s), not s * s."),
            (np.zeros_like(x0), "every value is 0: s * 1 - s is (s * 1) - s = 0, because * "
             "comes before -. Write s * (1 - s)."),
        ])
    run.next("x = [-1000, ..., 1000] without overflow")
    answer = _call_extremes(run, fn, _EXTREMES.copy(), hint="Use your stable sigmoid (Task "
                            "1): s = sigmoid(x), then s * (1 - s).", hints=_ELEMENT_HINTS)
    array = as_answer(answer, "s'(x)")
    if array.shape == _EXTREMES.shape and np.isnan(array).any():
        raise Wrong("s'(x) holds NaN at large |x| (inf / inf): compute it from your stable "
                    "sigmoid, s * (1 - s).")
    compare(array, sigmoid_derivative(_EXTREMES), "s'(x)")


# --- softplus: derive, code, check -----------------------------------------------------------


def _softplus(x):
    return np.logaddexp(0.0, x)


_SOFTPLUS_HINT = (
    "log(1 + exp(x)) overflows for x > 709. For x > 0 write it as x + log(1 + exp(-x)): "
    "softplus(x) = max(x, 0) + log1p(exp(-|x|)), or use np.logaddexp(0, x)."
)


_WHERE_HINT = (
    "numpy reports an overflow although your values are right: np.where(condition, a, b) "
    "computes both a and b at every x, so an np.exp(x) in the branch you keep for x <= 0 "
    "still overflows at x = 1000. Write one formula that is safe everywhere: "
    "max(x, 0) + log1p(exp(-|x|))."
)


def _right_when_quiet(run, fn, x0):
    """True when fn(x0), with numpy's overflow ignored, gives the right softplus."""
    try:
        quiet = run.call(fn, x0.copy(), floating_point="ignore", hints=_ELEMENT_HINTS)
        return bool(np.allclose(np.asarray(quiet, dtype=np.float64), _softplus(x0),
                                rtol=1e-6))
    except Exception:  # the first call's message stands
        return False


@make_check(4)
def check_softplus(run, fn):
    """Check ``fn(x)``: softplus(x) = log(1 + e^x) elementwise, stable and accurate.

    Tested at large |x| (no overflow) and at x = -40 ... -20, where log(1 + tiny) needs
    np.log1p to keep its digits.
    """
    check_signature(fn, ("x",), "fn(x)")
    for what, x0 in [*_grid_cases(6), ("x = [-1000, -720, -50, 0, 50, 720, 1000]",
                                       np.array([-1000.0, -720, -50, 0, 50, 720, 1000]))]:
        run.next(what)
        x = x0.copy()
        if x0.max() > 700:
            try:
                answer = _call_extremes(run, fn, x, hint=_SOFTPLUS_HINT,
                                        hints=_ELEMENT_HINTS)
            except Wrong as wrong:
                if "FloatingPointError" in str(wrong) and _right_when_quiet(run, fn, x0):
                    raise Wrong(_WHERE_HINT) from None
                raise
        else:
            answer = run.call(fn, x, context="(called as fn(x))", hints=_ELEMENT_HINTS)
        unchanged(x0, x, "x", "compute into a new array; do not write into the input.")
        sp = _softplus(x0)
        array = as_answer(answer, "softplus(x)")
        if array.shape == x0.shape and not np.isfinite(array).all():
            raise Wrong("softplus(x) holds inf or NaN at large x. " + _SOFTPLUS_HINT)
        compare(array, sp, "softplus(x)", [
            (np.log(1 + np.exp(-x0)), "you computed log(1 + e^-x), which is softplus(-x): "
             "the exponent is +x."),
            (np.exp(x0), "you left out the log: softplus(x) = log(1 + e^x)."),
            (np.log(np.exp(x0)), "you left out the 1: softplus(x) = log(1 + e^x)."),
            (np.maximum(x0, 0.0), "that is ReLU; softplus adds log(1 + e^-|x|) to it."),
            (sigmoid(x0), "that is the sigmoid, softplus's derivative: return log(1 + e^x)."),
            (np.log10(1 + np.exp(x0)), "use the natural logarithm np.log, not log10."),
        ])
    run.next("x = [-40, -30, -20], where softplus(x) is about e^x")
    x0 = np.array([-40.0, -30.0, -20.0])
    answer = run.call(fn, x0.copy(), context="(called as fn(x))", hints=_ELEMENT_HINTS)
    array = as_answer(answer, "softplus(x)")
    if array.shape == x0.shape and array[0] == 0:
        raise Wrong("softplus(-40) is 4.2e-18, yours is 0: 1 + 4.2e-18 rounds to 1 in "
                    "float64, so log(1 + e^x) loses every digit. Use np.log1p(u) (log of "
                    "1 + u, exact for tiny u) or np.logaddexp(0, x).")
    compare(array, _softplus(x0), "softplus(x)", tol=1e-6, atol=0)


@make_check(4)
def check_softplus_backward(run, fn):
    """Check ``fn(x, grad_out)``: the gradient of the loss with respect to softplus's input.

    ``grad_out`` holds dL/dy for y = softplus(x); the answer is dL/dx, of x's shape. The
    last test calls it again with another grad_out for the same x.
    """
    check_signature(fn, ("x", "grad_out"), "fn(x, grad_out)")
    rng = _rng(7)
    x_big = np.array([[-1000.0, -50.0, 0.0], [50.0, 720.0, 1000.0]])
    matrix = rng.normal(0, 3, size=(3, 4))
    cases = [("x of shape (3, 4), grad_out of ones", matrix, np.ones((3, 4))),
             ("x of shape (3, 4), random grad_out", matrix, rng.normal(size=(3, 4))),
             ("x with entries up to +-1000", x_big, rng.normal(size=(2, 3))),
             ("the same x, another grad_out", matrix, rng.normal(size=(3, 4)))]
    for what, x0, g0 in cases:
        run.next(what)
        x, g = x0.copy(), g0.copy()
        same = ("x and grad_out have the same shape: multiply them entry by entry (*), not "
                "with @.")
        hints = (*_ELEMENT_HINTS, (ValueError, "operands could not be broadcast", same),
                 (ValueError, "matmul", same))
        if np.abs(x0).max() > 700:
            answer = _call_extremes(run, fn, x, g, hint=_OVERFLOW_HINT, hints=hints)
        else:
            answer = run.call(fn, x, g, context="(called as fn(x, grad_out))", hints=hints)
        unchanged(x0, x, "x", "compute into a new array; do not write into the input.")
        unchanged(g0, g, "grad_out", "do not modify grad_out in place (g *= ...): the "
                  "caller may still need it.")
        s = sigmoid(x0)
        compare(answer, g0 * s, "dL/dx", [
            (s, "you returned softplus'(x) alone: the chain rule multiplies it by grad_out, "
             "dL/dx = grad_out * sigmoid(x)."),
            (g0 * _softplus(x0), "you multiplied grad_out by softplus(x) itself; the "
             "derivative of log(1 + e^x) is e^x / (1 + e^x) = sigmoid(x)."),
            (g0 * sigmoid(-x0), "the derivative is sigmoid(x), not sigmoid(-x): "
             "e^x / (1 + e^x) = 1 / (1 + e^-x)."),
            (g0 * s * (1 - s), "s (1 - s) is the sigmoid's derivative, one step too far: "
             "softplus's derivative is the sigmoid itself."),
            (g0 * np.exp(x0), "d/dx log(1 + e^x) = e^x / (1 + e^x): you dropped the "
             "denominator (the derivative of the log)."),
            (g0 / (1 + np.exp(x0)), "e^x / (1 + e^x) has e^x on top: yours is "
             "1 / (1 + e^x) = sigmoid(-x)."),
            (g0 + s, "the chain rule multiplies: grad_out * sigmoid(x), not +."),
        ])


# --- the student's own check of a derivative -------------------------------------------------


def _max_rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denominator = np.abs(a) + np.abs(b)
    with np.errstate(all="ignore"):
        ratio = np.where(denominator > 0, np.abs(a - b) / denominator, 0.0)
    return float(np.max(ratio))


def _central(f, x, eps):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def _pairs():
    """(what, f, derivative, x, buggy): right and buggy derivatives to check."""
    x = np.linspace(-3.0, 3.0, 25)
    one_wrong = np.cos
    return [
        ("f = sin, the right derivative cos", np.sin, np.cos, x, False),
        ("f = sin, a derivative wrong at one entry",
         np.sin, lambda t: np.where(np.isclose(t, 3.0), 0.99 * one_wrong(t), one_wrong(t)),
         x, True),
        ("f = exp, the right derivative", np.exp, np.exp, x, False),
        ("f = x**3, a derivative missing its factor 3", lambda t: t**3, lambda t: t**2, x,
         True),
        ("f = x**2, the right derivative 2x, both 0 at x = 0", np.square,
         lambda t: 2 * t, x, False),
    ]


@make_check(5)
def check_max_derivative_error(run, fn):
    """Check ``fn(f, derivative, x, eps)``: the largest elementwise relative error.

    Between ``derivative(x)`` and the central difference (f(x + eps) - f(x - eps)) / (2 eps),
    both elementwise: max over entries of |a - b| / (|a| + |b|), an entry where both are 0
    counting as 0. A right derivative gives about 1e-10 or less at eps = 1e-5; a wrong one
    gives the size of the mistake, even when only one entry is wrong.
    """
    check_signature(fn, ("f", "derivative", "x", "eps"), "fn(f, derivative, x, eps)")
    eps = 1e-5
    for what, f, derivative, x0, buggy in _pairs():
        run.next(what)
        x = x0.copy()
        answer = run.call(fn, f, derivative, x, eps,
                          context="(called as fn(f, derivative, x, eps=1e-5))")
        unchanged(x0, x, "x", "compute into new arrays; do not write into x.")
        if isinstance(answer, (bool, np.bool_)):
            raise Wrong("you returned a bool (the verdict); return the error itself, a "
                        "number, so the reader sees how large it is.")
        array = as_answer(answer, "the error")
        a, b = derivative(x0), _central(f, x0, eps)
        if array.shape != ():
            if array.size == x0.size:
                raise Wrong("you returned one error per entry; return their maximum, "
                            "one number.")
            raise Wrong(f"return one number, the largest error; got shape {array.shape}.")
        value = float(array)
        if np.isnan(value):
            raise Wrong("your error is NaN: where derivative(x) and the central difference "
                        "are both 0 (here at x = 0), |a - b| / (|a| + |b|) is 0 / 0. Count "
                        "such an entry as 0, e.g. np.divide(..., out=np.zeros_like(a), "
                        "where=denominator > 0).")
        expected = _max_rel(a, b)
        whole = rel_error(a, b)
        absolute = float(np.max(np.abs(a - b)))
        mean = float(np.mean(np.abs(a - b) / (np.abs(a) + np.abs(b))))
        forward = _max_rel(a, (f(x0 + eps) - f(x0)) / eps)
        if buggy:
            if np.isclose(value, expected, rtol=1e-3):
                continue
            if np.isclose(value, whole, rtol=1e-3):
                raise Wrong(f"your error {value:.1e} is the whole-array relative error, "
                            "which one wrong entry among many right ones hardly moves: take "
                            f"the maximum over entries (here {expected:.1e}).")
            if np.isclose(value, absolute, rtol=1e-3):
                raise Wrong("that is the largest *absolute* difference; divide each "
                            "difference by |a| + |b| before taking the maximum.")
            if np.isclose(value, mean, rtol=1e-3):
                raise Wrong("that is the mean of the elementwise errors; take the maximum, "
                            "so a single wrong entry shows.")
            raise Wrong(f"for a wrong derivative the largest relative error is "
                        f"{expected:.3g}; yours is {value:.3g}. Compare derivative(x) with "
                        "the central difference entry by entry: |a - b| / (|a| + |b|).")
        if not value < 1e-8:
            if np.isclose(value, forward, rtol=1e-2):
                raise Wrong(f"your error for a right derivative is {value:.1e}: that is "
                            "the forward difference's O(eps) error. Use the central "
                            "difference (f(x + eps) - f(x - eps)) / (2 eps).")
            raise Wrong(f"for a right derivative the error should be round-off, about "
                        f"{max(expected, 1e-16):.0e}; yours is {value:.3g}.")
