"""numerical_derivative / numerical_gradient: accuracy, call counts, no hidden mutation."""

import numpy as np
import pytest

import bplib
from bplib import CountCalls, numerical_derivative, numerical_gradient


def test_derivative_of_cube_central_is_second_order():
    exact = 3 * 2.0**2
    err_central = abs(numerical_derivative(lambda t: t**3, 2.0, eps=1e-3) - exact)
    err_forward = abs(numerical_derivative(lambda t: t**3, 2.0, 1e-3, "forward") - exact)
    # forward error ~ 3 x eps = 6e-3; central error = eps**2 exactly for a cube
    assert err_forward == pytest.approx(6e-3, rel=1e-2)
    assert err_central == pytest.approx(1e-6, rel=1e-3)


def test_gradient_matches_analytic(rng):
    x = rng.normal(size=(3, 4))
    grad = numerical_gradient(lambda v: np.sum(v**2 * np.sin(v)), x)
    exact = 2 * x * np.sin(x) + x**2 * np.cos(x)
    assert bplib.rel_error(grad, exact) < 1e-9


@pytest.mark.parametrize("method, calls", [("forward", 7), ("central", 12)])
def test_call_counts(method, calls):
    f = CountCalls(lambda v: float(np.sum(v**2)))
    numerical_gradient(f, np.ones(6), method=method)
    assert f.calls == calls  # N + 1 forward, 2N central, N = 6


def test_f_x_saves_the_reference_call():
    f = CountCalls(lambda v: float(np.sum(v)))
    numerical_gradient(f, np.ones(5), method="forward", f_x=5.0)
    assert f.calls == 5


def test_x_is_unchanged_and_f_gets_the_perturbed_array(rng):
    x = rng.normal(size=(2, 3))
    before = x.copy()
    seen = []

    def f(v):
        seen.append(v.copy())
        return float(v.sum())

    numerical_gradient(f, x, eps=0.5, method="central")
    np.testing.assert_array_equal(x, before)
    # every call sees exactly one coordinate moved by +-eps, the others as in x
    for v in seen:
        moved = np.flatnonzero(v != before)
        assert moved.size == 1
        assert abs(abs(v.flat[moved[0]] - before.flat[moved[0]]) - 0.5) < 1e-12


def test_integer_x_is_not_truncated():
    grad = numerical_gradient(lambda v: float(np.sum(v**2)), np.array([1, 2, 3]))
    np.testing.assert_allclose(grad, [2.0, 4.0, 6.0], rtol=1e-8)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"eps": -1e-5}, ValueError, "eps"),
        ({"eps": 0.0}, ValueError, "eps"),
        ({"method": "backward"}, ValueError, "method"),
        ({"eps": "small"}, TypeError, "eps"),
    ],
)
def test_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        numerical_gradient(lambda v: float(v.sum()), np.ones(3), **kwargs)


def test_f_returning_an_array_is_explained():
    with pytest.raises(ValueError, match=r"f must return one real number.*\(3,\)"):
        numerical_gradient(lambda v: v * 2, np.ones(3))
