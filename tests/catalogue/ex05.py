"""Exercise 5 (backpropagation): right and wrong student answers (format: __init__.py)."""

import numpy as np

import bplib

# --- Dense -----------------------------------------------------------------------------


class Dense:
    """The exercise's solution."""

    def __init__(self, W, b):
        self.W, self.b = W, b
        self.dW, self.db = np.zeros_like(W), np.zeros_like(b)

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, grad_out):
        self.dW = self.x.T @ grad_out
        self.db = grad_out.sum(axis=0)
        return grad_out @ self.W.T


class DenseInPlace(Dense):
    def backward(self, grad_out):
        self.dW[...] = self.x.T @ grad_out  # writes into the existing arrays
        self.db[:] = np.sum(grad_out, axis=0)
        return np.dot(grad_out, self.W.T)


class DenseLoops(Dense):
    def forward(self, x):
        self.x = x.copy()
        out = np.zeros((x.shape[0], self.W.shape[1]))
        for n in range(x.shape[0]):
            out[n] = x[n] @ self.W + self.b
        return out

    def backward(self, grad_out):
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        for n in range(grad_out.shape[0]):
            self.dW += np.outer(self.x[n], grad_out[n])
            self.db += grad_out[n]
        return grad_out @ self.W.T


class DenseEinsum(Dense):
    def forward(self, x):
        self.x = x
        return np.einsum("bi,io->bo", x, self.W) + self.b

    def backward(self, grad_out):
        self.dW = np.einsum("bi,bo->io", self.x, grad_out)
        self.db = np.einsum("bo->o", grad_out)
        return np.einsum("bo,io->bi", grad_out, self.W)


class DenseResetThenAdd(Dense):
    def backward(self, grad_out):
        self.dW = np.zeros_like(self.W)  # reset first, then accumulate: fine
        self.db = np.zeros_like(self.b)
        self.dW += self.x.T @ grad_out
        self.db += grad_out.sum(0)
        return grad_out @ self.W.T


class DenseMatmul(Dense):
    def forward(self, x):
        self.cache = (x,)
        return np.matmul(x, self.W) + self.b

    def backward(self, grad_out):
        (x,) = self.cache
        self.dW = np.matmul(x.T, grad_out)
        self.db = grad_out.sum(axis=0, keepdims=True).reshape(-1)
        return np.matmul(grad_out, self.W.T)


def _dense(backward=None, forward=None):
    class Variant(Dense):
        pass
    if backward:
        Variant.backward = backward
    if forward:
        Variant.forward = forward
    return Variant


def _bw_accumulate(self, g):
    self.dW += self.x.T @ g
    self.db += g.sum(axis=0)
    return g @ self.W.T


def _bw_accumulate_dw(self, g):
    self.dW += self.x.T @ g
    self.db = g.sum(axis=0)
    return g @ self.W.T


def _bw_transposed(self, g):
    self.dW = g.T @ self.x
    self.db = g.sum(axis=0)
    return g @ self.W.T


def _bw_mean(self, g):
    self.dW = self.x.T @ g / len(g)
    self.db = g.mean(axis=0)
    return g @ self.W.T


def _bw_first_sample(self, g):
    self.dW = np.outer(self.x[0], g[0])
    self.db = g.sum(axis=0)
    return g @ self.W.T


def _bw_db_not_summed(self, g):
    self.dW = self.x.T @ g
    self.db = g
    return g @ self.W.T


def _bw_db_total(self, g):
    self.dW = self.x.T @ g
    self.db = np.sum(g)
    return g @ self.W.T


def _bw_dx_with_W(self, g):
    self.dW = self.x.T @ g
    self.db = g.sum(axis=0)
    return g @ self.W


def _bw_grad_in_place(self, g):
    self.dW = self.x.T @ g
    self.db = g.sum(axis=0)
    g *= 1.0 + 0.5  # "scales" the caller's array
    return g @ self.W.T / 1.5


def _bw_returns_dw(self, g):
    self.dW = self.x.T @ g
    self.db = g.sum(axis=0)
    return self.dW


def _bw_no_return(self, g):
    self.dW = self.x.T @ g
    self.db = g.sum(axis=0)


def _bw_updates_w(self, g):
    self.dW = self.x.T @ g
    self.db = g.sum(axis=0)
    dx = g @ self.W.T
    self.W -= 0.1 * self.dW  # a step inside backward
    return dx


