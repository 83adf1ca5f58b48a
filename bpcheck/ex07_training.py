"""Checks of Exercise 7: mini-batches, the training loop, and the softmax cross-entropy gradient.

``check_train`` compares the student's epoch means with an independent reference run (the
same initial weights, the same rng seed, the same learning rate), never with losses
recorded from the student's own run; before naming a cause it looks at what the model saw
(how many backward passes, of which batch sizes, whether the parameters moved).
"""

# The variants passed to compare() are lambdas over loop variables; compare() calls them at
# once, inside the same iteration, so the late binding ruff warns about cannot bite.
# ruff: noqa: B023

import numpy as np

from bplib.losses import MSE

from .engine import SEED as _SEED
from .engine import Wrong, compare, make_check, unchanged
from .ex05_backpropagation import Watched, _only, diagnose_training, rebinding_network

_ENDLESS = ("look for a loop that never ends: a `while` whose condition never changes, or "
            "a generator that yields the same batch forever instead of moving on.")


def _batches(run, answer, context):
    """The student's batches as a list of float arrays, read under the time limit."""
    if answer is None:
        raise Wrong("your function returned None: yield (or return) (x_batch, y_batch) "
                    "pairs.")
    with run.guard(context, timeout_hint=_ENDLESS):
        try:
            iterator = iter(answer)
        except TypeError:
            raise Wrong("your function must yield (x_batch, y_batch) pairs (or return a "
                        f"list of them), not a {type(answer).__name__}.") from None
        pairs = []
        for pair in iterator:
            pairs.append(pair)
            if len(pairs) > 1000:
                raise Wrong("your function yields batches without end: stop after the last "
                            "piece of the order (for start in range(0, len(x), batch_size)).")
    out = []
    for pair in pairs:
        try:
            xb, yb = pair
        except (TypeError, ValueError):
            raise Wrong("each item must be a pair (x_batch, y_batch): yield x[piece], "
                        "y[piece].") from None
        try:
            out.append((np.asarray(xb, dtype=np.float64), np.asarray(yb, dtype=np.float64)))
        except (TypeError, ValueError):
            raise Wrong("each pair must hold two arrays, x[piece] and y[piece].") from None
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
    context = "(called as fn(x, y, batch_size, rng))"
    for batch_size in (3, 5):
        run.next(f"10 samples, batch_size = {batch_size}")
        x, y = x0.copy(), y0.copy()
        rng = np.random.default_rng(_SEED)
        batches = _batches(run, run.call(fn, x, y, batch_size, rng, context=context,
                                         timeout_hint=_ENDLESS), context)
        unchanged(x0, x, "x", "shuffle an index array (rng.permutation(len(x))) and use it "
                  "to pick rows; do not shuffle x in place.")
        unchanged(y0, y, "y", "shuffle an index array (rng.permutation(len(y))) and use it "
                  "to pick rows; do not shuffle y in place.")
        if any(xb.ndim != 2 or xb.shape[1:] != (2,) for xb, _ in batches):
            raise Wrong("each x_batch must be a block of whole rows of x, shape (b, 2) here: "
                        "x[piece] with piece an array of row indices.")
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
            raise Wrong(f"the batch sizes are {sizes}, expected {expected_sizes}: cut the "
                        "order into consecutive pieces of batch_size, order[start:start + "
                        "batch_size].")
        for xb, yb in batches:
            if yb.shape[0] != xb.shape[0] or not np.array_equal(yb.reshape(len(yb), -1)[:, 0],
                                                                10.0 * xb[:, 0]):
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
    first = np.concatenate([xb[:, 0] for xb, _ in _batches(
        run, run.call(fn, x0.copy(), y0.copy(), 4, rng, context=context,
                      timeout_hint=_ENDLESS), context)])
    second = np.concatenate([xb[:, 0] for xb, _ in _batches(
        run, run.call(fn, x0.copy(), y0.copy(), 4, rng, context=context,
                      timeout_hint=_ENDLESS), context)])
    if np.array_equal(first, second):
        raise Wrong("both calls gave the same order: use the rng you are given (do not "
                    "create a new generator with a fixed seed inside the function).")


# --- the training loop ---------------------------------------------------------------------

_SIZES = [3, 8, 2]


