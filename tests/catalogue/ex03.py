"""Exercise 3 (sigmoid, its derivative, softplus): answers to check_sigmoid,
check_sigmoid_derivative, check_softplus, check_softplus_backward and
check_max_derivative_error."""

import math

import numpy as np

import bplib

# --- right answers ---------------------------------------------------------------------------


def sigmoid_where(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_masks(x):
    out = np.empty_like(x, dtype=float)
    pos = x >= 0
    out[pos] = 1 / (1 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1 + ex)
    return out


def sigmoid_where_silenced(x):
    with np.errstate(all="ignore"):  # both branches evaluated, the right one kept
        return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


def sigmoid_loop(x):
    flat = np.asarray(x, dtype=float).reshape(-1)
    out = np.zeros_like(flat)
    for i, v in enumerate(flat):
        if v >= 0:
            out[i] = 1 / (1 + math.exp(-v))
        else:
            out[i] = math.exp(v) / (1 + math.exp(v))
    return out.reshape(np.shape(x))


def sigmoid_logaddexp(x):
    return np.exp(-np.logaddexp(0.0, -x))


def derivative_from_sigmoid(x):
    s = sigmoid_where(x)
    return s * (1 - s)


def derivative_two_sigmoids(x):
    return sigmoid_where(x) * sigmoid_where(-x)


def derivative_library(x):
    return bplib.sigmoid_derivative(x)


def softplus_log1p(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def softplus_logaddexp(x):
    return np.logaddexp(0, x)


def softplus_where(x):
    e = np.exp(-np.abs(x))
    return np.where(x > 0, x + np.log1p(e), np.log1p(e))


def backward_sigmoid(x, grad_out):
    return grad_out * bplib.sigmoid(x)


def backward_own_sigmoid(x, grad_out):
    return sigmoid_masks(x) * grad_out


def backward_where(x, grad_out):
    e = np.exp(-np.abs(x))
    return grad_out * np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def error_vectorised(f, derivative, x, eps):
    a = derivative(x)
    b = (f(x + eps) - f(x - eps)) / (2 * eps)
    denom = np.abs(a) + np.abs(b)
    ratio = np.divide(np.abs(a - b), denom, out=np.zeros_like(a), where=denom > 0)
    return float(ratio.max())


def error_loop(f, derivative, x, eps):
    worst = 0.0
    for t in x:
        a = float(derivative(np.array([t]))[0])
        b = bplib.numerical_derivative(lambda s: float(f(np.array([s]))[0]), t, eps)
        if abs(a) + abs(b) > 0:
            worst = max(worst, abs(a - b) / (abs(a) + abs(b)))
    return worst


def error_bplib_per_entry(f, derivative, x, eps):
    numeric = (f(x + eps) - f(x - eps)) / (2 * eps)
    exact = derivative(x)
    return max(bplib.rel_error(np.array(e), np.array(n)) for e, n in zip(exact, numeric))


RIGHT = [
    ("check_sigmoid", sigmoid_where, "np.where on exp(-|x|)"),
    ("check_sigmoid", sigmoid_masks, "boolean masks"),
    ("check_sigmoid", sigmoid_where_silenced, "both branches, overflow silenced, right values"),
    ("check_sigmoid", sigmoid_loop, "a loop with math.exp"),
    ("check_sigmoid", sigmoid_logaddexp, "exp(-logaddexp(0, -x))"),
    ("check_sigmoid", bplib.sigmoid, "bplib.sigmoid"),
    ("check_sigmoid_derivative", derivative_from_sigmoid, "s * (1 - s)"),
    ("check_sigmoid_derivative", derivative_two_sigmoids, "s(x) * s(-x)"),
    ("check_sigmoid_derivative", derivative_library, "bplib.sigmoid_derivative"),
    ("check_softplus", softplus_log1p, "max(x, 0) + log1p(exp(-|x|))"),
    ("check_softplus", softplus_logaddexp, "np.logaddexp(0, x)"),
    ("check_softplus", softplus_where, "np.where with log1p"),
    ("check_softplus_backward", backward_sigmoid, "grad_out * bplib.sigmoid(x)"),
    ("check_softplus_backward", backward_own_sigmoid, "own sigmoid with masks"),
    ("check_softplus_backward", backward_where, "np.where inline"),
    ("check_max_derivative_error", error_vectorised, "vectorised, np.divide with where"),
    ("check_max_derivative_error", error_loop, "a loop with bplib.numerical_derivative"),
    ("check_max_derivative_error", error_bplib_per_entry, "bplib.rel_error per entry"),
]

# --- wrong answers ---------------------------------------------------------------------------


def sigmoid_naive(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_naive_silenced(x):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def sigmoid_naive_seterr(x):
    old = np.seterr(all="ignore")
    out = 1 / (1 + np.exp(-x))
    np.seterr(**old)
    return out


def sigmoid_where_unsilenced(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


def sigmoid_exp_over_one_plus_exp(x):
    with np.errstate(all="ignore"):
        return np.exp(x) / (1 + np.exp(x))


def sigmoid_tanh(x):
    return 0.5 * (1 + np.tanh(x / 2))


def sigmoid_mirrored(x):
    return sigmoid_where(-x)


def sigmoid_twice(x):
    return sigmoid_where(sigmoid_where(x))


def sigmoid_one_minus(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, e / (1 + e), 1 / (1 + e))


def sigmoid_minus_in_denominator(x):
    with np.errstate(all="ignore"):
        return 1 / (1 - np.exp(-x))


def sigmoid_if_on_array(x):
    if x >= 0:
        return 1 / (1 + np.exp(-x))
    return np.exp(x) / (1 + np.exp(x))


def sigmoid_math_exp(x):
    return 1 / (1 + math.exp(-x))


def sigmoid_math_loop_naive(x):
    return np.array([1 / (1 + math.exp(-v)) for v in np.ravel(x)]).reshape(np.shape(x))


def sigmoid_in_place(x):
    e = np.exp(-np.abs(x))
    x[:] = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return x


def sigmoid_clipped(x):
    return 1 / (1 + np.exp(-np.clip(x, -500, 500)))


def sigmoid_power_of_ten(x):
    with np.errstate(all="ignore"):
        return 1 / (1 + 10.0 ** -x)


def sigmoid_returns_string(x):
    return str(sigmoid_where(x))


def sigmoid_complex(x):
    return sigmoid_where(x) + 0j


def derivative_x_one_minus_x(x):
    return x * (1 - x)


def derivative_sigmoid_twice(x):
    s = sigmoid_where(sigmoid_where(x))
    return s * (1 - s)


def derivative_s(x):
    return sigmoid_where(x)


def derivative_one_plus(x):
    s = sigmoid_where(x)
    return s * (1 + s)


def derivative_negative(x):
    s = sigmoid_where(x)
    return s * (s - 1)


def derivative_s_squared(x):
    return sigmoid_where(x) ** 2


def derivative_naive(x):
    return np.exp(-x) / (1 + np.exp(-x)) ** 2


def derivative_not_squared(x):
    with np.errstate(all="ignore"):
        return np.exp(-x) / (1 + np.exp(-x))


def softplus_naive(x):
    with np.errstate(over="ignore"):
        return np.log(1 + np.exp(x))


def softplus_stable_but_log(x):
    return np.maximum(x, 0) + np.log(1 + np.exp(-np.abs(x)))


def softplus_minus(x):
    return np.log1p(np.exp(-x)) if np.all(x < 700) else softplus_log1p(-x)


def softplus_relu(x):
    return np.maximum(x, 0)


def softplus_is_sigmoid(x):
    return sigmoid_where(x)


def backward_forgets_grad_out(x, grad_out):
    return bplib.sigmoid(x)


def backward_softplus_itself(x, grad_out):
    return grad_out * softplus_log1p(x)


def backward_sigmoid_minus(x, grad_out):
    return grad_out * bplib.sigmoid(-x)


def backward_one_step_too_far(x, grad_out):
    return grad_out * bplib.sigmoid_derivative(x)


def backward_matmul(x, grad_out):
    return grad_out @ bplib.sigmoid(x)


def backward_in_place(x, grad_out):
    grad_out *= bplib.sigmoid(x)
    return grad_out


def backward_naive(x, grad_out):
    return grad_out / (1 + np.exp(-x))


def backward_adds(x, grad_out):
    return grad_out + bplib.sigmoid(x)


def error_whole_array(f, derivative, x, eps):
    return bplib.rel_error(derivative(x), (f(x + eps) - f(x - eps)) / (2 * eps))


def error_absolute(f, derivative, x, eps):
    return float(np.max(np.abs(derivative(x) - (f(x + eps) - f(x - eps)) / (2 * eps))))


def error_mean(f, derivative, x, eps):
    a, b = derivative(x), (f(x + eps) - f(x - eps)) / (2 * eps)
    return float(np.mean(np.abs(a - b) / (np.abs(a) + np.abs(b))))


def error_forward(f, derivative, x, eps):
    a, b = derivative(x), (f(x + eps) - f(x)) / eps
    return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))


def error_verdict(f, derivative, x, eps):
    return error_vectorised(f, derivative, x, eps) < 1e-7


def error_per_entry(f, derivative, x, eps):
    a, b = derivative(x), (f(x + eps) - f(x - eps)) / (2 * eps)
    return np.abs(a - b) / (np.abs(a) + np.abs(b))


def sigmoid_same_branch_twice(x):
    u = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + u), 1 / (1 + u))  # copied the first branch