def _bw_x_at_g(self, g):
    self.dW = self.x @ g
    self.db = g.sum(axis=0)
    return g @ self.W.T


def _bw_forgets_db(self, g):
    self.dW = self.x.T @ g
    return g @ self.W.T


def _fw_no_bias(self, x):
    self.x = x
    return x @ self.W


def _fw_no_cache(self, x):
    return x @ self.W + self.b


def _fw_first_only(self, x):
    if not hasattr(self, "x"):
        self.x = x
    return x @ self.W + self.b


def _fw_transposed(self, x):
    self.x = x
    return (x @ self.W + self.b).T


def _fw_in_place(self, x):
    self.x = x
    x -= 0.0  # harmless
    np.multiply(x, 1.0, out=x)
    out = x @ self.W
    x[...] = 0.0  # clears the caller's input
    return out + self.b


# --- the backward walk -------------------------------------------------------------------


def calc_gradient(layers, loss, x, y):
    h = x
    for layer in layers:
        h = layer.forward(h)
    value = loss.forward(h, y)
    grad = loss.backward()
    for layer in reversed(layers):
        grad = layer.backward(grad)
    return value


def calc_gradient_index(layers, loss, x, y):
    h = x
    for i in range(len(layers)):
        h = layers[i].forward(h)
    value = loss.forward(h, y)
    grad = loss.backward()
    for i in range(len(layers) - 1, -1, -1):
        grad = layers[i].backward(grad)
    return value


def calc_gradient_slice(layers, loss, x, y):
    out = x
    for layer in layers:
        out = layer(out) if callable(layer) else layer.forward(out)
    value = loss.forward(out, y)
    g = loss.backward()
    for layer in layers[::-1]:
        g = layer.backward(g)
    return float(value)


def calc_gradient_sequential(layers, loss, x, y):
    model = bplib.Sequential(*layers)
    value = loss.forward(model.forward(x), y)
    model.backward(loss.backward())
    return value


def calc_forward_order(layers, loss, x, y):
    h = x
    for layer in layers:
        h = layer.forward(h)
    value = loss.forward(h, y)
    grad = loss.backward()
    for layer in layers:  # forgot reversed
        grad = layer.backward(grad)
    return value


def calc_skip_activations(layers, loss, x, y):
    h = x
    for layer in layers:
        h = layer.forward(h)
    value = loss.forward(h, y)
    grad = loss.backward()
    for layer in reversed(layers):
        if isinstance(layer, bplib.Dense):
            grad = layer.backward(grad)
    return value


def calc_seed_gradient(layers, loss, x, y):
    h = x
    for layer in layers:
        h = layer.forward(h)
    value = loss.forward(h, y)
    grad = h - y
    for layer in reversed(layers):
        grad = layer.backward(grad)
    return value


def calc_from_ones(layers, loss, x, y):
    h = x
    for layer in layers:
        h = layer.forward(h)
    value = loss.forward(h, y)
    grad = np.ones_like(h)
    for layer in reversed(layers):
        grad = layer.backward(grad)
    return value


def calc_no_backward(layers, loss, x, y):
    h = x
    for layer in layers:
        h = layer.forward(h)
    return loss.forward(h, y)


def calc_returns_grad(layers, loss, x, y):
    h = x
    for layer in layers:
        h = layer.forward(h)
    loss.forward(h, y)
    grad = loss.backward()
    for layer in reversed(layers):
        grad = layer.backward(grad)
    return grad


def calc_forgot_return(layers, loss, x, y):
    h = x
    for layer in layers:
        h = layer.forward(h)
    loss.forward(h, y)
    grad = loss.backward()
    for layer in reversed(layers):
        grad = layer.backward(grad)


# --- skip connection ---------------------------------------------------------------------


class Skip:
    def __init__(self, layer):
        self.layer = layer

    def forward(self, x):
        return self.layer.forward(x) + x

    def backward(self, grad_out):
        return self.layer.backward(grad_out) + grad_out


class SkipTwoLines:
    def __init__(self, layer):
        self.inner = layer

    def forward(self, x):
        out = self.inner.forward(x)
        return out + x

    def backward(self, grad_out):
        grad_x = grad_out.copy()  # the skip path
        grad_x += self.inner.backward(grad_out)  # plus the path through the layer
        return grad_x


class SkipOverwrite(Skip):
    def backward(self, grad_out):
        grad = grad_out
        grad = self.layer.backward(grad_out)
        return grad


