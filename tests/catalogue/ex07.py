"""Exercise 7 (training with mini-batches): right and wrong student answers."""

import numpy as np

import bplib

# --- minibatches ------------------------------------------------------------------------


def minibatches(x, y, batch_size, rng):
    order = rng.permutation(len(x))
    for start in range(0, len(order), batch_size):
        piece = order[start:start + batch_size]
        yield x[piece], y[piece]


def minibatches_list(x, y, batch_size, rng):
    idx = rng.permutation(x.shape[0])
    return [(x[idx[i:i + batch_size]], y[idx[i:i + batch_size]])
            for i in range(0, len(idx), batch_size)]


def minibatches_split(x, y, batch_size, rng):
    order = rng.permutation(len(x))
    pieces = np.array_split(order, range(batch_size, len(x), batch_size))
    for piece in pieces:
        yield x[piece], y[piece]


def minibatches_shuffled_copies(x, y, batch_size, rng):
    order = rng.permutation(len(x))
    xs, ys = x[order], y[order]  # fancy indexing copies
    for start in range(0, len(xs), batch_size):
        yield xs[start:start + batch_size], ys[start:start + batch_size]


def minibatches_bplib(x, y, batch_size, rng):
    return bplib.iterate_minibatches(x, y, batch_size, rng)


def minibatches_no_shuffle(x, y, batch_size, rng):
    for start in range(0, len(x), batch_size):
        yield x[start:start + batch_size], y[start:start + batch_size]


def minibatches_separately(x, y, batch_size, rng):
    ox, oy = rng.permutation(len(x)), rng.permutation(len(y))
    for start in range(0, len(x), batch_size):
        yield x[ox[start:start + batch_size]], y[oy[start:start + batch_size]]


def minibatches_drop_last(x, y, batch_size, rng):
    order = rng.permutation(len(x))
    for start in range(0, len(x) - batch_size + 1, batch_size):
        piece = order[start:start + batch_size]
        yield x[piece], y[piece]


def minibatches_replace(x, y, batch_size, rng):
    order = rng.integers(0, len(x), len(x))
    for start in range(0, len(x), batch_size):
        piece = order[start:start + batch_size]
        yield x[piece], y[piece]


def minibatches_fixed_seed(x, y, batch_size, rng):
    order = np.random.default_rng(42).permutation(len(x))
    for start in range(0, len(x), batch_size):
        piece = order[start:start + batch_size]
        yield x[piece], y[piece]


def minibatches_shuffle_in_place(x, y, batch_size, rng):
    order = rng.permutation(len(x))
    x[:] = x[order]
    y[:] = y[order]
    for start in range(0, len(x), batch_size):
        yield x[start:start + batch_size], y[start:start + batch_size]


def minibatches_choice(x, y, batch_size, rng):
    for _ in range(0, len(x), batch_size):
        piece = rng.choice(len(x), size=batch_size, replace=False)
        yield x[piece], y[piece]


def minibatches_while_forever(x, y, batch_size, rng):
    order = rng.permutation(len(x))
    start = 0
    while start < len(x):
        piece = order[start:start + batch_size]
        yield x[piece], y[piece]  # forgot start += batch_size


def minibatches_one_at_a_time(x, y, batch_size, rng):
    order = rng.permutation(len(x))
    for i in order:
        yield x[i], y[i]


def minibatches_no_return(x, y, batch_size, rng):
    order = rng.permutation(len(x))
    batches = [(x[order[s:s + batch_size]], y[order[s:s + batch_size]])  # noqa: F841
               for s in range(0, len(x), batch_size)]  # built, never returned


def minibatches_x_only(x, y, batch_size, rng):
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        yield x[order[start:start + batch_size]]


def minibatches_shuffle_index(x, y, batch_size, rng):
    idx = np.arange(len(x))
    rng.shuffle(idx)  # draws the same order as rng.permutation(len(x))
    batches = []
    for b in range(int(np.ceil(len(x) / batch_size))):
        sel = idx[b * batch_size:(b + 1) * batch_size]
        batches.append((x[sel], y[sel]))
    return batches


# --- train ---------------------------------------------------------------------------------


def train(model, loss, x, y, lr, epochs, batch_size, rng):
    history = []
    for _ in range(epochs):
        batch_losses = [bplib.gradient_descent(model, loss, xb, yb, lr)
                        for xb, yb in minibatches(x, y, batch_size, rng)]
        history.append(float(np.mean(batch_losses)))
    return history


def train_own_step(model, loss, x, y, lr, epochs, batch_size, rng):
    history = []
    for _ in range(epochs):
        total, count = 0.0, 0
        for xb, yb in minibatches_list(x, y, batch_size, rng):
            value = loss.forward(model.forward(xb), yb)
            model.backward(loss.backward())
            for _, param, grad in model.parameters():
                param -= lr * grad
            total += value
            count += 1
        history.append(total / count)
    return history


