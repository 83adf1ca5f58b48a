"""Checks of Exercise 5: backpropagation."""

import copy

import numpy as np

from bplib.activations import ReLU, Sigmoid
from bplib.gradcheck import backprop_gradients
from bplib.layers import Dense
from bplib.losses import MSE
from bplib.network import Sequential
from bplib.optim import gradient_descent

from .engine import Wrong, compare, make_check, unchanged
from .engine import seeded_rng as _rng
from .ex02_network_numerical_gradient import _network_case


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