def _reference_run(offset, n, lr, epochs, batch_size, mode="right"):
    """Batch losses (one list per epoch) and the whole-set loss after every epoch.

    ``mode`` names a known mistake to reproduce: "right", "fixed order" (one order for all
    epochs), "fresh rng" (a new default_rng(0) each epoch) or "after" (each batch's loss
    measured after its update).
    """
    layers, x, y = rebinding_network(offset, _SIZES, n)
    model = Watched(*layers)
    loss = MSE()
    rng = np.random.default_rng(_SEED)
    fixed = rng.permutation(n) if mode == "fixed order" else None
    per_epoch, whole = [], []
    for _ in range(epochs):
        if mode == "fresh rng":
            order = np.random.default_rng(0).permutation(n)
        else:
            order = fixed if fixed is not None else rng.permutation(n)
        values = []
        for start in range(0, n, batch_size):
            piece = order[start:start + batch_size]
            value = loss.forward(model.forward(x[piece]), y[piece])
            model.backward(loss.backward())
            for _, param, grad in model.parameters():
                param -= lr * grad
            if mode == "after":
                value = loss.forward(model.forward(x[piece]), y[piece])
            values.append(value)
        per_epoch.append(values)
        whole.append(loss.forward(model.forward(x), y))
    return per_epoch, np.array(whole), x, y


