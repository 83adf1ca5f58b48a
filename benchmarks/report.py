"""Turn benchmarks/results/results.json into markdown tables and the book's appendix page.

    python benchmarks/report.py     # rewrite results.md, appendix/performance.md, images

The page and its figures are generated from the committed JSON only, so the book shows
exactly the measured numbers, with the date and the machine they were measured on. Every
comparison word on the page ("faster", "longer", "between ... and ...") is computed here
from those numbers, never written by hand.
"""

import json
import math
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))  # bench_step, for the networks' sizes

from bench_step import SIZES, layer_flops  # noqa: E402

NAMES = {"original": "original notebook (per sample)", "core": "bplib core",
         "fast": "bplib fast", "torch": "PyTorch"}
# colour-blind safe (Okabe-Ito) colours, and a hatch per implementation as well
COLORS = {"original": "#E69F00", "core": "#56B4E9", "fast": "#0072B2", "torch": "#D55E00"}
HATCHES = {"original": "xx", "core": "//", "fast": "", "torch": ".."}
ORDER = ("original", "core", "fast", "torch")


def ms(seconds):
    """Milliseconds with three significant digits (whole numbers from 100 ms up)."""
    value = seconds * 1e3
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def span(stats):
    """``median (q1-q3)`` in milliseconds."""
    return f"{ms(stats['median'])} ({ms(stats['q1'])}-{ms(stats['q3'])})"


def ratio_span(median, rounds, digits=2):
    return f"{median:.{digits}f} ({min(rounds):.{digits}f}-{max(rounds):.{digits}f})"


def mib(n):
    return f"{n / 2**20:.2f} MiB"


def have_torch(results):
    return "torch" in results["steps"][0]


def one_thread(results, size=None, dtype=None):
    return [r for r in results["steps"] if r["threads"] == 1
            and (size is None or r["size"] == size) and (dtype is None or r["dtype"] == dtype)]


def row_of(results, size, dtype, threads=1):
    return next(r for r in results["steps"] if r["size"] == size and r["dtype"] == dtype
                and r["threads"] == threads)


def between(values, fmt="{:.2f}"):
    """``a`` when all values print alike, else ``between a and b``."""
    low, high = fmt.format(min(values)), fmt.format(max(values))
    return low if low == high else f"between {low} and {high}"


def sizes_text(results, key, fmt="{:.2f}"):
    """``1.20 and 1.10 on the small network, ...``: ``row[key]`` at one thread, float64
    and float32."""
    parts = []
    for size in SIZES:
        rows = {r["dtype"]: r for r in one_thread(results, size) if key in r}
        values = [fmt.format(rows[dtype][key]) for dtype in ("float64", "float32")
                  if dtype in rows]
        if values:
            parts.append(f"{' and '.join(values)} on the {size} network")
    return "; ".join(parts)


def first_layer_share(size):
    """The first layer's input gradient as a share of a training step's matrix products."""
    flops = layer_flops(*SIZES[size])
    return flops[0] / (3 * sum(flops) - flops[0])


# ---------------------------------------------------------------------------- tables

def table(head, rows):
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head),
            *["| " + " | ".join(str(c) for c in row) + " |" for row in rows], ""]


def original_table(results):
    rows = []
    for r in results["steps"]:
        if "original" in r:
            rows.append([r["size"], r["dtype"], r["threads"], ms(r["original"]["median"]),
                         ms(r["core"]["median"]), f"{r['original_over_core']:,.0f}",
                         f"{r['original_over_fast']:,.0f}"])
    return table(["network", "dtype", "threads", "original notebook ms", "core ms",
                  "original / core", "original / fast"], rows)


def core_fast_table(results):
    rows = [[r["size"], r["dtype"], r["threads"], span(r["core"]), span(r["fast"]),
             ratio_span(r["core_over_fast"], r["core_over_fast_rounds"])]
            for r in results["steps"]]
    return table(["network", "dtype", "threads", "core ms", "fast ms",
                  "core / fast (per round)"], rows)


def torch_table(results):
    rows = [[r["size"], r["dtype"], r["threads"], span(r["fast"]), span(r["torch"]),
             ratio_span(r["fast_over_torch"], r["fast_over_torch_rounds"]),
             f"{r['fast_gflops']:.1f}", f"{r['torch_gflops']:.1f}"]
            for r in results["steps"]]
    return table(["network", "dtype", "threads", "fast ms", "PyTorch ms",
                  "fast / PyTorch (per round)", "fast GFLOP/s", "PyTorch GFLOP/s"], rows)


