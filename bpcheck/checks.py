"""Checks for the exercises: run your code on seeded cases and explain what went wrong.

Every check takes your function (or class) itself, runs it on a few seeded cases, compares
the answers with bplib's own implementation by relative error (:func:`bplib.rel_error`,
at most 1e-7), and prints exactly one line:

* ``✅ check_<name>: all <n> tests passed.`` when everything agrees;
* ``⏳ check_<name>: not implemented yet. ...`` while your code still raises
  ``NotImplementedError``;
* ``❌ check_<name>: test <k> of <n> (<what>): <hint>`` otherwise. The hint names the mistake
  when your answer matches a known wrong variant (transposed ``dW``, a missing sum over the
  batch, a forward instead of a central difference, ...), or the exception your code raised.

A check never raises and returns None, so a cell shows only that line.
``check_<name>.result(student)`` returns a :class:`Feedback` (``.passed`` is a bool) instead
of printing. Nothing here reads files: the checks work wherever bplib is installed.

Taught in: every chapter's exercise.
"""

import copy
from contextlib import contextmanager

import numpy as np

from bplib.activations import ReLU, Sigmoid, relu, relu_derivative, sigmoid, sigmoid_derivative
from bplib.gradcheck import backprop_gradients, numerical_gradients
from bplib.layers import Dense
from bplib.losses import MSE
from bplib.network import DNN, Sequential
from bplib.numerical import numerical_gradient
from bplib.optim import gradient_descent

from .engine import FAIL, TODO, Feedback, Wrong, compare, make_check, unchanged

__all__ = [
    "Feedback",
    "check_backprop",
    "check_count_parameters",
    "check_dense",
    "check_forward_difference",
    "check_gradient_descent",
    "check_gradient_norms",
    "check_minibatches",
    "check_network_numerical_gradient",
    "check_numerical_gradient",
    "check_relu",
    "check_relu_derivative",
    "check_sigmoid",
    "check_sigmoid_derivative",
    "check_skip_connection",
    "check_train",
    "needs_implementation",
]

_SEED = 20240601


def _rng(offset=0):
    return np.random.default_rng(_SEED + offset)


# --- chapter 1: numerical gradients -----------------------------------------------------


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


# --- chapter 2: the whole network ---------------------------------------------------------


@make_check(3)
def check_count_parameters(run, fn):
    """Check ``fn(sizes)``: the number of weights and biases of Dense layers of these sizes."""
    for sizes in ([3, 4, 2], [10, 32, 32, 2], [784, 100, 10]):
        run.next(f"sizes = {sizes}")
        answer = run.call(fn, list(sizes))
        pairs = list(zip(sizes[:-1], sizes[1:]))
        expected = sum(i * o + o for i, o in pairs)
        variants = [
            (sum(i * o for i, o in pairs), "you counted the weights but not the biases: "
             "a Dense layer from i to o units has i*o weights and o biases."),
            (sum(i * o + i for i, o in pairs), "each layer has one bias per *output* unit "
             "(b has shape (out,)), not per input."),
            (sum(i * o + o for i, o in pairs) + sizes[0], "the input has no bias: only "
             "Dense layers have parameters."),
        ]
        compare(answer, expected, "the count", variants, tol=0)


def _small_network(rng, sizes):
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense.from_arrays(rng.normal(0, 0.8, (n_in, n_out)),
                                        rng.normal(0, 0.5, n_out)))
        if i < len(sizes) - 2:
            layers.append(Sigmoid())
    return Sequential(*layers)


