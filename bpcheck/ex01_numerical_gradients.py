"""Checks of Exercise 1: numerical gradients."""

import numpy as np

from bplib.numerical import numerical_gradient

from .engine import Wrong, as_answer, check_signature, compare, is_generic, make_check
from .engine import seeded_rng as _rng


def _value(x):
    return float(np.sum(np.sin(x)) + 0.5 * np.sum(x) ** 2 + np.sum(x**3) / 3.0)


class _RecordingFunction:
    """A scalar test function of an array that couples its entries and records every call."""

    def __init__(self):
        self.points = []

    @property
    def calls(self):
        return len(self.points)

    def __call__(self, x):
        if isinstance(x, (list, tuple)):
            x = np.asarray(x)
        if not isinstance(x, np.ndarray) or x.dtype.kind not in "fiu":
            raise TypeError(f"f takes a float array, got {type(x).__name__}")
        self.points.append(np.array(x, dtype=np.float64, copy=True))
        return _value(np.asarray(x, dtype=np.float64))


def _reference(x, eps, method):
    return numerical_gradient(_value, np.array(x, dtype=np.float64), eps, method)


def _cases():
    rng = _rng(1)
    mixed = (0.1 + 1e-3 * np.arange(6)) * 10.0 ** -np.arange(6)  # 0.1 down to 1e-6
    return [
        ("x of shape (5,), eps = 1e-2", rng.normal(size=5), 1e-2),
        ("x = (0.1 + k/1000) * 10**-k, shape (2, 3), eps = 1e-5", mixed.reshape(2, 3), 1e-5),
        ("x of shape (1,), eps = 1e-3", rng.normal(size=1), 1e-3),
    ]


_RESTORE_HINT = (
    "you did not put x[i] back after moving it, so f saw later entries with earlier ones "
    "still moved. Save the original value and put it back before moving the next entry."
)
_ARITHMETIC_HINT = (
    "f saw entries other than the moved one changed by round-off (x[{j}] was {seen!r} "
    "instead of {original!r}): restoring by arithmetic (x[i] -= eps) does not always give "
    "the original value back. Save x[i] first and assign the saved value back."
)
_IN_PLACE_HINT = (
    "your function changed the caller's x (x[{j}] is {now!r}, was {original!r}). Work on a "
    "copy (np.array(x, dtype=float)), or save each entry and assign it back: x[i] + eps - "
    "eps is not always exactly x[i] in floating point."
)


def _shape_hints(x):
    return (
        (IndexError, None, "an index is out of range: for x of shape (2, 3), x[i] is a whole "
         "row and len(x) is 2. Loop over range(x.size) on a flat view x.reshape(-1), and "
         "make the gradient np.zeros_like(x, dtype=float)."),
        (TypeError, "argument", "the check calls your function as fn(f, x, eps): f is the "
         "function, x the array, eps the step."),
        (TypeError, "f takes a float array", "call f with the whole array x (moved at one "
         "entry), not with one number or a list."),
    )


def _look_at_the_calls(f, x0, x, eps):
    """Raise Wrong naming what the calls of f show: no restore, round-off drift, a copy."""
    flat0 = x0.reshape(-1)
    now = np.asarray(x, dtype=np.float64).reshape(-1)
    if now.shape == flat0.shape and not np.array_equal(now, flat0):
        j = int(np.argmax(now != flat0))
        if np.max(np.abs(now - flat0)) < 0.5 * eps:
            raise Wrong("x changed: " + _IN_PLACE_HINT.format(
                j=j, now=float(now[j]), original=float(flat0[j])))
        raise Wrong("x changed: " + _RESTORE_HINT)
    if f.calls == 0:
        raise Wrong("your function never called f: evaluate f at x moved by eps.")
    points = [p.reshape(-1) for p in f.points if p.shape == x0.shape]
    if len(points) < f.calls:
        raise Wrong(f"f was called with an array of another shape than x {x0.shape}: "
                    "move one entry of (a copy of) x and pass the whole array.")
    moved = [np.flatnonzero(p != flat0) for p in points]
    earlier = set()
    for p, m in zip(points, moved):
        if m.size > 1:
            j = int(m[np.argmin(np.abs(p[m] - flat0[m]))])
            if abs(p[j] - flat0[j]) < 0.5 * eps:
                raise Wrong(_ARITHMETIC_HINT.format(j=j, seen=float(p[j]),
                                                    original=float(flat0[j])))
            if earlier & set(m.tolist()):
                raise Wrong(_RESTORE_HINT)
            if m.size == flat0.size:
                raise Wrong("a call of f moved all entries at once (x + eps): move one entry "
                            "at a time, x + eps e_i, where e_i is 1 at entry i and 0 "
                            "elsewhere.")
            raise Wrong(f"one call of f moved {m.size} entries at once: on x of shape "
                        f"{x0.shape}, x[i] is a whole row. Move one entry at a time: loop "
                        "over range(x.size) on a flat view x.reshape(-1).")
        earlier.update(m.tolist())
    if flat0.size > 1 and all(m.size == 0 for m in moved):
        raise Wrong("f saw the unchanged x in every call: you moved entries of a copy. "
                    "x.flatten() returns a copy; x.reshape(-1) (or x.ravel()) of a "
                    "contiguous array is a view that writes into the array itself.")