class SkipOnlyShortcut(Skip):
    def backward(self, grad_out):
        self.layer.backward(grad_out)
        return grad_out


class SkipInPlace(Skip):
    def backward(self, grad_out):
        grad_out += self.layer.backward(grad_out)
        return grad_out


class SkipNoInnerBackward(Skip):
    def backward(self, grad_out):
        return 2 * grad_out


class SkipForgotAdd(Skip):
    def forward(self, x):
        return self.layer.forward(x)


class SkipMultiply(Skip):
    def backward(self, grad_out):
        return self.layer.backward(grad_out) * grad_out


# --- normalisation layer -----------------------------------------------------------------


class Normalize:
    def __init__(self, eps=1e-5):
        self.eps = eps

    def forward(self, x):
        mu = x.mean(axis=1, keepdims=True)
        self.s = np.sqrt(x.var(axis=1, keepdims=True) + self.eps)
        self.y = (x - mu) / self.s
        return self.y

    def backward(self, grad_out):
        g = grad_out
        return (g - g.mean(axis=1, keepdims=True)
                - self.y * (g * self.y).mean(axis=1, keepdims=True)) / self.s


class NormalizeJacobian:
    """Builds each row's Jacobian and multiplies: slow but right."""

    def forward(self, x):
        self.x = x.copy()
        n = x.shape[1]
        mu = x.sum(axis=1, keepdims=True) / n
        var = ((x - mu) ** 2).sum(axis=1, keepdims=True) / n
        return (x - mu) / np.sqrt(var + 1e-5)

    def backward(self, grad_out):
        out = np.zeros_like(grad_out)
        n = self.x.shape[1]
        for r, x in enumerate(self.x):
            s = np.sqrt(x.var() + 1e-5)
            y = (x - x.mean()) / s
            J = (np.eye(n) - 1.0 / n - np.outer(y, y) / n) / s
            out[r] = J.T @ grad_out[r]
        return out


class NormalizeThreePaths:
    """Adds the three paths one by one, as derived."""

    def forward(self, x):
        self.n = x.shape[1]
        self.xc = x - x.mean(axis=1, keepdims=True)
        self.var = (self.xc ** 2).mean(axis=1, keepdims=True)
        self.s = np.sqrt(self.var + 1e-5)
        return self.xc / self.s

    def backward(self, grad_out):
        direct = grad_out / self.s
        d_s = -(grad_out * self.xc).sum(axis=1, keepdims=True) / self.s**2
        d_var = d_s / (2 * self.s)
        via_var = d_var * 2 * self.xc / self.n
        d_mu = -direct.sum(axis=1, keepdims=True)  # the var path's mean part sums to 0
        return direct + via_var + d_mu / self.n


class NormalizeConstants(Normalize):
    def backward(self, grad_out):
        return grad_out / self.s


class NormalizeNoVariancePath(Normalize):
    def backward(self, grad_out):
        return (grad_out - grad_out.mean(axis=1, keepdims=True)) / self.s


class NormalizeNoMeanPath(Normalize):
    def backward(self, grad_out):
        g = grad_out
        return (g - self.y * (g * self.y).mean(axis=1, keepdims=True)) / self.s


class NormalizeColumns(Normalize):
    def forward(self, x):
        mu = x.mean(axis=0, keepdims=True)
        self.s = np.sqrt(x.var(axis=0, keepdims=True) + self.eps)
        self.y = (x - mu) / self.s
        return self.y


class NormalizeNoEps(Normalize):
    def forward(self, x):
        mu = x.mean(axis=1, keepdims=True)
        self.s = np.sqrt(x.var(axis=1, keepdims=True))
        self.y = (x - mu) / self.s
        return self.y


class NormalizeDdof(Normalize):
    def forward(self, x):
        mu = x.mean(axis=1, keepdims=True)
        self.s = np.sqrt(x.var(axis=1, keepdims=True, ddof=1) + self.eps)
        self.y = (x - mu) / self.s
        return self.y


class NormalizeInPlace(Normalize):
    def forward(self, x):
        x -= x.mean(axis=1, keepdims=True)
        self.s = np.sqrt((x**2).mean(axis=1, keepdims=True) + self.eps)
        x /= self.s
        self.y = x
        return x


class NormalizeWrongSign(Normalize):
    def backward(self, grad_out):
        g = grad_out
        return (g - g.mean(axis=1, keepdims=True)
                + self.y * (g * self.y).mean(axis=1, keepdims=True)) / self.s


