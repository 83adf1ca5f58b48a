"""The core and the speed-tuned path (bplib.fast) give the plain formulas' results.

The plain formulas are written out here in numpy, as the chapters teach them:
``z = x @ W + b``, ``s = sigmoid(z)``, ``grad_z = grad_s * s * (1 - s)``, ``dW = x.T @ grad_z``,
``db = grad_z.sum(0)``, ``grad_x = grad_z @ W.T`` and ``W -= lr * dW``. ``bplib.gradient_descent``
(the core) and ``bplib.fast.train_step`` (fewer temporary arrays, gradients written in place,
no input gradient for the first layer, blocked update) must both give them, within
``TOLERANCE``. float32 stays float32.
"""

import warnings

import numpy as np
import pytest
from conftest import NoSetDtype

from bplib import (
    DNN,
    MSE,
    Dense,
    ReLU,
    Sequential,
    Sigmoid,
    SoftmaxCrossEntropy,
    gradient_descent,
    rel_error,
    sigmoid,
    train,
)
from bplib.fast import BLOCK, sigmoid_fast, subtract_scaled, train_step

TOLERANCE = {np.float64: 1e-12, np.float32: 1e-5}
DTYPES = [np.float64, np.float32]


def plain_step(weights, x, y, lr):
    """One training step of a Dense+Sigmoid network with MSE, in plain numpy.

    weights: list of (W, b); returns (loss, list of (dW, db), list of new (W, b)).
    """
    activations = [x]
    for W, b in weights:
        activations.append(sigmoid(activations[-1] @ W + b))
    out = activations[-1]
    loss = 0.5 * np.mean((out - y) ** 2)
    grad = (out - y) / out.size
    grads = []
    for (W, _), a_in, a_out in zip(weights[::-1], activations[-2::-1], activations[:0:-1]):
        grad_z = grad * a_out * (1 - a_out)
        grads.append((a_in.T @ grad_z, grad_z.sum(axis=0)))
        grad = grad_z @ W.T
    grads.reverse()
    new = [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(weights, grads)]
    return loss, grads, new


def network(sizes, dtype, seed=0):
    rng = np.random.default_rng(seed)
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        dense = Dense(n_in, n_out, rng=rng, init="lecun", dtype=dtype)
        dense.b = rng.normal(0, 0.5, n_out).astype(dtype)
        layers += [dense, Sigmoid()]
    return Sequential(*layers)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sizes, batch", [([10, 32, 32, 2], 64), ([70, 300, 5], 9),
                                          ([3, 1], 1)])
@pytest.mark.parametrize("step", [gradient_descent, train_step], ids=["core", "fast"])
def test_training_steps_equal_the_plain_formulas(dtype, sizes, batch, step):
    rng = np.random.default_rng(1)
    model = network(sizes, dtype)
    x = rng.normal(size=(batch, sizes[0])).astype(dtype)
    y = rng.uniform(0.1, 0.9, size=(batch, sizes[-1])).astype(dtype)
    weights = [(d.W.copy(), d.b.copy()) for d in model.layers[0::2]]
    for _ in range(3):
        loss, grads, weights = plain_step(weights, x, y, lr=0.5)
        assert abs(step(model, MSE(), x, y, lr=0.5) - loss) <= TOLERANCE[dtype] * loss
        for dense, (dW, db), (W, b) in zip(model.layers[0::2], grads, weights):
            assert dense.dW.dtype == dense.W.dtype == dtype
            assert rel_error(dense.dW, dW) < TOLERANCE[dtype]
            assert rel_error(dense.db, db) < TOLERANCE[dtype]
            assert rel_error(dense.W, W) < TOLERANCE[dtype]
            assert rel_error(dense.b, b) < TOLERANCE[dtype]