class _CountingMSE(MSE):
    """MSE that counts its forward calls."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def forward(self, pred, target):
        self.calls += 1
        return super().forward(pred, target)

    __call__ = forward


def _network_case(offset, sizes, batch):
    rng = _rng(offset)
    model = _small_network(rng, sizes)
    x = rng.normal(size=(batch, sizes[0]))
    y = rng.normal(size=(batch, sizes[-1]))
    return model, x, y


def _gradient_list(answer, n):
    if answer is None:
        raise Wrong("your function returned None: return the list of gradients.")
    try:
        answer = list(answer)
    except TypeError:
        raise Wrong(f"return a list of arrays, got a {type(answer).__name__}") from None
    if len(answer) == n // 2:
        raise Wrong(f"you returned {len(answer)} arrays for {n} parameter arrays: one per "
                    "array of model.parameters(), weights *and* biases.")
    if len(answer) != n:
        raise Wrong(f"you returned {len(answer)} arrays; model.parameters() has {n}: "
                    "return one gradient per parameter array, in that order.")
    return answer


@make_check(2)
def check_network_numerical_gradient(run, fn):
    """Check ``fn(model, loss, x, y, eps)``: forward-difference gradients of the whole network.

    The answer is a list with one array per entry of ``model.parameters()``, in that order;
    the loss may be evaluated N + 1 times, and the parameters must be unchanged afterwards.
    """
    cases = [("a 3-4-2 sigmoid network, eps = 1e-3", 2, [3, 4, 2], 5, 1e-3),
             ("a 2-3-3-1 sigmoid network, eps = 1e-5", 3, [2, 3, 3, 1], 4, 1e-5)]
    for what, offset, sizes, batch, eps in cases:
        run.next(what)
        model, x, y = _network_case(offset, sizes, batch)
        before = [value.copy() for _, value, _ in model.parameters()]
        loss = _CountingMSE()
        answer = run.call(fn, model, loss, x.copy(), y.copy(), eps,
                          context="(called as fn(model, loss, x, y, eps))")
        fresh, _, _ = _network_case(offset, sizes, batch)
        expected = numerical_gradients(fresh, MSE(), x, y, eps, "forward")
        central = numerical_gradients(fresh, MSE(), x, y, eps, "central")
        answer = _gradient_list(answer, len(expected))
        names = [name for name, _, _ in fresh.parameters()]
        for k, (mine, ref, cen, name) in enumerate(zip(answer, expected, central, names)):
            shapes = [np.shape(e) for e in expected]
            if np.shape(mine) != ref.shape and np.shape(mine) in shapes:
                raise Wrong(f"gradient {k} has the shape of another parameter: return the "
                            "gradients in the order of model.parameters().")
            compare(mine, ref, f"the gradient of parameter {name!r}", [
                (cen, "this is the central difference; the seed's method (and this task) "
                 "uses the forward difference (loss(p + eps) - loss) / eps."),
                (ref / 2, "you divided by 2 eps for a one-sided step: divide by eps."),
            ])
        for (name, value, _), old in zip(model.parameters(), before):
            unchanged(old, value, f"parameter {name!r} of the model",
                      "put every parameter back to its original value after moving it "
                      "(save it first; do not subtract eps again).")
        n = fresh.num_parameters()
        if loss.calls != n + 1:
            hint = ("you recomputed the reference loss for every parameter; compute it "
                    "once before the loops." if loss.calls == 2 * n else "")
            raise Wrong(f"the loss was evaluated {loss.calls} times for N = {n} parameters; "
                        f"a forward difference needs N + 1 = {n + 1}. {hint}".rstrip())


# --- chapter 3: sigmoid -----------------------------------------------------------------

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


# --- chapter 4: backpropagation ---------------------------------------------------------


def _attr(obj, name, where):
    if not hasattr(obj, name):
        raise Wrong(f"{where} has no attribute {name!r}: set self.{name} in backward.")
    return getattr(obj, name)


@make_check(4)
def check_dense(run, cls):
    """Check ``cls(W, b)``: a layer with ``forward(x) = x @ W + b`` and ``backward(grad_out)``.

    ``backward`` must return the gradient with respect to x and set ``dW`` (shape of W) and
    ``db`` (shape of b), summed over the batch.
    """
    rng = _rng(6)

    def case(n_in, n_out, batch):
        return (rng.normal(size=(n_in, n_out)), rng.normal(size=n_out),
                rng.normal(size=(batch, n_in)), rng.normal(size=(batch, n_out)))

    # 1. forward
    W, b, x, _ = case(3, 2, 4)
    run.next("forward with W (3, 2), b (2,), x (4, 3)")
    shapes = "(x (4, 3), W (3, 2), b (2,): out = x @ W + b has shape (4, 2))"
    layer = run.call(cls, W.copy(), b.copy(), context="(when building cls(W, b))")
    x_in = x.copy()
    out = run.call(layer.forward, x_in, context=shapes)
    compare(out, x @ W + b, "forward(x)", [
        (x @ W, "you forgot to add the bias b."),
        ((x @ W + b).T, "your output is transposed: batch first, (batch, out)."),
    ])
    unchanged(x, x_in, "x", "forward must not write into its input.")

    # 2 and 3. backward, square then non-square
    for n_in, n_out, batch in ((3, 3, 4), (3, 2, 5)):
        W, b, x, g = case(n_in, n_out, batch)
        run.next(f"backward with W ({n_in}, {n_out}), x ({batch}, {n_in})")
        shapes = (f"(x ({batch}, {n_in}), W ({n_in}, {n_out}), grad_out ({batch}, {n_out}): "
                  f"dW must be ({n_in}, {n_out}) like W, db ({n_out},), the result "
                  f"({batch}, {n_in}) like x)")
        layer = run.call(cls, W.copy(), b.copy(), context="(when building cls(W, b))")
        run.call(layer.forward, x.copy(), context=shapes)
        g_in = g.copy()
        dx = run.call(layer.backward, g_in, context=shapes)
        unchanged(g, g_in, "grad_out", "backward must not modify grad_out in place (the "
                  "caller may still need it); compute new arrays instead.")
        dW = _attr(layer, "dW", "your layer")
        db = _attr(layer, "db", "your layer")
        compare(dW, x.T @ g, "dW", [
            (np.zeros_like(W), "dW is still zero: set self.dW in backward."),
            (g.T @ x, "dW is transposed: it must have W's shape (in, out), "
             "dW = x.T @ grad_out."),
            (x.T @ g / batch, "dW is averaged over the batch; layers *sum* over the batch "
             "(the loss already averages): dW = x.T @ grad_out."),
            (np.outer(x[0], g[0]), "dW uses only the first sample: x.T @ grad_out sums "
             "over the whole batch."),
            (np.outer(x[-1], g[-1]), "dW uses only the last sample: x.T @ grad_out sums "
             "over the whole batch."),
        ])
        compare(db, g.sum(axis=0), "db", [
            (np.zeros_like(b), "db is still zero: set self.db in backward."),
            (g, "db still has one row per sample, shape (batch, out): sum over the batch, "
             "db = grad_out.sum(axis=0)."),
            (g.mean(axis=0), "db is averaged over the batch; layers *sum*: "
             "db = grad_out.sum(axis=0)."),
            (g[0], "db uses only the first sample: sum over the batch."),
            (g[-1], "db uses only the last sample: sum over the batch."),
            (g.sum(axis=1), "db sums over the wrong axis: sum over the batch (axis=0)."),
        ])
        compare(dx, g @ W.T, "the returned gradient with respect to x", [
            (lambda g=g, W=W: g @ W, "the gradient with respect to x uses W.T, not W: "
             "dx = grad_out @ W.T."),
            ((g @ W.T).T, "the gradient with respect to x is transposed: it must have "
             "x's shape (batch, in)."),
        ])

    # 4. the cache is the latest forward, with a batch of one
    W, b, x1, _ = case(2, 3, 1)
    x2 = rng.normal(size=(1, 2))
    g = rng.normal(size=(1, 3))
    run.next("two forward calls, then backward on a batch of 1")
    layer = run.call(cls, W.copy(), b.copy(), context="(when building cls(W, b))")
    run.call(layer.forward, x1.copy())
    run.call(layer.forward, x2.copy())
    dx = run.call(layer.backward, g.copy())
    compare(_attr(layer, "dW", "your layer"), x2.T @ g, "dW", [
        (x1.T @ g, "dW used the x of the first forward call: cache x in forward "
         "(self.x = x) every time it runs."),
    ])
    compare(_attr(layer, "db", "your layer"), g.sum(axis=0), "db")
    compare(dx, g @ W.T, "the returned gradient with respect to x")


def _layers_case(offset, activation):
    rng = _rng(offset)
    sizes = [4, 5, 3, 2]
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers.append(Dense.from_arrays(rng.normal(0, 0.7, (n_in, n_out)),
                                        rng.normal(0, 0.3, n_out)))
        layers.append(activation())
    return layers, rng.normal(size=(6, 4)), rng.normal(size=(6, 2))


def _backprop_variant(layers, x, y, start, skip_activations):
    """dW, db of every Dense after a backward pass done with a known mistake."""
    layers = copy.deepcopy(layers)
    loss = MSE()
    h = x
    for layer in layers:
        h = layer.forward(h)
    loss.forward(h, y)
    grad = {"loss": loss.backward(), "ones": np.ones_like(h), "seed": h - y}[start]
    for layer in reversed(layers):
        if skip_activations and not isinstance(layer, Dense):
            continue
        grad = layer.backward(grad)
    return [a for layer in layers if isinstance(layer, Dense) for a in (layer.dW, layer.db)]


@make_check(2)
def check_backprop(run, fn):
    """Check ``fn(layers, loss, x, y)``: forward through ``layers``, the loss, then backward.

    ``fn`` returns the loss value; afterwards every Dense layer holds its ``dW`` and ``db``.
    """
    for offset, activation in ((7, Sigmoid), (8, ReLU)):
        layers, x, y = _layers_case(offset, activation)
        run.next(f"Dense and {activation.__name__} layers 4-5-3-2, batch of 6")
        mine = copy.deepcopy(layers)
        value = run.call(fn, mine, MSE(), x.copy(), y.copy(),
                         context="(called as fn(layers, loss, x, y))")
        reference = Sequential(*copy.deepcopy(layers))
        expected = backprop_gradients(reference, MSE(), x, y)
        loss_value = MSE().forward(reference.forward(x), y)
        compare(value, loss_value, "the returned loss")
        answers = [a for layer in mine if isinstance(layer, Dense)
                   for a in (_attr(layer, "dW", "a Dense layer"),
                             _attr(layer, "db", "a Dense layer"))]
        variants = {
            "skip": _backprop_variant(layers, x, y, "loss", True),
            "ones": _backprop_variant(layers, x, y, "ones", False),
            "seed": _backprop_variant(layers, x, y, "seed", False),
        }
        names = [name for name, _, _ in reference.parameters()]
        for k, (answer, ref, name) in enumerate(zip(answers, expected, names)):
            compare(answer, ref, f"the gradient of {name!r}", [
                (variants["skip"][k], "you skipped the activation layers on the way back: "
                 "forgetting the activation derivative. Call backward on *every* layer, "
                 "last to first."),
                (variants["seed"][k], f"your gradients are {y.size} times too large: start "
                 "from loss.backward(), which includes the 1/size of the mean (the seed's "
                 "pred - y does not)."),
                (variants["ones"][k], "start the backward pass from loss.backward(), the "
                 "gradient of the loss with respect to the prediction, not from ones."),
            ])


@make_check(3)
def check_skip_connection(run, cls):
    """Check ``cls(layer)``: ``forward(x) = layer.forward(x) + x``, ``backward`` adds both paths.

    x feeds two consumers (the inner layer and the sum), so its gradient is the sum of the
    gradients along both paths: ``layer.backward(grad_out) + grad_out``.
    """
    rng = _rng(9)
    cases = [
        ("around one Dense 3 -> 3", lambda: Dense.from_arrays(rng.normal(size=(3, 3)),
                                                               rng.normal(size=3))),
        ("around Dense, Sigmoid, Dense (3 -> 4 -> 3)", lambda: Sequential(
            Dense.from_arrays(rng.normal(size=(3, 4)), rng.normal(size=4)), Sigmoid(),
            Dense.from_arrays(rng.normal(size=(4, 3)), rng.normal(size=3)))),
        ("around one Dense 2 -> 2, batch of 1", lambda: Dense.from_arrays(
            rng.normal(size=(2, 2)), rng.normal(size=2))),
    ]
    for what, make_layer in cases:
        run.next(what)
        inner = make_layer()
        n = inner.parameters()[0][1].shape[0]
        batch = 1 if "batch of 1" in what else 4
        x, g = rng.normal(size=(batch, n)), rng.normal(size=(batch, n))
        reference = copy.deepcopy(inner)
        block = run.call(cls, inner, context="(when building cls(layer))")
        out = run.call(block.forward, x.copy())
        compare(out, reference.forward(x) + x, "forward(x)", [
            (reference.forward(x), "forward must add the input to the layer's output "
             "(the skip path): layer.forward(x) + x."),
        ])
        g_in = g.copy()
        dx = run.call(block.backward, g_in)
        unchanged(g, g_in, "grad_out", "do not add into grad_out in place (g += ...); "
                  "compute a new array: layer.backward(grad_out) + grad_out.")
        through_layer = reference.backward(g)
        compare(dx, through_layer + g, "the gradient with respect to x", [
            (through_layer, "x feeds two consumers, but you kept only the gradient through "
             "the layer: the fan-out gradients must be added, not overwritten. Return "
             "layer.backward(grad_out) + grad_out."),
            (g, "x feeds two consumers, but you kept only the skip path's gradient: the "
             "fan-out gradients must be added, not overwritten. Return "
             "layer.backward(grad_out) + grad_out."),
        ])
        for (name, _, mine), (_, _, ref) in zip(inner.parameters(), reference.parameters()):
            compare(mine, ref, f"the inner layer's gradient {name!r}",
                    [(np.zeros_like(ref), "call the inner layer's backward so that it sets "
                      "its own gradients.")])


def _backprop_loss(model, x, y):
    """Forward, MSE loss and backward on ``model``; returns the loss."""
    loss = MSE()
    value = loss.forward(model.forward(x), y)
    model.backward(loss.backward())
    return value


@make_check(2)
def check_gradient_descent(run, fn):
    """Check ``fn(model, loss, x, y, lr, steps)``: the loss before each of ``steps`` updates.

    Each step is forward, loss, backward, then ``param -= lr * grad`` for every parameter of
    ``model.parameters()``; ``fn`` returns the list of the ``steps`` loss values.
    """
    for offset, lr, steps in ((10, 0.5, 5), (11, 0.1, 3)):
        run.next(f"{steps} steps with lr = {lr}")
        model, x, y = _network_case(offset, [3, 4, 2], 5)
        answer = run.call(fn, model, MSE(), x.copy(), y.copy(), lr, steps,
                          context="(called as fn(model, loss, x, y, lr, steps))")

        def losses(lr_used, n, offset=offset, x=x, y=y):
            fresh, _, _ = _network_case(offset, [3, 4, 2], 5)
            if lr_used > 0:
                return np.array([gradient_descent(fresh, MSE(), x, y, lr_used)
                                 for _ in range(n)])
            values = []  # a step with the wrong sign, which gradient_descent refuses
            for _ in range(n):
                values.append(_backprop_loss(fresh, x, y))
                for _, param, grad in fresh.parameters():
                    param -= lr_used * grad
            return np.array(values)

        expected, longer = losses(lr, steps), losses(lr, steps + 1)
        fresh, _, _ = _network_case(offset, [3, 4, 2], 5)
        first = MSE().forward(fresh.forward(x), y)
        compare(answer, expected, "the list of losses", [
            (np.full(steps, first), "the loss never changes: the parameters were not "
             "updated. `param = param - lr * grad` only rebinds a name; update the model's "
             "array in place: `param -= lr * grad`."),
            (losses(-lr, steps), "the loss goes up: you moved along the gradient. Gradient "
             "descent steps *against* it: param -= lr * grad."),
            (losses(1.0, steps), "the step ignores the learning rate: param -= lr * grad."),
            (longer[1:], "your losses are measured *after* each update: record the loss "
             "computed in the forward pass, before the update."),
        ])


# --- chapter 5: ReLU ----------------------------------------------------------------------

_RELU_CASES = [
    ("x = linspace(-3, 3, 7), zero included", np.linspace(-3.0, 3.0, 7)),
    ("x of shape (3, 4)", _rng(12).normal(size=(3, 4))),
]


@make_check(2)
def check_relu(run, fn):
    """Check ``fn(x)``: ReLU, max(x, 0) elementwise, as a new array."""
    for what, x0 in _RELU_CASES:
        run.next(what)
        x = x0.copy()
        answer = run.call(fn, x)
        if np.ndim(answer) < x0.ndim and answer is not None:
            raise Wrong(f"your result has shape {np.shape(answer)}, expected {x0.shape}: "
                        "np.max reduces an axis; np.maximum(x, 0) compares elementwise.")
        unchanged(x0, x, "x", "you wrote into the input (for example x[x < 0] = 0); work "
                  "on a copy or use np.maximum(x, 0), which returns a new array.")
        compare(answer, relu(x0), "relu(x)", [
            (relu_derivative(x0), "you returned 1 where x > 0 (the derivative); ReLU "
             "returns x itself there: max(x, 0)."),
            (np.minimum(x0, 0), "you kept the negative part: ReLU is max(x, 0)."),
            (np.abs(x0), "negative inputs must become 0, not |x|."),
        ])


@make_check(2)
def check_relu_derivative(run, fn):
    """Check ``fn(x)``: 1 where x > 0, else 0 (0 at x = 0, the book's choice)."""
    for what, x0 in _RELU_CASES:
        run.next(what)
        x = x0.copy()
        answer = run.call(fn, x)
        unchanged(x0, x, "x", "compute a new array; do not write into the input.")
        compare(answer, relu_derivative(x0), "relu'(x)", [
            ((x0 >= 0).astype(float), "at x = 0 the book uses derivative 0: use x > 0, "
             "not x >= 0."),
            (relu(x0), "you returned relu(x); its derivative is 1 where x > 0, else 0."),
            ((x0 < 0).astype(float), "the derivative is 1 for *positive* x."),
        ])


def _norm_case(offset, activation, depth):
    rng = _rng(offset)
    model = DNN(depth, 6, 4, 2, activation=activation, rng=rng, init="lecun")
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
        answer = run.call(fn, model, x.copy(), y.copy(),
                          context="(called as fn(model, x, y))")
        ref, _, _ = _norm_case(offset, activation, depth)
        grads = backprop_gradients(ref, MSE(), x, y)
        dW, db = grads[0::2], grads[1::2]
        expected = np.array([np.linalg.norm(g) for g in dW])
        weights = np.array([np.linalg.norm(w) for _, w, _ in ref.parameters()][0::2])
        both = np.array([np.linalg.norm(g) for g in grads])
        compare(answer, expected, "the list of norms", [
            (expected[::-1], "your list starts at the last layer: list the norms first "
             "layer first (the input side), as model.layers runs."),
            (expected**2, "these are squared norms: use np.linalg.norm(dW)."),
            (weights, "these are the norms of the weights W, not of their gradients dW."),
            (both, "you included the biases' gradients: only dW of each Dense layer."),
            (np.array([np.linalg.norm(g) for g in db]), "these are the norms of db; the "
             "experiment compares dW."),
            (np.zeros_like(expected), "all norms are 0: run forward, the loss and backward "
             "before reading dW."),
        ])


# --- chapter 6: training ----------------------------------------------------------------


def _batches(answer):
    if answer is None:
        raise Wrong("your function returned None: yield (or return) (x_batch, y_batch) "
                    "pairs.")
    try:
        pairs = list(answer)
    except TypeError:
        raise Wrong("your function must yield (x_batch, y_batch) pairs.") from None
    out = []
    for pair in pairs:
        try:
            xb, yb = pair
        except (TypeError, ValueError):
            raise Wrong("each item must be a pair (x_batch, y_batch).") from None
        out.append((np.asarray(xb, dtype=np.float64), np.asarray(yb, dtype=np.float64)))
    return out


@make_check(3)
def check_minibatches(run, fn):
    """Check ``fn(x, y, batch_size, rng)``: shuffled ``(x_batch, y_batch)`` pairs.

    Every sample appears exactly once per call, rows of x and y stay paired, batches hold
    ``batch_size`` samples (the last may be smaller), and the order is a fresh
    ``rng.permutation`` on every call.
    """
    n = 10
    x0 = np.column_stack([np.arange(n), np.arange(n) ** 2]).astype(float)  # row i holds id i
    y0 = (10.0 * np.arange(n)).reshape(n, 1)
    for batch_size in (3, 5):
        run.next(f"10 samples, batch_size = {batch_size}")
        x, y = x0.copy(), y0.copy()
        rng = np.random.default_rng(_SEED)
        batches = _batches(run.call(fn, x, y, batch_size, rng,
                                    context="(called as fn(x, y, batch_size, rng))"))
        unchanged(x0, x, "x", "shuffle an index array (rng.permutation(len(x))) and use it "
                  "to pick rows; do not shuffle x in place.")
        unchanged(y0, y, "y", "shuffle an index array (rng.permutation(len(y))) and use it "
                  "to pick rows; do not shuffle y in place.")
        ids = [xb[:, 0] for xb, _ in batches]
        seen = np.concatenate(ids) if ids else np.array([])
        sizes = [len(i) for i in ids]
        expected_sizes = [batch_size] * (n // batch_size) + [n % batch_size] * (n % batch_size > 0)
        if len(seen) < n and sorted(set(seen)) == sorted(seen) and sizes == expected_sizes[:-1]:
            raise Wrong("the last, smaller batch is missing: keep it (10 samples in batches "
                        f"of {batch_size} give sizes {expected_sizes}).")
        if len(set(seen.tolist())) != len(seen):
            raise Wrong("some samples appear twice: draw the order without replacement, "
                        "rng.permutation(len(x)), and cut it into batches.")
        if sorted(seen.tolist()) != list(range(n)):
            raise Wrong(f"the batches hold samples {sorted(seen.tolist())}; every sample "
                        "0..9 must appear exactly once.")
        if sizes != expected_sizes:
            raise Wrong(f"the batch sizes are {sizes}, expected {expected_sizes}.")
        for xb, yb in batches:
            if yb.shape[0] != xb.shape[0] or not np.array_equal(yb[:, 0], 10.0 * xb[:, 0]):
                raise Wrong("x and y rows no longer match: shuffle both with the *same* "
                            "index array, x[idx] and y[idx].")
            if not np.array_equal(xb, x0[xb[:, 0].astype(int)]):
                raise Wrong("the rows of x were changed or mixed up.")
        if np.array_equal(seen, np.arange(n)):
            raise Wrong("the samples come in their original order: shuffle them with "
                        "rng.permutation(len(x)) first.")
        order = np.random.default_rng(_SEED).permutation(n).astype(float)
        if not np.array_equal(seen, order):
            raise Wrong("your order is not the one the rng you were given draws: use "
                        "order = rng.permutation(len(x)) (one call per epoch) and cut it "
                        "into consecutive batches.")
    run.next("two calls with the same rng give two different orders")
    rng = np.random.default_rng(_SEED + 1)
    first = np.concatenate([xb[:, 0] for xb, _ in _batches(run.call(fn, x0, y0, 4, rng))])
    second = np.concatenate([xb[:, 0] for xb, _ in _batches(run.call(fn, x0, y0, 4, rng))])
    if np.array_equal(first, second):
        raise Wrong("both calls gave the same order: use the rng you are given (do not "
                    "create a new generator with a fixed seed inside the function).")


class _Spy:
    """Wraps a model: records the batches it sees and the backward calls."""

    def __init__(self, model):
        self.model = model
        self.inputs = []
        self.backward_calls = 0

    def forward(self, x):
        self.inputs.append(np.array(x, dtype=np.float64))
        return self.model.forward(x)

    __call__ = forward

    def backward(self, grad):
        self.backward_calls += 1
        return self.model.backward(grad)

    def parameters(self):
        return self.model.parameters()


class _RecordingMSE(MSE):
    def __init__(self):
        super().__init__()
        self.values = []

    def forward(self, pred, target):
        value = super().forward(pred, target)
        self.values.append(value)
        return value

    __call__ = forward


@make_check(2)
def check_train(run, fn):
    """Check ``fn(model, loss, x, y, lr, epochs, batch_size, rng)``: mini-batch training.

    Each epoch visits the samples in a fresh shuffled order, in batches, with one gradient
    descent step per batch; ``fn`` returns one number per epoch, the mean of that epoch's
    batch losses, and the loss goes down.
    """
    n, batch_size, epochs = 24, 8, 6
    rng = _rng(15)
    x = rng.normal(size=(n, 3))
    y = np.column_stack([np.sin(x[:, 0]), x[:, 1] * x[:, 2]]) * 0.5
    for lr in (0.5, 0.2):
        run.next(f"{epochs} epochs, {n} samples in batches of {batch_size}, lr = {lr}")
        model, _, _ = _network_case(16, [3, 8, 2], 1)
        spy, loss = _Spy(model), _RecordingMSE()
        before = [value.copy() for _, value, _ in model.parameters()]
        answer = run.call(fn, spy, loss, x.copy(), y.copy(), lr, epochs, batch_size,
                          np.random.default_rng(_SEED),
                          context="(called as fn(model, loss, x, y, lr, epochs, "
                          "batch_size, rng))")
        per_epoch = -(-n // batch_size)
        updates = epochs * per_epoch
        if spy.backward_calls == epochs:
            raise Wrong(f"you took one step per epoch; take one gradient descent step per "
                        f"batch ({per_epoch} per epoch here).")
        if spy.backward_calls != updates:
            raise Wrong(f"model.backward ran {spy.backward_calls} times; {epochs} epochs of "
                        f"{per_epoch} batches need {updates} steps.")
        if all(np.array_equal(a, v) for a, (_, v, _) in zip(before, model.parameters())):
            raise Wrong("the parameters never changed: update them in place "
                        "(gradient_descent does), param -= lr * grad.")
        sizes = [len(xb) for xb in spy.inputs]
        if sorted(set(sizes)) != [batch_size]:
            raise Wrong(f"the model saw batches of sizes {sorted(set(sizes))}; expected "
                        f"batches of {batch_size}.")
        firsts = [tuple(spy.inputs[e * per_epoch][0]) for e in range(epochs)]
        if len(set(firsts)) == 1:
            raise Wrong("every epoch starts with the same batch: shuffle again in every "
                        "epoch (call your minibatch function inside the epoch loop).")
        values = np.array(loss.values[:updates]).reshape(epochs, per_epoch)
        mean = values.mean(axis=1)
        compare(answer, mean, "the returned list", [
            (values.reshape(-1), "you returned every batch's loss; return one number per "
             "epoch, the mean of its batch losses."),
            (values[:, -1], "you returned the last batch's loss of each epoch; return the "
             "mean over the epoch's batches."),
            (values.sum(axis=1), "you returned the sum of the batch losses; return their "
             "mean."),
        ])
        if not mean[-1] < mean[0]:
            raise Wrong(f"the loss did not go down ({mean[0]:.4f} -> {mean[-1]:.4f}): "
                        "step against the gradient, param -= lr * grad.")


# --- cells that use the student's code outside a check ------------------------------------


@contextmanager
def needs_implementation():
    """Run a cell's block that uses your code; print a short line instead of a traceback.

    ``with checks.needs_implementation(): ...`` prints "not implemented yet" while a
    function it calls still raises ``NotImplementedError``, and names any other exception
    in one line; when the code works it prints nothing and changes nothing.
    """
    try:
        yield
    except NotImplementedError:
        print(f"{TODO} not implemented yet: this cell uses your code from the tasks above. "
              "Finish them, then run this cell again.")
    except Exception as error:
        print(f"{FAIL} this cell stopped: your code raised {type(error).__name__}: {error}")