@make_check(3)
def check_train(run, fn):
    """Check ``fn(model, loss, x, y, lr, epochs, batch_size, rng)``: mini-batch training.

    Each epoch visits the samples in a fresh order drawn from ``rng`` (one
    ``rng.permutation(len(x))`` per epoch, as ``minibatches`` does), in batches, with one
    gradient descent step per batch; ``fn`` returns one number per epoch, the mean of that
    epoch's batch losses. The numbers are compared with an independent run from the same
    initial weights, the same seed and the same learning rate. Extra forward passes (to
    log the loss on the whole set, say) are allowed.
    """
    cases = [(16, 24, 0.5, 6, 8), (17, 20, 0.2, 4, 8), (18, 12, 1.5, 3, 12)]
    for offset, n, lr, epochs, batch_size in cases:
        per_epoch = -(-n // batch_size)
        run.next(f"{epochs} epochs, {n} samples in batches of {batch_size}, lr = {lr}")
        batches, whole, x, y = _reference_run(offset, n, lr, epochs, batch_size)
        layers, _, _ = rebinding_network(offset, _SIZES, n)
        model = Watched(*layers)
        x_in, y_in = x.copy(), y.copy()
        answer = run.call(
            fn, model, MSE(), x_in, y_in, lr, epochs, batch_size,
            np.random.default_rng(_SEED),
            context="(called as fn(model, loss, x, y, lr, epochs, batch_size, rng))",
            timeout_hint=_ENDLESS,
            hints=[(ValueError, "call forward", "backward ran before forward: every step "
                    "starts with the batch's forward pass and loss."),
                   (TypeError, "not iterable", "loop over the pairs your minibatches "
                    "function yields: for x_batch, y_batch in minibatches(...).")])
        unchanged(x, x_in, "x", "do not shuffle x in place: minibatches picks rows with an "
                  "index array.")
        unchanged(y, y_in, "y", "do not shuffle y in place: minibatches picks rows with an "
                  "index array.")
        means = np.array([np.mean(v) for v in batches])
        try:
            values = np.asarray(answer, dtype=np.float64)
        except (TypeError, ValueError):
            values = None
        if values is not None and values.shape == means.shape and np.allclose(
                values, means, rtol=1e-9, atol=0):
            continue
        if answer is None:
            raise Wrong("your function returned None: return the list of epoch means.")
        steps = len(model.backward_grads)
        sizes = [len(g) for g in model.backward_grads]
        if steps == per_epoch and epochs > 1:
            raise Wrong(f"the model took {steps} steps, one epoch's worth: repeat the pass "
                        f"over the batches for each of the {epochs} epochs, "
                        "for _ in range(epochs).")
        if values is not None and values.ndim == 0 and epochs > 1:
            raise Wrong("you returned one number; return a list with one number per "
                        "epoch, the mean of that epoch's batch losses.")
        if steps == epochs and per_epoch > 1:
            raise Wrong(f"you took one step per epoch; take one gradient descent step per "
                        f"batch ({per_epoch} per epoch here).")
        if steps and all(size == n for size in sizes) and batch_size < n:
            raise Wrong("every backward pass saw the whole training set: each step uses one "
                        "batch, loss.forward(model.forward(x_batch), y_batch).")
        diagnose_training(model, epochs * per_epoch, what_step="batch step")
        flat = np.concatenate([np.asarray(v) for v in batches])
        right_sizes = ([batch_size] * (n // batch_size) + [n % batch_size] * (
            n % batch_size > 0)) * epochs
        if sizes != right_sizes:
            raise Wrong(f"the backward passes saw batches of sizes {sorted(set(sizes))}; "
                        f"{n} samples in batches of {batch_size} give sizes "
                        f"{sorted(set(right_sizes))} in every epoch.")

        def run_mode(mode):
            return np.array([np.mean(v) for v in _reference_run(
                offset, n, lr, epochs, batch_size, mode)[0]])

        def with_lr(factor):
            return np.array([np.mean(v) for v in _reference_run(
                offset, n, factor, epochs, batch_size)[0]])

        compare(answer, means, "the returned list", [
            (flat, "you returned every batch's loss; return one number per epoch, the mean "
             "of its batch losses."),
            (np.array([v[-1] for v in batches]), "you returned the last batch's loss of each "
             "epoch; return the mean over the epoch's batches."),
            (np.array([np.sum(v) for v in batches]), "you returned the sum of the batch "
             "losses; return their mean."),
            (whole, "you returned the loss on the whole training set after each epoch; the "
             "task asks for the mean of the epoch's batch losses (computing the whole-set "
             "loss for a printout is fine, but return the batch mean)."),
            (lambda: run_mode("fixed order"), "every epoch visits the samples in the same "
             "order: call minibatches(x, y, batch_size, rng) inside the epoch loop, so that "
             "each epoch draws a fresh order."),
            (lambda: run_mode("fresh rng"), "the order does not come from the rng you were "
             "given: pass rng itself to minibatches, do not create a new generator."),
            (lambda: run_mode("after"), "your batch losses are measured *after* each update: "
             "record the loss of the forward pass before the step (gradient_descent "
             "returns it)."),
            (_only(lr != 1.0, lambda: with_lr(1.0)),
             "the steps ignore the learning rate: param -= lr * grad (or pass lr to "
             "bplib.gradient_descent)."),
            (lambda: with_lr(lr / batch_size), f"your steps are {batch_size} times too "
             "small: the loss already averages over the batch, so use lr as it is."),
            (lambda: with_lr(lr * batch_size), f"your steps are {batch_size} times too "
             "large: the loss already averages over the batch, so use lr as it is."),
            (lambda: with_lr(-lr), "the loss goes up: step against the gradient, "
             "param -= lr * grad."),
            (np.array([np.mean(flat[:per_epoch * (k + 1)]) for k in range(epochs)]),
             "each epoch's mean includes the batch losses of the epochs before it: start "
             "a new list of batch losses inside the epoch loop."),
            (_only(n % batch_size > 0, lambda: np.array([
                np.average(v, weights=right_sizes[:per_epoch]) for v in batches])),
             "you weighted each batch's loss by its size; return the plain mean of the "
             "epoch's batch losses, np.mean(batch_losses)."),
        ])


# --- the softmax cross-entropy gradient --------------------------------------------------


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@make_check(3)
def check_cross_entropy_gradient(run, fn):
    """Check ``fn(logits, targets)``: the gradient of the mean cross-entropy with respect to
    the logits, ``(softmax(logits) - targets) / batch``.

    ``targets`` holds one probability distribution per row (one-hot rows for plain labels,
    smoothed rows otherwise); the loss is ``-mean_i sum_k targets[i, k] log p[i, k]`` with
    ``p = softmax(logits)`` over each row. Large logits must not overflow.
    """
    rng = np.random.default_rng(_SEED + 30)
    eye = np.eye(4)
    cases = [
        ("one-hot targets, batch 4, 3 classes", rng.normal(size=(4, 3)),
         np.eye(3)[[0, 2, 1, 2]]),
        ("smoothed targets, batch 5, 4 classes", rng.normal(0, 2, size=(5, 4)),
         0.9 * eye[[3, 0, 1, 1, 2]] + 0.1 / 4),
        ("logits of size 1000 (exp would overflow) and a row of size 1, batch 3, 4 classes",
         rng.normal(0, 1000, size=(3, 4)) * [[1], [1], [1e-3]], eye[[1, 3, 0]]),
    ]
    for what, z, t in cases:
        run.next(what)
        z_in, t_in = z.copy(), t.copy()
        answer = run.call(fn, z_in, t_in, context="(called as fn(logits, targets))",
                          hints=[(ValueError, f") ({len(z)},)", "a sum or max over axis=1 "
                                  "has shape (batch,), which does not broadcast against "
                                  "(batch, classes): keep the axis, "
                                  "z.max(axis=1, keepdims=True) and "
                                  "e.sum(axis=1, keepdims=True)."),
                                 (ValueError, "broadcast", "targets has the logits' shape "
                                  "(batch, classes), one distribution per row: use it as "
                                  "it is.")])
        unchanged(z, z_in, "logits", "do not write into the logits (z -= z.max(...) changes "
                  "the caller's array): compute z - z.max(axis=1, keepdims=True).")
        unchanged(t, t_in, "targets", "do not write into targets (p[targets] -= 1 style "
                  "code needs a copy of p, not of targets).")
        batch, classes = z.shape
        p = _softmax(z)
        expected = (p - t) / batch
        huge = "1000" in what
        if huge and answer is not None and not isinstance(answer, str):
            try:
                finite = np.isfinite(np.asarray(answer, dtype=np.float64))
            except (TypeError, ValueError):
                finite = np.ones(1, dtype=bool)
            if finite.shape == z.shape and finite[:-1].all() and not finite[-1].all():
                raise Wrong("your result holds NaN in the row of small logits: one maximum "
                            "for the whole array (about 1000) makes all of that row's "
                            "exponentials underflow to 0, and 0 / 0 is NaN. Subtract each "
                            "row's own maximum, z - z.max(axis=1, keepdims=True).")
            if not finite.all():
                raise Wrong("your result holds NaN or infinity for large logits: np.exp(1000) "
                            "overflows. Subtract each row's maximum first, "
                            "np.exp(z - z.max(axis=1, keepdims=True)): the softmax is the "
                            "same.")
        if np.shape(answer) == (classes,):
            raise Wrong(f"the gradient has shape ({classes},): you averaged over the batch "
                        f"(axis 0). It has one row per sample, shape ({batch}, {classes}): "
                        "divide by the batch size instead, (p - targets) / batch.")
        compare(answer, expected, "the gradient", [
            (p - t, f"the loss is the *mean* over the batch: divide by the batch size "
             f"({batch})."),
            ((p - t) / classes, "divide by the batch size (rows), not by the number of "
             "classes."),
            ((p - t) / z.size, "divide by the batch size (rows) only: the loss sums over "
             "the classes and averages over the samples."),
            ((t - p) / batch, "the sign is flipped: the gradient is (p - targets) / batch; "
             "raising a wrong class's score raises the loss."),
            (p / batch, "subtract the targets: (softmax(logits) - targets) / batch."),
            (lambda: -t / p / batch, "this is the gradient with respect to p; the chain "
             "rule through the softmax turns it into (p - targets) / batch with respect to "
             "the logits."),
            ((_softmax(z, axis=0) - t) / batch, "the softmax runs over each row (the "
             "classes, axis=1), not over the batch (axis 0)."),
            (lambda: (np.exp(z) - t) / batch, "normalise the exponentials: softmax "
             "divides by their sum over each row."),
            ((np.exp(z - z.max(axis=1, keepdims=True)) - t) / batch, "normalise the "
             "exponentials: softmax divides by their sum over each row."),
            ((np.log(p + 1e-300) - t) / batch, "use the probabilities p = softmax(logits), "
             "not their logarithm."),
            ((p - np.eye(classes)[t.argmax(axis=1)]) / batch, "the targets here are "
             "probability rows (smoothed labels): subtract them as they are, not the "
             "one-hot of their largest entry."),
            ((p - 1) / batch, "subtract the targets row by row: (p - targets) / batch, "
             "not p - 1 everywhere."),
        ])