@pytest.mark.parametrize("dtype", DTYPES)
def test_fast_step_equals_the_core_on_relu_and_softmax_networks(dtype):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(20, 6))
    labels = rng.integers(0, 3, size=20)

    def make():
        return Sequential(Dense(6, 8, rng=3, init="he", dtype=dtype), ReLU(),
                          Dense(8, 8, rng=4, init="he", dtype=dtype), Sigmoid(),
                          Dense(8, 3, rng=5, init="glorot", dtype=dtype))

    core, fast = make(), make()
    for _ in range(4):
        a = gradient_descent(core, SoftmaxCrossEntropy(), x, labels, lr=0.3)
        b = train_step(fast, SoftmaxCrossEntropy(), x, labels, lr=0.3)
        assert abs(a - b) <= TOLERANCE[dtype] * a
    for (_, p, g), (_, q, h) in zip(core.parameters(), fast.parameters()):
        assert rel_error(p, q) < TOLERANCE[dtype] and rel_error(g, h) < TOLERANCE[dtype]


def test_fast_step_refuses_non_finite_gradients_and_changes_nothing():
    class NaNGradient(MSE):  # a finite loss whose gradient is not
        def backward(self):
            grad = super().backward()
            grad[0, 0] = np.nan
            return grad

    model = network([3, 4, 2], np.float64)
    before = [p.copy() for _, p, _ in model.parameters()]
    x = np.ones((2, 3))
    with pytest.raises(FloatingPointError, match="not finite; no parameter was changed"):
        train_step(model, NaNGradient(), x, np.zeros((2, 2)), lr=0.1)
    for (_, p, _), old in zip(model.parameters(), before):
        np.testing.assert_array_equal(p, old)


def test_returned_arrays_are_never_reused():
    rng = np.random.default_rng(4)
    for layer, n in ((Dense(3, 3, rng=rng), 3), (Sigmoid(), 3), (ReLU(), 3)):
        x1, x2 = rng.normal(size=(4, n)), rng.normal(size=(4, n))
        h1 = layer.forward(x1)
        kept = h1.copy()
        h2 = layer.forward(x2)
        assert h1 is not h2
        np.testing.assert_array_equal(h1, kept)  # h2 = layer(x2) left h1 alone
        g1 = layer.backward(np.ones((4, n)))
        kept = g1.copy()
        layer.backward(np.full((4, n), 2.0))
        np.testing.assert_array_equal(g1, kept)


SIGMOID_RTOL = {np.float64: 1e-14, np.float32: 1e-6}  # a few units in the last place


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_fast_equals_sigmoid_to_the_last_digits(dtype):
    rng = np.random.default_rng(6)
    big = 700.0 if dtype == np.float64 else 80.0
    special = np.array([0.0, -0.0, 1e-30, -1e-30, 1.0, -1.0, big, -big, 1000.0, -1000.0])
    sweep = np.linspace(-750, 750, 300_001) if dtype == np.float64 else np.linspace(-90, 90, 300_001)
    for x in (special.astype(dtype), sweep.astype(dtype), (rng.normal(size=(50, 40)) * 20).astype(dtype),
              rng.normal(size=(2, 3, 4)).astype(dtype), dtype(0.3), dtype(-5.0)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no overflow warning either
            fast = sigmoid_fast(x)
        plain = sigmoid(x)
        assert fast.dtype == plain.dtype == dtype
        assert fast.shape == plain.shape
        # below the smallest normal number only the absolute difference is small
        np.testing.assert_allclose(fast, plain, rtol=SIGMOID_RTOL[dtype], atol=np.finfo(dtype).tiny)
        assert np.all((fast >= 0) & (fast <= 1))
    np.testing.assert_allclose(sigmoid_fast([1, 2]), sigmoid([1, 2]), rtol=1e-14)  # lists, ints


@pytest.mark.parametrize("shape", [(300, 500), (100_000,), (3, 200, 300), (7, 5), ()])
def test_subtract_scaled_equals_the_plain_update(shape):
    rng = np.random.default_rng(7)
    param, grad = rng.normal(size=shape), rng.normal(size=shape)
    assert param.size > BLOCK or shape in [(7, 5), ()]  # most cases take several blocks
    expected = param - 0.03 * grad
    subtract_scaled(param, 0.03, grad)
    np.testing.assert_array_equal(param, expected)


def test_float32_end_to_end():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(12, 5))  # float64 data: the parameters decide the dtype
    y = rng.uniform(0.1, 0.9, size=(12, 3))
    model = DNN(2, 8, 5, 3, rng=0, dtype=np.float32)
    assert all(v.dtype == np.float32 and g.dtype == np.float32 for _, v, g in model.parameters())
    loss = MSE()
    out = model.forward(x)
    assert out.dtype == np.float32
    loss.forward(out, y)
    grad = loss.backward()
    assert grad.dtype == np.float32
    assert model.backward(grad).dtype == np.float32
    gradient_descent(model, loss, x, y, lr=0.1)
    train(model, loss, x, y, epochs=2, batch_size=5, lr=0.1, rng=0)
    assert all(v.dtype == np.float32 and g.dtype == np.float32 for _, v, g in model.parameters())
    for layer in (Sigmoid(), ReLU()):
        h = layer.forward(x.astype(np.float32))
        assert h.dtype == np.float32 and layer.backward(np.ones_like(h)).dtype == np.float32
    ce = SoftmaxCrossEntropy()
    ce.forward(rng.normal(size=(4, 3)).astype(np.float32), np.array([0, 1, 2, 0]))
    assert ce.backward().dtype == np.float32