def gemm_table(results):
    rows = [[f"{r['size']} {r['dtype']}", span(r["numpy"]), span(r["torch"]),
             f"{r['numpy_over_torch']:.2f}", ms(r["fast_step"]["median"]),
             ms(r["torch_step"]["median"]), f"{r['fast_over_torch']:.2f}",
             ms(r["fast_outside"]), ms(r["torch_outside"])]
            for r in results.get("gemm") or []]
    return table(["one process, 1 thread", "products: numpy ms", "products: PyTorch ms",
                  "numpy / PyTorch", "step: fast ms", "step: PyTorch ms", "fast / PyTorch",
                  "outside the products: fast ms", "PyTorch ms"], rows)


def peak_table(results):
    rows = []
    for p in results["peak"]:
        step = row_of(results, "large", p["dtype"], p["threads"])
        rows.append([p["dtype"], p["threads"],
                     f"{p['gflops']:.1f} ({p['q1_gflops']:.1f}-{p['q3_gflops']:.1f})",
                     f"{step['fast_gflops']:.1f}",
                     f"{step['peak_share']:.0%} ({min(step['peak_share_rounds']):.0%}-"
                     f"{max(step['peak_share_rounds']):.0%})"])
    return table(["np.matmul 1024 x 1024 x 1024", "threads", "GFLOP/s (interquartile range)",
                  "large fast step GFLOP/s", "step's share of the peak (per round)"], rows)


def fwdbwd_table(results):
    rows = []
    for r in results["fwdbwd"]:
        d, s, c, f = r["Dense"], r["Sigmoid"], r["core_network"], r["fast_network"]
        rows.append([f"{r['size']} {r['dtype']}", ms(d["forward"]), ms(d["backward"]),
                     f"{d['ratio']:.2f}", f"{r['predicted_dense_ratio']:.1f}",
                     ms(s["forward"]), ms(s["backward"]),
                     f"{c['ratio']:.2f}", f"{r['predicted_core_network_ratio']:.2f}",
                     f"{f['ratio']:.2f}", f"{r['predicted_fast_network_ratio']:.2f}"])
    return table(["1 thread", "Dense fwd ms", "Dense bwd ms", "Dense bwd / fwd",
                  "FLOP prediction", "Sigmoid fwd ms", "Sigmoid bwd ms",
                  "core network bwd / fwd", "FLOP prediction", "fast network bwd / fwd",
                  "FLOP prediction"], rows)


def numgrad_table(results):
    rows = [[f"{r['N']:,}", ms(r["backprop"]), ms(r["forward"]), ms(r["central"]),
             f"{r['forward'] / r['backprop']:,.0f}", f"{r['central'] / r['backprop']:,.0f}"]
            for r in results["numgrad"]]
    return table(["N parameters", "backprop ms", "numerical forward ms",
                  "numerical central ms", "forward / backprop", "central / backprop"], rows)


def memory_table(results):
    rows = [[f"{r['size']} {r['dtype']}", mib(r["cached_bytes"]), mib(r["param_bytes"]),
             f"{r['cached_bytes'] / r['param_bytes']:.2f}", mib(r["core_peak_step_bytes"]),
             mib(r["fast_peak_step_bytes"])]
            for r in results["memory"]]
    return table(["memory", "cached by forward", "parameters", "cached / parameters",
                  "new arrays at a core step's peak", "at a fast step's peak"], rows)


def agreement_table(results):
    rows = []
    for r in results["agreement"]:
        diffs = ", ".join(f"{NAMES[k]} {v:.1e}" for k, v in r["max_rel_diff"].items())
        rows.append([f"{r['size']} {r['dtype']}", diffs, f"{r['fast_param_diff']:.1e}"])
    return table(["same weights and data, 3 steps",
                  "largest relative difference of the losses from the core's",
                  "fast: parameters' largest difference / largest parameter"], rows)


def markdown_tables(results):
    out = ["## Training step: original notebook, core, fast", ""]
    out += original_table(results) + core_fast_table(results)
    if have_torch(results):
        out += ["## Training step: fast and PyTorch", ""] + torch_table(results)
        out += gemm_table(results) if results.get("gemm") else []
    out += ["## Matmul peak", ""] + peak_table(results)
    out += ["## Backward / forward", ""] + fwdbwd_table(results)
    out += ["## Numerical gradients and backprop", ""] + numgrad_table(results)
    out += ["## Memory", ""] + memory_table(results)
    out += ["## Agreement", ""] + agreement_table(results)
    return "\n".join(out)


