"""Turn benchmarks/results/results.json into markdown tables and the book's appendix page.

    python benchmarks/report.py     # rewrite results.md, appendix/performance.md, images

The page and its figures are generated from the committed JSON only, so the book shows
exactly the measured numbers, with the date and the machine they were measured on.
Whether a target was met is computed here from those numbers, never written by hand.
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))  # bench_step, for the networks' sizes
# The performance issue's targets, at 1 thread.
RATIO_TARGETS = {"small": 0.5, "medium": 1.0, "large": 1.0}  # bplib time / PyTorch time
PEAK_TARGET = 0.8  # the large step's GFLOP/s over np.matmul's on 1024 x 1024
FWDBWD_TOLERANCE = 0.15  # Dense backward/forward within 15% of the FLOP prediction
NAMES = {"seed": "seed (per sample)", "bplib": "bplib", "torch": "PyTorch"}


def ms(seconds):
    return f"{seconds * 1e3:.3g}"


def span(stats):
    """``median (q1-q3)`` in milliseconds."""
    return f"{ms(stats['median'])} ({ms(stats['q1'])}-{ms(stats['q3'])})"


def mark(ok):
    return "met" if ok else "**missed**"


def target_rows(results):
    """Every target of the issue with its measured value: (what, measured, target, met)."""
    rows = []
    have_torch = "torch" in results["steps"][0]
    for row in results["steps"]:
        if row["threads"] != 1:
            continue
        if have_torch:
            target = RATIO_TARGETS[row["size"]]
            ratio = row["bplib_over_torch"]
            rows.append((f"bplib / PyTorch time, {row['size']} {row['dtype']}",
                         f"{ratio:.3f}", f"<= {target}", ratio <= target))
        if row["size"] == "large":
            share = row["peak_share"]
            rows.append((f"large step GFLOP/s / matmul peak, {row['dtype']}",
                         f"{share:.0%}", f">= {PEAK_TARGET:.0%}", share >= PEAK_TARGET))
    for row in results["fwdbwd"]:
        ratio, predicted = row["Dense"]["ratio"], row["predicted_dense_ratio"]
        rows.append((f"Dense backward / forward, {row['size']} {row['dtype']}",
                     f"{ratio:.2f}", f"{predicted:.1f} +- 15%",
                     abs(ratio / predicted - 1) <= FWDBWD_TOLERANCE))
    return rows


def markdown_tables(results):
    have_torch = "torch" in results["steps"][0]
    out = []
    head = "| network | dtype | threads | bplib ms | "
    head += "PyTorch ms | bplib / PyTorch (per round) | " if have_torch else ""
    head += "seed ms | seed / bplib | bplib GFLOP/s |"
    out += [head, "|" + "---|" * (head.count("|") - 1)]
    for row in results["steps"]:
        cells = [row["size"], row["dtype"], str(row["threads"]), span(row["bplib"])]
        if have_torch:
            rounds = row["bplib_over_torch_rounds"]
            cells += [span(row["torch"]),
                      f"{row['bplib_over_torch']:.2f} ({min(rounds):.2f}-{max(rounds):.2f})"]
        if "seed" in row:
            cells += [ms(row["seed"]["median"]), f"{row['seed_over_bplib']:.0f}x"]
        else:
            cells += ["not measured", ""]
        cells.append(f"{row['bplib_gflops']:.1f}")
        out.append("| " + " | ".join(cells) + " |")

    out += ["", "| target (1 thread) | measured | target | |", "|---|---|---|---|"]
    for what, measured, target, ok in target_rows(results):
        out.append(f"| {what} | {measured} | {target} | {mark(ok)} |")

    out += ["", "| np.matmul 1024 x 1024 x 1024 | threads | GFLOP/s (interquartile range) "
            "| large step's share of it (per round) |", "|---|---|---|---|"]
    for row in results["peak"]:
        step = next(r for r in results["steps"] if r["size"] == "large"
                    and r["dtype"] == row["dtype"] and r["threads"] == row["threads"])
        rounds = step["peak_share_rounds"]
        out.append(f"| {row['dtype']} | {row['threads']} | {row['gflops']:.1f} "
                   f"({row['q1_gflops']:.1f}-{row['q3_gflops']:.1f}) | "
                   f"{step['peak_share']:.0%} ({min(rounds):.0%}-{max(rounds):.0%}) |")

    if results.get("gemm"):
        out += ["", "| one process, 1 thread | products: numpy ms | products: PyTorch ms "
                "| numpy / PyTorch | step: bplib ms | step: PyTorch ms | bplib / PyTorch "
                "| outside the products: bplib ms | PyTorch ms |",
                "|---|---|---|---|---|---|---|---|---|"]
        for row in results["gemm"]:
            out.append(f"| {row['size']} {row['dtype']} | {span(row['numpy'])} | "
                       f"{span(row['torch'])} | {row['numpy_over_torch']:.2f} | "
                       f"{ms(row['bplib_step']['median'])} | "
                       f"{ms(row['torch_step']['median'])} | {row['bplib_over_torch']:.2f} | "
                       f"{ms(row['bplib_outside'])} | {ms(row['torch_outside'])} |")

    out += ["", "| backward / forward, 1 thread | Dense fwd ms | Dense bwd ms | Dense ratio "
            "| FLOP prediction | Sigmoid fwd ms | Sigmoid bwd ms | whole network ratio "
            "| its FLOP prediction |", "|---|---|---|---|---|---|---|---|---|"]
    for row in results["fwdbwd"]:
        d, s, n = row["Dense"], row["Sigmoid"], row["network"]
        out.append(f"| {row['size']} {row['dtype']} | {ms(d['forward'])} | {ms(d['backward'])} "
                   f"| {d['ratio']:.2f} | {row['predicted_dense_ratio']:.1f} | "
                   f"{ms(s['forward'])} | {ms(s['backward'])} | {n['ratio']:.2f} | "
                   f"{row['predicted_network_ratio']:.2f} |")

    out += ["", "| N parameters | backprop ms | numerical forward ms | numerical central ms "
            "| forward / backprop | central / backprop |", "|---|---|---|---|---|---|"]
    for row in results["numgrad"]:
        out.append(f"| {row['N']:,} | {ms(row['backprop'])} | {ms(row['forward'])} | "
                   f"{ms(row['central'])} | {row['forward'] / row['backprop']:,.0f} | "
                   f"{row['central'] / row['backprop']:,.0f} |")

    out += ["", "| memory | cached by forward | parameters | cached / parameters "
            "| new arrays at the peak of a step |", "|---|---|---|---|---|"]
    for row in results["memory"]:
        out.append(f"| {row['size']} {row['dtype']} | {mib(row['cached_bytes'])} | "
                   f"{mib(row['param_bytes'])} | "
                   f"{row['cached_bytes'] / row['param_bytes']:.2f} | "
                   f"{mib(row['peak_step_bytes'])} |")

    out += ["", "| same weights, 3 steps | largest relative difference of the losses from "
            "bplib's |", "|---|---|"]
    for row in results["agreement"]:
        diffs = ", ".join(f"{NAMES[k]} {v:.1e}" for k, v in row["max_rel_diff"].items())
        out.append(f"| {row['size']} {row['dtype']} | {diffs} |")
    return "\n".join(out) + "\n"


def mib(n):
    return f"{n / 2**20:.2f} MiB"


def figures(results, images):
    images.mkdir(parents=True, exist_ok=True)
    impls = [i for i in ("seed", "bplib", "torch") if i in results["steps"][0]]

    fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharey=True)
    for ax, dtype in zip(axes, ("float64", "float32")):
        rows = [r for r in results["steps"] if r["dtype"] == dtype and r["threads"] == 1]
        width = 0.8 / len(impls)
        for k, impl in enumerate(impls):
            xs = [i + k * width for i, r in enumerate(rows) if impl in r]
            ax.bar(xs, [r[impl]["median"] * 1e3 for r in rows if impl in r], width,
                   label=NAMES[impl])
        ax.set_xticks([i + width * (len(impls) - 1) / 2 for i in range(len(rows))])
        ax.set_xticklabels([r["size"] for r in rows])
        ax.set_yscale("log")
        ax.set_title(f"{dtype}, 1 thread")
        ax.set_xlabel("network")
    axes[0].set_ylabel("time per training step (ms, log scale)")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(images / "step_times.png", dpi=100)
    plt.close(fig)

    if "torch" in impls:
        fig, ax = plt.subplots(figsize=(8, 4))
        rows = results["steps"]
        labels = [f"{r['size']}\n{r['dtype'][5:]}-bit\n{r['threads']} thr" for r in rows]
        colors = ["C0" if r["threads"] == 1 else "C7" for r in rows]
        ax.bar(range(len(rows)), [r["bplib_over_torch"] for r in rows], color=colors)
        for i, r in enumerate(rows):
            rounds = r["bplib_over_torch_rounds"]
            ax.plot([i, i], [min(rounds), max(rounds)], color="black", linewidth=1)
            if r["threads"] == 1:
                target = RATIO_TARGETS[r["size"]]
                ax.plot([i - 0.4, i + 0.4], [target, target], color="C3", linewidth=2)
        ax.plot([], [], color="C3", linewidth=2, label="target (1 thread)")
        ax.plot([], [], color="black", linewidth=1, label="range over rounds")
        ax.set_xticks(range(len(rows)))
        ax.set_xticklabels(labels, fontsize=7)
        ax.set_ylabel("bplib time / PyTorch time")
        ax.legend(loc="upper left")
        fig.tight_layout()
        fig.savefig(images / "ratios.png", dpi=100)
        plt.close(fig)

    fig, ax = plt.subplots(figsize=(6.5, 4))
    n = [r["N"] for r in results["numgrad"]]
    for key, label in [("backprop", "backprop"), ("forward", "numerical, forward"),
                       ("central", "numerical, central")]:
        ax.loglog(n, [r[key] for r in results["numgrad"]], "o-", label=label)
    ax.set_xlabel("number of parameters N")
    ax.set_ylabel("time per gradient (s)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(images / "numerical_vs_backprop.png", dpi=100)
    plt.close(fig)


def dense_forward_text(results):
    """The large network's Dense forward products alone, as a share of the matmul peak."""
    from bench_step import SIZES, layer_flops

    parts = []
    for row in results["fwdbwd"]:
        if row["size"] == "large":
            gflops = sum(layer_flops(*SIZES["large"])) / row["Dense"]["forward"] / 1e9
            parts.append(f"{gflops:.0f} GFLOP/s in {row['dtype']}")
    if not parts:
        return ""
    return (" The large network's Dense forward passes alone, nothing but matrix products of "
            "its own shapes (batch 256), ran at " + " and ".join(parts) + " (measured in "
            "another process than the peak): the ceiling for a whole step is that, less the "
            "time of the sigmoids, checks and update.")


