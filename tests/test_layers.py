"""Dense, MSE, Sequential, DNN: gradients against central differences, shapes, bad input."""

import numpy as np
import pytest

from bplib import (
    DNN,
    MSE,
    Dense,
    ReLU,
    Sequential,
    Sigmoid,
    gradient_check,
    gradient_descent,
    numerical_gradient,
    numerical_gradients,
    rel_error,
)


def test_dense_forward_is_x_at_W_plus_b(rng):
    layer = Dense(3, 2, rng=rng)
    x = rng.normal(size=(5, 3))
    np.testing.assert_allclose(layer(x), x @ layer.W + layer.b)
    assert layer.W.shape == (3, 2) and layer.b.shape == (2,)


def test_dense_default_init_is_the_seeds(rng):
    layer = Dense(200, 300, rng=rng)
    assert abs(layer.W.std() - 0.01) < 0.0005
    assert not layer.b.any()
    he = Dense(200, 300, rng=rng, init="he")
    assert abs(he.W.std() - np.sqrt(2 / 200)) < 0.005


def test_dense_backward_matches_central_differences(rng):
    layer = Dense(4, 3, rng=rng, init="lecun")
    layer.b = rng.normal(size=3)
    x = rng.normal(size=(6, 4))
    weights = rng.normal(size=(6, 3))  # loss = sum(weights * layer(x))

    def loss_of(W=None, b=None, inputs=None):
        W = layer.W if W is None else W
        b = layer.b if b is None else b
        inputs = x if inputs is None else inputs
        return float(np.sum(weights * (inputs @ W + b)))

    layer.forward(x)
    grad_out = weights.copy()
    dx = layer.backward(grad_out)
    np.testing.assert_array_equal(grad_out, weights)  # not modified in place
    assert rel_error(layer.dW, numerical_gradient(lambda W: loss_of(W=W), layer.W)) < 1e-7
    assert rel_error(layer.db, numerical_gradient(lambda b: loss_of(b=b), layer.b)) < 1e-7
    assert rel_error(dx, numerical_gradient(lambda v: loss_of(inputs=v), x)) < 1e-7


def test_mse_by_hand():
    loss = MSE()
    value = loss.forward(np.array([[1.0, 2.0]]), np.array([[0.0, 4.0]]))
    assert value == 0.5 * (1.0 + 4.0) / 2  # 0.5 * mean([1, 4]) = 1.25
    assert isinstance(value, float)
    np.testing.assert_array_equal(loss.backward(), [[0.5, -1.0]])  # (pred - target) / 2


def test_mse_backward_matches_central_differences(rng):
    pred, target = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    loss = MSE()
    loss.forward(pred, target)
    numeric = numerical_gradient(lambda p: MSE().forward(p, target), pred)
    assert rel_error(loss.backward(), numeric) < 1e-7


@pytest.mark.parametrize("activation", [Sigmoid, ReLU])
def test_whole_network_gradient_check(activation, rng):
    model = DNN(3, 8, 5, 2, activation=activation, rng=rng, init="lecun")
    for layer in model.layers[::2]:
        # Random biases: with b = 0 a unit whose inputs are all 0 (dead ReLUs upstream)
        # sits exactly on ReLU's kink, where central differences see slope 1/2.
        layer.b = rng.normal(size=layer.b.shape)
    x, y = rng.normal(size=(4, 5)), rng.normal(size=(4, 2))
    assert gradient_check(model, MSE(), x, y) < 1e-7


def test_numerical_gradients_forward_costs_n_plus_one_loss_evaluations(rng):
    model = DNN(2, 4, 3, 2, rng=rng)
    loss = MSE()
    calls = []
    original_forward = loss.forward

    def counting_forward(pred, target):
        calls.append(1)
        return original_forward(pred, target)

    loss.forward = counting_forward
    x, y = rng.normal(size=(1, 3)), rng.normal(size=(1, 2))
    before = [value.copy() for _, value, _ in model.parameters()]
    grads = numerical_gradients(model, loss, x, y, method="forward")
    n = model.num_parameters()
    assert n == 3 * 4 + 4 + 4 * 4 + 4 + 4 * 2 + 2
    assert len(calls) == n + 1
    assert [g.shape for g in grads] == [v.shape for _, v, _ in model.parameters()]
    for (_, value, _), old in zip(model.parameters(), before):
        np.testing.assert_array_equal(value, old)  # parameters restored


