"""One measurement in a fresh process; prints one JSON line. Run by benchmarks/run.py.

    python benchmarks/bench_step.py step fast medium float64 --repeats 20
    python benchmarks/bench_step.py agree all small float64
    python benchmarks/bench_step.py agree core,fast large float32
    python benchmarks/bench_step.py fwdbwd core large float64
    python benchmarks/bench_step.py gemm both large float32
    python benchmarks/bench_step.py numgrad core 1000 float64
    python benchmarks/bench_step.py memory core medium float64

Thread counts are fixed by the environment (OMP_NUM_THREADS and friends), which the
runner sets before this process imports numpy (and PyTorch, whose thread count is set
from the same variable).

What a training step is, for every implementation: forward pass of a sigmoid MLP (a
sigmoid after every Dense layer, the output layer included, as in the original notebook),
the loss 0.5 * mean((out - y) ** 2), backward pass to the gradients of all weights and
biases, and one gradient-descent update w -= lr * dw. The implementations:

* ``core``: ``bplib.gradient_descent``, the teaching code: layers that copy what they
  cache, the full backward pass (the first layer's gradient with respect to the data
  included, which training does not use), an all-or-nothing update.
* ``fast``: ``bplib.fast.train_step``, the speed-tuned path on the same kind of model.
* ``torch``: the same network in PyTorch (optional).
* ``original``: the original notebook's per-sample code (``original_notebook.py``).
"""

import argparse
import json
import os
import statistics
import time

import numpy as np

SIZES = {
    # name: (layer sizes, batch)
    "small": ([10, 32, 32, 32, 32, 32, 2], 64),
    "medium": ([784, 256, 256, 10], 128),
    "large": ([784, 1024, 1024, 1024, 10], 256),
}
LR = 0.01


def data(sizes, batch, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, sizes[0])).astype(dtype)
    y = rng.uniform(0.1, 0.9, size=(batch, sizes[-1])).astype(dtype)
    return x, y


def bplib_model(sizes, dtype, seed=0):
    """The bplib network: Dense and Sigmoid layers, weights N(0, 0.01**2) from ``seed``."""
    import bplib

    layers = []
    rng = np.random.default_rng(seed)
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [bplib.Dense(n_in, n_out, rng=rng, dtype=dtype), bplib.Sigmoid()]
    return bplib.Sequential(*layers), bplib.MSE()


def torch_model(sizes, dtype, seed=0):
    """The same network in PyTorch, with bplib's initial weights (torch stores W.T)."""
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    torch_dtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    reference, _ = bplib_model(sizes, dtype, seed)
    layers = []
    for dense in reference.layers[0::2]:
        linear = torch.nn.Linear(*dense.W.shape, dtype=torch_dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(dense.W.T.copy()))
            linear.bias.copy_(torch.from_numpy(dense.b.copy()))
        layers += [linear, torch.nn.Sigmoid()]
    return torch.nn.Sequential(*layers)


IMPLS = ("core", "fast", "original", "torch")


def make_step(impl, sizes, batch, dtype, model=None):
    """Return a function doing one training step (forward, backward, update) -> loss.

    ``model``: for "core" and "fast", an existing ``(model, loss)`` to train (by default a
    new one from ``bplib_model``).
    """
    x, y = data(sizes, batch, dtype)
    if impl in ("core", "fast"):
        import bplib
        import bplib.fast

        model, loss = model or bplib_model(sizes, dtype)
        if impl == "core":
            return lambda: bplib.gradient_descent(model, loss, x, y, lr=LR)
        return lambda: bplib.fast.train_step(model, loss, x, y, LR)
    if impl == "original":
        import original_notebook

        network = original_notebook.DNN(sizes, np.random.default_rng(0), dtype)
        loss_obj = original_notebook.MeanSquaredError()
        return lambda: original_notebook.train_step(network, loss_obj, x, y, LR)
    if impl == "torch":
        import torch

        model = torch_model(sizes, dtype)
        optimizer = torch.optim.SGD(model.parameters(), lr=LR)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)

        def step():
            optimizer.zero_grad(set_to_none=True)
            value = 0.5 * torch.mean((model(tx) - ty) ** 2)
            value.backward()
            optimizer.step()
            return float(value.detach())

        return step
    raise ValueError(f"unknown implementation {impl!r}")