class NormalizeNoDivide(Normalize):
    def backward(self, grad_out):
        g = grad_out
        return (g - g.mean(axis=1, keepdims=True)
                - self.y * (g * self.y).mean(axis=1, keepdims=True))


class NormalizeBackwardAxis0(Normalize):
    def backward(self, grad_out):
        g = grad_out
        return (g - g.mean(axis=0, keepdims=True)
                - self.y * (g * self.y).mean(axis=0, keepdims=True)) / self.s


class NormalizeIdentityBackward(Normalize):
    def backward(self, grad_out):
        return grad_out


# --- the student's gradient check -------------------------------------------------------


def input_gradient(layer, x, grad_out, eps):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = np.sum(layer.forward(x) * grad_out)
        x[i] = old - eps
        f_minus = np.sum(layer.forward(x) * grad_out)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def input_gradient_copies(layer, x, grad_out, eps):
    grad = np.zeros(x.shape)
    flat = grad.reshape(-1)
    for k in range(x.size):
        step = np.zeros(x.size)
        step[k] = eps
        step = step.reshape(x.shape)
        f_plus = (layer.forward(x + step) * grad_out).sum()
        f_minus = (layer.forward(x - step) * grad_out).sum()
        flat[k] = (f_plus - f_minus) / (2 * eps)
    return grad


def input_gradient_bplib(layer, x, grad_out, eps):
    return bplib.numerical_gradient(lambda v: np.sum(layer.forward(v) * grad_out), x, eps)


def input_gradient_forward(layer, x, grad_out, eps):
    grad = np.zeros_like(x)
    f0 = np.sum(layer.forward(x) * grad_out)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        grad[i] = (np.sum(layer.forward(x) * grad_out) - f0) / eps
        x[i] = old
    return grad


def input_gradient_divide_eps(layer, x, grad_out, eps):
    return 2 * input_gradient(layer, x, grad_out, eps)


def input_gradient_no_weights(layer, x, grad_out, eps):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = np.sum(layer.forward(x))
        x[i] = old - eps
        f_minus = np.sum(layer.forward(x))
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def input_gradient_arithmetic_restore(layer, x, grad_out, eps):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += eps
        f_plus = np.sum(layer.forward(x) * grad_out)
        x[i] -= 2 * eps
        f_minus = np.sum(layer.forward(x) * grad_out)
        x[i] += eps  # back where it was (or is it?)
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def input_gradient_no_restore(layer, x, grad_out, eps):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = np.sum(layer.forward(x) * grad_out)
        x[i] = old - eps
        f_minus = np.sum(layer.forward(x) * grad_out)
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def input_gradient_uses_backward(layer, x, grad_out, eps):
    layer.forward(x)
    return layer.backward(grad_out)


def input_gradient_flipped(layer, x, grad_out, eps):
    return -input_gradient(layer, x, grad_out, eps)


# --- the bug hunt: Tanh and the elementwise error ----------------------------------------


class Tanh:
    def forward(self, x):
        self.out = np.tanh(x)
        return self.out

    def backward(self, grad_out):
        return grad_out * (1 - self.out**2)


class TanhFromInput:
    def forward(self, x):
        self.x = x.copy()
        return np.tanh(x)

    def backward(self, grad_out):
        return grad_out / np.cosh(self.x) ** 2


class TanhTwice(Tanh):  # the suspect, unchanged
    def backward(self, grad_out):
        return grad_out * (1 - np.tanh(self.out) ** 2)


class TanhNotSquared(Tanh):
    def backward(self, grad_out):
        return grad_out * (1 - self.out)


class TanhSigmoidDerivative(Tanh):
    def backward(self, grad_out):
        return grad_out * self.out * (1 - self.out)


class TanhNoChain(Tanh):
    def backward(self, grad_out):
        return 1 - self.out**2


class TanhInputSquared(Tanh):
    def forward(self, x):
        self.x = x
        self.out = np.tanh(x)
        return self.out

    def backward(self, grad_out):
        return grad_out * (1 - self.x**2)


def elementwise_error(a, b):
    tiny = np.finfo(float).tiny
    return np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), tiny))


def elementwise_error_loop(a, b):
    worst = 0.0
    for u, v in zip(np.ravel(a), np.ravel(b)):
        if u == v:
            continue
        worst = max(worst, abs(u - v) / (abs(u) + abs(v)))
    return worst