# --------------------------------------------------------------------------- figures

def figures(results, images):
    images.mkdir(parents=True, exist_ok=True)
    impls = [i for i in ORDER if any(i in r for r in results["steps"])]

    fig, axes = plt.subplots(1, 2, figsize=(9, 4.4), sharey=True)
    for ax, dtype in zip(axes, ("float64", "float32")):
        rows = [r for r in results["steps"] if r["dtype"] == dtype and r["threads"] == 1]
        width = 0.8 / len(impls)
        for k, impl in enumerate(impls):
            xs = [i + k * width for i, r in enumerate(rows) if impl in r]
            ax.bar(xs, [r[impl]["median"] * 1e3 for r in rows if impl in r], width,
                   label=NAMES[impl], color=COLORS[impl], hatch=HATCHES[impl],
                   edgecolor="black", linewidth=0.6)
        ax.set_xticks([i + width * (len(impls) - 1) / 2 for i in range(len(rows))])
        ax.set_xticklabels([r["size"] for r in rows])
        ax.set_yscale("log")
        ax.set_title(f"{dtype}, 1 thread")
        ax.set_xlabel("network")
    axes[0].set_ylabel("time per training step (ms, log scale)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(impls), fontsize=8,
               frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    fig.savefig(images / "step_times.png", dpi=100)
    plt.close(fig)

    panels = [("core_over_fast", "core time / fast time")]
    if have_torch(results):
        panels.append(("fast_over_torch", "fast time / PyTorch time"))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.8 * len(panels), 4.2), squeeze=False)
    groups = [(size, dtype) for size in SIZES for dtype in ("float64", "float32")]
    rows = results["steps"]
    for ax, (key, ylabel) in zip(axes[0], panels):
        # a round disturbed by other work must not squash the axis: whiskers above the top
        # are cut there and labelled with their value
        top = 1.6 * max(1.0, max(r[key] for r in rows))
        for threads, hatch, color, shift in ((1, "", "#0072B2", -0.2),
                                             (2, "//", "#E69F00", 0.2)):
            xs, heights = [], []
            for i, (size, dtype) in enumerate(groups):
                r = row_of(results, size, dtype, threads)
                spread = r[f"{key}_rounds"]
                xs.append(i + shift)
                heights.append(r[key])
                ax.plot([i + shift] * 2, [min(spread), min(max(spread), top)], color="black",
                        linewidth=1, marker="_", markersize=8)
                if max(spread) > top:
                    ax.annotate(f"{max(spread):.1f}", (i + shift, top), xytext=(0, 2),
                                textcoords="offset points", ha="center", va="bottom",
                                fontsize=7)
            ax.bar(xs, heights, 0.4, color=color, hatch=hatch, edgecolor="black",
                   linewidth=0.6, label=f"{threads} thread" + ("s" if threads > 1 else ""))
        ax.axhline(1.0, color="black", linestyle="--", linewidth=1)
        ax.plot([], [], color="black", linewidth=1, marker="_", label="range over rounds")
        ax.plot([], [], color="black", linestyle="--", linewidth=1, label="equal time")
        ax.set_xticks(range(len(groups)))
        ax.set_xticklabels([f"{size}\n{dtype}" for size, dtype in groups], fontsize=8)
        ax.set_ylabel(ylabel)
        ax.set_ylim(0, top * 1.08)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=4, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    fig.savefig(images / "ratios.png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6.5, 4))
    n = [r["N"] for r in results["numgrad"]]
    for key, label, style in [("backprop", "backprop", "o-"),
                              ("forward", "numerical, forward differences", "s--"),
                              ("central", "numerical, central differences", "^:")]:
        ax.loglog(n, [r[key] for r in results["numgrad"]], style, label=label)
    ax.set_xlabel("number of parameters N")
    ax.set_ylabel("time per gradient (s)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(images / "numerical_vs_backprop.png", dpi=100)
    plt.close(fig)


# ---------------------------------------------------------------------------- prose

def blas_text(m):
    blas = m.get("numpy_blas")
    return (f"OpenBLAS {blas['config'].split()[1]} (kernel {blas['corename']})"
            if isinstance(blas, dict) else "OpenBLAS")


def measured_text(results):
    m = results["machine"]
    torch_blas = "; ".join(line.lstrip("- ") for line in m.get("torch_blas", []))
    torch = (f"PyTorch {m['torch']}" + (f" with {torch_blas}" if torch_blas else "")
             if "torch" in m else "PyTorch not installed")
    command = ("`benchmarks/run.py --quick` (a smoke run)" if results.get("quick") else
               "`make bench` (`benchmarks/run.py`)")
    return (f"Measured on {results['date']} ({results['started_utc']}) by {command}, "
            f"which took {results['seconds'] / 60:.1f} minutes, on a "
            f"{m.get('cpu_count')}-core {m.get('processor')} ({m.get('machine')}) virtual "
            f"machine: Python {m.get('python')}, numpy {m.get('numpy')} with "
            f"{blas_text(m)}, {torch}, bplib at commit `{m.get('bplib_commit', '?')}`.")


def load_text(results):
    before, after = results["load_average_before"][0], results["load_average_after"][0]
    during = results.get("load_average_during_steps")
    cores = results["machine"].get("cpu_count") or 2
    text = (f"The load average (processes running or waiting for a core, averaged over a "
            f"minute) was {before:.2f} when the run started")
    if during:
        text += (f", between {during[0]:.2f} and {during[1]:.2f} while the training steps "
                 "were timed,")
    text += f" and {after:.2f} when it ended, on {cores} cores. "
    busiest = max([before, after] + (list(during) if during else []))
    if busiest > cores + 0.5:
        text += ("At its highest, more processes wanted a core than there were cores, so "
                 "other work slowed some measurements down; the ratios taken within one "
                 "round, whose runs are seconds apart, are less affected than the times. ")
    else:
        text += ("So about as many processes as cores, or fewer, were running or waiting "
                 "(the run itself uses 1 or 2 threads). ")
    return text


def original_text(results):
    rows = [r for r in results["steps"] if "original" in r]
    if not rows:
        return ["The original notebook's per-sample code was not measured in this run.", ""]
    f64 = [r for r in rows if r["threads"] == 1 and r["dtype"] == "float64"]
    per_size = "; ".join(f"{ms(r['original']['median'])} ms on the {r['size']} network, "
                         f"{r['original_over_core']:,.0f} times the core's "
                         f"{ms(r['core']['median'])} ms" for r in f64)
    core_ratios = [r["original_over_core"] for r in rows]
    fast_ratios = [r["original_over_fast"] for r in rows]
    clarity = max(r["core_over_fast"] for r in results["steps"])
    diffs = [r["max_rel_diff"]["original"] for r in results["agreement"]
             if "original" in r["max_rel_diff"]]
    lines = [
        "The original notebook computes a training step one sample at a time: for every "
        "sample and layer a matrix-vector product `W.T @ x`, and for `dW` a Python loop "
        "over the layer's output units. The core computes the same numbers (its losses "
        f"differ from the original's by at most {max(diffs):.1e}, relative) with one matrix "
        "product per layer and pass for the whole batch, which numpy hands to its BLAS "
        "library in one call.",
        "",
        f"At one thread in float64, a step of the original notebook's code took {per_size}. "
        f"Over the {len(rows)} cases measured (networks, dtypes, thread counts) it took "
        f"{between(core_ratios, '{:,.0f}')} times as long as the core and "
        f"{between(fast_ratios, '{:,.0f}')} times as long as the fast path.",
    ]
    if min(core_ratios) > clarity:
        lines[-1] += (" Batching gains " + ("far " if min(core_ratios) > 5 * clarity else "")
                      + "more than the fast path's tricks: the core took "
                      f"at most {clarity:.1f} times as long as the fast path (next section).")
    return lines + [
        "",
        *original_table(results),
    ]


def core_fast_text(results):
    ratios = [r["core_over_fast"] for r in results["steps"]]
    small = row_of(results, "small", "float64")
    lines = [
        "The core is the code the chapters teach; the fast path ({py:obj}`bplib.fast.train_step`) "
        "computes the same step with fewer passes over memory. Both run on the same "
        "{py:obj}`bplib.Sequential` of `Dense` and `Sigmoid` layers, alternating in the same "
        "rounds, so their ratio per round is the price of clarity.",
        "",
        "At one thread, the core's step took this many times the fast path's, in float64 "
        f"and float32 (median of the per-round ratios): {sizes_text(results, 'core_over_fast')}"
        ". Over all "
        f"{len(ratios)} cases, with 1 and 2 threads, the ratio was {between(ratios)}.",
        "",
    ]
    if "peak_gflops" in row_of(results, "large", "float64"):
        peak = row_of(results, "large", "float64")["peak_gflops"]
        share = small["step_flops"] / (peak * 1e9) / small["fast"]["median"]
        lines += [
            f"On the small network the matrices are tiny (the largest is 64 x 32): even at "
            f"the float64 matmul peak measured here ({peak:.0f} GFLOP/s), its products would "
            f"take {share:.0%} of the fast path's step. The rest is Python and numpy's cost "
            "per call, which grows with the number of operations and checks, not with the "
            "numbers in the arrays.",
            "",
        ]
    lines += [
        "What the core does that the fast path does not, each visible in its code:",
        "",
        "- `Dense.forward` keeps a private copy of its input and `Sigmoid.forward` returns a "
        "copy of the output it caches, so that a caller who changes an array cannot corrupt "
        "the backward pass. The fast path keeps references: inside `train_step` no caller "
        "sees them.",
        "- The `Sigmoid` layer computes the stable {py:obj}`bplib.sigmoid` of chapter "
        "{doc}`../chapters/03_sigmoid` (`exp(-|x|)` and an `np.where` of two quotients); "
        "the fast path computes `1 / (1 + exp(-x))` in four steps into one array "
        "({py:obj}`bplib.fast.sigmoid_fast`).",
        "- The core's backward pass computes the first layer's gradient with respect to the "
        "data, which training does not use: "
        + ", ".join(f"{first_layer_share(size):.0%} of the matrix products on the {size} "
                    "network" for size in SIZES) + ".",
        "- `dW` and `db` are new arrays in the core; the fast path writes them into the "
        "arrays it already has.",
        "- The core's update ({py:obj}`bplib.update`) computes every new parameter into a "
        "new array, checks that all are finite, and only then writes them: a failing step changes "
        "nothing. The fast path checks that every gradient is finite and then subtracts "
        "`lr * grad` in place, in blocks of rows small enough to stay in the CPU cache "
        "(`bplib.fast.subtract_scaled`).",
        "- The core checks that the input and the loss gradient hold no NaN or infinity at "
        "the model's edge (`Sequential.forward` and `Sequential.backward`).",
        "",
        memory_sentence(results),
        "",
        *core_fast_table(results),
    ]
    return lines


def fwdbwd_text(results):
    rows = results["fwdbwd"]
    dense = ", ".join(f"{r['size']} {r['dtype']} {r['Dense']['ratio']:.2f}" for r in rows)
    sig = [r["Sigmoid"]["forward"] / r["Sigmoid"]["backward"] for r in rows]
    core_net = [r["core_network"]["ratio"] for r in rows]
    fast_net = ", ".join(f"{r['size']} {r['dtype']} {r['fast_network']['ratio']:.2f} "
                         f"(its products predict {r['predicted_fast_network_ratio']:.2f})"
                         for r in rows)
    close = [abs(r["Dense"]["ratio"] / r["predicted_dense_ratio"] - 1) for r in rows]
    worst = max(close)
    verdict = (f" Within {worst:.0%} of the prediction in every case: the Dense layers' "
               "backward pass took about twice as long as their forward pass."
               if worst <= 0.15 else
               f" The largest departure from the prediction was {worst:.0%}.")
    return [
        "A Dense layer's forward pass is one matrix product, `x @ W`; its backward pass is "
        "two of the same size, `dW = x.T @ g` and `dx = g @ W.T`. Counting floating-point "
        "operations therefore predicts that the backward pass takes twice as long as the "
        "forward pass. The core's `Dense.forward` and `Dense.backward`, timed alternately "
        f"on every Dense layer of a network at one thread, gave backward / forward: {dense}."
        + verdict,
        "",
        "The sigmoid does no matrix product, so the FLOP count says nothing about it. The "
        "core's `Sigmoid.forward` (the stable sigmoid and a copy) took "
        f"{between(sig)} times as long as its `Sigmoid.backward` (`g * out * (1 - out)`).",
        "",
        "A whole network mixes both. The core's `Sequential.backward` over its "
        "`Sequential.forward` gave " + between(core_net) + " (its products alone predict "
        "2.00). The fast path's own forward and backward loops (`_forward` and `_backward` "
        "in `bplib/fast.py`, as `train_step` runs them, without the first layer's input "
        f"gradient) gave {fast_net}.",
        "",
        *fwdbwd_table(results),
    ]


def torch_text(results):
    if not have_torch(results):
        return ["PyTorch was not installed when this run was made, so it was not measured. "
                "Install it (`pip install torch==2.13.0`) and run `make bench` to add it.",
                ""]
    ratios = [r["fast_over_torch"] for r in results["steps"]]
    faster = sum(r < 1 for r in ratios)
    lines = [
        "PyTorch runs the same network (`torch.nn.Linear` and `torch.nn.Sigmoid`, "
        "`torch.optim.SGD`, on the CPU) from the same weights; its losses agree with the "
        "core's (last table). Below 1, bplib's fast path is faster.",
        "",
        "At one thread, the fast path's step took this many times PyTorch's, in float64 and "
        "float32 (median of the per-round ratios): "
        f"{sizes_text(results, 'fast_over_torch')}. It was faster than PyTorch in {faster} of the "
        f"{len(ratios)} cases with 1 and 2 threads (the table below gives each case's "
        "range over rounds).",
        "",
    ]
    gemm = results.get("gemm") or []
    if gemm:
        g_ratios = [r["numpy_over_torch"] for r in gemm]
        verdict = ("took longer than PyTorch's" if min(g_ratios) > 1 else
                   "took less time than PyTorch's" if max(g_ratios) < 1 else
                   "took sometimes more, sometimes less time than PyTorch's")
        listed = ", ".join(f"{r['size']} {r['dtype']} {r['numpy_over_torch']:.2f}"
                           for r in gemm)
        leaner = sum(r["fast_outside"] < r["torch_outside"] for r in gemm)
        lines += [
            "Where does the difference come from? Timed alone, alternating call by call "
            "with both steps in one process, numpy's matrix products of a training step "
            f"{verdict} for the same products (numpy / PyTorch: {listed}). A step's time "
            "minus its products' time is what each library spends on everything else "
            "(sigmoids, loss, update, checks, Python): there the fast path spent less time "
            f"than PyTorch in {leaner} of the {len(gemm)} cases. "
            + products_sentence(gemm),
            "",
        ]
    lines += torch_table(results)
    lines += gemm_table(results) if gemm else []
    return lines


def products_sentence(gemm):
    shares = [r["numpy"]["median"] / r["fast_step"]["median"] for r in gemm]
    text = (f"numpy's products alone took {between(shares, '{:.0%}')} of the fast step's time "
            "on the medium and large networks")
    if min(shares) > 0.5:
        return text + (", so the matrix library, more than bplib's own code, decides "
                       "most of the ratio there.")
    return text + "."


def peak_text(results):
    if not results.get("peak"):
        return []
    shares = {p["dtype"]: row_of(results, "large", p["dtype"], p["threads"])["peak_share"]
              for p in results["peak"] if p["threads"] == 1}
    parts = " and ".join(f"{share:.0%} in {dtype}" for dtype, share in shares.items())
    parts = parts.replace(" in ", " of that peak in ", 1)
    return [
        "How close does a step come to the machine's speed for matrix products? The peak is "
        "`np.matmul` of two 1024 x 1024 matrices, timed in the fast path's process right "
        "after every step of the large network (after one untimed product that brings its "
        "matrices back into the cache), so both numbers are taken under the same load. At "
        f"one thread, the large network's fast step reached {parts} (median over "
        "rounds).",
        "",
        *peak_table(results),
    ]


def slope(rows, key):
    """Least-squares slope of log(time) against log(N): time grows like N ** slope."""
    xs = [math.log(r["N"]) for r in rows]
    ys = [math.log(r[key]) for r in rows]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return (sum((x - mx) * (y - my) for x, y in zip(xs, ys))
            / sum((x - mx) ** 2 for x in xs))


def slopes_sentence(rows):
    if len(rows) < 2:
        return ""
    return (f"On the log-log scale the numerical times rise with slope "
            f"{slope(rows, 'forward'):.1f} (forward) and {slope(rows, 'central'):.1f} "
            f"(central), backpropagation's with slope {slope(rows, 'backprop'):.1f}. A slope "
            "of 1 means time proportional to N; N loss evaluations that each cost more as "
            "the network grows push it towards 2.")


def numgrad_text(results):
    rows = results["numgrad"]
    last = rows[-1]
    return [
        "The time of one whole gradient of a one-hidden-layer network with N parameters, by "
        "forward differences (N + 1 loss evaluations), central differences (2N) and "
        "backpropagation (one forward and one backward pass), all with the core, as in "
        "chapter {doc}`../chapters/02_cost_of_numerical_gradients`. At "
        f"N = {last['N']:,}, forward differences took {last['forward'] / last['backprop']:,.0f} "
        f"times as long as backpropagation and central differences "
        f"{last['central'] / last['backprop']:,.0f} times. " + slopes_sentence(rows),
        "",
        "```{figure} images/numerical_vs_backprop.png",
        ":alt: Log-log plot of the time per gradient against the number of parameters N, "
        "with circles and a solid line for backpropagation, squares and a dashed line for "
        "forward differences, triangles and a dotted line for central differences. "
        + slopes_sentence(rows),
        "",
        "Time per gradient: numerical differences against backpropagation.",
        "```",
        "",
        *numgrad_table(results),
    ]


def memory_sentence(results):
    more = [r["core_peak_step_bytes"] / r["fast_peak_step_bytes"] for r in results["memory"]
            if r["fast_peak_step_bytes"] > 0]
    return (f"The price in memory: at its busiest moment a core step held "
            f"{between(more, '{:.1f}')} times the new arrays of a fast step (see Memory "
            "below).")


def memory_text(results):
    return [
        "The bytes the forward pass keeps for the backward pass (every Dense layer's input "
        "and every Sigmoid's output) next to the bytes of the parameters, and the most "
        "memory in new arrays alive at once during one step (numpy's allocations as "
        "`tracemalloc` sees them, after a first step has made the caches and gradients). "
        "The core's update makes a new array for every parameter before it writes any, "
        "and its backward pass makes new gradient arrays; the fast path writes both into "
        "arrays it already has.",
        "",
        *memory_table(results),
    ]


def tallest_sentence(results):
    rows = [r for r in one_thread(results) if "original" in r]
    if not rows:
        return "The original notebook's code was not measured."
    ratios = [r["original_over_core"] for r in rows]
    return (f"The original notebook's bars are the tallest, {between(ratios, '{:,.0f}')} "
            "times the core's.")


def page_text(results):
    torch = have_torch(results)
    lines = [
        "# Performance of bplib",
        "",
        "The chapters teach backpropagation with the plain code of bplib's core. This page "
        "measures what that code costs and where the time goes: a batched matrix product "
        "against the original notebook's per-sample loops, the backward pass against the "
        "forward pass, the core against bplib's speed-tuned path {py:mod}`bplib.fast`, and that "
        "fast path beside PyTorch"
        + ("" if torch else " (not measured in this run: PyTorch was not installed)")
        + ". Every number and figure here is generated from "
        "`benchmarks/results/results.json` by `benchmarks/report.py`. `make bench` "
        "measures your own machine; this run took "
        f"{results['seconds'] / 60:.0f} minutes on {results['machine'].get('cpu_count')} "
        "cores (measurement notes at the end).",
        "",
        "## What is measured",
        "",
        "A **training step** is one forward pass, the mean squared error "
        "`0.5 * mean((out - y) ** 2)`, one backward pass to the gradients of every weight "
        "and bias, and one gradient-descent update `w -= lr * dw`, for a network of Dense "
        "layers each followed by a sigmoid (the output layer too, as in the original "
        "notebook), batch first. The networks: *small* is the original notebook's "
        "10-32x5-2 with a batch of 64, *medium* 784-256-256-10 with a batch of 128, "
        "*large* 784-1024-1024-1024-10 with a batch of 256; float64 and float32; 1 and 2 "
        "threads.",
        "",
        "- **core**: {py:obj}`bplib.gradient_descent` on a {py:obj}`bplib.Sequential` of "
        "`Dense` and `Sigmoid` layers with {py:obj}`bplib.MSE`: the code the chapters teach.",
        "- **fast**: {py:obj}`bplib.fast.train_step` on the same kind of model: the same numbers "
        "with fewer passes over memory.",
        "- **PyTorch**: `torch.nn.Sequential` of `Linear` and `Sigmoid`, `torch.optim.SGD`, "
        "on the CPU, started from bplib's weights." if torch else
        "- **PyTorch**: not installed when this was measured.",
        "- **original notebook**: the original notebook's per-sample code, kept in "
        "`benchmarks/original_notebook.py`.",
        "",
        "Each measurement runs in its own process with the thread count fixed before numpy "
        "starts. The implementations alternate over "
        f"{results['rounds']} round{'s' if results['rounds'] != 1 else ''}, the order "
        "reversed every other round (A B C D, "
        "D C B A, ...), so a change in the machine's load falls on all of them; the "
        "original notebook's code, which takes up to seconds per step, runs in fewer "
        "rounds. Times are medians with the interquartile range in brackets. A ratio such "
        "as core / fast is taken per round, whose runs are seconds apart, and given as the "
        "median over rounds with its range. All implementations give the same losses from "
        "the same weights (last table), so they do the same work.",
        "",
        "```{figure} images/step_times.png",
        ":alt: Two bar charts, float64 and float32 at one thread, of the time per training "
        "step on a log scale for the small, medium and large networks. Each network has a "
        "group of bars: the original notebook's per-sample code (cross-hatched), bplib's "
        "core (diagonal hatching), bplib's fast path (solid)"
        + (" and PyTorch (dotted)" if torch else "") + ". " + tallest_sentence(results),
        "",
        "Time per training step at one thread (log scale).",
        "```",
        "",
        "```{figure} images/ratios.png",
        ":alt: Bar chart"
        + ("s" if torch else "")
        + " of per-round median time ratios for every network, dtype and thread count: "
        "core time over fast time"
        + (" on the left, fast time over PyTorch time on the right" if torch else "")
        + ". Solid bars are one thread, hatched bars two threads; a black whisker on each "
        "bar spans the per-round range (a whisker that leaves the plot is cut at its top "
        "and labelled with its value) and a dashed line marks equal time.",
        "",
        "Core / fast" + (" and fast / PyTorch" if torch else "") + ": time ratios per "
        "step; below the dashed line the first is faster.",
        "```",
        "",
        "## One batched product against per-sample loops",
        "",
        *original_text(results),
        "## The price of clarity: core against fast path",
        "",
        *core_fast_text(results),
        "## The backward pass against the forward pass",
        "",
        *fwdbwd_text(results),
        "## bplib beside PyTorch",
        "",
        *torch_text(results),
        *peak_text(results),
        "## Numerical gradients against backpropagation",
        "",
        *numgrad_text(results),
        "## Memory",
        "",
        *memory_text(results),
        "## Same numbers",
        "",
        "From the same weights and data, three training steps of each implementation; the "
        "fast path's parameters after them are compared with the core's as well. "
        "`tests/test_fast_paths.py` holds the fast path to the core's numbers (relative "
        "1e-12 in float64, 1e-5 in float32).",
        "",
        *agreement_table(results),
        "## Measurement notes",
        "",
        measured_text(results) + " " + load_text(results).strip(),
        "",
        "**GFLOP/s** counts only the matrix products a training step needs: `x @ W` per "
        "layer in the forward pass (2 x batch x in x out operations each, F in all), "
        "`x.T @ grad` per layer for dW (F again) and `grad @ W.T` for the layer below (F "
        "minus the first layer's share); the same count for every implementation, although "
        "the core also computes the first layer's input gradient. numpy runs one operation "
        "at a time, so the sigmoid and its derivative read and write memory several times "
        "where PyTorch fuses them into one pass; and numpy's OpenBLAS and PyTorch's BLAS "
        "are different libraries. On a machine shared with other work the ratios move from "
        "one run to the next, which is why the per-round range is shown.",
        "",
    ]
    return "\n".join(lines)


def write_book_page(results, folder):
    figures(results, folder / "images")
    (folder / "performance.md").write_text(page_text(results))


if __name__ == "__main__":
    path = HERE / "results" / ("quick" if "--quick" in sys.argv else "") / "results.json"
    data = json.loads(path.read_text())
    if "--quick" in sys.argv:  # look at a quick run's page without touching the book
        out = HERE / "results" / "quick"
        figures(data, out / "images")
        (out / "performance.md").write_text(page_text(data))
    else:
        (HERE / "results" / "results.md").write_text(markdown_tables(data))
        write_book_page(data, ROOT / "appendix")