def gemm_text(results):
    """What the BLAS libraries alone contribute to bplib / PyTorch, from the products' table."""
    rows = results.get("gemm") or []
    if not rows:
        return ""
    ratios = [row["numpy_over_torch"] for row in rows]
    listed = ", ".join(f"{row['size']} {row['dtype']} {row['numpy_over_torch']:.2f}"
                       for row in rows)
    verdict = ("took longer than PyTorch's" if min(ratios) > 1 else
               "took less time than PyTorch's" if max(ratios) < 1 else
               "took sometimes more, sometimes less time than PyTorch's")
    leaner = [row for row in rows if row["bplib_outside"] < row["torch_outside"]]
    outside = (f"Outside the products, bplib spent less time than PyTorch in {len(leaner)} of "
               f"the {len(rows)} cases (last two columns). ")
    return (f"Timed alone, in one process and alternating call by call with both steps, "
            f"numpy's matrix products of a training step {verdict} for the same products "
            f"(numpy / PyTorch: {listed}; the table 'one process, 1 thread' below). "
            + outside
            + "On the medium and large networks, where the products are most of a step, "
            "bplib's step can only be as fast as PyTorch's if its own work outside the "
            "products takes less time than PyTorch's by the products' difference. ")


def page_text(results):
    m = results["machine"]
    blas = m.get("numpy_blas")
    blas_text = (f"OpenBLAS {blas['config'].split()[1]} (kernel {blas['corename']})"
                 if isinstance(blas, dict) else "OpenBLAS")
    torch_blas = "; ".join(line.lstrip("- ") for line in m.get("torch_blas", []))
    have_torch = "torch" in results["steps"][0]
    targets = target_rows(results)
    met = sum(ok for *_, ok in targets)
    missed = [what for what, _, _, ok in targets if not ok]
    large = {r["dtype"]: r for r in results["steps"]
             if r["size"] == "large" and r["threads"] == 1}
    seed_ratios = [r["seed_over_bplib"] for r in results["steps"] if "seed_over_bplib" in r]
    load_before, load_after = results["load_average_before"][0], results["load_average_after"][0]
    lines = [
        "# Performance of bplib",
        "",
        f"Measured on {results['date']} ({results['started_utc']}) by `make bench` "
        f"(`benchmarks/run.py`), which took {results['seconds'] / 60:.1f} minutes, on a "
        f"{m.get('cpu_count')}-core {m.get('processor')} ({m.get('machine')}) virtual "
        f"machine: Python {m.get('python')}, numpy {m.get('numpy')} with {blas_text}, "
        f"PyTorch {m.get('torch', 'not installed')}"
        + (f" with {torch_blas}" if torch_blas else "") + f", bplib at commit "
        f"`{m.get('bplib_commit', '?')}`. The load average was {load_before:.2f} when the run "
        f"started and {load_after:.2f} when it ended. Every number and figure on this page is "
        "generated from `benchmarks/results/results.json` by `benchmarks/report.py`; run "
        "`make bench` to measure your own machine.",
        "",
        "## What is measured",
        "",
        "A **training step** is one forward pass, the mean squared error "
        "`0.5 * mean((out - y) ** 2)`, one backward pass to the gradients of every weight and "
        "bias, and one gradient-descent update `w -= lr * dw`, for a network of Dense layers "
        "each followed by a sigmoid (the output layer too, as in the seed), batch first. "
        "The networks: *small* is the seed's 10-32x5-2 with a batch of 64, *medium* "
        "784-256-256-10 with a batch of 128, *large* 784-1024-1024-1024-10 with a batch of 256.",
        "",
        "- **bplib**: `bplib.gradient_descent` on a `bplib.Sequential` of `Dense` and "
        "`Sigmoid` layers with `bplib.MSE`.",
        "- **PyTorch**: `torch.nn.Sequential` of `Linear` and `Sigmoid`, `torch.optim.SGD`, on "
        "the CPU, started from bplib's weights." if have_torch else
        "- **PyTorch**: not installed when this was measured "
        "(`pip install torch==2.13.0`).",
        "- **seed**: the course notebook's per-sample code, one sample at a time with a Python "
        "loop over output units, kept in `benchmarks/seed_baseline.py` as the historical "
        "baseline.",
        "",
        "None of them computes the gradient with respect to the input data, which training "
        "never uses. Each measurement runs in its own process with the thread count fixed "
        f"before numpy starts; the implementations alternate over {results['rounds']} rounds, "
        "the order reversed every other round (A B C, C B A, ...), so a change in the "
        "machine's load falls on all of them. "
        "Times are medians, with the interquartile range in brackets. The bplib / PyTorch "
        "ratio is taken per round, whose two runs are seconds apart (on this shared machine "
        "the speed of a run can change by a third from one second to the next, for both "
        "libraries alike), and the tables give the median of those ratios with their range. "
        "The large step's share of the matmul peak is likewise the median over rounds. "
        "All three "
        "give the same losses from the same weights (last table), so they do the same work.",
        "",
        "```{figure} images/step_times.png",
        ":alt: Two bar charts, float64 and float32 at one thread, of the time per training "
        "step on a log scale for the seed's per-sample code, bplib and PyTorch on the small, "
        "medium and large networks.",
        "",
        "Time per training step at one thread (log scale).",
        "```",
        "",
    ]
    if have_torch:
        lines += [
            "```{figure} images/ratios.png",
            ":alt: Bar chart of bplib's time divided by PyTorch's for every network, dtype and "
            "thread count, with the targets of 0.5 for the small network and 1.0 for the "
            "others marked at one thread, and the range of the per-round ratios.",
            "",
            "bplib time / PyTorch time; below 1 bplib is faster. Red: the target at 1 thread.",
            "```",
            "",
        ]
    lines += [
        "## Results",
        "",
        f"{met} of the {len(targets)} targets of the performance issue were met in this run"
        + (" (table below); missed:" if missed else "."),
        "",
        *[f"- {what}" for what in missed],
        "" if missed else None,
        (f"The seed's per-sample code is {min(seed_ratios):.0f} to {max(seed_ratios):.0f} times "
         "slower than bplib." if seed_ratios else None),
        "",
        gemm_text(results).strip() or None,
        "",
        markdown_tables(results),
        "## How to read the tables",
        "",
        "- **GFLOP/s** counts only the matrix products of a step: `x @ W` per layer in the "
        "forward pass (2 x batch x in x out operations each, F in all), `x.T @ grad` per layer "
        "for dW (F again) and `grad @ W.T` for the layer below (F minus the first layer's "
        "share). The peak is `np.matmul` of two 1024 x 1024 matrices on the same thread count, "
        "timed after every step of the large network in the same process (after one untimed "
        "product that brings its matrices back into the cache), so the step's share of the "
        "peak compares two numbers taken under the same load."
        + (f" The large step reached {large['float64']['bplib_gflops']:.0f} GFLOP/s in float64 "
           f"and {large['float32']['bplib_gflops']:.0f} in float32."
           if {'float64', 'float32'} <= set(large) else "")
        + dense_forward_text(results),
        "- **Backward / forward**: a Dense layer's backward does two matrix products of the "
        "forward's size (dW and the input gradient), so matrix-product FLOPs predict a ratio "
        "of 2. The sigmoid does no matrix product: its forward (`-x`, the exponential, "
        "`1 + e` and `1 / ...`: four passes over the array, one of them an exponential) costs "
        "more than its backward (`1 - out`, times `out`, times `grad`: three passes), so it "
        "is timed beside the Dense layers "
        "rather than predicted by the FLOP count. The whole network's ratio uses the "
        "training backward pass, which skips the first layer's input gradient.",
        "- **Numerical vs backprop**: the time of one whole gradient of a one-hidden-layer "
        "network with N parameters, by forward differences (N + 1 loss evaluations), central "
        "differences (2N) and backpropagation (one forward and one backward pass), as in "
        "chapter {doc}`../chapters/02_cost_of_numerical_gradients`.",
        "- **Memory**: the bytes the forward pass keeps for the backward pass (every Dense "
        "layer's input and every Sigmoid's output) next to the bytes of the parameters, and "
        "the most memory in new arrays alive at once during one step (numpy's allocations as "
        "`tracemalloc` sees them, after a first step has created the gradients).",
        "",
        "```{figure} images/numerical_vs_backprop.png",
        ":alt: Log-log plot of the time per gradient against the number of parameters for "
        "backpropagation and for forward and central numerical gradients; the numerical "
        "lines rise much faster with N than backprop's.",
        "",
        "Time per gradient: numerical differences against backpropagation.",
        "```",
        "",
        "## Where the fast code lives, and why",
        "",
        "The chapters teach the plain formulas; bplib computes the same numbers (to the last "
        "few digits) with fewer temporary arrays, because on these networks numpy spends "
        "much of a step allocating and filling temporaries rather than multiplying matrices. "
        "`tests/test_fast_paths.py` checks that every fast path gives the plain formulas' "
        "results (float64 to 1e-12, float32 to 1e-5).",
        "",
        "- `bplib.sigmoid` (chapter {doc}`../chapters/03_sigmoid`) is the two-branch formula "
        "with `np.where`, which never overflows. The `Sigmoid` layer calls `sigmoid_fast` in "
        "`bplib/activations.py`: the textbook `1 / (1 + exp(-x))` in four steps that each "
        "write into the one array it returns (`out=`). For x < -709 `exp(-x)` overflows to "
        "infinity and `1 / (1 + inf) = 0` is the right limit, so that warning is silenced. "
        "It agrees with `bplib.sigmoid` to a few units in the last place and is several "
        "times faster on a large batch. Its backward pass, `grad * out * (1 - out)`, is "
        "likewise computed in the one array it returns.",
        "- Every layer checks that its input holds no NaN or infinity, so that a bad number "
        "is reported where it enters. The check computes the sum of squares `x . x` (one "
        "`np.dot`: a single fast pass, no temporary array), which is finite unless `x` holds "
        "a NaN or an infinity or its squares overflow; only then does it test every number "
        "(`check_finite` in `bplib/validation.py`).",
        "- `Dense.forward` computes `x @ W` and then adds `b` in place (`out += b`): one new "
        "array instead of two.",
        "- `Dense.backward` writes `dW = x.T @ grad_out` and `db` into the arrays it already "
        "has (`np.matmul(..., out=self.dW)`): a step allocates no new parameter-sized arrays. "
        "A reference kept with `g = layer.dW` therefore sees the next backward's values "
        "(the docstring says so); outputs and input gradients are always new arrays.",
        "- `gradient_descent` and `train` tell the network that they need only the "
        "parameters' gradients (`Sequential.backward(grad, input_grad=False)`): the first "
        "Dense layer skips `grad_out @ W.T`, the gradient with respect to the data, a quarter "
        "of the matrix work of the medium network. PyTorch skips it too, because the data "
        "does not require a gradient.",
        "- The update `param -= lr * grad` runs in blocks of rows (`subtract_scaled` in "
        "`bplib/optim.py`), so the temporary `lr * grad` stays small and in the CPU cache.",
        "- float32: `Dense(..., dtype=np.float32)`, `DNN(..., dtype=np.float32)` or "
        "`Sequential(..., dtype=np.float32)`. The parameters' dtype decides the computation; "
        "float64 stays the default, as the chapters need its 16 digits for gradient checks.",
        "",
        "What bplib does not do: numpy runs one operation at a time, so the sigmoid and its "
        "derivative read and write memory several times where PyTorch fuses them into one "
        "pass. And numpy's OpenBLAS and PyTorch's BLAS are different matrix libraries, whose "
        "speed on the same products differs (see the results above). On two cores shared "
        "with other work the ratios move between runs, which is why the per-round range is "
        "shown.",
        "",
    ]
    return "\n".join(line for line in lines if line is not None)


def write_book_page(results, folder):
    figures(results, folder / "images")
    (folder / "performance.md").write_text(page_text(results))


if __name__ == "__main__":
    data = json.loads((HERE / "results" / "results.json").read_text())
    (HERE / "results" / "results.md").write_text(markdown_tables(data))
    write_book_page(data, ROOT / "appendix")