def train_logging(model, loss, x, y, lr, epochs, batch_size, rng):
    history = []
    for epoch in range(epochs):
        losses = []
        for xb, yb in minibatches(x, y, batch_size, rng):
            losses.append(bplib.gradient_descent(model, loss, xb, yb, lr))
        whole = loss.forward(model.forward(x), y)  # logged, not returned
        history.append(np.mean(losses))
        _ = f"epoch {epoch}: batch mean {np.mean(losses):.4f}, whole set {whole:.4f}"
    return history


def train_bplib_batches(model, loss, x, y, lr, epochs, batch_size, rng):
    return [np.mean([bplib.gradient_descent(model, loss, xb, yb, lr)
                     for xb, yb in bplib.iterate_minibatches(x, y, batch_size, rng)])
            for _ in range(epochs)]


def train_numpy_array(model, loss, x, y, lr, epochs, batch_size, rng):
    history = np.zeros(epochs)
    for e in range(epochs):
        values = []
        for xb, yb in minibatches_split(x, y, batch_size, rng):
            values.append(bplib.gradient_descent(model, loss, xb, yb, lr))
        history[e] = sum(values) / len(values)
    return history


def train_inline_order(model, loss, x, y, lr, epochs, batch_size, rng):
    history = []
    for _ in range(epochs):
        order = rng.permutation(len(x))
        losses = []
        for start in range(0, len(x), batch_size):
            rows = order[start:start + batch_size]
            losses.append(bplib.gradient_descent(model, loss, x[rows], y[rows], lr))
        history.append(sum(losses) / len(losses))
    return history


def train_one_epoch(model, loss, x, y, lr, epochs, batch_size, rng):
    losses = [bplib.gradient_descent(model, loss, xb, yb, lr)
              for xb, yb in minibatches(x, y, batch_size, rng)]
    return [np.mean(losses)] * epochs


def train_overall_mean(model, loss, x, y, lr, epochs, batch_size, rng):
    losses = []
    for _ in range(epochs):
        for xb, yb in minibatches(x, y, batch_size, rng):
            losses.append(bplib.gradient_descent(model, loss, xb, yb, lr))
    return np.mean(losses)


def _train_with(mistake):
    def fn(model, loss, x, y, lr, epochs, batch_size, rng):
        history = []
        fixed = list(minibatches(x, y, batch_size, rng)) if mistake == "no reshuffle" else []
        params = model.parameters() if mistake == "stale" else None
        for _ in range(epochs):
            if mistake == "full batch":
                history.append(bplib.gradient_descent(model, loss, x, y, lr))
                continue
            if mistake == "no reshuffle":
                batches = fixed
            elif mistake == "fresh rng":
                batches = minibatches(x, y, batch_size, np.random.default_rng(0))
            else:
                batches = minibatches(x, y, batch_size, rng)
            losses = []
            for xb, yb in batches:
                if mistake == "whole x":
                    xb, yb = x, y  # noqa: PLW2901
                value = loss.forward(model.forward(xb), yb)
                if mistake != "no backward":
                    model.backward(loss.backward())
                step = {"no lr": 1.0, "lr / batch": lr / len(xb), "plus": -lr}.get(
                    mistake, lr)
                if mistake == "no update":
                    pass
                else:
                    for _, p, g in (params if mistake == "stale" else model.parameters()):
                        if mistake == "rebind":
                            p = p - step * g  # noqa: PLW2901
                        else:
                            p -= step * g
                if mistake == "after":
                    value = loss.forward(model.forward(xb), yb)
                losses.append(value)
            history.append({"last": losses[-1], "sum": sum(losses),
                            "whole set": loss.forward(model.forward(x), y)}.get(
                mistake, float(np.mean(losses))))
        return history
    return fn


def train_per_batch(model, loss, x, y, lr, epochs, batch_size, rng):
    return [bplib.gradient_descent(model, loss, xb, yb, lr)
            for _ in range(epochs) for xb, yb in minibatches(x, y, batch_size, rng)]


def train_update_after_epoch(model, loss, x, y, lr, epochs, batch_size, rng):
    history = []
    for _ in range(epochs):
        losses = []
        for xb, yb in minibatches(x, y, batch_size, rng):
            losses.append(loss.forward(model.forward(xb), yb))
            model.backward(loss.backward())
        history.append(np.mean(losses))
    for _, p, g in model.parameters():
        p -= lr * g
    return history


def train_no_return(model, loss, x, y, lr, epochs, batch_size, rng):
    for _ in range(epochs):
        for xb, yb in minibatches(x, y, batch_size, rng):
            bplib.gradient_descent(model, loss, xb, yb, lr)


