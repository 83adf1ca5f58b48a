"""Checks of Exercise 5: backpropagation.

Every layer check calls ``backward`` twice, with different ``grad_out``, and compares each
call with the reference (a ``+=`` that is never reset shows only on the second call). The
training check runs the student's loop on a model whose layers *rebind* ``dW`` in
``backward``, looks at what happened (was ``backward`` called, did the parameters move,
when was ``model.parameters()`` read) before it names a cause, and compares the losses with
an independent reference run.
"""

# The variants passed to compare() are lambdas over loop variables; compare() calls them at
# once, inside the same iteration, so the late binding ruff warns about cannot bite.
# ruff: noqa: B023

import copy

import numpy as np

from bplib.activations import ReLU, Sigmoid, Tanh
from bplib.gradcheck import backprop_gradients
from bplib.layers import Dense
from bplib.losses import MSE
from bplib.network import Sequential
from bplib.numerical import numerical_gradient

from .engine import Wrong, as_answer, compare, make_check, unchanged
from .engine import seeded_rng as _rng

# --- helpers shared by the checks of exercises 5 to 7 -----------------------------------


def _attr(obj, name, where):
    if not hasattr(obj, name):
        raise Wrong(f"{where} has no attribute {name!r}: set self.{name} in backward.")
    return getattr(obj, name)


def _only(condition, value):
    """A lazily computed variant that exists only when ``condition`` holds."""
    def variant():
        if not condition:
            raise ValueError("variant not applicable")
        return value() if callable(value) else value
    return variant


def _copy(value):
    """A float copy of an answer to compare later, or the answer itself if it is none."""
    try:
        array = np.array(value, dtype=np.float64, copy=True)
    except (TypeError, ValueError):
        return value
    return value if value is None else array


def build(run, cls, *args, context=""):
    """``cls(*args)`` under the time limit; Wrong unless it has forward and backward."""
    layer = run.call(cls, *args, context=context)
    missing = [m for m in ("forward", "backward") if not callable(getattr(layer, m, None))]
    if missing:
        raise Wrong(f"calling your class gave a {type(layer).__name__} without "
                    f"{' and '.join(missing)}(): pass the class itself (a `class` with "
                    "def forward and def backward), not a function or an instance.")
    return layer


def _missing_cache_hint(attribute="x"):
    return (AttributeError, None,
            f"forward must store what backward needs (self.{attribute} = ...) every time "
            "it runs.")


_SHAPE_HINT = (ValueError, None, "a shape does not fit: each "
               "gradient has the shape of what it differentiates; write the shapes of x, W "
               "and grad_out next to each product.")


class _RebindingDense(Dense):
    """A Dense layer whose backward binds *new* arrays to dW and db, like most students'.

    bplib's own Dense writes into the arrays it has, which would hide a list of parameters
    taken once before the training loop.
    """

    def backward(self, grad_out, *args, input_grad=True, **kwargs):
        self.dW = self.x.T @ grad_out
        self.db = grad_out.sum(axis=0)
        return grad_out @ self.W.T if input_grad and not args else None


def rebinding_network(offset, sizes, batch, activation=Sigmoid, scale=0.8):
    """A seeded Sequential of _RebindingDense and activation layers, with x and y."""
    rng = _rng(offset)
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers.append(_RebindingDense.from_arrays(rng.normal(0, scale / np.sqrt(n_in),
                                                             (n_in, n_out)),
                                                  rng.normal(0, 0.1, n_out)))
        layers.append(activation())
    return layers, rng.normal(size=(batch, sizes[0])), rng.normal(0, 0.5, (batch, sizes[-1]))


class Watched(Sequential):
    """A Sequential that records what the student's training code did with it.

    ``backward_grads``: the gradient passed to every backward call; ``moved_at``: for every
    backward call, whether the parameters changed since the previous one;
    ``parameters_calls``: how many backward calls had run at each ``parameters()`` call.
    The parameters are read from the layers' attributes, so an update that rebinds
    ``layer.W`` counts too.
    """

    def __init__(self, *layers):
        super().__init__(*layers)
        self.forward_calls = 0
        self.backward_grads = []
        self.parameters_calls = []
        self.snapshots = [self.values()]

    def values(self):
        return [np.array(getattr(layer, name), dtype=np.float64, copy=True)
                for layer in self.layers if isinstance(layer, Dense) for name in ("W", "b")]

    def forward(self, x):
        self.forward_calls += 1
        return super().forward(x)

    __call__ = forward

    def backward(self, grad, *args, **kwargs):
        self.backward_grads.append(np.array(grad, dtype=np.float64, copy=True))
        self.snapshots.append(self.values())
        return super().backward(grad, *args, **kwargs)

    def parameters(self):
        self.parameters_calls.append(len(self.backward_grads))
        return super().parameters()

    def moved(self, i, j):
        """Did any parameter change between snapshot i and snapshot j?"""
        a, b = self.snapshots[i], self.snapshots[j]
        return any(not np.array_equal(u, v) for u, v in zip(a, b))

    def moved_in_the_end(self):
        return any(not np.array_equal(u, v) for u, v in zip(self.snapshots[0], self.values()))

    def gradients_now(self):
        return [np.asarray(getattr(layer, name)) for layer in self.layers
                if isinstance(layer, Dense) for name in ("dW", "db")]