def alternating_times(functions, repeats, warmup=2):
    """Call ``functions`` (a dict name -> function) in turn, ``warmup + repeats`` times.

    Returns ``{name: [seconds, ...]}`` for the last ``repeats`` rounds. Calling them in
    turn lets a change of the machine's load fall on all of them alike.
    """
    times = {name: [] for name in functions}
    for k in range(warmup + repeats):
        for name, fn in functions.items():
            start = time.perf_counter()
            fn()
            if k >= warmup:
                times[name].append(time.perf_counter() - start)
    return times


def timed(fn, repeats, warmup=2):
    return alternating_times({"fn": fn}, repeats, warmup)["fn"]


def layer_flops(sizes, batch):
    """Matrix-product FLOPs of each Dense layer's forward pass: 2 * batch * in * out."""
    return [2 * batch * a * b for a, b in zip(sizes[:-1], sizes[1:])]


def step_flops(sizes, batch):
    """Matrix-product FLOPs of one training step.

    Forward: x @ W per layer (F in all). Backward: x.T @ grad (dW) per layer, F again, and
    grad @ W.T (the gradient for the layer below) for every layer but the first, F - F1.
    Bias additions, sigmoids and the update are O(batch * width), not counted. The core
    also computes the first layer's input gradient (F1 more), which training does not
    need: GFLOP/s counts the products a step needs, for every implementation alike.
    """
    per_layer = layer_flops(sizes, batch)
    return 3 * sum(per_layer) - per_layer[0]


def cmd_step(args):
    """Time training steps; with ``--with-peak`` also the matmul peak, call by call.

    With ``--with-peak`` every step is followed by two ``np.matmul`` of 1024 x 1024
    matrices, the second one timed: the step's share of the peak then compares two numbers
    taken in the same process under the same load, whatever else the machine is doing, and
    the first product brings the peak's matrices back into the cache, so that the step
    does not slow the peak down (which would flatter the step's share).
    """
    sizes, batch = SIZES[args.size]
    dtype = np.dtype(args.dtype).type
    step = make_step(args.impl, sizes, batch, dtype)
    result = {"step_flops": step_flops(sizes, batch)}
    if not args.with_peak:
        result["times"] = timed(step, args.repeats, args.warmup)
        return result
    peak = peak_product(dtype)
    # "warm" is timed but not kept: it brings the peak's matrices back into the cache
    times = alternating_times({"step": step, "warm": peak, "peak": peak}, args.repeats,
                              args.warmup)
    result["times"], result["peak_times"] = times["step"], times["peak"]
    result["peak_flops"] = PEAK_FLOPS
    return result


PEAK_N = 1024
PEAK_FLOPS = 2 * PEAK_N**3


