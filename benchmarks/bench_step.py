"""One measurement in a fresh process; prints one JSON line. Run by benchmarks/run.py.

    python benchmarks/bench_step.py step bplib medium float64 --repeats 20
    python benchmarks/bench_step.py fwdbwd bplib large float64
    python benchmarks/bench_step.py peak none none float64
    python benchmarks/bench_step.py numgrad bplib 1000 float64
    python benchmarks/bench_step.py memory bplib medium float64

Thread counts are fixed by the environment (OMP_NUM_THREADS and friends), which the
runner sets before this process imports numpy.
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
    import bplib

    layers = []
    rng = np.random.default_rng(seed)
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        dense = bplib.Dense(n_in, n_out, rng=rng)
        dense.W = dense.W.astype(dtype)
        dense.b = dense.b.astype(dtype)
        layers += [dense, bplib.Sigmoid()]
    return bplib.Sequential(*layers), bplib.MSE()


def make_step(impl, sizes, batch, dtype):
    """Return a function doing one training step (forward, backward, update)."""
    x, y = data(sizes, batch, dtype)
    if impl == "bplib":
        import bplib

        model, loss = bplib_model(sizes, dtype)
        return lambda: bplib.gradient_descent(model, loss, x, y, lr=LR)
    if impl == "seed":
        import seed_baseline

        network = seed_baseline.DNN(sizes, np.random.default_rng(0), dtype)
        loss_obj = seed_baseline.MeanSquaredError()
        return lambda: seed_baseline.train_step(network, loss_obj, x, y, LR)
    if impl == "torch":
        import torch

        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
        torch_dtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
        layers = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [torch.nn.Linear(n_in, n_out, dtype=torch_dtype), torch.nn.Sigmoid()]
        model = torch.nn.Sequential(*layers)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)

        def step():
            out = model(tx)
            value = 0.5 * torch.mean((out - ty) ** 2)
            model.zero_grad(set_to_none=True)
            value.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= LR * p.grad
            return float(value)

        return step
    raise ValueError(f"unknown implementation {impl!r}")


def timed(fn, repeats, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def matmul_flops(sizes, batch):
    """Multiply-adds x 2 of one forward pass: 2 * batch * sum(in * out)."""
    return 2 * batch * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def cmd_step(args):
    sizes, batch = SIZES[args.size]
    dtype = np.dtype(args.dtype).type
    times = timed(make_step(args.impl, sizes, batch, dtype), args.repeats, args.warmup)
    return {"times": times, "step_flops": 3 * matmul_flops(sizes, batch)}


def cmd_fwdbwd(args):
    sizes, batch = SIZES[args.size]
    dtype = np.dtype(args.dtype).type
    model, loss = bplib_model(sizes, dtype)
    x, y = data(sizes, batch, dtype)
    loss.forward(model.forward(x), y)
    grad = loss.backward()
    forward = timed(lambda: model.forward(x), args.repeats)
    backward = timed(lambda: model.backward(grad), args.repeats)
    return {"forward": forward, "backward": backward, "predicted_ratio": 2.0}


def cmd_peak(args):
    dtype = np.dtype(args.dtype).type
    n = 1024
    rng = np.random.default_rng(0)
    a = rng.normal(size=(n, n)).astype(dtype)
    b = rng.normal(size=(n, n)).astype(dtype)
    out = np.empty((n, n), dtype=dtype)
    times = timed(lambda: np.matmul(a, b, out=out), args.repeats)
    return {"times": times, "flops": 2 * n**3}


def cmd_numgrad(args):
    import bplib

    n_target = int(args.size)
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
    import tracemalloc

    import bplib

    sizes, batch = SIZES[args.size]
    dtype = np.dtype(args.dtype).type
    model, loss = bplib_model(sizes, dtype)
    x, y = data(sizes, batch, dtype)
    bplib.gradient_descent(model, loss, x, y, LR)  # warm up: gradients exist
    tracemalloc.start()
    bplib.gradient_descent(model, loss, x, y, LR)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    cached = sum(
        (layer.x.nbytes if hasattr(layer, "x") else 0)
        + (layer.out.nbytes if getattr(layer, "out", None) is not None else 0)
        for layer in model.layers
    )
    params = sum(value.nbytes for _, value, _ in model.parameters())
    return {"cached_bytes": cached, "param_bytes": params, "peak_step_bytes": peak}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["step", "fwdbwd", "peak", "numgrad", "memory"])
    parser.add_argument("impl")
    parser.add_argument("size")
    parser.add_argument("dtype")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    commands = {"step": cmd_step, "fwdbwd": cmd_fwdbwd, "peak": cmd_peak,
                "numgrad": cmd_numgrad, "memory": cmd_memory}
    print(json.dumps(commands[args.what](args)))


if __name__ == "__main__":
    main()
