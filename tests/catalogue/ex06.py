"""Exercise 6 (ReLU and vanishing gradients): right and wrong student answers."""

import math

import numpy as np

import bplib

# --- relu and its derivative ------------------------------------------------------------


def relu_maximum(x):
    return np.maximum(x, 0)


def relu_where(x):
    return np.where(x > 0, x, 0.0)


def relu_mask(x):
    return x * (x > 0)


def relu_copy(x):
    out = x.copy()
    out[out < 0] = 0
    return out


def relu_clip(x):
    return np.clip(x, 0, None)


def relu_loop(x):
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        out[i] = x[i] if x[i] > 0 else 0.0
    return out


def relu_in_place(x):
    x[x < 0] = 0
    return x


def relu_if(x):
    if x > 0:
        return x
    return 0


def relu_np_max(x):
    return np.max(x, 0)


def relu_min(x):
    return np.minimum(x, 0)


def relu_abs(x):
    return np.abs(x)


def relu_max_one(x):
    return np.maximum(x, 1)


def d_relu(x):
    return (x > 0).astype(float)


def d_relu_where(x):
    return np.where(x > 0, 1.0, 0.0)


def d_relu_heaviside(x):
    return np.heaviside(x, 0.0)


def d_relu_ge(x):
    return (x >= 0).astype(float)


def d_relu_sign(x):
    return np.sign(x)


def d_relu_negative(x):
    return (x < 0).astype(float)


def d_relu_in_place(x):
    x[x > 0] = 1
    x[x <= 0] = 0
    return x


def d_relu_if(x):
    return 1.0 if x > 0 else 0.0


# --- gradient norms ---------------------------------------------------------------------


def norms(model, x, y):
    loss = bplib.MSE()
    loss.forward(model.forward(x), y)
    model.backward(loss.backward())
    return [np.linalg.norm(layer.dW) for layer in model.layers
            if isinstance(layer, bplib.Dense)]


def norms_gradient_descent_free(model, x, y):
    loss = bplib.MSE()
    pred = model(x)
    loss(pred, y)
    model.backward(loss.backward())
    out = []
    for layer in model.layers:
        if hasattr(layer, "dW"):
            out.append(math.sqrt(float(np.sum(layer.dW ** 2))))
    return out


def norms_parameters(model, x, y):
    loss = bplib.MSE()
    loss.forward(model.forward(x), y)
    model.backward(loss.backward())
    return np.array([np.linalg.norm(g) for name, _, g in model.parameters()
                     if name.endswith("W")])


def norms_no_backward(model, x, y):
    loss = bplib.MSE()
    loss.forward(model.forward(x), y)
    return [np.linalg.norm(layer.dW) for layer in model.layers
            if isinstance(layer, bplib.Dense)]


def norms_reversed(model, x, y):
    return norms(model, x, y)[::-1]


def norms_squared(model, x, y):
    return [n**2 for n in norms(model, x, y)]


def norms_of_weights(model, x, y):
    norms(model, x, y)
    return [np.linalg.norm(layer.W) for layer in model.layers
            if isinstance(layer, bplib.Dense)]


def norms_with_biases(model, x, y):
    norms(model, x, y)
    return [np.linalg.norm(g) for _, _, g in model.parameters()]


def norms_of_db(model, x, y):
    norms(model, x, y)
    return [np.linalg.norm(layer.db) for layer in model.layers
            if isinstance(layer, bplib.Dense)]


def norms_all_layers(model, x, y):
    loss = bplib.MSE()
    loss.forward(model.forward(x), y)
    model.backward(loss.backward())
    return [np.linalg.norm(layer.dW) for layer in model.layers]


def norms_spectral(model, x, y):
    norms(model, x, y)
    return [np.linalg.norm(layer.dW, 2) for layer in model.layers
            if isinstance(layer, bplib.Dense)]


def norms_max_entry(model, x, y):
    norms(model, x, y)
    return [np.abs(layer.dW).max() for layer in model.layers
            if isinstance(layer, bplib.Dense)]


# --- predict: the factor per layer --------------------------------------------------------


def factor(init, width):
    variance = {"normal": 0.01**2, "lecun": 1 / width, "glorot": 2 / (2 * width),
                "xavier": 2 / (2 * width), "he": 2 / width}[init]
    return np.sqrt(width * variance / 2)


def factor_if(init, width):
    if init == "normal":
        std = 0.01
    elif init in ("lecun", "glorot", "xavier"):
        std = math.sqrt(1 / width)
    else:
        std = math.sqrt(2 / width)
    return math.sqrt(width) * std / math.sqrt(2)


