"""Checks of Exercise 1: numerical gradients."""


import numpy as np

from bplib.numerical import numerical_gradient

from .engine import Wrong, compare, make_check, unchanged
from .engine import seeded_rng as _rng


class _CountingFunction:
    """A scalar test function of an array that couples its entries and counts its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        x = np.asarray(x, dtype=np.float64)
        return float(np.sum(np.sin(x)) + 0.5 * np.sum(x) ** 2 + np.sum(x**3) / 3.0)


def _not_restored(x, eps, method):
    """The gradient a loop computes when it never puts x[i] back."""
    f = _CountingFunction()
    point = np.array(x, dtype=np.float64)
    flat = point.reshape(-1)
    f0 = f(np.asarray(x, dtype=np.float64))
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + eps
        f_plus = f(point)
        if method == "forward":
            grad[i] = (f_plus - f0) / eps
        else:
            flat[i] = original - eps
            grad[i] = (f_plus - f(point)) / (2 * eps)
    return grad.reshape(point.shape)


def _difference_cases():
    rng = _rng(1)
    return [
        ("x of shape (5,), eps = 1e-2", rng.normal(size=5), 1e-2),
        ("x of shape (2, 3), eps = 1e-4", rng.normal(size=(2, 3)), 1e-4),
        ("x of shape (1,), eps = 1e-3", rng.normal(size=1), 1e-3),
    ]


_RESTORE_HINT = (
    "you did not put x[i] back after moving it, so every later entry was evaluated at a "
    "point where the earlier entries were still moved. Save the original value and "
    "restore it before moving the next entry."
)
_IN_PLACE_HINT = (
    "your function changed the caller's x (its values differ after the call). Either work "
    "on a copy (x = x.astype(float)) or restore each entry from a saved value: "
    "x[i] + eps - eps is not always exactly x[i] in floating point."
)


def _check_difference(run, fn, method):
    n_calls = {"forward": "N + 1", "central": "2N"}[method]
    for what, x0, eps in _difference_cases():
        run.next(what)
        f = _CountingFunction()
        x = x0.copy()
        answer = run.call(fn, f, x, eps, context=f"(called as fn(f, x, eps={eps}))")
        expected = numerical_gradient(_CountingFunction(), x0, eps, method)
        forward = numerical_gradient(_CountingFunction(), x0, eps, "forward")
        central = numerical_gradient(_CountingFunction(), x0, eps, "central")
        half = numerical_gradient(_CountingFunction(), x0, eps / 2, "central")
        if method == "forward":
            variants = [
                (central, "this is the central difference (f(x+eps) - f(x-eps)) / (2 eps); "
                 "this task asks for the forward difference (f(x+eps) - f(x)) / eps."),
                (forward / 2, "you divided by 2 eps, but a forward difference steps only "
                 "once, by eps: divide by eps."),
            ]
        else:
            variants = [
                (forward, "this is the forward difference (f(x+eps) - f(x)) / eps; this "
                 "task asks for the central difference (f(x+eps) - f(x-eps)) / (2 eps)."),
                (2 * central, "you divided by eps, but the two points x+eps and x-eps are "
                 "2 eps apart: divide by 2 eps."),
                (forward / 2, "you stepped only one side (f(x+eps) - f(x)) but divided by "
                 "2 eps: step to both x+eps and x-eps."),
                (half, "you stepped by eps/2 on each side; step by eps on each side and "
                 "divide by 2 eps."),
            ]
        variants.append((_not_restored(x0, eps, method), _RESTORE_HINT))
        compare(answer, expected, "the gradient", variants)
        unchanged(x0, x, "x", _IN_PLACE_HINT)
        expected_calls = x0.size + 1 if method == "forward" else 2 * x0.size
        if f.calls != expected_calls:
            if method == "forward" and f.calls in (2 * x0.size, 2 * x0.size + 1):
                hint = ("you evaluated f(x) again for every entry. Compute it once, before "
                        "the loop: a forward difference needs N + 1 calls.")
            elif method == "central" and f.calls == 2 * x0.size + 1:
                hint = "a central difference never needs f(x) itself: 2N calls are enough."
            else:
                hint = f"a {method} difference needs {n_calls} calls of f."
            raise Wrong(f"f was called {f.calls} times for N = {x0.size} entries; {hint}")


@make_check(3)
def check_forward_difference(run, fn):
    """Check ``fn(f, x, eps)``: the forward-difference gradient of f at the array x.

    Also checks that f is called N + 1 times and that x is unchanged afterwards.
    """
    _check_difference(run, fn, "forward")


@make_check(3)
def check_numerical_gradient(run, fn):
    """Check ``fn(f, x, eps)``: the central-difference gradient of f at the array x.

    Also checks that f is called 2N times and that x is unchanged afterwards.
    """
    _check_difference(run, fn, "central")