def _variants(x0, eps, method):
    forward = _reference(x0, eps, "forward")
    central = _reference(x0, eps, "central")
    n = x0.size
    shaped = x0.shape
    plus = np.array([_value(x0 + eps * np.eye(n)[i].reshape(shaped)) for i in range(n)])
    minus = np.array([_value(x0 - eps * np.eye(n)[i].reshape(shaped)) for i in range(n)])
    plus, minus = plus.reshape(shaped), minus.reshape(shaped)
    f0 = _value(x0)
    common = [
        (-_reference(x0, eps, method), "the sign is flipped: subtract the value at the left "
         "point from the value at the right point, f(x + eps e_i) - f(...)."),
        (_reference(x0, 1e-5, method) if eps != 1e-5 else np.nan,
         "you used a fixed step (1e-5) instead of the argument eps."),
        (plus, "you returned f(x + eps e_i) itself: take the difference of two values of f "
         "and divide by the distance between the points."),
        (np.full(shaped, (_value(x0 + eps) - f0) / eps),
         "every entry is the same: you moved all entries at once (x + eps). Move one entry "
         "at a time, x + eps e_i."),
    ]
    if method == "forward":
        return common + [
            (central, "this is the central difference (f(x+eps) - f(x-eps)) / (2 eps); "
             "this task asks for the forward difference (f(x+eps) - f(x)) / eps."),
            (forward / 2, "you divided by 2 eps, but a forward difference steps only "
             "once, by eps: divide by eps."),
            ((plus - f0 / eps), "operator precedence: f(x_plus) - f(x) / eps "
             "divides only f(x). Write (f(x_plus) - f(x)) / eps."),
            ((plus - f0) / eps * eps * eps, "operator precedence: ... / eps * eps is not a "
             "division by eps squared; write (f(x_plus) - f(x)) / eps."),
            ((f0 - minus) / eps, "this is the backward difference (f(x) - f(x - eps)) / eps; "
             "step forward: (f(x + eps e_i) - f(x)) / eps."),
            ((plus - f0), "you forgot to divide by eps."),
        ]
    return common + [
        (forward, "this is the forward difference (f(x+eps) - f(x)) / eps; this task asks "
         "for the central difference (f(x+eps) - f(x-eps)) / (2 eps)."),
        (2 * central, "you divided by eps, but the two points x+eps and x-eps are 2 eps "
         "apart: divide by 2 eps."),
        (forward / 2, "you stepped only one side (f(x+eps) - f(x)) but divided by 2 eps: "
         "step to both x+eps and x-eps."),
        (_reference(x0, eps / 2, "central"), "you stepped by eps/2 on each side; step by "
         "eps on each side and divide by 2 eps."),
        ((plus - minus / (2 * eps)), "operator precedence: f_plus - f_minus "
         "/ (2 * eps) divides only f_minus. Write (f_plus - f_minus) / (2 * eps)."),
        ((plus - minus) / 2 * eps, "operator precedence: / 2 * eps divides by 2 and then "
         "multiplies by eps. Write / (2 * eps)."),
        (((plus + minus) / (2 * eps)), "you added f(x+eps) and f(x-eps): "
         "subtract them."),
    ]


def _check_difference(run, fn, method):
    n_calls = {"forward": "N + 1", "central": "2N"}[method]
    cases = _cases()
    cases.append((cases[0][0] + ", a second call (nothing may carry over)",) + cases[0][1:])
    for what, x0, eps in cases:
        run.next(what)
        f = _RecordingFunction()
        x = x0.copy()
        check_signature(fn, ("f", "x", "eps"), "fn(f, x, eps)")
        answer = run.call(fn, f, x, eps, context=f"(called as fn(f, x, eps={eps:g}))",
                          hints=_shape_hints(x0))
        array = as_answer(answer, "the gradient")
        dtype = np.asarray(answer).dtype
        if dtype.kind in "iu":
            raise Wrong(f"your gradient holds whole numbers (dtype {dtype}): the array you "
                        "filled has an integer dtype, so numpy dropped the fractions. Fill "
                        "a float array, np.zeros(x.size) or np.zeros_like(x, dtype=float).")
        _look_at_the_calls(f, x0, x, eps)
        expected = _reference(x0, eps, method)
        expected_calls = x0.size + 1 if method == "forward" else 2 * x0.size
        try:
            compare(array, expected, "the gradient", _variants(x0, eps, method))
        except Wrong as wrong:
            if is_generic(str(wrong)) and f.calls < expected_calls and x0.size > 1:
                hint = (" Your function returned after the first entry: is the `return` "
                        "inside the loop?" if f.calls == 2 else "")
                raise Wrong(f"f was called only {f.calls} times for N = {x0.size} entries; "
                            f"a {method} difference needs {n_calls}.{hint}") from None
            raise
        if f.calls != expected_calls:
            if method == "forward" and f.calls in (2 * x0.size, 2 * x0.size + 1):
                hint = ("you evaluated f(x) again for every entry. Compute it once, before "
                        "the loop: a forward difference needs N + 1 calls.")
            elif method == "central" and f.calls == 2 * x0.size + 1:
                hint = "a central difference never needs f(x) itself: 2N calls are enough."
            elif f.calls > expected_calls:
                hint = (f"a {method} difference needs {n_calls} calls of f: call it once "
                        "per point and keep the value in a variable.")
            else:
                hint = f"a {method} difference needs {n_calls} calls of f."
            raise Wrong(f"f was called {f.calls} times for N = {x0.size} entries; {hint}")


@make_check(4)
def check_forward_difference(run, fn):
    """Check ``fn(f, x, eps)``: the forward-difference gradient of f at the array x.

    Also checks that f is called N + 1 times, each time at x with one entry moved (and
    every other entry exactly as it was), and that the caller's x is unchanged afterwards.
    """
    _check_difference(run, fn, "forward")


@make_check(4)
def check_numerical_gradient(run, fn):
    """Check ``fn(f, x, eps)``: the central-difference gradient of f at the array x.

    Also checks that f is called 2N times, each time at x with one entry moved (and every
    other entry exactly as it was), and that the caller's x is unchanged afterwards.
    """
    _check_difference(run, fn, "central")
