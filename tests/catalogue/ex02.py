"""Exercise 2 (the numerical gradient of a network): answers to check_count_parameters and
check_network_numerical_gradient."""

import copy

import numpy as np

import bplib

# --- right answers ---------------------------------------------------------------------------


def count_zip(sizes):
    return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def count_loop(sizes):
    total = 0
    for i in range(len(sizes) - 1):
        total += sizes[i] * sizes[i + 1]  # weights
        total += sizes[i + 1]  # biases
    return total


def count_numpy(sizes):
    s = np.array(sizes)
    return int(np.sum(s[:-1] * s[1:] + s[1:]))


def count_by_building_layers(sizes):
    model = bplib.Sequential(*[bplib.Dense(i, o) for i, o in zip(sizes[:-1], sizes[1:])])
    return sum(value.size for _, value, _ in model.parameters())


def count_factored(sizes):
    return sum((i + 1) * o for i, o in zip(sizes, sizes[1:]))


def network_flat_views(model, loss, x, y, eps):
    reference = loss.forward(model.forward(x), y)
    grads = []
    for _, value, _ in model.parameters():
        flat = value.reshape(-1)
        grad = np.zeros(flat.size)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            grad[i] = (loss.forward(model.forward(x), y) - reference) / eps
            flat[i] = old
        grads.append(grad.reshape(value.shape))
    return grads


def network_ndindex(model, loss, x, y, eps):
    base = loss(model.forward(x), y)
    out = []
    for _name, p, _g in model.parameters():
        grad = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            saved = p[idx]
            p[idx] = saved + eps
            grad[idx] = (loss(model.forward(x), y) - base) / eps
            p[idx] = saved
        out.append(grad)
    return out


def network_library(model, loss, x, y, eps):
    return bplib.numerical_gradients(model, loss, x, y, eps, "forward")


def network_nditer(model, loss, x, y, eps):
    def value_of_loss():
        return loss.forward(model.forward(x), y)

    l0 = value_of_loss()
    result = []
    for triple in model.parameters():
        param = triple[1]
        grad = np.empty(param.shape)
        it = np.nditer(param, flags=["multi_index"])
        while not it.finished:
            i = it.multi_index
            keep = param[i].copy()
            param[i] += eps
            grad[i] = (value_of_loss() - l0) / eps
            param[i] = keep
            it.iternext()
        result.append(grad)
    return result


RIGHT = [
    ("check_count_parameters", count_zip, "sum over zip of neighbours"),
    ("check_count_parameters", count_loop, "a for loop over indices"),
    ("check_count_parameters", count_numpy, "numpy arrays of sizes"),
    ("check_count_parameters", count_by_building_layers, "build the layers and count"),
    ("check_count_parameters", count_factored, "(i + 1) * o"),
    ("check_network_numerical_gradient", network_flat_views, "flat views, saved values"),
    ("check_network_numerical_gradient", network_ndindex, "ndindex, loss(...) call syntax"),
    ("check_network_numerical_gradient", network_library, "bplib.numerical_gradients"),
    ("check_network_numerical_gradient", network_nditer, "nditer with a helper"),
]

# --- wrong answers ---------------------------------------------------------------------------


def count_weights_only(sizes):
    return sum(i * o for i, o in zip(sizes[:-1], sizes[1:]))


def count_bias_per_input(sizes):
    return sum(i * o + i for i, o in zip(sizes[:-1], sizes[1:]))


def count_input_bias(sizes):
    return count_zip(sizes) + sizes[0]


def count_off_by_one_index(sizes):
    total = 0
    for i in range(len(sizes)):
        total += sizes[i] * sizes[i + 1] + sizes[i + 1]
    return total


def count_skips_last(sizes):
    total = 0
    for i in range(len(sizes) - 2):
        total += sizes[i] * sizes[i + 1] + sizes[i + 1]
    return total


def count_per_layer(sizes):
    return [i * o + o for i, o in zip(sizes[:-1], sizes[1:])]


def count_sum_of_sizes(sizes):
    return sum(sizes)


def count_layers(sizes):
    return len(sizes) - 1


def count_product(sizes):
    return int(np.prod(sizes))


def count_one_bias_per_layer(sizes):
    return sum(i * o + 1 for i, o in zip(sizes[:-1], sizes[1:]))


def count_pops(sizes):
    total = 0
    while len(sizes) > 1:
        n_in = sizes.pop(0)
        total += n_in * sizes[0] + sizes[0]
    return total


def count_string(sizes):
    return f"{count_zip(sizes)} parameters"