def test_numerical_gradients_forward_is_close_to_backprop(rng):
    model = DNN(2, 6, 3, 2, rng=rng, init="lecun")
    x, y = rng.normal(size=(2, 3)), rng.normal(size=(2, 2))
    numeric = numerical_gradients(model, MSE(), x, y, method="forward")
    loss = MSE()
    loss.forward(model(x), y)
    model.backward(loss.backward())
    for (_, _, grad), num in zip(model.parameters(), numeric):
        assert rel_error(grad, num) < 1e-4  # forward differences: error O(eps)


def test_fan_out_gradients_add_up(rng):
    """One input feeding two layers: d loss / d x is the sum of both paths."""
    a, b = Dense(3, 2, rng=rng, init="lecun"), Dense(3, 2, rng=rng, init="lecun")
    x = rng.normal(size=(4, 3))
    target = rng.normal(size=(4, 2))

    def total_loss(inputs):
        return MSE().forward(a.forward(inputs) + b.forward(inputs), target)

    loss = MSE()
    loss.forward(a.forward(x) + b.forward(x), target)
    g = loss.backward()
    dx = a.backward(g) + b.backward(g)  # the value x is used twice: gradients add
    assert rel_error(dx, numerical_gradient(total_loss, x)) < 1e-7


def test_dnn_depth_means_hidden_layers(rng):
    model = DNN(hidden_depth=5, num_neuron=32, n_input=10, n_output=2, rng=rng)
    dense = [layer for layer in model.layers if isinstance(layer, Dense)]
    assert len(dense) == 6  # 5 hidden + 1 output (the seed built 7)
    assert [d.W.shape for d in dense] == [(10, 32)] + [(32, 32)] * 4 + [(32, 2)]
    assert all(isinstance(layer, Sigmoid) for layer in model.layers[1::2])


def test_dnn_rejects_the_function_sigmoid():
    from bplib import sigmoid

    with pytest.raises(TypeError, match="layer class"):
        DNN(1, 4, 3, 2, activation=sigmoid)


def test_gradient_descent_returns_loss_before_update_and_loss_decreases(rng):
    model = DNN(2, 16, 10, 2, rng=rng, init="lecun")
    x, y = rng.normal(size=(1, 10)), rng.uniform(0.2, 0.8, size=(1, 2))
    loss = MSE()
    first = loss.forward(model(x), y)
    losses = [gradient_descent(model, loss, x, y, lr=0.5) for _ in range(50)]
    assert losses[0] == first
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))


def test_sequential_parameters_are_the_models_arrays(rng):
    model = Sequential(Dense(2, 3, rng=rng), Sigmoid(), Dense(3, 1, rng=rng))
    names = [name for name, _, _ in model.parameters()]
    assert names == ["0.W", "0.b", "2.W", "2.b"]
    model.parameters()[0][1][0, 0] = 42.0
    assert model.layers[0].W[0, 0] == 42.0


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: Dense(3, 2).forward(np.ones(3)), r"x must be 2-D with shape \(batch, 3\), got 1-D"),
        (lambda: Dense(3, 2).forward(np.ones((4, 5))), r"x must have shape \(batch, 3\), got \(4, 5\)"),
        (lambda: DNN(1, 2, 3, 2).forward(np.full((1, 3), np.nan)), "x contains NaN"),
        (lambda: Dense(3, 2).forward(np.ones((0, 3))), "at least one sample"),
        (lambda: Dense(3, 2).backward(np.ones((1, 2))), "forward"),
        (lambda: Dense(0, 2), "in_features must be a positive int"),
        (lambda: MSE().forward(np.ones((2, 3)), np.ones((3, 2))), r"target must have the shape of pred \(2, 3\), got \(3, 2\)"),
        (lambda: MSE().forward(np.ones(2), np.array([0.0, np.nan])), "target contains NaN"),
        (lambda: MSE().backward(), "forward"),
        (lambda: DNN(-1, 4, 3, 2), "hidden_depth"),
        (lambda: gradient_descent(DNN(1, 2, 2, 1), MSE(), np.ones((1, 2)), np.ones((1, 1)), lr=-1), "lr"),
    ],
)
def test_bad_input_is_explained(call, words):
    with pytest.raises(ValueError, match=words):
        call()


def test_dense_backward_with_wrong_grad_shape(rng):
    layer = Dense(3, 2, rng=rng)
    layer.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"\(batch, out_features\) = \(4, 2\), got \(4, 3\)"):
        layer.backward(np.ones((4, 3)))


def test_object_arrays_are_rejected():
    with pytest.raises(TypeError, match="real numbers"):
        Dense(1, 1).forward(np.array([["a"]], dtype=object))
