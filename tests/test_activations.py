"""Sigmoid and ReLU: known values, stability, backward against central differences."""

import numpy as np
import pytest

from bplib import (
    ReLU,
    Sigmoid,
    numerical_gradient,
    rel_error,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
)


def test_sigmoid_known_values():
    assert sigmoid(0.0) == 0.5
    assert sigmoid_derivative(0.0) == 0.25
    xs = np.linspace(-10, 10, 2001)
    assert sigmoid_derivative(xs).max() == 0.25  # the maximum, at x = 0
    np.testing.assert_allclose(sigmoid(-xs), 1 - sigmoid(xs), atol=1e-15)


def test_sigmoid_is_stable_for_large_inputs():
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        s = sigmoid(np.array([-1000.0, 1000.0, -1e4, 1e4]))
        d = sigmoid_derivative(np.array([-1000.0, 1000.0]))
    np.testing.assert_array_equal(s, [0.0, 1.0, 0.0, 1.0])
    np.testing.assert_array_equal(d, [0.0, 0.0])


def test_sigmoid_derivative_matches_numerical(rng):
    x = rng.normal(scale=3, size=50)
    numeric = numerical_gradient(lambda v: float(np.sum(sigmoid(v))), x)
    assert rel_error(sigmoid_derivative(x), numeric) < 1e-9


def test_relu_values_and_derivative_at_zero():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(relu(x), [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(relu_derivative(x), [0.0, 0.0, 1.0])


@pytest.mark.parametrize("layer_cls", [Sigmoid, ReLU])
def test_layer_backward_matches_central_differences(layer_cls, rng):
    x = rng.normal(size=(4, 5))
    x[np.abs(x) < 1e-3] = 0.5  # keep ReLU inputs away from the kink at 0
    weights = rng.normal(size=(4, 5))  # loss = sum(weights * layer(x))
    layer = layer_cls()
    layer.forward(x)
    grad_out = weights.copy()
    analytic = layer.backward(grad_out)
    np.testing.assert_array_equal(grad_out, weights)  # grad_out not modified in place
    numeric = numerical_gradient(lambda v: float(np.sum(weights * layer_cls()(v))), x)
    assert rel_error(analytic, numeric) < 1e-7


@pytest.mark.parametrize("layer_cls", [Sigmoid, ReLU])
def test_backward_before_forward_is_explained(layer_cls):
    with pytest.raises(ValueError, match="forward"):
        layer_cls().backward(np.ones((2, 2)))


@pytest.mark.parametrize("layer_cls", [Sigmoid, ReLU])
def test_backward_with_wrong_shape_is_explained(layer_cls):
    layer = layer_cls()
    layer.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"grad_out must have shape \(2, 3\), got \(3, 2\)"):
        layer.backward(np.ones((3, 2)))