def count_skips_first(sizes):
    return sum(i * o + o for i, o in zip(sizes[1:-1], sizes[2:]))


def network_central(model, loss, x, y, eps):
    return bplib.numerical_gradients(model, loss, x, y, eps, "central")


def network_halved(model, loss, x, y, eps):
    return [g / 2 for g in network_flat_views(model, loss, x, y, eps)]


def network_weights_only(model, loss, x, y, eps):
    return network_flat_views(model, loss, x, y, eps)[0::2]


def network_reversed(model, loss, x, y, eps):
    return network_flat_views(model, loss, x, y, eps)[::-1]


def _network(model, loss, x, y, eps, *, restore="saved", recompute=False, view="reshape",
             rebind=False, flat_result=False, sign=1.0):
    reference = loss.forward(model.forward(x), y)
    grads = []
    for _, value, _ in model.parameters():
        flat = value.flatten() if view == "flatten" else value.reshape(-1)
        grad = np.zeros(flat.size)
        for i in range(flat.size):
            if recompute:
                reference = loss.forward(model.forward(x), y)
            old = flat[i]
            if rebind:
                value = value + eps  # noqa: PLW2901 - the mistake under test
            else:
                flat[i] = old + eps
            grad[i] = sign * (loss.forward(model.forward(x), y) - reference) / eps
            if restore == "saved":
                flat[i] = old
            elif restore == "subtract":
                flat[i] -= eps
        grads.append(grad if flat_result else grad.reshape(value.shape))
    return grads


def network_never_restores(model, loss, x, y, eps):
    return _network(model, loss, x, y, eps, restore="never")


def network_restores_by_subtracting(model, loss, x, y, eps):
    return _network(model, loss, x, y, eps, restore="subtract")


def network_recomputes_reference(model, loss, x, y, eps):
    return _network(model, loss, x, y, eps, recompute=True)


def network_flatten_copy(model, loss, x, y, eps):
    return _network(model, loss, x, y, eps, view="flatten")


def network_flat_gradients(model, loss, x, y, eps):
    return _network(model, loss, x, y, eps, flat_result=True)


def network_flipped(model, loss, x, y, eps):
    return _network(model, loss, x, y, eps, sign=-1.0)


def network_backprop(model, loss, x, y, eps):
    return bplib.backprop_gradients(model, loss, x, y)


def network_dict(model, loss, x, y, eps):
    grads = network_flat_views(model, loss, x, y, eps)
    return {name: g for (name, _, _), g in zip(model.parameters(), grads)}


def network_unpacks_two(model, loss, x, y, eps):
    grads = []
    for _name, value in model.parameters():
        grads.append(np.zeros_like(value))
    return grads


def network_on_a_deepcopy_but_loss_of_original(model, loss, x, y, eps):
    work = copy.deepcopy(model)
    reference = loss.forward(model.forward(x), y)
    grads = []
    for _, value, _ in work.parameters():
        flat = value.reshape(-1)
        grad = np.zeros(flat.size)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            grad[i] = (loss.forward(model.forward(x), y) - reference) / eps  # wrong model
            flat[i] = old
        grads.append(grad.reshape(value.shape))
    return grads


def network_no_division(model, loss, x, y, eps):
    return [g * eps for g in network_flat_views(model, loss, x, y, eps)]


def network_only_first_entry(model, loss, x, y, eps):
    reference = loss.forward(model.forward(x), y)
    grads = []
    for _, value, _ in model.parameters():
        grad = np.zeros(value.shape)
        flat = value.reshape(-1)
        old = flat[0]
        flat[0] = old + eps
        grad.reshape(-1)[0] = (loss.forward(model.forward(x), y) - reference) / eps
        flat[0] = old
        grads.append(grad)
    return grads


def network_stacked_array(model, loss, x, y, eps):
    return np.concatenate([g.reshape(-1) for g in network_flat_views(model, loss, x, y, eps)])


def network_reuses_output(model, loss, x, y, eps):
    out = model.forward(x)  # computed once, before any move
    reference = loss.forward(out, y)
    grads = []
    for _, value, _ in model.parameters():
        flat = value.reshape(-1)
        grad = np.zeros(flat.size)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            grad[i] = (loss.forward(out, y) - reference) / eps
            flat[i] = old
        grads.append(grad.reshape(value.shape))
    return grads


