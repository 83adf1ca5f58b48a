"""Checks of Exercise 7: training with mini-batches."""


import numpy as np

from bplib.losses import MSE

from .engine import SEED as _SEED
from .engine import Wrong, compare, make_check, unchanged
from .engine import seeded_rng as _rng
from .ex02_network_numerical_gradient import _network_case


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