def factor_table(init, width):
    half = {"he": 1.0, "lecun": 0.5 ** 0.5, "glorot": 0.5 ** 0.5, "xavier": 0.5 ** 0.5}
    return half.get(init, 0.01 * (width / 2) ** 0.5)


def factor_no_relu(init, width):
    variance = {"normal": 0.01**2, "lecun": 1 / width, "glorot": 1 / width,
                "xavier": 1 / width, "he": 2 / width}[init]
    return np.sqrt(width * variance)


def factor_squared(init, width):
    variance = {"normal": 0.01**2, "lecun": 1 / width, "glorot": 1 / width,
                "xavier": 1 / width, "he": 2 / width}[init]
    return width * variance / 2


def factor_inverse(init, width):
    return 1 / factor(init, width)


def factor_no_width(init, width):
    variance = {"normal": 0.01**2, "lecun": 1 / width, "glorot": 1 / width,
                "xavier": 1 / width, "he": 2 / width}[init]
    return np.sqrt(variance / 2)


def factor_no_xavier(init, width):
    variance = {"normal": 0.01**2, "lecun": 1 / width, "glorot": 1 / width,
                "he": 2 / width}[init]
    return np.sqrt(width * variance / 2)


def factor_std_as_variance(init, width):
    variance = {"normal": 0.01, "lecun": 1 / width, "glorot": 1 / width,
                "xavier": 1 / width, "he": 2 / width}[init]
    return np.sqrt(width * variance / 2)


def factor_all_he(init, width):
    return np.sqrt(width * (2 / width) / 2)


def factor_forgot_normal(init, width):
    if init == "he":
        return 1.0
    if init in ("lecun", "glorot", "xavier"):
        return 0.5 ** 0.5


# --- the kink -------------------------------------------------------------------------------


def kink(x, eps):
    return np.abs(x) < eps


def kink_both_sides(x, eps):
    return (x - eps < 0) & (x + eps > 0)


def kink_loop(x, eps):
    out = np.zeros(x.shape, dtype=bool)
    for i in np.ndindex(x.shape):
        out[i] = -eps < x[i] < eps
    return out


def kink_zero_only(x, eps):
    return x == 0


def kink_no_abs(x, eps):
    return x < eps


def kink_two_eps(x, eps):
    return np.abs(x) < 2 * eps


def kink_opposite(x, eps):
    return np.abs(x) > eps


def kink_indices(x, eps):
    return np.nonzero(np.abs(x.ravel()) < eps)[0]


def kink_and(x, eps):
    return x > -eps and x < eps


RIGHT = [
    ("check_relu", relu_maximum, "np.maximum"),
    ("check_relu", relu_where, "np.where"),
    ("check_relu", relu_mask, "multiply by the mask"),
    ("check_relu", relu_copy, "copy, then zero the negatives"),
    ("check_relu", relu_clip, "np.clip"),
    ("check_relu", relu_loop, "a loop over np.ndindex"),
    ("check_relu_derivative", d_relu, "(x > 0).astype(float)"),
    ("check_relu_derivative", d_relu_where, "np.where"),
    ("check_relu_derivative", d_relu_heaviside, "np.heaviside with 0 at 0"),
    ("check_gradient_norms", norms, "the exercise's solution"),
    ("check_gradient_norms", norms_gradient_descent_free, "hasattr and a square root"),
    ("check_gradient_norms", norms_parameters, "model.parameters() names ending in W"),
    ("check_gradient_factor", factor, "a dict of variances"),
    ("check_gradient_factor", factor_if, "if/elif on the standard deviation"),
    ("check_gradient_factor", factor_table, "the factors worked out by hand"),
    ("check_kink_entries", kink, "np.abs(x) < eps"),
    ("check_kink_entries", kink_both_sides, "the two points on both sides of 0"),
    ("check_kink_entries", kink_loop, "a chained comparison in a loop"),
]

def relu_integer(x):
    return np.maximum(x, 0).astype(int)  # "relu gives whole numbers"


def norms_loss_never_forward(model, x, y):
    loss = bplib.MSE()
    model.forward(x)
    model.backward(loss.backward())  # the loss never saw the output
    return [np.linalg.norm(layer.dW) for layer in model.layers
            if isinstance(layer, bplib.Dense)]


def norms_sends_back_ones(model, x, y):
    out = model.forward(x)
    model.backward(np.ones_like(out))
    return [np.linalg.norm(layer.dW) for layer in model.layers
            if isinstance(layer, bplib.Dense)]


def norms_sends_back_difference(model, x, y):
    out = model.forward(x)
    model.backward(out - y)  # the MSE gradient, I thought
    return [np.linalg.norm(layer.dW) for layer in model.layers
            if isinstance(layer, bplib.Dense)]