def diagnose_training(model, steps_expected, what_step="step"):
    """Name what went wrong in a training loop from what ``model`` (a Watched) saw.

    Raises Wrong when the record shows a cause; returns quietly when it does not.
    """
    calls = len(model.backward_grads)
    if calls == 0:
        raise Wrong("model.backward was never called, so no gradient was computed: every "
                    f"{what_step} is forward, loss, model.backward(loss.backward()), then "
                    "the update.")
    if all(not np.any(g) for g in model.backward_grads):
        raise Wrong("the gradient you passed to model.backward is all zeros: pass "
                    "loss.backward(), the gradient of the loss you just computed.")
    if calls == 1 and steps_expected > 1:
        raise Wrong(f"model.backward ran once, but {steps_expected} {what_step}s need "
                    f"{steps_expected} backward passes: forward, loss, backward and the "
                    f"update all belong inside the loop.")
    if calls != steps_expected:
        raise Wrong(f"model.backward ran {calls} times; {steps_expected} {what_step}s need "
                    f"exactly {steps_expected} (one per {what_step}).")
    if not model.moved_in_the_end():
        reads = model.parameters_calls
        if not reads:
            raise Wrong("the parameters never changed and model.parameters() was never "
                        "called: after backward, update every parameter, "
                        "`for _, value, grad in model.parameters(): value -= lr * grad`.")
        if max(reads) == 0:
            raise Wrong("the parameters never changed: you took the list model.parameters() "
                        "once, before the first backward. These layers bind new dW arrays "
                        "in backward, so that list still holds the old gradients (zeros). "
                        "Call model.parameters() after backward, in every step.")
        raise Wrong("the parameters never changed. `value = value - lr * grad` only rebinds "
                    "the name `value`; update the model's own array in place: "
                    "`value -= lr * grad`.")
    moves = [model.moved(k, k + 1) for k in range(1, calls)]
    if calls > 1 and not any(moves):
        raise Wrong("the parameters changed only once, after the last backward pass: the "
                    "update sits outside the loop. Indent it, so that every step updates.")


# --- Task 1: Dense ---------------------------------------------------------------------


@make_check(4)
def check_dense(run, cls):
    """Check ``cls(W, b)``: a layer with ``forward(x) = x @ W + b`` and ``backward(grad_out)``.

    ``backward`` must return the gradient with respect to x and set ``dW`` (shape of W) and
    ``db`` (shape of b), summed over the batch. It is called twice after one forward, with
    two different ``grad_out``: each call must give the gradients of that ``grad_out``.
    """
    rng = _rng(6)

    def case(n_in, n_out, batch):
        return (rng.normal(size=(n_in, n_out)), rng.normal(size=n_out),
                rng.normal(size=(batch, n_in)), rng.normal(size=(batch, n_out)))

    building = "(when building cls(W, b))"
    # 1. forward
    W, b, x, _ = case(3, 2, 4)
    run.next("forward with W (3, 2), b (2,), x (4, 3)")
    shapes = "(x (4, 3), W (3, 2), b (2,): out = x @ W + b has shape (4, 2))"
    layer = build(run, cls, W.copy(), b.copy(), context=building)
    x_in = x.copy()
    out = run.call(layer.forward, x_in, context=shapes, hints=[
        (ValueError, None, "out = x @ W + b, with x (batch, in) "
         "and W (in, out); x comes first.")])
    compare(out, x @ W + b, "forward(x)", [
        (x @ W, "you forgot to add the bias b: out = x @ W + b."),
        ((x @ W + b).T, "your output is transposed: batch first, (batch, out)."),
        (x @ W - b, "subtract no bias: out = x @ W + b."),
    ])
    unchanged(x, x_in, "x", "forward must not write into its input.")

    # 2 and 3. backward twice, square then non-square
    for n_in, n_out, batch in ((3, 3, 4), (3, 2, 5)):
        W, b, x, g1 = case(n_in, n_out, batch)
        g2 = rng.normal(size=(batch, n_out))
        run.next(f"backward twice (two different grad_out) with W ({n_in}, {n_out}), "
                 f"x ({batch}, {n_in})")
        shapes = (f"(x ({batch}, {n_in}), W ({n_in}, {n_out}), grad_out ({batch}, {n_out}): "
                  f"dW must be ({n_in}, {n_out}) like W, db ({n_out},), the result "
                  f"({batch}, {n_in}) like x)")
        layer = build(run, cls, W.copy(), b.copy(), context=building)
        run.call(layer.forward, x.copy(), context=shapes)
        for call, g in enumerate((g1, g2), start=1):
            g_in = g.copy()
            dx = run.call(layer.backward, g_in, context=shapes,
                              hints=[_missing_cache_hint(), _SHAPE_HINT])
            unchanged(g, g_in, "grad_out", "backward must not modify grad_out in place (the "
                      "caller may still need it); compute new arrays instead.")
            if not np.array_equal(np.asarray(_attr(layer, "W", "your layer"), dtype=float), W):
                raise Wrong("backward changed W: it only computes gradients; updating W is "
                            "the job of gradient descent, after backward.")
            dW = _copy(_attr(layer, "dW", "your layer"))
            db = _copy(_attr(layer, "db", "your layer"))
            second = " (the second backward call)" if call == 2 else ""
            grows = ("{name} grows with every backward call: it was right after the first "
                     "call, and the second added to it. backward must *set* self.{name} "
                     "from this grad_out (self.{name} = ...), not add to it with +=.")
            compare(dW, x.T @ g, f"dW{second}", [
                (np.zeros_like(W), "dW is still zero: set self.dW in backward."),
                (x.T @ (g1 + g2), grows.format(name="dW")),
                (x.T @ g1, "dW did not change on the second backward call: compute it from "
                 "this call's grad_out."),
                (g.T @ x, "dW is transposed: it must have W's shape (in, out), "
                 "dW = x.T @ grad_out."),
                (x.T @ g / batch, "dW is averaged over the batch; layers *sum* over the batch "
                 "(the loss already averages): dW = x.T @ grad_out."),
                (np.outer(x[0], g[0]), "dW uses only the first sample: x.T @ grad_out sums "
                 "over the whole batch."),
                (np.outer(x[-1], g[-1]), "dW uses only the last sample: x.T @ grad_out sums "
                 "over the whole batch."),
                (_only(n_in == n_out, lambda g=g: x.T @ (g @ W.T)),
                 "dW uses the gradient with respect to x: dW = x.T @ grad_out."),
            ])
            if np.shape(db) == (batch,) and batch != n_out:
                raise Wrong(f"db has shape ({batch},), one number per sample: you summed over "
                            "the outputs (axis=1). Sum over the batch, db = "
                            "grad_out.sum(axis=0), shape (out,) like b.")
            compare(db, g.sum(axis=0), f"db{second}", [
                (np.zeros_like(b), "db is still zero: set self.db in backward."),
                (g1.sum(axis=0) + g2.sum(axis=0), grows.format(name="db")),
                (g1.sum(axis=0), "db did not change on the second backward call: compute it "
                 "from this call's grad_out."),
                (g, "db still has one row per sample, shape (batch, out): sum over the batch, "
                 "db = grad_out.sum(axis=0)."),
                (g.mean(axis=0), "db is averaged over the batch; layers *sum*: "
                 "db = grad_out.sum(axis=0)."),
                (g[0], "db uses only the first sample: sum over the batch."),
                (g[-1], "db uses only the last sample: sum over the batch."),
                (g.sum(), "db is one number, the sum over everything: sum over the batch "
                 "only, db = grad_out.sum(axis=0), one entry per output."),
                (_only(batch == n_out, lambda g=g: g.sum(axis=1)),
                 "db sums over the wrong axis: sum over the batch (axis=0)."),
            ])
            if dx is not None and np.shape(dx) == W.shape and np.shape(dx) != x.shape:
                raise Wrong("backward returned an array of W's shape: it must return the "
                            "gradient with respect to x, grad_out @ W.T, of x's shape.")
            compare(dx, g @ W.T, f"the returned gradient with respect to x{second}", [
                (lambda g=g: g @ W, "the gradient with respect to x uses W.T, not W: "
                 "dx = grad_out @ W.T."),
                ((g @ W.T).T, "the gradient with respect to x is transposed: it must have "
                 "x's shape (batch, in)."),
                (lambda: x.T @ g, "you returned dW; backward returns the gradient with "
                 "respect to x, grad_out @ W.T."),
                (g1 @ W.T + g2 @ W.T, "the returned gradient grows with every call: "
                 "compute it from this call's grad_out only."),
            ])

    # 4. the cache is the latest forward, with a batch of one
    W, b, x1, _ = case(2, 3, 1)
    x2 = rng.normal(size=(1, 2))
    g = rng.normal(size=(1, 3))
    run.next("two forward calls, then backward on a batch of 1")
    layer = build(run, cls, W.copy(), b.copy(), context=building)
    run.call(layer.forward, x1.copy())
    run.call(layer.forward, x2.copy())
    dx = run.call(layer.backward, g.copy(), hints=[_missing_cache_hint(),
                                                            _SHAPE_HINT])
    compare(_attr(layer, "dW", "your layer"), x2.T @ g, "dW", [
        (x1.T @ g, "dW used the x of the first forward call: cache x in forward "
         "(self.x = x) every time it runs."),
    ])
    compare(_attr(layer, "db", "your layer"), g.sum(axis=0), "db")
    compare(dx, g @ W.T, "the returned gradient with respect to x")