def peak_product(dtype):
    """A function doing ``np.matmul`` of two 1024 x 1024 matrices into an existing array."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(PEAK_N, PEAK_N)).astype(dtype)
    b = rng.normal(size=(PEAK_N, PEAK_N)).astype(dtype)
    out = np.empty((PEAK_N, PEAK_N), dtype=dtype)
    return lambda: np.matmul(a, b, out=out)


def cmd_agree(args):
    """Losses of 3 training steps of each implementation from the same weights and data.

    A benchmark is only fair when the implementations compute the same thing: this
    reports the largest relative difference of every implementation's losses from the
    core's, and, for the fast path, the largest difference of the trained parameters
    from the core's relative to the largest parameter. ``impl`` is "all" or a
    comma-separated list such as "core,fast".
    """
    import importlib.util

    sizes, batch = SIZES[args.size]
    dtype = np.dtype(args.dtype).type
    if args.impl == "all":
        impls = ["core", "fast", "original"]
        impls += ["torch"] if importlib.util.find_spec("torch") else []
        if args.size == "large":
            impls.remove("original")  # seconds per step; small and medium show it agrees
    else:
        impls = args.impl.split(",")
    if "core" not in impls or not set(impls) <= set(IMPLS):
        raise ValueError(f"agree: impl must be 'all' or a list with core, got {args.impl!r}")
    losses, params = {}, {}
    for impl in impls:
        model = bplib_model(sizes, dtype) if impl in ("core", "fast") else None
        step = make_step(impl, sizes, batch, dtype, model)
        losses[impl] = [float(step()) for _ in range(3)]
        if model:
            params[impl] = [value.copy() for _, value, _ in model[0].parameters()]
    reference = np.array(losses["core"])
    result = {"losses": losses,
              "max_rel_diff": {impl: float(np.max(np.abs(np.array(v) - reference) / reference))
                               for impl, v in losses.items() if impl != "core"}}
    if "fast" in params:
        result["fast_param_diff"] = float(max(
            np.max(np.abs(p - q)) / np.max(np.abs(p))
            for p, q in zip(params["core"], params["fast"])))
    return result


def cmd_fwdbwd(args):
    """Forward and backward time of each layer kind of the core, and of whole networks.

    The core's Dense layers are timed with their backward (dW, db and the input gradient),
    whose matrix products cost exactly twice the forward's: the FLOP prediction is 2. Its
    Sigmoid layers do no matrix products (forward: the stable sigmoid and a copy;
    backward: three passes), so they are reported beside it, not predicted by it.

    The whole network is timed twice: the core's ``Sequential.forward`` and
    ``Sequential.backward`` (the full backward, first layer's input gradient included,
    FLOP prediction 2), and the fast path's own forward and backward loops from
    ``bplib.fast`` (``_forward`` and ``_backward``, as ``train_step`` runs them: no input
    gradient for the first layer, FLOP prediction (2F - F1) / F).
    """
    import bplib.fast

    sizes, batch = SIZES[args.size]
    dtype = np.dtype(args.dtype).type
    model, loss = bplib_model(sizes, dtype)
    x, y = data(sizes, batch, dtype)
    inputs, grads = [], []
    h = x
    for layer in model.layers:
        inputs.append(h)
        h = layer.forward(h)
    loss.forward(h, y)
    g = loss.backward()
    for layer in reversed(model.layers):
        grads.append(g)
        g = layer.backward(g)
    grads.reverse()
    flops = layer_flops(sizes, batch)
    result = {"predicted_dense_ratio": 2.0, "predicted_core_network_ratio": 2.0,
              "predicted_fast_network_ratio": (2 * sum(flops) - flops[0]) / sum(flops)}
    for kind in ("Dense", "Sigmoid"):
        pairs = [(layer, inp, grad) for layer, inp, grad in zip(model.layers, inputs, grads)
                 if type(layer).__name__ == kind]

        def forward(pairs=pairs):
            for layer, inp, _ in pairs:
                layer.forward(inp)

        def backward(pairs=pairs):
            for layer, _, grad in pairs:
                layer.backward(grad)

        result[kind] = alternating_times({"forward": forward, "backward": backward},
                                         args.repeats)
    model.forward(x)
    grad_out = loss.backward()
    result["core_network"] = alternating_times(
        {"forward": lambda: model.forward(x), "backward": lambda: model.backward(grad_out)},
        args.repeats)

    fast_model, _ = bplib_model(sizes, dtype)
    layers = fast_model.layers

    def fast_forward():
        h = x
        for layer in layers:
            h = bplib.fast._forward(layer, h)
        return h

    def fast_backward():
        g = grad_out
        for k in range(len(layers) - 1, -1, -1):
            g = bplib.fast._backward(layers[k], g, input_grad=k > 0)

    fast_forward()
    result["fast_network"] = alternating_times(
        {"forward": fast_forward, "backward": fast_backward}, args.repeats)
    return result


def cmd_gemm(args):
    """A step's matrix products alone, by numpy and by PyTorch, beside the two steps.

    The products are those of a training step, on arrays of the same shapes: ``x @ W``
    per layer, then ``x.T @ grad`` per layer and ``grad @ W.T`` for every layer but the
    first, each written into an array made once, so that only the BLAS call is timed.
    numpy hands them to its OpenBLAS, PyTorch to its own BLAS (MKL in the PyPI wheels for
    x86). In one process, four things alternate call by call: the fast step, numpy's
    products, PyTorch's step, PyTorch's products. So the load falls on all four alike,
    and a step's time minus its products' time is what each library spends outside the
    matrix products: activations, loss, update, checks and Python.
    """
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    sizes, batch = SIZES[args.size]
    dtype = np.dtype(args.dtype).type
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(batch, n)).astype(dtype) for n in sizes[:-1]]
    gs = [rng.normal(size=(batch, n)).astype(dtype) for n in sizes[1:]]
    ws = [rng.normal(size=(a, b)).astype(dtype) for a, b in zip(sizes[:-1], sizes[1:])]
    jobs = []
    for k, (x, g, w) in enumerate(zip(xs, gs, ws)):
        jobs.append((x, w, np.empty((batch, w.shape[1]), dtype)))  # forward: x @ W
        jobs.append((x.T, g, np.empty(w.shape, dtype)))  # dW = x.T @ grad
        if k > 0:
            jobs.append((g, w.T, np.empty(x.shape, dtype)))  # grad @ W.T, for the layer below
    torch_jobs = [tuple(torch.from_numpy(a) for a in job) for job in jobs]

    def products(jobs, matmul):
        for a, b, out in jobs:
            matmul(a, b, out=out)

    runs = {
        "fast_step": make_step("fast", sizes, batch, dtype),
        "numpy": lambda: products(jobs, np.matmul),
        "torch_step": make_step("torch", sizes, batch, dtype),
        "torch": lambda: products(torch_jobs, torch.matmul),
    }
    times = alternating_times(runs, args.repeats, args.warmup)
    return {**times, "step_flops": step_flops(sizes, batch)}


def cmd_numgrad(args):
    import bplib

    n_target = int(args.size)  # the core's gradients, numerical and by backprop
    # one hidden layer of width h: N = 10 h + h + 2 h + 2 = 13 h + 2
    width = max(1, round((n_target - 2) / 13))
    model = bplib.DNN(1, width, 10, 2, rng=0)
    loss = bplib.MSE()
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(1, 10)), rng.uniform(0.1, 0.9, size=(1, 2))
    n = model.num_parameters()
    result = {"N": n}
    result["backprop"] = statistics.median(
        timed(lambda: bplib.backprop_gradients(model, loss, x, y), 20)
    )
    for method in ("forward", "central"):
        repeats = 3 if n <= 10_000 else 1
        result[method] = statistics.median(
            timed(lambda m=method: bplib.numerical_gradients(model, loss, x, y, method=m),
                  repeats, warmup=0 if n > 10_000 else 1)
        )
    return result


def cmd_memory(args):
    """Bytes cached by the forward pass, parameter bytes, and the peak of one step.

    The peak is what tracemalloc (which numpy reports its arrays to) sees allocated at
    once during one step of ``impl`` ("core" or "fast"), over what was allocated before
    it: new arrays only.
    """
    import tracemalloc

    sizes, batch = SIZES[args.size]
    dtype = np.dtype(args.dtype).type
    model, loss = bplib_model(sizes, dtype)
    step = make_step(args.impl, sizes, batch, dtype, (model, loss))
    step()  # warm up: caches and gradients exist
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    cached = sum(
        (layer.x.nbytes if getattr(layer, "x", None) is not None else 0)
        + (layer.out.nbytes if getattr(layer, "out", None) is not None else 0)
        for layer in model.layers
    )
    params = sum(value.nbytes for _, value, _ in model.parameters())
    return {"cached_bytes": cached, "param_bytes": params,
            "peak_step_bytes": peak - before}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["step", "agree", "fwdbwd", "gemm",
                                         "numgrad", "memory"])
    parser.add_argument("impl")
    parser.add_argument("size")
    parser.add_argument("dtype")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--with-peak", action="store_true",
                        help="step: alternate every step with a timed 1024^3 np.matmul")
    args = parser.parse_args()
    commands = {"step": cmd_step, "agree": cmd_agree, "fwdbwd": cmd_fwdbwd, "gemm": cmd_gemm,
                "numgrad": cmd_numgrad, "memory": cmd_memory}
    print(json.dumps(commands[args.what](args)))


if __name__ == "__main__":
    main()