def network_fixed_step(model, loss, x, y, eps):
    h = 1e-4  # my own step instead of the argument
    reference = loss.forward(model.forward(x), y)
    grads = []
    for _, value, _ in model.parameters():
        flat = value.reshape(-1)
        grad = np.zeros(flat.size)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + h
            grad[i] = (loss.forward(model.forward(x), y) - reference) / h
            flat[i] = old
        grads.append(grad.reshape(value.shape))
    return grads


def network_integer_gradients(model, loss, x, y, eps):
    reference = loss.forward(model.forward(x), y)
    grads = []
    for _, value, _ in model.parameters():
        flat = value.reshape(-1)
        grad = np.zeros(flat.size, dtype=int)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            grad[i] = (loss.forward(model.forward(x), y) - reference) / eps
            flat[i] = old
        grads.append(grad.reshape(value.shape))
    return grads


def count_bias_for_every_size(sizes):
    weights = sum(n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    return weights + sum(sizes)


WRONG = [
    ("check_count_parameters", count_weights_only, "not the biases", "weights only"),
    ("check_count_parameters", count_bias_per_input, "per *output* unit", "bias per input"),
    ("check_count_parameters", count_input_bias, "the input has no bias", "a bias for inputs"),
    ("check_count_parameters", count_off_by_one_index, "k - 1 layers",
     "range(len(sizes)) runs off the end"),
    ("check_count_parameters", count_skips_last, "left out the last layer",
     "range(len(sizes) - 2)"),
    ("check_count_parameters", count_skips_first, "left out the first layer",
     "zip starts one pair late"),
    ("check_count_parameters", count_per_layer, "one count per layer", "a list per layer"),
    ("check_count_parameters", count_sum_of_sizes, "added up the sizes", "sum(sizes)"),
    ("check_count_parameters", count_layers, "number of layers", "len(sizes) - 1"),
    ("check_count_parameters", count_product, "multiplied all sizes", "np.prod(sizes)"),
    ("check_count_parameters", count_one_bias_per_layer, "not one", "+ 1 per layer"),
    ("check_count_parameters", count_pops, "changed the list", "pops from the caller's list"),
    ("check_count_parameters", count_string, "not a string", "an f-string"),
    ("check_network_numerical_gradient", network_central, "this is the central difference",
     "central instead of forward"),
    ("check_network_numerical_gradient", network_halved, "divided by 2 eps", "/ 2 eps"),
    ("check_network_numerical_gradient", network_weights_only, "weights *and* biases",
     "weights only"),
    ("check_network_numerical_gradient", network_reversed, "order of model.parameters()",
     "last layer first"),
    ("check_network_numerical_gradient", network_never_restores, "never put back",
     "parameters never restored"),
    ("check_network_numerical_gradient", network_restores_by_subtracting, "by round-off",
     "flat[i] -= eps drifts"),
    ("check_network_numerical_gradient", network_recomputes_reference,
     "recomputed the reference loss", "2N evaluations"),
    ("check_network_numerical_gradient", network_flatten_copy, "value.flatten() a copy",
     "moved entries of a flattened copy"),
    ("check_network_numerical_gradient", network_flat_gradients, "reshape it like the "
     "parameter", "flat gradient arrays"),
    ("check_network_numerical_gradient", network_flipped, "the sign is flipped",
     "reference minus moved"),
    ("check_network_numerical_gradient", network_backprop, "exact gradient from "
     "backpropagation", "backprop instead of moving parameters"),
    ("check_network_numerical_gradient", network_dict, "you returned a dict", "a dict"),
    ("check_network_numerical_gradient", network_unpacks_two, "(name, value, grad) triples",
     "unpacks two values per parameter"),
    ("check_network_numerical_gradient", network_on_a_deepcopy_but_loss_of_original,
     "every gradient is 0", "moves a deep copy, evaluates the original"),
    ("check_network_numerical_gradient", network_no_division, "forgot to divide by eps",
     "no division"),
    ("check_network_numerical_gradient", network_only_first_entry, "fewer than N + 1",
     "only the first entry of each array"),
    ("check_network_numerical_gradient", network_stacked_array, "one array of shape",
     "concatenated into one array"),
    ("check_count_parameters", count_bias_for_every_size, "the input has no bias",
     "a bias for every size, the input's too"),
    ("check_network_numerical_gradient", network_reuses_output, "old output",
     "model.forward(x) once, the loss of that output after every move"),
    ("check_network_numerical_gradient", network_fixed_step, "fixed step",
     "h = 1e-4 instead of eps"),
    ("check_network_numerical_gradient", network_integer_gradients, "whole numbers",
     "np.zeros(n, dtype=int) for each gradient"),
]
