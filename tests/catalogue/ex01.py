"""Exercise 1 (numerical gradients): answers to check_forward_difference and
check_numerical_gradient, in the styles students write them."""

import sys

import numpy as np

import bplib

# --- right answers ---------------------------------------------------------------------------


def forward_copy_saved(f, x, eps):
    point = np.array(x, dtype=float)
    flat = point.reshape(-1)
    grad = np.zeros(flat.size)
    f_x = f(point)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        grad[i] = (f(point) - f_x) / eps
        flat[i] = old
    return grad.reshape(point.shape)


def forward_in_place_saved(f, x, eps):
    grad = np.zeros_like(x)
    f_x = f(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        grad[i] = (f(x) - f_x) / eps
        x[i] = old
    return grad


def forward_unit_vectors(f, x, eps):
    f_x = f(x)
    grad = np.empty(x.size)
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = 1.0
        grad[i] = (f(x + eps * e.reshape(x.shape)) - f_x) / eps
    return grad.reshape(x.shape)


def forward_ndindex_copies(f, x, eps):
    f_x = f(x)
    grad = np.zeros(x.shape)
    for idx in np.ndindex(*x.shape):
        moved = x.copy()
        moved[idx] += eps
        grad[idx] = (f(moved) - f_x) / eps
    return grad


def forward_list_comprehension(f, x, eps):
    f_x = f(x)
    flat = x.ravel()
    steps = [np.where(np.arange(x.size) == i, eps, 0.0).reshape(x.shape) for i in range(x.size)]
    return np.array([(f(x + s) - f_x) / eps for s in steps]).reshape(x.shape) if flat.size else x


def central_copy_saved(f, x, eps):
    point = x.astype(float)
    flat = point.ravel()
    grad = np.zeros_like(flat)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        plus = f(point)
        flat[i] = old - eps
        minus = f(point)
        flat[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad.reshape(x.shape)


def central_in_place_saved(f, x, eps):
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        saved = x[idx]
        x[idx] = saved + eps
        plus = f(x)
        x[idx] = saved - eps
        minus = f(x)
        x[idx] = saved
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


def central_two_copies(f, x, eps):
    grad = []
    for i in range(x.size):
        up, down = x.copy().reshape(-1), x.copy().reshape(-1)
        up[i] += eps
        down[i] -= eps
        grad.append((f(up.reshape(x.shape)) - f(down.reshape(x.shape))) / (2 * eps))
    return np.reshape(grad, x.shape)


def central_library(f, x, eps):
    return bplib.numerical_gradient(f, x, eps, "central")


def forward_library(f, x, eps):
    return bplib.numerical_gradient(f, x, eps, "forward")


RIGHT = [
    ("check_forward_difference", forward_copy_saved, "a copy, a flat view, the saved value"),
    ("check_forward_difference", forward_in_place_saved, "nditer over the caller's x, restored"),
    ("check_forward_difference", forward_unit_vectors, "x + eps * e_i with a unit vector"),
    ("check_forward_difference", forward_ndindex_copies, "a fresh copy per entry with ndindex"),
    ("check_forward_difference", forward_list_comprehension, "a list comprehension of steps"),
    ("check_forward_difference", forward_library, "bplib.numerical_gradient(..., 'forward')"),
    ("check_numerical_gradient", central_copy_saved, "a copy, ravel, the saved value"),
    ("check_numerical_gradient", central_in_place_saved, "ndindex over the caller's x"),
    ("check_numerical_gradient", central_two_copies, "two copies per entry"),
    ("check_numerical_gradient", central_library, "bplib.numerical_gradient"),
]

# --- wrong answers ---------------------------------------------------------------------------


def _forward(f, x, eps, *, divide=None, restore="saved", recompute=False, copy=True,
             view="reshape", formula="right", fixed=None, loop=None):
    point = np.array(x, dtype=float) if copy else x
    flat = point.flatten() if view == "flatten" else point.reshape(-1)
    eps_used = fixed if fixed is not None else eps
    grad = np.zeros(flat.size)
    f_x = f(point)
    for i in range(flat.size if loop is None else loop(point)):
        if recompute:
            f_x = f(point)
        old = flat[i]
        flat[i] = old + eps_used
        f_plus = f(point)
        if formula == "right":
            grad[i] = (f_plus - f_x) / (divide or eps_used)
        elif formula == "precedence":
            grad[i] = f_plus - f_x / eps_used
        elif formula == "no division":
            grad[i] = f_plus - f_x
        elif formula == "flipped":
            grad[i] = (f_x - f_plus) / eps_used
        if restore == "saved":
            flat[i] = old
        elif restore == "subtract":
            flat[i] -= eps_used
    return grad.reshape(point.shape)


def forward_divides_2eps(f, x, eps):
    return _forward(f, x, eps, divide=2 * eps)


def forward_never_restores(f, x, eps):
    return _forward(f, x, eps, restore="never")


def forward_restores_by_subtracting_on_the_callers_x(f, x, eps):
    return _forward(f, x, eps, restore="subtract", copy=False)


def forward_recomputes_f_x(f, x, eps):
    return _forward(f, x, eps, recompute=True)


def forward_flattened_copy(f, x, eps):
    return _forward(f, x, eps, view="flatten")


def forward_precedence(f, x, eps):
    return _forward(f, x, eps, formula="precedence")


def forward_no_division(f, x, eps):
    return _forward(f, x, eps, formula="no division")


def forward_flipped(f, x, eps):
    return _forward(f, x, eps, formula="flipped")


def forward_fixed_step(f, x, eps):
    return _forward(f, x, eps, fixed=1e-5)


def forward_len_rows(f, x, eps):
    grad = np.zeros_like(x, dtype=float)
    f_x = f(x)
    for i in range(len(x)):
        moved = x.copy()
        moved[i] += eps  # a whole row on 2-D input
        grad[i] = (f(moved) - f_x) / eps
    return grad


def forward_flat_result(f, x, eps):
    return _forward(f, x, eps).reshape(-1)


def forward_all_at_once(f, x, eps):
    return np.full(x.shape, (f(x + eps) - f(x)) / eps)


def forward_return_in_loop(f, x, eps):
    point = x.copy()
    flat = point.reshape(-1)
    grad = np.zeros(flat.size)
    f_x = f(point)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        grad[i] = (f(point) - f_x) / eps
        flat[i] = old
        return grad.reshape(x.shape)  # indented one level too far


def forward_backward_difference(f, x, eps):
    f_x = f(x)
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        moved = x.copy()
        moved[idx] -= eps
        grad[idx] = (f_x - f(moved)) / eps
    return grad


def forward_while_without_increment(f, x, eps):
    grad = np.zeros(x.size)
    i = 0
    f_x = f(x)
    while i < x.size:
        moved = x.copy().reshape(-1)
        moved[i] += eps
        grad[i] = (f(moved.reshape(x.shape)) - f_x) / eps
    return grad.reshape(x.shape)


def forward_returns_list_of_floats(f, x, eps):
    return list(_forward(f, x, eps).reshape(-1))


def forward_prints_instead_of_returning(f, x, eps):
    grad = _forward(f, x, eps)
    print_ = str  # stands in for print: the gradient is shown, not returned
    print_(grad)


def forward_calls_f_with_a_number(f, x, eps):
    f_x = f(x)
    return np.array([(f(v + eps) - f_x) / eps for v in x.reshape(-1)]).reshape(x.shape)


def forward_exits(f, x, eps):
    if x.ndim > 1:
        sys.exit("only 1-D input")
    return _forward(f, x, eps)


def forward_complex_step(f, x, eps):
    return _forward(f, x, eps) + 0j


def central_forward_only(f, x, eps):
    return _forward(f, x, eps)


def _central(f, x, eps, *, step=None, divide=None, restore="saved", formula="right",
             extra_call=False, copy=True):
    point = np.array(x, dtype=float) if copy else x
    flat = point.reshape(-1)
    h = step or eps
    grad = np.zeros(flat.size)
    if extra_call:
        f(point)
    for i in range(flat.size):
        old = flat[i]
        if restore == "subtract":
            flat[i] += h
            plus = f(point)
            flat[i] -= 2 * h
            minus = f(point)
            flat[i] += h
        else:
            flat[i] = old + h
            plus = f(point)
            flat[i] = old - h
            minus = f(point)
            if restore == "saved":
                flat[i] = old
        if formula == "right":
            grad[i] = (plus - minus) / (divide or 2 * eps)
        elif formula == "precedence":
            grad[i] = plus - minus / (2 * eps)
        elif formula == "precedence 2":
            grad[i] = (plus - minus) / 2 * eps
        elif formula == "sum":
            grad[i] = (plus + minus) / (2 * eps)
    return grad.reshape(point.shape)


def central_divides_by_eps(f, x, eps):
    return _central(f, x, eps, divide=eps)


def central_half_steps(f, x, eps):
    return _central(f, x, eps, step=eps / 2, divide=eps)


def central_never_restores(f, x, eps):
    return _central(f, x, eps, restore="never")


def central_arithmetic_on_a_copy(f, x, eps):
    return _central(f, x, eps, restore="subtract")


def central_arithmetic_on_the_callers_x(f, x, eps):
    return _central(f, x, eps, restore="subtract", copy=False)


def central_extra_call(f, x, eps):
    return _central(f, x, eps, extra_call=True)


def central_precedence(f, x, eps):
    return _central(f, x, eps, formula="precedence")


def central_precedence_2(f, x, eps):
    return _central(f, x, eps, formula="precedence 2")


def central_adds(f, x, eps):
    return _central(f, x, eps, formula="sum")


def central_one_sided_halved(f, x, eps):
    return _forward(f, x, eps, divide=2 * eps)


def central_x_plus_eps_everywhere(f, x, eps):
    return np.full(x.shape, (f(x + eps) - f(x - eps)) / (2 * eps))


def central_index_rows(f, x, eps):
    grad = np.zeros(len(x))  # one entry per row on 2-D input
    for i in range(x.size):
        up, down = x.copy().reshape(-1), x.copy().reshape(-1)
        up[i] += eps
        down[i] -= eps
        grad[i] = (f(up.reshape(x.shape)) - f(down.reshape(x.shape))) / (2 * eps)
    return grad


def central_wrong_signature(f, eps, x):
    return _central(f, x, eps)


class CentralWithCache:
    """Remembers the first gradient it computed (a cache keyed on nothing)."""

    cache = None

    def __call__(self, f, x, eps):
        if CentralWithCache.cache is None:
            CentralWithCache.cache = _central(f, x, eps)
        return CentralWithCache.cache


def central_string(f, x, eps):
    return f"{_central(f, x, eps)}"


def forward_f_of_flat(f, x, eps):
    # calls f with the flat copy: f gets a 1-D array instead of x's shape
    flat = np.array(x, dtype=float).ravel()
    grad = np.zeros(flat.size)
    f_x = f(flat)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        grad[i] = (f(flat) - f_x) / eps
        flat[i] = old
    return grad.reshape(np.shape(x))


def forward_integer_gradient(f, x, eps):
    point = np.array(x, dtype=float)
    flat = point.reshape(-1)
    grad = np.zeros(flat.size, dtype=int)  # integers: the fractions are cut off
    f_x = f(point)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        grad[i] = (f(point) - f_x) / eps
        flat[i] = old
    return grad.reshape(point.shape)


def central_flipped(f, x, eps):
    point = np.array(x, dtype=float)
    flat = point.reshape(-1)
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        f_plus = f(point)
        flat[i] = old - eps
        f_minus = f(point)
        flat[i] = old
        grad[i] = (f_minus - f_plus) / (2 * eps)
    return grad.reshape(point.shape)


def central_flat_result(f, x, eps):
    point = np.array(x, dtype=float)
    flat = point.reshape(-1)
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        f_plus = f(point)
        flat[i] = old - eps
        f_minus = f(point)
        flat[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad  # forgot to reshape


WRONG = [
    ("check_forward_difference", central_library, "this is the central difference",
     "central instead of forward"),
    ("check_forward_difference", forward_divides_2eps, "divide by eps",
     "divided by 2 eps"),
    ("check_forward_difference", forward_never_restores, "did not put x[i] back",
     "forgot to put x[i] back (on a copy)"),
    ("check_forward_difference", forward_restores_by_subtracting_on_the_callers_x,
     "changed the caller's x", "x[i] -= eps on the caller's x: round-off drift"),
    ("check_forward_difference", forward_recomputes_f_x, "evaluated f(x) again",
     "f(x) inside the loop"),
    ("check_forward_difference", forward_flattened_copy, "flatten() returns a copy",
     "moved entries of x.flatten()"),
    ("check_forward_difference", forward_precedence, "operator precedence",
     "f_plus - f_x / eps"),
    ("check_forward_difference", forward_no_division, "forgot to divide by eps",
     "no division"),
    ("check_forward_difference", forward_flipped, "sign is flipped", "(f(x) - f(x+eps)) / eps"),
    ("check_forward_difference", forward_fixed_step, "instead of the argument eps",
     "hard-coded eps = 1e-5"),
    ("check_forward_difference", forward_len_rows, "x[i] is a whole row",
     "range(len(x)) moves whole rows of 2-D x"),
    ("check_forward_difference", forward_flat_result, "reshape it", "returned a flat array"),
    ("check_forward_difference", forward_all_at_once, "moved all entries at once",
     "f(x + eps) for the whole array"),
    ("check_forward_difference", forward_return_in_loop, "`return` inside the loop",
     "return inside the loop"),
    ("check_forward_difference", forward_backward_difference, "backward difference",
     "stepped to x - eps"),
    ("check_forward_difference", forward_while_without_increment, "endless loop",
     "while loop without i += 1"),
    ("check_forward_difference", forward_returns_list_of_floats, "reshape it",
     "a flat Python list"),
    ("check_forward_difference", forward_prints_instead_of_returning, "forget a `return`",
     "printed instead of returned"),
    ("check_forward_difference", forward_calls_f_with_a_number, "call f with the whole array",
     "called f on single numbers"),
    ("check_forward_difference", forward_exits, "sys.exit()", "sys.exit on 2-D input"),
    ("check_forward_difference", forward_complex_step, "complex numbers",
     "a complex result"),
    ("check_forward_difference", forward_difference_value := np.zeros(3),
     "pass your function or class itself", "passed an array, not the function"),
    ("check_numerical_gradient", central_forward_only, "this is the forward difference",
     "forward instead of central"),
    ("check_numerical_gradient", central_divides_by_eps, "2 eps apart", "divided by eps"),
    ("check_numerical_gradient", central_half_steps, "eps/2", "stepped eps/2 each side"),
    ("check_numerical_gradient", central_never_restores, "did not put x[i] back",
     "never restores"),
    ("check_numerical_gradient", central_arithmetic_on_a_copy, "restoring by arithmetic",
     "+= eps, -= 2 eps, += eps on a copy: f sees drift"),
    ("check_numerical_gradient", central_arithmetic_on_the_callers_x,
     "changed the caller's x", "+= eps, -= 2 eps, += eps on the caller's x"),
    ("check_numerical_gradient", central_extra_call, "never needs f(x) itself",
     "an unused f(x)"),
    ("check_numerical_gradient", central_precedence, "operator precedence",
     "plus - minus / (2 * eps)"),
    ("check_numerical_gradient", central_precedence_2, "/ (2 * eps)", "/ 2 * eps"),
    ("check_numerical_gradient", central_adds, "subtract them", "plus + minus"),
    ("check_numerical_gradient", central_one_sided_halved, "step to both",
     "one side, divided by 2 eps"),
    ("check_numerical_gradient", central_x_plus_eps_everywhere, "moved all entries at once",
     "f(x + eps) - f(x - eps) for the whole array"),
    ("check_numerical_gradient", central_index_rows, "index is out of range",
     "gradient with len(x) entries"),
    ("check_numerical_gradient", central_wrong_signature, "put them in that order",
     "parameters in the wrong order"),
    ("check_numerical_gradient", CentralWithCache(), "never called f",
     "a cache that returns the first answer"),
    ("check_numerical_gradient", central_string, "not a string", "returned an f-string"),
    ("check_forward_difference", forward_f_of_flat, "another shape than x",
     "called f with the flat copy"),
    ("check_forward_difference", forward_integer_gradient, "whole numbers",
     "np.zeros(n, dtype=int) for the gradient"),
    ("check_numerical_gradient", central_flipped, "sign is flipped",
     "(f_minus - f_plus) / (2 * eps)"),
    ("check_numerical_gradient", central_flat_result, "reshape it",
     "returned the flat gradient"),
]
del forward_difference_value
