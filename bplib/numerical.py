"""Numerical derivatives from the limit definition.

    f'(x) ~ (f(x + eps) - f(x)) / eps                 forward difference, error O(eps)
    f'(x) ~ (f(x + eps) - f(x - eps)) / (2 eps)       central difference, error O(eps**2)
"""

import numpy as np

from .validation import as_float_array, check_callable, check_finite, check_positive

METHODS = ("forward", "central")


class CountCalls:
    """Wrap a function and count how often it is called.

    ``counted = CountCalls(f)`` behaves like ``f``; ``counted.calls`` is the number of
    calls so far. Used to show that a numerical gradient costs N + 1 (forward) or 2N
    (central) evaluations of ``f`` for N inputs.

    Taught in: chapter "Numerical gradients".
    """

    def __init__(self, f):
        check_callable(f, "f", "CountCalls")
        self.f = f
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.f(*args, **kwargs)


def _check_method(method, where):
    if method not in METHODS:
        raise ValueError(f"{where}: method must be one of {METHODS}, got {method!r}")


def _scalar(value, where, what="f must return"):
    """``value`` (what ``f`` returned, or the point x) as a Python float."""
    array = np.asarray(value)
    if array.size != 1 or array.dtype.kind not in "biuf":
        raise ValueError(
            f"{where}: {what} one real number, got a value of shape {array.shape} "
            f"and dtype {array.dtype}"
        )
    return float(array.reshape(()))


def numerical_derivative(f, x, eps=1e-5, method="central"):
    """Derivative of a function of one real variable by finite differences.

    Args:
        f: callable taking a float and returning a float.
        x: the point, a float.
        eps: step size, > 0.
        method: ``"forward"`` (2 calls, error O(eps)) or ``"central"`` (2 calls,
            error O(eps**2)).

    Returns:
        float, the approximate f'(x).

    Taught in: chapter "Numerical gradients".
    """
    where = "numerical_derivative"
    _check_method(method, where)
    check_callable(f, "f", where)
    check_positive(eps, "eps", where)
    x = _scalar(x, where, what="x must be")
    check_finite(np.float64(x), "x", where)
    if method == "forward":
        return (_scalar(f(x + eps), where) - _scalar(f(x), where)) / eps
    return (_scalar(f(x + eps), where) - _scalar(f(x - eps), where)) / (2 * eps)


def numerical_gradient(f, x, eps=1e-5, method="central", f_x=None):
    """Gradient of a scalar function of an array, one entry at a time.

    Every call of ``f`` gets a fresh copy of ``x`` with one entry moved by ``eps``, so ``x``
    is never changed and an ``f`` that changes its argument cannot spoil the next call.

    Args:
        f: callable taking an array of ``x.shape`` and returning one real number.
        x: array of any shape and memory order (N entries in total).
        eps: step size, > 0, large enough that ``x + eps != x`` for every entry.
        method: ``"forward"``: N + 1 calls of ``f``, error O(eps);
            ``"central"``: 2N calls of ``f``, error O(eps**2).
        f_x: for ``"forward"``, ``f(x)`` if already known (then N calls).

    Returns:
        float64 array of ``x.shape``: the approximate gradient df/dx.

    Taught in: chapter "Numerical gradients".
    """
    where = "numerical_gradient"
    _check_method(method, where)
    check_callable(f, "f", where)
    check_positive(eps, "eps", where)
    x = np.array(as_float_array(x, "x", where), dtype=np.float64)  # a private copy
    check_finite(x, "x", where)
    grad = np.zeros(x.shape)
    if method == "forward":
        f_x = _scalar(f(x.copy()) if f_x is None else f_x, where)
    for i in np.ndindex(x.shape):
        f_plus = _scalar(f(moved(x, i, eps)), where)
        if method == "forward":
            grad[i] = (f_plus - f_x) / eps
        else:
            grad[i] = (f_plus - _scalar(f(moved(x, i, -eps)), where)) / (2 * eps)
    return grad


def moved(x, index, step):
    """A copy of ``x`` with ``x[index]`` moved by ``step``."""
    y = x.copy()
    y[index] += step
    if y[index] == x[index]:
        at = ", ".join(map(str, index))
        raise ValueError(
            f"numerical_gradient: eps={abs(step):g} is too small for x[{at}] = {x[index]:g}: "
            "x + eps == x in float64, so f would not change; use a larger eps"
        )
    return y