# --- the softmax cross-entropy gradient ----------------------------------------------------


def ce_grad(logits, targets):
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return (p - targets) / len(logits)


def ce_grad_bplib(logits, targets):
    return (bplib.softmax(logits) - targets) / logits.shape[0]


def ce_grad_log_softmax(logits, targets):
    p = np.exp(bplib.log_softmax(logits))
    grad = p - targets
    grad /= logits.shape[0]
    return grad


def ce_grad_loop(logits, targets):
    batch = logits.shape[0]
    grad = np.zeros_like(logits)
    for i in range(batch):
        row = np.exp(logits[i] - np.max(logits[i]))
        grad[i] = (row / row.sum() - targets[i]) / batch
    return grad


def ce_grad_no_batch(logits, targets):
    return bplib.softmax(logits) - targets


def ce_grad_classes(logits, targets):
    return (bplib.softmax(logits) - targets) / logits.shape[1]


def ce_grad_size(logits, targets):
    return (bplib.softmax(logits) - targets) / logits.size


def ce_grad_sign(logits, targets):
    return (targets - bplib.softmax(logits)) / len(logits)


def ce_grad_naive(logits, targets):
    e = np.exp(logits)
    return (e / e.sum(axis=1, keepdims=True) - targets) / len(logits)


def ce_grad_axis0(logits, targets):
    z = logits - logits.max(axis=0, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=0, keepdims=True)
    return (p - targets) / len(logits)


def ce_grad_no_targets(logits, targets):
    return bplib.softmax(logits) / len(logits)


def ce_grad_wrt_p(logits, targets):
    return -targets / bplib.softmax(logits) / len(logits)


def ce_grad_argmax(logits, targets):
    labels = targets.argmax(axis=1)
    p = bplib.softmax(logits)
    p[np.arange(len(p)), labels] -= 1
    return p / len(p)


def ce_grad_in_place(logits, targets):
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return (p - targets) / len(p)


def ce_grad_unnormalised(logits, targets):
    z = logits - logits.max(axis=1, keepdims=True)
    return (np.exp(z) - targets) / len(logits)


RIGHT = [
    ("check_minibatches", minibatches, "a generator"),
    ("check_minibatches", minibatches_list, "returns a list"),
    ("check_minibatches", minibatches_split, "np.array_split"),
    ("check_minibatches", minibatches_shuffled_copies, "shuffled copies, then slices"),
    ("check_minibatches", minibatches_bplib, "bplib.iterate_minibatches"),
    ("check_minibatches", minibatches_shuffle_index, "rng.shuffle on an index array"),
    ("check_train", train, "the exercise's solution"),
    ("check_train", train_own_step, "its own update step and a running total"),
    ("check_train", train_logging, "also evaluates the whole training set for a log"),
    ("check_train", train_bplib_batches, "bplib.iterate_minibatches, one comprehension"),
    ("check_train", train_numpy_array, "a numpy array of epoch means"),
    ("check_train", train_inline_order, "draws the order itself, no minibatches"),
    ("check_cross_entropy_gradient", ce_grad, "shifted exponentials"),
    ("check_cross_entropy_gradient", ce_grad_bplib, "bplib.softmax"),
    ("check_cross_entropy_gradient", ce_grad_log_softmax, "exp of log_softmax, /= batch"),
    ("check_cross_entropy_gradient", ce_grad_loop, "a loop over rows"),
]

def train_losses_kept_across_epochs(model, loss, x, y, lr, epochs, batch_size, rng):
    history, losses = [], []  # one list for the whole run
    for _ in range(epochs):
        for xb, yb in minibatches(x, y, batch_size, rng):
            losses.append(bplib.gradient_descent(model, loss, xb, yb, lr))
        history.append(float(np.mean(losses)))
    return history


def train_weighted_by_batch_size(model, loss, x, y, lr, epochs, batch_size, rng):
    history = []
    for _ in range(epochs):
        total, count = 0.0, 0
        for xb, yb in minibatches(x, y, batch_size, rng):
            total += bplib.gradient_descent(model, loss, xb, yb, lr) * len(xb)
            count += len(xb)
        history.append(total / count)  # the mean per sample, not per batch
    return history


def ce_grad_one_max_for_all(logits, targets):
    shifted = logits - logits.max()  # one maximum for the whole array
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    return (p - targets) / logits.shape[0]


def ce_grad_mean_over_batch(logits, targets):
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    return (p - targets).mean(axis=0)


def ce_grad_sum_without_keepdims(logits, targets):
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1)  # shape (B,) against (B, K)
    return (p - targets) / logits.shape[0]