def test_float32_network_follows_the_float64_one():
    """The float32 weights are the float64 ones rounded: gradients agree to float32's digits."""
    rng = np.random.default_rng(9)
    x, y = rng.normal(size=(16, 10)), rng.uniform(0.1, 0.9, size=(16, 2))
    grads = {}
    for dtype in DTYPES:
        model = DNN(2, 16, 10, 2, rng=0, init="lecun", dtype=dtype)
        loss = MSE()
        loss.forward(model.forward(x), y)
        model.backward(loss.backward())
        grads[dtype] = [g.astype(np.float64) for _, _, g in model.parameters()]
    for a, b in zip(grads[np.float64], grads[np.float32]):
        assert rel_error(a, b) < 1e-4


def test_sequential_dtype_converts_every_layer():
    model = Sequential(Dense(3, 4, rng=0), Sigmoid(), Dense(4, 2, rng=1), dtype=np.float32)
    assert all(v.dtype == np.float32 and g.dtype == np.float32 for _, v, g in model.parameters())
    same = Sequential(Dense(3, 4, rng=0))
    assert same.layers[0].W.dtype == np.float64  # dtype=None keeps the layers as they are
    back = Sequential(*model.layers, dtype="float64")
    assert all(v.dtype == np.float64 for _, v, _ in back.parameters())


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: Dense(2, 2, dtype=np.int64), ValueError,
         r"Dense: dtype must be np.float32 or np.float64, got int64"),
        (lambda: Dense(2, 2, dtype="no such type"), TypeError,
         r"Dense: dtype must be np.float32 or np.float64, got 'no such type'"),
        (lambda: Dense(2, 2, dtype=None), TypeError,
         r"Dense: dtype must be np.float32 or np.float64, got None"),
        (lambda: DNN(1, 2, 2, 1, dtype=np.float16), ValueError,
         r"Dense: dtype must be np.float32 or np.float64, got float16"),
        (lambda: Sequential(Dense(2, 2), dtype=complex), ValueError,
         r"Sequential: dtype must be np.float32 or np.float64, got complex128"),
        (lambda: Sequential(NoSetDtype(), dtype=np.float32), TypeError,
         r"Sequential: dtype=float32 needs every layer with parameters to have set_dtype\(dtype\); NoSetDtype has not"),
        (lambda: Dense(2, 2).set_dtype(int), ValueError,
         r"Dense.set_dtype: dtype must be np.float32 or np.float64, got int64"),
    ],
)
def test_bad_dtypes_are_explained(call, error, words):
    with pytest.raises(error, match=words):
        call()