# --- Task 2: the backward walk ------------------------------------------------------------


class _Recording:
    """Mixin for layers: record the order of forward and backward calls in a shared log."""

    log = None

    def forward(self, x):
        self.log.append(("forward", self))
        return super().forward(x)

    def __call__(self, x):
        return self.forward(x)

    def backward(self, grad, *args, **kwargs):
        self.log.append(("backward", self, np.array(grad, dtype=np.float64, copy=True)))
        return super().backward(grad, *args, **kwargs)


def _recording(layer, log):
    cls = type(layer)
    recorder = type(cls.__name__, (_Recording, cls), {"log": log})
    new = copy.deepcopy(layer)
    new.__class__ = recorder
    return new


def _layers_case(offset, activation):
    rng = _rng(offset)
    sizes = [4, 5, 3, 2]
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers.append(Dense.from_arrays(rng.normal(0, 0.7, (n_in, n_out)),
                                        rng.normal(0, 0.3, n_out)))
        layers.append(activation())
    return layers, rng.normal(size=(6, 4)), rng.normal(size=(6, 2))


@make_check(2)
def check_backprop(run, fn):
    """Check ``fn(layers, loss, x, y)``: forward through ``layers``, the loss, then backward.

    ``fn`` returns the loss value; afterwards every Dense layer holds its ``dW`` and ``db``.
    """
    for offset, activation in ((7, Sigmoid), (8, ReLU)):
        layers, x, y = _layers_case(offset, activation)
        run.next(f"Dense and {activation.__name__} layers 4-5-3-2, batch of 6")
        log = []
        mine = [_recording(layer, log) for layer in layers]
        value = run.call(fn, mine, MSE(), x.copy(), y.copy(),
            context="(called as fn(layers, loss, x, y))",
            hints=[(ValueError, "grad_out must have shape",
                    "a layer received a gradient of the wrong shape. Walk the "
                    "layers last to first, reversed(layers), passing each one's result to "
                    "the next."),
                   (ValueError, "call forward before backward",
                    "a layer's backward ran before its forward: first the forward "
                    "pass through every layer, then the backward pass."),
                   (TypeError, "backward() takes 1 positional", "loss.backward() takes no "
                    "arguments: the loss keeps h and y from loss.forward(h, y), so write "
                    "grad = loss.backward()."),
                   (TypeError, None, "call each layer's own "
                    "methods: h = layer.forward(h), grad = layer.backward(grad).")])
        reference = Sequential(*copy.deepcopy(layers))
        expected = backprop_gradients(reference, MSE(), x, y)
        pred = reference.forward(x)
        loss_value = MSE().forward(pred, y)
        backwards = [entry for entry in log if entry[0] == "backward"]
        forwards = [entry for entry in log if entry[0] == "forward"]
        if not backwards:
            raise Wrong("no layer's backward was called: after the loss, start from "
                        "grad = loss.backward() and call grad = layer.backward(grad) for every "
                        "layer, last to first.")
        if len(forwards) < len(layers):
            raise Wrong("not every layer's forward ran: h = layer.forward(h) for every layer, "
                        "first to last.")
        called = {id(entry[1]) for entry in backwards}
        skipped = [layer for layer in mine if id(layer) not in called]
        if skipped and all(not isinstance(layer, Dense) for layer in skipped):
            raise Wrong("you skipped the activation layers on the way back: forgetting the "
                        "activation derivative. Call backward on *every* layer, last to "
                        "first.")
        if backwards[0][1] is not mine[-1]:
            raise Wrong("the backward pass started at another layer than the last one: walk "
                        "the layers last to first, `for layer in reversed(layers)`.")
        start = backwards[0][2]
        if start.shape == pred.shape:
            if np.allclose(start, np.ones_like(pred)):
                raise Wrong("start the backward pass from loss.backward(), the gradient of "
                            "the loss with respect to the prediction, not from ones.")
            if np.allclose(start, pred - y):
                raise Wrong(f"your gradients are {y.size} times too large: start from "
                            "loss.backward(), which includes the 1/size of the mean (the "
                            "seed's pred - y does not).")
        elif start.size == 1:
            raise Wrong("the backward pass started from the loss value, a single number: "
                        "start from grad = loss.backward(), an array of the prediction's "
                        "shape.")
        if value is not None and np.size(value) > 1:
            raise Wrong(f"you returned an array of shape {np.shape(value)}, perhaps a "
                        "gradient; return the loss value, the number loss.forward(h, y) "
                        "gave.")
        compare(value, loss_value, "the returned loss")
        answers = [a for layer in mine if isinstance(layer, Dense)
                   for a in (_attr(layer, "dW", "a Dense layer"),
                             _attr(layer, "db", "a Dense layer"))]
        names = [name for name, _, _ in reference.parameters()]
        for answer, ref, name in zip(answers, expected, names):
            compare(answer, ref, f"the gradient of {name!r}")