WRONG = [
    ("check_minibatches", minibatches_no_shuffle, "original order", "no shuffle"),
    ("check_minibatches", minibatches_separately, "x and y rows no longer match",
     "shuffles x and y separately"),
    ("check_minibatches", minibatches_drop_last, "last, smaller batch is missing",
     "drops the last batch"),
    ("check_minibatches", minibatches_replace, "some samples appear twice",
     "draws with replacement"),
    ("check_minibatches", minibatches_fixed_seed, "use order = rng.permutation",
     "its own rng with a fixed seed"),
    ("check_minibatches", minibatches_shuffle_in_place, "do not shuffle x in place",
     "shuffles x in place"),
    ("check_minibatches", minibatches_choice, "appear twice", "rng.choice per batch"),
    ("check_minibatches", minibatches_while_forever, "without end", "forgot start +="),
    ("check_minibatches", minibatches_one_at_a_time, "whole rows of x",
     "yields single samples"),
    ("check_minibatches", minibatches_no_return, "returned None", "builds but never returns"),
    ("check_minibatches", minibatches_x_only, "each item must be a pair", "yields x only"),
    ("check_train", _train_with("full batch"), "one step per epoch", "whole set per epoch"),
    ("check_train", _train_with("no reshuffle"), "same order", "shuffles once"),
    ("check_train", _train_with("fresh rng"), "the rng you were given",
     "new default_rng each epoch"),
    ("check_train", _train_with("whole x"), "saw the whole training set",
     "steps on x, not on the batch"),
    ("check_train", _train_with("no backward"), "model.backward was never called",
     "forgot backward"),
    ("check_train", _train_with("no lr"), "ignore the learning rate", "p -= g"),
    ("check_train", _train_with("lr / batch"), "times too small", "lr divided by batch size"),
    ("check_train", _train_with("plus"), "the loss goes up", "p += lr * g"),
    ("check_train", _train_with("no update"), "model.parameters() was never called",
     "no update"),
    ("check_train", _train_with("stale"), "before the first backward",
     "parameters list taken before the loop"),
    ("check_train", _train_with("rebind"), "only rebinds", "p = p - lr * g"),
    ("check_train", _train_with("after"), "measured *after*", "loss after the step"),
    ("check_train", _train_with("last"), "the last batch's loss", "last batch"),
    ("check_train", _train_with("sum"), "the sum of the batch losses", "sum"),
    ("check_train", _train_with("whole set"), "loss on the whole training set",
     "returns the whole-set loss"),
    ("check_train", train_per_batch, "every batch's loss", "one number per batch"),
    ("check_train", train_update_after_epoch, "outside the loop", "update after all epochs"),
    ("check_train", train_no_return, "returned None", "no return"),
    ("check_train", train_one_epoch, "one epoch's worth", "forgot the epoch loop"),
    ("check_train", train_overall_mean, "you returned one number", "one mean over all epochs"),
    ("check_cross_entropy_gradient", ce_grad_no_batch, "divide by the batch size",
     "no / batch"),
    ("check_cross_entropy_gradient", ce_grad_classes, "not by the number of classes",
     "/ classes"),
    ("check_cross_entropy_gradient", ce_grad_size, "rows) only", "/ size"),
    ("check_cross_entropy_gradient", ce_grad_sign, "sign is flipped", "t - p"),
    ("check_cross_entropy_gradient", ce_grad_naive, "subtract each row's maximum",
     "np.exp overflows"),
    ("check_cross_entropy_gradient", ce_grad_axis0, "not over the batch", "softmax over axis 0"),
    ("check_cross_entropy_gradient", ce_grad_no_targets, "subtract the targets", "p / batch"),
    ("check_cross_entropy_gradient", ce_grad_wrt_p, "with respect to p", "-t / p"),
    ("check_cross_entropy_gradient", ce_grad_argmax, "probability rows",
     "one-hot of the argmax"),
    ("check_cross_entropy_gradient", ce_grad_in_place, "do not write into the logits",
     "z -= max in place"),
    ("check_cross_entropy_gradient", ce_grad_unnormalised, "normalise the exponentials",
     "forgot the sum"),
    ("check_train", train_losses_kept_across_epochs, "epochs before it",
     "batch-loss list never reset between epochs"),
    ("check_train", train_weighted_by_batch_size, "weighted each batch's loss by its size",
     "mean per sample"),
    ("check_cross_entropy_gradient", ce_grad_one_max_for_all, "one maximum for the whole array",
     "logits - logits.max() over the whole array"),
    ("check_cross_entropy_gradient", ce_grad_mean_over_batch, "you averaged over the batch",
     "(p - t).mean(axis=0)"),
    ("check_cross_entropy_gradient", ce_grad_sum_without_keepdims, "keepdims=True",
     "sum(axis=1) without keepdims"),
]
