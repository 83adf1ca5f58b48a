"""The original notebook's per-sample network, kept as a baseline for the benchmarks.

This is the Korean course notebook's code (the one the book grew from) with only what is
needed to run it: the activation is passed as a class, the layer sizes are given as a list,
and the MSE gradient carries its 1/size factor so that the gradients equal bplib's. The
structure is the original's: one sample vector at a time, ``h = W.T @ x + b``, and
``grad_W`` loops over the output units in Python. Do not use it for anything but comparison.
"""

import numpy as np


class Sigmoid:
    def __init__(self):
        self.last_o = 1

    def __call__(self, x):
        self.last_o = 1.0 / (1.0 + np.exp(-x))
        return self.last_o

    def grad(self):
        return self.last_o * (1.0 - self.last_o)


class MeanSquaredError:
    def __init__(self):
        self.dh = 1
        self.last_diff = 1

    def __call__(self, h, y):
        self.last_diff = h - y
        return 1 / 2 * np.mean(np.square(self.last_diff))

    def grad(self):
        return self.last_diff / self.last_diff.size  # the original forgot / size


class Dense:
    def __init__(self, W, b, a_obj):
        self.W = W
        self.b = b
        self.a = a_obj()
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.dh = np.zeros_like(self.W.T)
        self.last_x = np.zeros(self.W.shape[0], dtype=W.dtype)

    def __call__(self, x):
        self.last_x = x
        return self.a(self.W.T @ x + self.b)

    def grad(self):
        return self.W * self.a.grad()

    def grad_W(self, dh):
        grad = np.ones_like(self.W)
        grad_a = self.a.grad()
        for j in range(grad.shape[1]):  # the original's Python loop over output units
            grad[:, j] = dh[j] * grad_a[j] * self.last_x
        return grad

    def grad_b(self, dh):
        return dh * self.a.grad()


class DNN:
    def __init__(self, sizes, rng, dtype=np.float64):
        self.sequence = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            W = rng.normal(0.0, 0.01, (n_in, n_out)).astype(dtype)
            self.sequence.append(Dense(W, np.zeros(n_out, dtype=dtype), Sigmoid))

    def __call__(self, x):
        for layer in self.sequence:
            x = layer(x)
        return x

    def calc_gradient(self, loss_obj):
        loss_obj.dh = loss_obj.grad()
        self.sequence.append(loss_obj)
        for i in range(len(self.sequence) - 1, 0, -1):
            l1 = self.sequence[i]
            l0 = self.sequence[i - 1]
            l0.dh = l0.grad() @ l1.dh
            l0.dW = l0.grad_W(l1.dh)
            l0.db = l0.grad_b(l1.dh)
        self.sequence.remove(loss_obj)


def train_step(network, loss_obj, x, y, lr):
    """One step on a batch, one sample at a time: gradients averaged, one update.

    MSE over the batch averages over samples too, so each sample's gradient is divided by
    the batch size; the step then equals bplib's batched step.
    """
    batch = x.shape[0]
    sums = [(np.zeros_like(layer.W), np.zeros_like(layer.b)) for layer in network.sequence]
    total = 0.0
    for xi, yi in zip(x, y):
        total += loss_obj(network(xi), yi)
        network.calc_gradient(loss_obj)
        for (sum_W, sum_b), layer in zip(sums, network.sequence):
            sum_W += layer.dW
            sum_b += layer.db
    for (sum_W, sum_b), layer in zip(sums, network.sequence):
        layer.W -= lr * sum_W / batch
        layer.b -= lr * sum_b / batch
    return total / batch