# --- Task 3: a value used twice -----------------------------------------------------------


@make_check(3)
def check_skip_connection(run, cls):
    """Check ``cls(layer)``: ``forward(x) = layer.forward(x) + x``, ``backward`` adds both paths.

    x feeds two consumers (the inner layer and the sum), so its gradient is the sum of the
    gradients along both paths: ``layer.backward(grad_out) + grad_out``. ``backward`` is
    called twice, with two different ``grad_out``.
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
        run.next(what + ", backward twice")
        inner = make_layer()
        n = inner.parameters()[0][1].shape[0]
        batch = 1 if "batch of 1" in what else 4
        x = rng.normal(size=(batch, n))
        reference = copy.deepcopy(inner)
        block = build(run, cls, inner, context="(when building cls(layer))")
        x_in = x.copy()
        out = run.call(block.forward, x_in)
        unchanged(x, x_in, "x", "forward must not add into its input in place; return "
                  "layer.forward(x) + x, a new array.")
        expected_out = reference.forward(x)
        compare(out, expected_out + x, "forward(x)", [
            (expected_out, "forward must add the input to the layer's output "
             "(the skip path): layer.forward(x) + x."),
            (x, "forward returned x alone: add the layer's output, layer.forward(x) + x."),
            (expected_out * x, "the skip path adds: layer.forward(x) + x, not a product."),
        ])
        previous = None
        for call in (1, 2):
            g = rng.normal(size=(batch, n))
            g_in = g.copy()
            dx = run.call(block.backward, g_in, hints=[
                (AttributeError, None, "keep the inner layer in "
                 "__init__ (self.layer = layer) and call self.layer.backward(grad_out).")])
            unchanged(g, g_in, "grad_out", "do not add into grad_out in place (g += ...); "
                      "compute a new array: layer.backward(grad_out) + grad_out.")
            through_layer = reference.backward(g)
            second = " (second backward call)" if call == 2 else ""
            compare(dx, through_layer + g, f"the gradient with respect to x{second}", [
                (through_layer, "x feeds two consumers, but you kept only the gradient "
                 "through the layer: the fan-out gradients must be added, not overwritten. "
                 "Return layer.backward(grad_out) + grad_out."),
                (g, "x feeds two consumers, but you kept only the skip path's gradient: the "
                 "fan-out gradients must be added, not overwritten. Return "
                 "layer.backward(grad_out) + grad_out."),
                (2 * g, "the skip path's gradient is grad_out, but the other path goes "
                 "through the layer: return layer.backward(grad_out) + grad_out."),
                (through_layer * g, "the fan-out gradients add, they do not multiply: "
                 "layer.backward(grad_out) + grad_out."),
                (_only(previous is not None, lambda: previous + through_layer + g),
                 "the returned gradient grows with every call: compute it from this "
                 "call's grad_out only."),
            ])
            previous = through_layer + g
            for (name, _, mine), (_, _, ref) in zip(inner.parameters(),
                                                    reference.parameters()):
                compare(mine, ref, f"the inner layer's gradient {name!r}{second}",
                        [(np.zeros_like(ref), "call the inner layer's backward so that it "
                          "sets its own gradients.")])


# --- Task 4: a normalisation layer ----------------------------------------------------------

EPS_NORM = 1e-5


def _normalize(x, eps=EPS_NORM, axis=1, ddof=0):
    mu = x.mean(axis=axis, keepdims=True)
    s = np.sqrt(x.var(axis=axis, keepdims=True, ddof=ddof) + eps)
    return (x - mu) / s, s


def _normalize_backward(x, g):
    y, s = _normalize(x)
    return (g - g.mean(axis=1, keepdims=True) - y * (g * y).mean(axis=1, keepdims=True)) / s


@make_check(3)
def check_normalize(run, cls):
    """Check ``cls()``: normalise every row of x to mean 0 and variance 1, and its backward.

    ``forward(x) = (x - mean) / sqrt(var + eps)`` per row (over the features, axis 1), with
    ``eps = 1e-5``; ``backward(grad_out)`` returns the gradient with respect to x. The mean
    and the variance depend on x too, so three paths lead from x to the output.
    """
    rng = _rng(20)
    hints_missing = [_missing_cache_hint("..."), _SHAPE_HINT]
    # 1. forward
    run.next("forward on x (4, 5)")
    x = rng.normal(1.0, 2.0, size=(4, 5))
    layer = build(run, cls, context="(when building cls())")
    x_in = x.copy()
    out = run.call(layer.forward, x_in)
    unchanged(x, x_in, "x", "forward changed its input (x -= mean writes into the "
              "caller's array): compute new arrays, x - mean.")
    y, _ = _normalize(x)
    compare(out, y, "forward(x)", [
        (lambda: _normalize(x, axis=0)[0], "you normalised each column (over the batch, "
         "axis 0); normalise each sample, a row, over its features: axis=1 with "
         "keepdims=True."),
        (lambda: _normalize(x, eps=0.0)[0], "eps is missing: divide by "
         "np.sqrt(var + eps) with eps = 1e-5."),
        (lambda: (x - x.mean(axis=1, keepdims=True)) / (x.std(axis=1, keepdims=True)
                                                         + EPS_NORM),
         "eps belongs inside the square root: np.sqrt(var + eps)."),
        (lambda: _normalize(x, ddof=1)[0], "the variance divides by n (np.var's default), "
         "not by n - 1 (ddof=1)."),
        (lambda: (x - x.mean(axis=1, keepdims=True)) / (x.var(axis=1, keepdims=True)
                                                         + EPS_NORM),
         "divide by the standard deviation, np.sqrt(var + eps), not by the variance."),
        (lambda: x - x.mean(axis=1, keepdims=True), "you subtracted the mean but did not "
         "divide by np.sqrt(var + eps)."),
        (lambda: (x - x.mean()) / np.sqrt(x.var() + EPS_NORM), "you normalised over the "
         "whole batch at once; normalise each row: mean and var with axis=1, "
         "keepdims=True."),
    ])
    # 2 and 3. backward twice
    for shape, offset_scale in (((3, 4), 1.0), ((2, 6), 3.0)):
        run.next(f"backward twice on x {shape}")
        x = rng.normal(0.5, offset_scale, size=shape)
        layer = build(run, cls, context="(when building cls())")
        run.call(layer.forward, x.copy())
        y, s = _normalize(x)
        previous = None
        for call in (1, 2):
            g = rng.normal(size=shape)
            g_in = g.copy()
            dx = run.call(layer.backward, g_in, hints=hints_missing)
            unchanged(g, g_in, "grad_out", "backward must not modify grad_out in place; "
                      "compute new arrays (g - g.mean(...), not g -= ...).")
            expected = _normalize_backward(x, g)
            g_mean = g.mean(axis=1, keepdims=True)
            gy_mean = (g * y).mean(axis=1, keepdims=True)
            second = " (second backward call)" if call == 2 else ""
            compare(dx, expected, f"the gradient with respect to x{second}", [
                (g / s, "you treated the mean and the standard deviation as constants: "
                 "x reaches the output through them too. Add the gradients of all three "
                 "paths (x directly, the mean, the variance)."),
                ((g - g_mean) / s, "the path through the variance is missing: x changes "
                 "the standard deviation too (d s / d x_j = (x_j - mean) / (n s))."),
                ((g - y * gy_mean) / s, "the path through the mean is missing: every x_j "
                 "moves the mean by 1/n, which moves every output."),
                (g - g_mean - y * gy_mean, "divide the result by s = np.sqrt(var + eps): "
                 "every output was divided by s."),
                ((g - g_mean - y * gy_mean) / s**2, "divide by s = np.sqrt(var + eps) once, "
                 "not by s squared (the variance)."),
                ((g - g_mean + y * gy_mean) / s, "the sign of the variance path is wrong: a "
                 "larger s makes the outputs smaller, so that path enters with a minus."),
                (lambda: (g - g_mean - (x - x.mean(axis=1, keepdims=True)) * gy_mean) / s,
                 "in the variance path use the normalised output y = (x - mean) / s, not "
                 "x - mean."),
                ((g - g.mean(axis=0, keepdims=True)
                  - y * (g * y).mean(axis=0, keepdims=True)) / s,
                 "the means in backward run over the wrong axis: like the forward pass, "
                 "average over the features of each row (axis=1, keepdims=True)."),
                (_only(previous is not None, lambda: previous + expected),
                 "the gradient grows with every backward call: compute it from this "
                 "call's grad_out only."),
                (g, "backward returned grad_out unchanged: the normalisation has a "
                 "derivative of its own."),
            ])
            previous = expected


# --- Task 5: the student's gradient check ---------------------------------------------------


class _NoBackward:
    """Wraps a layer for the gradient check: forward works, backward is noted."""

    def __init__(self, layer):
        self.layer = layer
        self.backward_calls = 0
        self.forward_calls = 0

    def forward(self, x):
        self.forward_calls += 1
        return self.layer.forward(x)

    __call__ = forward

    def backward(self, grad_out):
        self.backward_calls += 1
        return self.layer.backward(grad_out)

    def parameters(self):
        return self.layer.parameters()


def _reference_input_gradient(layer, x, g, eps, method="central"):
    layer = copy.deepcopy(layer)
    return numerical_gradient(lambda v: float(np.sum(layer.forward(v) * g)),
                              x.copy(), eps, method)


@make_check(3)
def check_input_gradient(run, fn):
    """Check ``fn(layer, x, grad_out, eps)``: central differences of sum(forward(x) * grad_out).

    The result estimates the gradient with respect to x that ``layer.backward(grad_out)``
    must return, without using ``backward``; it has x's shape and leaves x as it was.
    """
    rng = _rng(21)
    base = (0.1 + 1e-3 * np.arange(12)).reshape(3, 4)  # values where x[i] -= eps drifts
    cases = [
        ("a Sigmoid layer, x (3, 4), eps = 1e-5", Sigmoid(), base.copy(), 1e-5),
        ("a Dense layer 3 -> 2, x (4, 3), eps = 1e-5",
         Dense.from_arrays(rng.normal(size=(3, 2)), rng.normal(size=2)),
         rng.normal(size=(4, 3)), 1e-5),
        # a large step: an answer that ignores eps and steps by its own 1e-5 differs
        ("a Tanh layer, x (2, 3), eps = 1e-2", Tanh(), rng.normal(size=(2, 3)), 1e-2),
    ]
    for what, layer, x, eps in cases:
        run.next(what)
        g = rng.normal(size=copy.deepcopy(layer).forward(x).shape)
        watched = _NoBackward(copy.deepcopy(layer))
        x_in, g_in = x.copy(), g.copy()
        answer = run.call(fn, watched, x_in, g_in, eps,
                          context="(called as fn(layer, x, grad_out, eps))", hints=(
                              (ValueError, "could not be broadcast", "grad_out has the "
                               "shape of the layer's output, which for a Dense layer is "
                               "not x's: weigh the output before summing, f(x) = "
                               "np.sum(layer.forward(x) * grad_out)."),))
        if watched.backward_calls:
            raise Wrong("your gradient check called layer.backward: it must estimate the "
                        "gradient from forward alone (central differences), so that it can "
                        "referee backward.")
        if watched.forward_calls == 0:
            raise Wrong("your function never called layer.forward: the estimate comes from "
                        "f(x) = np.sum(layer.forward(x) * grad_out) at x[i] + eps and "
                        "x[i] - eps.")
        unchanged(g, g_in, "grad_out", "do not modify grad_out.")
        if not np.array_equal(x, x_in):
            drift = np.max(np.abs(x_in - x))
            hint = ("your function changed the caller's x"
                    + (f" by up to {drift:.1e}: putting x[i] back by arithmetic "
                       "(x[i] -= eps) leaves round-off. Save old = x[i] and restore "
                       "x[i] = old." if drift < 1e-8 else
                       ": put every x[i] back after moving it (save old = x[i], then "
                       "x[i] = old)."))
            raise Wrong(hint)
        expected = _reference_input_gradient(layer, x, g, eps)
        ones = _reference_input_gradient(layer, x, np.ones_like(g), eps)
        compare(answer, expected, "your numerical gradient", [
            (lambda: _reference_input_gradient(layer, x, g, eps, "forward"),
             "this is the forward difference (f(x + eps) - f(x)) / eps; the task asks for "
             "the central difference (f(x + eps) - f(x - eps)) / (2 eps)."),
            (2 * expected, "you divided by eps, but x + eps and x - eps are 2 eps apart: "
             "divide by 2 * eps."),
            (expected / 2, "you divided by 4 eps (or stepped eps/2): the central difference "
             "is (f(x + eps) - f(x - eps)) / (2 eps)."),
            (ones, "weigh the outputs with grad_out: f(x) = np.sum(layer.forward(x) * "
             "grad_out). Its gradient is exactly what backward(grad_out) returns."),
            (-expected, "the sign is flipped: (f(x + eps) - f(x - eps)), plus first."),
            *[(lambda step=step: _reference_input_gradient(layer, x, g, step),
               f"you used a fixed step ({step:g}) instead of the argument eps (here {eps:g}).")
              for step in (1e-3, 1e-4, 1e-5, 1e-6) if step != eps],
        ])


# --- Task 6: the bug hunt ------------------------------------------------------------------


@make_check(3)
def check_tanh(run, cls):
    """Check ``cls()``: a Tanh layer, ``forward(x) = tanh(x)``, ``backward = g * (1 - out**2)``.

    ``backward`` is called twice after one forward, with two different ``grad_out``.
    """
    rng = _rng(22)
    cases = [("x (3, 4)", rng.normal(size=(3, 4))),
             ("x (2, 5) with large entries", rng.normal(0, 3, size=(2, 5))),
             ("x (1, 3), two forward calls", rng.normal(size=(1, 3)))]
    for what, x in cases:
        run.next(what + ", backward twice")
        layer = build(run, cls, context="(when building cls())")
        if "two forward" in what:
            run.call(layer.forward, rng.normal(size=x.shape))
        x_in = x.copy()
        out = run.call(layer.forward, x_in)
        unchanged(x, x_in, "x", "forward wrote into its input (np.tanh(x, out=x)): return "
                  "a new array.")
        t = np.tanh(x)
        compare(out, t, "forward(x)", [
            (1 - t**2, "forward returned the derivative; it returns tanh(x)."),
        ])
        previous = None
        for call in (1, 2):
            g = rng.normal(size=x.shape)
            g_in = g.copy()
            dx = run.call(layer.backward, g_in, hints=[_missing_cache_hint("out")])
            unchanged(g, g_in, "grad_out", "backward must not modify grad_out in place.")
            expected = g * (1 - t**2)
            second = " (second backward call)" if call == 2 else ""
            compare(dx, expected, f"the gradient with respect to x{second}", [
                (g * (1 - np.tanh(t) ** 2), "tanh is applied twice: self.out already holds "
                 "tanh(x), so the derivative is 1 - self.out**2, not 1 - tanh(self.out)**2."),
                (g * (1 - t), "the derivative of tanh is 1 - tanh(x)**2: square the output."),
                (g - t**2, "g * 1 - out**2 is (g * 1) - out**2, because * comes before -: "
                 "write grad_out * (1 - self.out**2)."),
                (g * t * (1 - t), "that is the sigmoid's derivative s (1 - s); tanh's is "
                 "1 - tanh(x)**2."),
                (g * (1 - x**2), "use the cached output: 1 - tanh(x)**2, not 1 - x**2."),
                (1 - t**2, "multiply the local derivative by grad_out (the chain rule)."),
                (_only(previous is not None, lambda: previous + expected),
                 "the gradient grows with every backward call: compute it from this "
                 "call's grad_out only."),
            ])
            previous = expected


@make_check(3)
def check_elementwise_error(run, fn):
    """Check ``fn(a, b)``: the largest elementwise relative error |a - b| / (|a| + |b|).

    Entries where both are 0 count as 0 (divide by ``np.maximum(|a| + |b|, tiny)``).
    """
    tiny = np.finfo(np.float64).tiny
    rng = _rng(23)
    a1 = rng.normal(size=(3, 4))
    b1 = a1 * (1 + 1e-3 * rng.normal(size=(3, 4)))
    a2 = np.array([[1.0, 2.0, 3.0, 1e-7]])
    b2 = np.array([[1.0, 2.0, 3.0, 0.0]])  # one small entry wholly wrong
    a3 = np.array([0.0, 0.5, -2.0, 0.0])
    b3 = np.array([0.0, 0.5, -2.5, 0.0])  # zeros in both at the same places
    cases = [("a (3, 4) and b close to it", a1, b1),
             ("one small entry wholly wrong", a2, b2),
             ("zeros in both arrays at the same places", a3, b3)]
    for what, a, b in cases:
        run.next(what)
        a_in, b_in = a.copy(), b.copy()
        answer = run.call(fn, a_in, b_in, context="(called as fn(a, b))")
        unchanged(a, a_in, "a", "do not write into the arrays you compare.")
        unchanged(b, b_in, "b", "do not write into the arrays you compare.")
        diff = np.abs(a - b)
        each = diff / np.maximum(np.abs(a) + np.abs(b), tiny)
        expected = each.max()
        answer = as_answer(answer, "your result")
        if np.ndim(answer) > 0 and np.size(answer) == a.size:
            raise Wrong("you returned one error per entry: return the largest, "
                        "np.max(...), a single number.")
        with np.errstate(all="ignore"):
            plain = diff / (np.abs(a) + np.abs(b))
        if np.ndim(answer) == 0 and np.isnan(answer):
            raise Wrong("your result is nan: where a and b are both 0 the quotient is 0/0. "
                        "Divide by np.maximum(np.abs(a) + np.abs(b), tiny) with "
                        "tiny = np.finfo(float).tiny.")
        compare(answer, expected, "the largest elementwise error", [
            (np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)),
             "this is the whole-array relative error (bplib.rel_error); the task asks for "
             "the error of each entry, |a - b| / (|a| + |b|), and their maximum."),
            (diff.max(), "this is the largest absolute difference; divide each by "
             "|a| + |b| of its own entry first."),
            (each.mean(), "this is the mean of the elementwise errors; return the largest."),
            (lambda: np.nanmax(plain), "use the sum |a| + |b| protected by "
             "np.maximum(..., tiny), not np.nanmax: nan hides entries."),
            (lambda: (diff / np.maximum(np.abs(b), tiny)).max(), "divide by |a| + |b|, "
             "the symmetric form: dividing by |b| alone is unbounded where b is 0."),
            (lambda: (diff / np.maximum(np.abs(a), tiny)).max(), "divide by |a| + |b|, "
             "the symmetric form: dividing by |a| alone is unbounded where a is 0."),
            (lambda: (diff / np.maximum(np.abs(a + b), tiny)).max(), "divide by "
             "|a| + |b|, the sum of the absolute values, not |a + b|."),
        ])


# --- Task 7: training steps -------------------------------------------------------------


def _reference_losses(offset, sizes, batch, lr, steps, mode="right"):
    """The losses of ``steps`` gradient descent steps on a fresh network."""
    layers, x, y = rebinding_network(offset, sizes, batch)
    model = Sequential(*layers)
    loss = MSE()
    values = []
    for _ in range(steps):
        value = loss.forward(model.forward(x), y)
        model.backward(loss.backward())
        values.append(value)
        for _, param, grad in model.parameters():
            param -= lr * grad
    if mode == "after":
        values = values[1:] + [loss.forward(model.forward(x), y)]
    return np.array(values)


@make_check(3)
def check_train_steps(run, fn):
    """Check ``fn(model, loss, x, y, lr, steps)``: the loss before each of ``steps`` updates.

    Each step is forward, loss, backward, then ``param -= lr * grad`` for every parameter of
    ``model.parameters()``, read after that step's backward (the layers here bind new
    ``dW`` arrays in backward, as yours do); ``fn`` returns the list of the ``steps`` loss
    values, each computed before its update.
    """
    sizes, batch = [3, 4, 2], 5
    for offset, lr, steps in ((10, 0.5, 5), (11, 0.1, 3), (12, 2.0, 1)):
        run.next(f"{steps} step{'s' if steps > 1 else ''} with lr = {lr}")
        layers, x, y = rebinding_network(offset, sizes, batch)
        model = Watched(*layers)
        x_in, y_in = x.copy(), y.copy()
        answer = run.call(fn, model, MSE(), x_in, y_in, lr, steps,
            context="(called as fn(model, loss, x, y, lr, steps))",
            hints=[(ValueError, "call forward before backward",
                    "backward ran before forward: every step starts with the "
                    "forward pass, loss.forward(model.forward(x), y).")])
        unchanged(x, x_in, "x", "do not modify the data.")
        expected = _reference_losses(offset, sizes, batch, lr, steps)
        try:
            values = np.asarray(answer, dtype=np.float64)
        except (TypeError, ValueError):
            values = None
        if values is not None and values.shape == expected.shape and np.allclose(
                values, expected, rtol=1e-9, atol=0):
            if len(model.backward_grads) == steps:
                continue
        if answer is None:
            raise Wrong("your function returned None: return the list of the loss values, "
                        "one per step.")
        diagnose_training(model, steps)
        if values is not None and values.shape == () and steps > 1:
            raise Wrong("you returned one number; return the list of all the steps' losses, "
                        "one per step.")
        compare(answer, expected, "the list of losses", [
            (lambda: _reference_losses(offset, sizes, batch, -lr, steps),
             "the loss goes up: you moved along the gradient. Gradient descent steps "
             "*against* it: param -= lr * grad."),
            (_only(lr != 1, lambda: _reference_losses(offset, sizes, batch, 1.0, steps)),
             "the step ignores the learning rate: param -= lr * grad."),
            (lambda: _reference_losses(offset, sizes, batch, lr, steps, "after"),
             "your losses are measured *after* each update: record the loss computed in "
             "the forward pass, before the update."),
            (lambda: _reference_losses(offset, sizes, batch, lr / batch, steps),
             f"your steps are {batch} times too small: the loss already averages over the "
             "batch, so use param -= lr * grad as it is."),
            (lambda: _reference_losses(offset, sizes, batch, lr * lr, steps),
             "your steps use lr twice (lr * lr * grad): param -= lr * grad."),
        ])


# --- Task 8: predict, then measure -----------------------------------------------------------


@make_check(2)
def check_cache_batch(run, fn):
    """Check ``fn(n_in, n_out)``: the smallest batch whose cached input outnumbers the
    parameters of a Dense layer ``n_in -> n_out``.

    The layer caches its input, batch * n_in numbers; its parameters are W and b,
    n_in * n_out + n_out numbers. The answer is the smallest whole batch size B with
    B * n_in > n_in * n_out + n_out.
    """
    groups = [("layers 10 -> 32 and 784 -> 128", [(10, 32), (784, 128)]),
              ("layers 64 -> 64 (a tie at 65) and 3 -> 1000", [(64, 64), (3, 1000)])]
    for what, shapes in groups:
        run.next(what)
        for n_in, n_out in shapes:
            answer = run.call(fn, n_in, n_out, context="(called as fn(n_in, n_out))")
            params = n_in * n_out + n_out
            expected = params // n_in + 1
            if answer is None:
                raise Wrong("your function returned None: return the batch size.")
            try:
                value = float(answer)
            except (TypeError, ValueError):
                raise Wrong(f"return a whole number (the batch size), got a "
                            f"{type(answer).__name__}.") from None
            where = f"for a Dense layer {n_in} -> {n_out}: "
            if value == expected:
                continue
            if abs(value - params / n_in) < 1e-9 and value != round(value):
                raise Wrong(where + f"{value:g} is where the two are equal; a batch size is "
                            "whole: the smallest B with B * n_in > n_in * n_out + n_out.")
            known = [
                (n_out, "you compared the cache with W alone; the biases are parameters too "
                 "(n_in * n_out + n_out numbers)."),
                (-(-params // n_in), "the cache must be *larger*: when B * n_in equals the "
                 "parameter count exactly, take the next batch size."),
                (n_out + 1, f"n_out + 1 holds only when n_out < n_in; here the biases add "
                 f"n_out / n_in = {n_out / n_in:g} samples' worth. Solve B * n_in > n_in * "
                 "n_out + n_out for the smallest whole B."),
                (n_in, "the cache of a Dense layer is its input, batch * n_in numbers (not "
                 "its output): solve B * n_in > n_in * n_out + n_out."),
                (params, "this is the parameter count; divide by what one sample adds to "
                 "the cache (n_in numbers)."),
                (params // n_out + 1, "the cache of a Dense layer is its input, x of shape "
                 "(batch, n_in): one sample adds n_in numbers, not n_out."),
                (8 * params // n_in + 1, "count numbers on both sides (or bytes on both "
                 "sides): both are float64, so the 8 bytes cancel."),
            ]
            for value_known, hint in known:
                if value == value_known and value_known != expected:
                    raise Wrong(where + hint)
            raise Wrong(where + f"your answer is {value:g}, the smallest B with "
                        f"B * {n_in} > {params} is different; count the cache (B * n_in) "
                        "and the parameters (n_in * n_out + n_out).")