def elementwise_error_where(a, b):
    denom = np.abs(a) + np.abs(b)
    safe = np.where(denom > 0, denom, 1.0)
    return float(np.where(denom > 0, np.abs(a - b) / safe, 0.0).max())


def elementwise_whole(a, b):
    return bplib.rel_error(a, b)


def elementwise_absolute(a, b):
    return np.max(np.abs(a - b))


def elementwise_no_max(a, b):
    return np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-300)


def elementwise_nan(a, b):
    return np.max(np.abs(a - b) / (np.abs(a) + np.abs(b)))


def elementwise_mean(a, b):
    return np.mean(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-300))


def elementwise_by_b(a, b):
    return np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))


# --- training steps ---------------------------------------------------------------------


def train_steps(model, loss, x, y, lr, steps):
    losses = []
    for _ in range(steps):
        losses.append(loss.forward(model.forward(x), y))
        model.backward(loss.backward())
        for _, value, grad in model.parameters():
            value -= lr * grad
    return losses


def train_steps_bplib(model, loss, x, y, lr, steps):
    return [bplib.gradient_descent(model, loss, x, y, lr) for _ in range(steps)]


def train_steps_layers(model, loss, x, y, lr, steps):
    history = []
    for _ in range(steps):
        pred = model.forward(x)
        history.append(float(loss.forward(pred, y)))
        model.backward(loss.backward())
        for layer in model.layers:
            if hasattr(layer, "W"):
                layer.W = layer.W - lr * layer.dW  # rebinding the layer's attribute works
                layer.b = layer.b - lr * layer.db
    return history


def train_steps_numpy(model, loss, x, y, lr, steps):
    losses = np.zeros(steps)
    for k in range(steps):
        losses[k] = loss.forward(model.forward(x), y)
        model.backward(loss.backward())
        for _name, value, grad in model.parameters():
            np.subtract(value, lr * grad, out=value)
    return losses


def train_steps_logging(model, loss, x, y, lr, steps):
    losses = []
    for _ in range(steps):
        losses.append(loss.forward(model.forward(x), y))
        model.backward(loss.backward())
        for _, value, grad in model.parameters():
            value -= lr * grad
        model.forward(x)  # an extra forward pass for a printout: harmless
    return losses


def _steps_with(mistake):
    def fn(model, loss, x, y, lr, steps):
        losses = []
        params = model.parameters()
        for _ in range(steps):
            value = loss.forward(model.forward(x), y)
            if mistake != "no backward":
                grad_out = loss.backward()
                if mistake == "zero grad":
                    grad_out = np.zeros_like(grad_out)
                model.backward(grad_out)
            if mistake == "update outside":
                losses.append(value)
                continue
            for _, p, g in (params if mistake == "stale" else model.parameters()):
                if mistake == "rebind":
                    p = p - lr * g  # noqa: PLW2901
                elif mistake == "plus":
                    p += lr * g
                elif mistake == "no lr":
                    p -= g
                elif mistake == "lr squared":
                    p -= lr * lr * g
                else:
                    p -= lr * g
            if mistake == "after":
                value = loss.forward(model.forward(x), y)
            losses.append(value)
        if mistake == "update outside":
            for _, p, g in model.parameters():
                p -= lr * g
        if mistake == "last only":
            return losses[-1]
        return losses
    return fn


def train_steps_no_update(model, loss, x, y, lr, steps):
    losses = []
    for _ in range(steps):
        losses.append(loss.forward(model.forward(x), y))
        model.backward(loss.backward())
    return losses


def train_steps_backward_once(model, loss, x, y, lr, steps):
    losses = []
    model.forward(x)
    loss.forward(model.forward(x), y)
    model.backward(loss.backward())
    for _ in range(steps):
        losses.append(loss.forward(model.forward(x), y))
        for _, p, g in model.parameters():
            p -= lr * g
    return losses


def train_steps_no_return(model, loss, x, y, lr, steps):
    for _ in range(steps):
        bplib.gradient_descent(model, loss, x, y, lr)


# --- predict, then measure: the cache ----------------------------------------------------


def cache_batch(n_in, n_out):
    return (n_in * n_out + n_out) // n_in + 1


def cache_batch_loop(n_in, n_out):
    batch = 1
    while batch * n_in <= n_in * n_out + n_out:
        batch += 1
    return batch