def factor_glorot_like_he(init, width):
    variance = {"normal": 0.01**2, "lecun": 1 / width, "glorot": 2 / width,
                "xavier": 2 / width, "he": 2 / width}[init]
    return np.sqrt(width * variance / 2)


def factor_halves_the_norm(init, width):
    variance = {"normal": 0.01**2, "lecun": 1 / width, "glorot": 1 / width,
                "xavier": 1 / width, "he": 2 / width}[init]
    return np.sqrt(width * variance) / 2  # half the units die: half the norm


WRONG = [
    ("check_relu", relu_in_place, "you wrote into the input", "x[x < 0] = 0 on x"),
    ("check_relu", relu_if, "one question about a whole array", "if x > 0"),
    ("check_relu", relu_np_max, "np.max reduces an axis", "np.max"),
    ("check_relu", relu_min, "you kept the negative part", "np.minimum"),
    ("check_relu", relu_abs, "not |x|", "np.abs"),
    ("check_relu", relu_max_one, "compare with 0, not 1", "np.maximum(x, 1)"),
    ("check_relu", d_relu, "you returned 1 where x > 0", "returns the derivative"),
    ("check_relu_derivative", d_relu_ge, "use x > 0, not x >= 0", "x >= 0"),
    ("check_relu_derivative", d_relu_sign, "np.sign gives -1", "np.sign"),
    ("check_relu_derivative", d_relu_negative, "for *positive* x", "x < 0"),
    ("check_relu_derivative", d_relu_in_place, "do not write into the input",
     "overwrites x"),
    ("check_relu_derivative", d_relu_if, "one question about a whole array", "if x > 0"),
    ("check_relu_derivative", relu_maximum, "you returned relu(x)", "returns relu"),
    ("check_gradient_norms", norms_no_backward, "model.backward was never called",
     "no backward"),
    ("check_gradient_norms", norms_reversed, "starts at the last layer", "reversed"),
    ("check_gradient_norms", norms_squared, "squared norms", "squares"),
    ("check_gradient_norms", norms_of_weights, "norms of the weights W", "norms of W"),
    ("check_gradient_norms", norms_with_biases, "biases' gradients", "all parameters"),
    ("check_gradient_norms", norms_of_db, "norms of db", "db"),
    ("check_gradient_norms", norms_all_layers, "only the Dense layers have dW",
     "every layer"),
    ("check_gradient_norms", norms_spectral, "largest singular value", "norm(dW, 2)"),
    ("check_gradient_norms", norms_max_entry, "largest entry", "max |dW|"),
    ("check_gradient_factor", factor_no_relu, "you left out ReLU", "no 1/2"),
    ("check_gradient_factor", factor_squared, "*squared* norm", "variance ratio"),
    ("check_gradient_factor", factor_inverse, "this is the inverse", "1 / factor"),
    ("check_gradient_factor", factor_no_width, "sums width terms", "forgot the width"),
    ("check_gradient_factor", factor_no_xavier, "does not know one of the init names",
     "no 'xavier' key"),
    ("check_gradient_factor", factor_std_as_variance, "its variance is 0.01**2",
     "0.01 as the variance"),
    ("check_gradient_factor", factor_all_he, "each init has its own variance",
     "ignores init"),
    ("check_gradient_factor", factor_forgot_normal, "returned None", "no 'normal' branch"),
    ("check_kink_entries", kink_zero_only, "not only x = 0", "x == 0"),
    ("check_kink_entries", kink_no_abs, "take the absolute value", "x < eps"),
    ("check_kink_entries", kink_two_eps, "not 2 eps", "2 eps"),
    ("check_kink_entries", kink_opposite, "that is the opposite", "> eps"),
    ("check_kink_entries", kink_indices, "not the indices", "np.nonzero"),
    ("check_kink_entries", kink_and, "one question about a whole array", "and"),
    ("check_relu", relu_integer, "whole numbers", ".astype(int)"),
    ("check_gradient_norms", norms_loss_never_forward, "loss.forward(model.forward(x), y)",
     "loss.backward() without loss.forward"),
    ("check_gradient_norms", norms_sends_back_ones, "you sent back ones", "backward(ones)"),
    ("check_gradient_norms", norms_sends_back_difference, "without its factor 1 / out.size",
     "backward(out - y)"),
    ("check_gradient_factor", factor_glorot_like_he, "not He's 2/width",
     "glorot's variance as 2/width"),
    ("check_gradient_factor", factor_halves_the_norm, "not by 2", "sqrt(n Var) / 2"),
]