def derivative_precedence(x):
    s = 1 / (1 + np.exp(-np.clip(x, -500, 500)))
    return s * 1 - s  # meant s * (1 - s)


def error_nan_where_both_zero(f, derivative, x, eps):
    a = derivative(x)
    b = (f(x + eps) - f(x - eps)) / (2 * eps)
    with np.errstate(invalid="ignore"):
        return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))


def softplus_where_branches(x):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x + np.log1p(np.exp(-x)), np.log1p(np.exp(x)))


WRONG = [
    ("check_sigmoid", sigmoid_naive, "numpy reports an overflow", "1 / (1 + exp(-x))"),
    ("check_sigmoid", sigmoid_naive_silenced, "np.errstate only hides the warning",
     "naive, overflow silenced with np.errstate"),
    ("check_sigmoid", sigmoid_naive_seterr, "overflowed to inf", "naive, np.seterr ignore"),
    ("check_sigmoid", sigmoid_where_unsilenced, "np.where computes both branches",
     "np.where of two naive branches"),
    ("check_sigmoid", sigmoid_exp_over_one_plus_exp, "inf / inf", "exp(x) / (1 + exp(x))"),
    ("check_sigmoid", sigmoid_tanh, "loses every digit", "(1 + tanh(x/2)) / 2"),
    ("check_sigmoid", sigmoid_mirrored, "mirrored", "sign of x flipped"),
    ("check_sigmoid", sigmoid_twice, "applied the sigmoid twice", "sigmoid(sigmoid(x))"),
    ("check_sigmoid", sigmoid_one_minus, "= 1 - sigmoid(x)", "branches swapped"),
    ("check_sigmoid", sigmoid_minus_in_denominator, "with a plus", "1 / (1 - exp(-x))"),
    ("check_sigmoid", sigmoid_if_on_array, "asks one question about a whole array",
     "if x >= 0 on an array"),
    ("check_sigmoid", sigmoid_math_exp, "use np.exp", "math.exp on an array"),
    ("check_sigmoid", sigmoid_math_loop_naive, "math.exp overflows", "math.exp in a loop"),
    ("check_sigmoid", sigmoid_in_place, "do not write into the input", "x[:] = ..."),
    ("check_sigmoid", sigmoid_clipped, "did you clip x?", "clipped to +-500"),
    ("check_sigmoid", sigmoid_power_of_ten, "not a power of 10", "10 ** -x"),
    ("check_sigmoid", sigmoid_returns_string, "not a string", "str(...)"),
    ("check_sigmoid", sigmoid_complex, "complex numbers", "a complex array"),
    ("check_sigmoid_derivative", derivative_x_one_minus_x, "you computed x (1 - x)",
     "x * (1 - x)"),
    ("check_sigmoid_derivative", derivative_sigmoid_twice, "applied the sigmoid twice",
     "s of s"),
    ("check_sigmoid_derivative", derivative_s, "returned s(x) itself", "just s"),
    ("check_sigmoid_derivative", derivative_one_plus, "(1 - s), not (1 + s)", "s (1 + s)"),
    ("check_sigmoid_derivative", derivative_negative, "sign is flipped", "s (s - 1)"),
    ("check_sigmoid_derivative", derivative_s_squared, "not s * s", "s ** 2"),
    ("check_sigmoid_derivative", derivative_naive, "numpy reports an overflow",
     "e^-x / (1 + e^-x)^2"),
    ("check_sigmoid_derivative", derivative_not_squared, "you returned 1 - s(x)",
     "e^-x / (1 + e^-x), the square forgotten"),
    ("check_softplus", softplus_naive, "overflows for x > 709", "log(1 + exp(x))"),
    ("check_softplus", softplus_stable_but_log, "np.log1p", "stable, but log instead of log1p"),
    ("check_softplus", softplus_minus, "softplus(-x)", "log(1 + e^-x)"),
    ("check_softplus", softplus_relu, "that is ReLU", "max(x, 0)"),
    ("check_softplus", softplus_is_sigmoid, "that is the sigmoid", "returned the derivative"),
    ("check_softplus_backward", backward_forgets_grad_out, "multiplies it by grad_out",
     "forgot grad_out"),
    ("check_softplus_backward", backward_softplus_itself, "by softplus(x) itself",
     "grad_out * softplus(x)"),
    ("check_softplus_backward", backward_sigmoid_minus, "not sigmoid(-x)", "sigmoid(-x)"),
    ("check_softplus_backward", backward_one_step_too_far, "one step too far",
     "sigmoid's derivative"),
    ("check_softplus_backward", backward_matmul, "not with @", "grad_out @ s"),
    ("check_softplus_backward", backward_in_place, "do not modify grad_out", "grad_out *="),
    ("check_softplus_backward", backward_naive, "numpy reports an overflow",
     "grad_out / (1 + exp(-x))"),
    ("check_softplus_backward", backward_adds, "the chain rule multiplies", "grad_out + s"),
    ("check_max_derivative_error", error_whole_array, "whole-array relative error",
     "bplib.rel_error of the whole arrays"),
    ("check_max_derivative_error", error_absolute, "largest *absolute* difference",
     "max |a - b|"),
    ("check_max_derivative_error", error_mean, "the mean of the elementwise errors",
     "mean instead of max"),
    ("check_max_derivative_error", error_forward, "forward difference's O(eps) error",
     "forward difference"),
    ("check_max_derivative_error", error_verdict, "you returned a bool", "a verdict"),
    ("check_max_derivative_error", error_per_entry, "one error per entry",
     "the array of errors"),
    ("check_sigmoid", sigmoid_same_branch_twice, "the sigmoid of a negative x is u / (1 + u)",
     "1 / (1 + u) in both branches"),
    ("check_sigmoid_derivative", derivative_precedence, "* comes before -", "s * 1 - s"),
    ("check_max_derivative_error", error_nan_where_both_zero, "0 / 0",
     "no special case where both are 0"),
    ("check_softplus", softplus_where_branches, "computes both a and b",
     "np.where with an np.exp(x) branch"),
]