def cache_batch_bytes(n_in, n_out):
    params = 8 * (n_in * n_out + n_out)
    return int(np.floor(params / (8 * n_in))) + 1


def cache_batch_width(n_in, n_out):
    return n_out


def cache_batch_ceil(n_in, n_out):
    return -(-(n_in * n_out + n_out) // n_in)


def cache_batch_float(n_in, n_out):
    return (n_in * n_out + n_out) / n_in


def cache_batch_output(n_in, n_out):
    return (n_in * n_out + n_out) // n_out + 1


def cache_batch_params(n_in, n_out):
    return n_in * n_out + n_out


def cache_batch_input(n_in, n_out):
    return n_in


RIGHT = [
    ("check_dense", Dense, "the exercise's solution"),
    ("check_dense", DenseInPlace, "writes into the existing dW and db"),
    ("check_dense", DenseLoops, "loops over the samples, resets then adds"),
    ("check_dense", DenseEinsum, "einsum"),
    ("check_dense", DenseResetThenAdd, "resets to zeros, then +="),
    ("check_dense", DenseMatmul, "np.matmul and a tuple cache"),
    ("check_dense", bplib.Dense.from_arrays, "bplib's own layer"),
    ("check_backprop", calc_gradient, "for loops with reversed()"),
    ("check_backprop", calc_gradient_index, "index loops"),
    ("check_backprop", calc_gradient_slice, "layers[::-1] and calling the layers"),
    ("check_backprop", calc_gradient_sequential, "builds a bplib.Sequential"),
    ("check_skip_connection", Skip, "one line each"),
    ("check_skip_connection", SkipTwoLines, "a copy plus +="),
    ("check_normalize", Normalize, "caches y and s"),
    ("check_normalize", NormalizeJacobian, "builds the Jacobian of each row"),
    ("check_normalize", NormalizeThreePaths, "adds the three paths one by one"),
    ("check_input_gradient", input_gradient, "loops with a saved value"),
    ("check_input_gradient", input_gradient_copies, "a fresh step array each time"),
    ("check_input_gradient", input_gradient_bplib, "bplib.numerical_gradient on a lambda"),
    ("check_tanh", Tanh, "1 - out**2"),
    ("check_tanh", TanhFromInput, "1 / cosh(x)**2 from a copy of x"),
    ("check_elementwise_error", elementwise_error, "np.maximum with tiny"),
    ("check_elementwise_error", elementwise_error_loop, "a loop that skips equal entries"),
    ("check_elementwise_error", elementwise_error_where, "np.where around the zeros"),
    ("check_train_steps", train_steps, "the exercise's solution"),
    ("check_train_steps", train_steps_bplib, "bplib.gradient_descent in a comprehension"),
    ("check_train_steps", train_steps_layers, "rebinds layer.W on the layers"),
    ("check_train_steps", train_steps_numpy, "np.subtract with out= and a numpy array"),
    ("check_train_steps", train_steps_logging, "an extra forward pass for logging"),
    ("check_cache_batch", cache_batch, "integer division plus one"),
    ("check_cache_batch", cache_batch_loop, "a while loop"),
    ("check_cache_batch", cache_batch_bytes, "counts bytes on both sides"),
]

class DenseSumsOverOutputs(Dense):
    def backward(self, grad_out):
        self.dW = self.x.T @ grad_out
        self.db = grad_out.sum(axis=1)  # the wrong axis: one number per sample
        return grad_out @ self.W.T


def calc_loss_backward_with_arguments(layers, loss, x, y):
    h = x
    for layer in layers:
        h = layer.forward(h)
    value = loss.forward(h, y)
    grad = loss.backward(h, y)  # as if backward needed them again
    for layer in reversed(layers):
        grad = layer.backward(grad)
    return value


class TanhPrecedence:
    def forward(self, x):
        self.out = np.tanh(x)
        return self.out

    def backward(self, grad_out):
        return grad_out * 1 - self.out**2  # meant grad_out * (1 - out**2)


def input_gradient_own_step(layer, x, grad_out, eps=1e-5):
    h = 1e-3  # a step of my own
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = np.sum(layer.forward(x) * grad_out)
        x[i] = old - h
        f_minus = np.sum(layer.forward(x) * grad_out)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def input_gradient_weighs_after_summing(layer, x, grad_out, eps=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = np.sum(layer.forward(x))
        x[i] = old - eps
        f_minus = np.sum(layer.forward(x))
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad * grad_out  # grad_out applied at the end


def cache_batch_width_plus_one(n_in, n_out):
    return n_out + 1  # "one more than n_out", without the condition


WRONG = [
    ("check_dense", _dense(backward=_bw_accumulate), "grows with every backward call",
     "dW += and db += never reset"),
    ("check_dense", _dense(backward=_bw_accumulate_dw), "dW grows with every backward call",
     "only dW accumulates"),
    ("check_dense", _dense(backward=_bw_transposed), "dW is transposed", "g.T @ x"),
    ("check_dense", _dense(backward=_bw_mean), "averaged over the batch", "divides by batch"),
    ("check_dense", _dense(backward=_bw_first_sample), "only the first sample",
     "outer product of the first sample"),
    ("check_dense", _dense(backward=_bw_db_not_summed), "one row per sample", "db = g"),
    ("check_dense", _dense(backward=_bw_db_total), "db is one number", "np.sum(g)"),
    ("check_dense", _dense(backward=_bw_dx_with_W), "uses W.T, not W", "g @ W"),
    ("check_dense", _dense(backward=_bw_grad_in_place), "must not modify grad_out",
     "scales grad_out in place"),
    ("check_dense", _dense(backward=_bw_returns_dw), "array of W's shape", "returns dW"),
    ("check_dense", _dense(backward=_bw_no_return), "forget a `return`", "no return"),
    ("check_dense", _dense(backward=_bw_updates_w), "backward changed W",
     "takes a step inside backward"),
    ("check_dense", _dense(backward=_bw_x_at_g), "a shape does not fit", "x @ g"),
    ("check_dense", _dense(backward=_bw_forgets_db), "db is still zero", "never sets db"),
    ("check_dense", _dense(forward=_fw_no_bias), "forgot to add the bias", "x @ W"),
    ("check_dense", _dense(forward=_fw_no_cache), "forward must store what backward needs",
     "forward does not cache x"),
    ("check_dense", _dense(forward=_fw_first_only), "used the x of the first forward",
     "caches only the first x"),
    ("check_dense", _dense(forward=_fw_transposed), "output is transposed", "returns .T"),
    ("check_dense", _dense(forward=_fw_in_place), "must not write into its input",
     "clears x in place"),
    ("check_backprop", calc_forward_order, "last to first", "forgot reversed"),
    ("check_backprop", calc_skip_activations, "forgetting the activation derivative",
     "skips the activations"),
    ("check_backprop", calc_seed_gradient, "times too large", "starts from h - y"),
    ("check_backprop", calc_from_ones, "not from ones", "starts from ones"),
    ("check_backprop", calc_no_backward, "no layer's backward was called", "no backward"),
    ("check_backprop", calc_returns_grad, "perhaps a gradient", "returns grad"),
    ("check_backprop", calc_forgot_return, "forget a `return`", "no return"),
    ("check_skip_connection", SkipOverwrite, "added, not overwritten", "overwrites"),
    ("check_skip_connection", SkipOnlyShortcut, "only the skip path", "returns grad_out"),
    ("check_skip_connection", SkipInPlace, "do not add into grad_out in place", "g +="),
    ("check_skip_connection", SkipNoInnerBackward, "goes through the layer", "2 * grad_out"),
    ("check_skip_connection", SkipForgotAdd, "must add the input", "no + x"),
    ("check_skip_connection", SkipMultiply, "do not multiply", "a product"),
    ("check_normalize", NormalizeConstants, "treated the mean and the standard deviation as "
     "constants", "g / s"),
    ("check_normalize", NormalizeNoVariancePath, "path through the variance is missing",
     "no variance path"),
    ("check_normalize", NormalizeNoMeanPath, "path through the mean is missing",
     "no mean path"),
    ("check_normalize", NormalizeColumns, "normalised each column", "axis=0"),
    ("check_normalize", NormalizeNoEps, "eps is missing", "no eps"),
    ("check_normalize", NormalizeDdof, "not by n - 1", "ddof=1"),
    ("check_normalize", NormalizeInPlace, "forward changed its input", "x -= mean"),
    ("check_normalize", NormalizeWrongSign, "sign of the variance path", "+ instead of -"),
    ("check_normalize", NormalizeNoDivide, "divide the result by s", "forgets / s"),
    ("check_normalize", NormalizeBackwardAxis0, "wrong axis", "means over axis 0"),
    ("check_normalize", NormalizeIdentityBackward, "returned grad_out unchanged",
     "identity backward"),
    ("check_input_gradient", input_gradient_forward, "forward difference", "one-sided"),
    ("check_input_gradient", input_gradient_divide_eps, "divide by 2 * eps", "/ eps"),
    ("check_input_gradient", input_gradient_no_weights, "weigh the outputs with grad_out",
     "sum of the outputs"),
    ("check_input_gradient", input_gradient_arithmetic_restore, "restore x[i] = old",
     "x[i] -= eps drift"),
    ("check_input_gradient", input_gradient_no_restore, "put every x[i] back",
     "never restores"),
    ("check_input_gradient", input_gradient_uses_backward, "called layer.backward",
     "uses backward"),
    ("check_input_gradient", input_gradient_flipped, "sign is flipped", "minus first"),
    ("check_tanh", TanhTwice, "tanh is applied twice", "the suspect unchanged"),
    ("check_tanh", TanhNotSquared, "square the output", "1 - out"),
    ("check_tanh", TanhSigmoidDerivative, "sigmoid's derivative", "out (1 - out)"),
    ("check_tanh", TanhNoChain, "multiply the local derivative by grad_out", "no chain"),
    ("check_tanh", TanhInputSquared, "not 1 - x**2", "1 - x**2"),
    ("check_elementwise_error", elementwise_whole, "whole-array relative error",
     "bplib.rel_error"),
    ("check_elementwise_error", elementwise_absolute, "largest absolute difference",
     "no division"),
    ("check_elementwise_error", elementwise_no_max, "return the largest", "no max"),
    ("check_elementwise_error", elementwise_nan, "0/0", "nan where both are 0"),
    ("check_elementwise_error", elementwise_mean, "mean of the elementwise errors", "mean"),
    ("check_elementwise_error", elementwise_by_b, "symmetric form", "divides by |b|"),
    ("check_train_steps", _steps_with("stale"), "before the first backward",
     "caches model.parameters() before the loop"),
    ("check_train_steps", _steps_with("rebind"), "only rebinds", "p = p - lr * g"),
    ("check_train_steps", _steps_with("no backward"), "model.backward was never called",
     "forgot backward"),
    ("check_train_steps", _steps_with("zero grad"), "all zeros", "passes zeros"),
    ("check_train_steps", _steps_with("update outside"), "outside the loop",
     "update after the loop"),
    ("check_train_steps", _steps_with("plus"), "the loss goes up", "p += lr * g"),
    ("check_train_steps", _steps_with("no lr"), "ignores the learning rate", "p -= g"),
    ("check_train_steps", _steps_with("lr squared"), "lr twice", "lr * lr"),
    ("check_train_steps", _steps_with("after"), "measured *after*", "loss after update"),
    ("check_train_steps", _steps_with("last only"), "you returned one number",
     "returns the last loss"),
    ("check_train_steps", train_steps_no_update, "model.parameters() was never called",
     "no update at all"),
    ("check_train_steps", train_steps_backward_once, "backward ran once",
     "backward before the loop"),
    ("check_train_steps", train_steps_no_return, "returned None", "no return"),
    ("check_cache_batch", cache_batch_width, "the biases are parameters too", "n_out"),
    ("check_cache_batch", cache_batch_ceil, "must be *larger*", "ceil: ties count"),
    ("check_cache_batch", cache_batch_float, "a batch size is whole", "no rounding"),
    ("check_cache_batch", cache_batch_output, "not n_out", "per sample n_out"),
    ("check_cache_batch", cache_batch_params, "this is the parameter count",
     "returns the parameter count"),
    ("check_cache_batch", cache_batch_input, "its input, batch * n_in", "returns n_in"),
    ("check_dense", DenseSumsOverOutputs, "you summed over the outputs (axis=1)",
     "db = grad_out.sum(axis=1)"),
    ("check_backprop", calc_loss_backward_with_arguments, "loss.backward() takes no arguments",
     "loss.backward(h, y)"),
    ("check_tanh", TanhPrecedence, "* comes before -", "grad_out * 1 - out**2"),
    ("check_input_gradient", input_gradient_own_step, "fixed step", "h = 1e-3 instead of eps"),
    ("check_input_gradient", input_gradient_weighs_after_summing,
     "weigh the output before summing", "sum of the outputs, times grad_out at the end"),
    ("check_cache_batch", cache_batch_width_plus_one, "holds only when n_out < n_in",
     "n_out + 1 whatever the sizes"),
]
