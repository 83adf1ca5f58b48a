"""Turn benchmarks/results/results.json into a markdown table and the book's appendix page.

    python benchmarks/report.py     # rewrite results.md and appendix/performance.md

The page and its figures are generated from the committed JSON only, so the book shows
exactly the measured numbers, with the date and the machine they were measured on.
"""

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGETS = {"small": 0.5, "medium": 1.0, "large": 1.0}  # bplib time / PyTorch time


def ms(seconds):
    return f"{seconds * 1e3:.3g}"


def markdown_table(results):
    have_torch = "torch" in results["steps"][0]
    head = "| size | dtype | threads | bplib ms | "
    head += "PyTorch ms | bplib / PyTorch | target | " if have_torch else ""
    head += "seed ms | seed / bplib | bplib GFLOP/s |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for row in results["steps"]:
        b = row["bplib"]
        cells = [row["size"], row["dtype"], str(row["threads"]),
                 f"{ms(b['median'])} ({ms(b['q1'])}-{ms(b['q3'])})"]
        if have_torch:
            t = row["torch"]
            ratio = row["bplib_over_torch"]
            target = TARGETS[row["size"]]
            mark = "met" if ratio <= target else "missed"
            cells += [f"{ms(t['median'])} ({ms(t['q1'])}-{ms(t['q3'])})", f"{ratio:.2f}",
                      f"<= {target} {mark}"]
        cells += [ms(row["seed"]["median"]), f"{row['seed_over_bplib']:.0f}x",
                  f"{row['bplib_gflops']:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("| matmul peak | dtype | threads | GFLOP/s |")
    lines.append("|---|---|---|---|")
    for row in results["peak"]:
        lines.append(f"| np.matmul 1024x1024 | {row['dtype']} | {row['threads']} | "
                     f"{row['gflops']:.1f} |")
    lines.append("")
    lines.append("| backward / forward | forward ms | backward ms | measured | FLOP prediction |")
    lines.append("|---|---|---|---|---|")
    for row in results["fwdbwd"]:
        lines.append(f"| {row['size']} float64 | {ms(row['forward'])} | {ms(row['backward'])} | "
                     f"{row['ratio']:.2f} | {row['predicted_ratio']:.1f} |")
    lines.append("")
    lines.append("| N | backprop ms | numerical forward ms | numerical central ms | "
                 "forward / backprop |")
    lines.append("|---|---|---|---|---|")
    for row in results["numgrad"]:
        lines.append(f"| {row['N']} | {ms(row['backprop'])} | {ms(row['forward'])} | "
                     f"{ms(row['central'])} | {row['forward'] / row['backprop']:.0f} |")
    lines.append("")
    lines.append("| memory | cached by forward (bytes) | parameters (bytes) | "
                 "peak during a step (bytes) |")
    lines.append("|---|---|---|---|")
    for row in results["memory"]:
        lines.append(f"| {row['size']} float64 | {row['cached_bytes']:,} | "
                     f"{row['param_bytes']:,} | {row['peak_step_bytes']:,} |")
    return "\n".join(lines) + "\n"


def figures(results, images):
    images.mkdir(parents=True, exist_ok=True)
    rows = [r for r in results["steps"] if r["dtype"] == "float64" and r["threads"] == 1]
    impls = [i for i in ("seed", "bplib", "torch") if i in rows[0]]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    width = 0.8 / len(impls)
    for k, impl in enumerate(impls):
        ax.bar([i + k * width for i in range(len(rows))],
               [r[impl]["median"] * 1e3 for r in rows], width,
               label={"seed": "seed (per sample)", "bplib": "bplib", "torch": "PyTorch"}[impl])
    ax.set_xticks([i + width * (len(impls) - 1) / 2 for i in range(len(rows))])
    ax.set_xticklabels([r["size"] for r in rows])
    ax.set_yscale("log")
    ax.set_xlabel("network")
    ax.set_ylabel("time per training step (ms, log scale)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(images / "step_times.png", dpi=100)
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


def write_book_page(results, folder):
    figures(results, folder / "images")
    m = results["machine"]
    quick = " (a quick smoke run: few repeats)" if results.get("quick") else ""
    text = f"""# Performance of bplib

Measured on {results['date']}{quick} by `make bench` (`benchmarks/run.py`), on a
{m.get('cpu_count')}-core {m.get('processor')} ({m.get('machine')}), Python {m.get('python')},
numpy {m.get('numpy')}, PyTorch {m.get('torch', 'not installed')}. The whole run took
{results['seconds']:.0f} s. Every number on this page is read from
`benchmarks/results/results.json`; rerun `make bench` to measure your own machine.

Each training step is one forward pass, one backward pass and one gradient-descent update of
a sigmoid network with the mean squared error, batch first. Sizes: small is the seed's
10-32x5-2 network with batch 64, medium 784-256-256-10 with batch 128, large
784-1024-1024-1024-10 with batch 256. Times are medians over repeats in separate processes,
alternating the implementations; the range in brackets is the interquartile range. "seed" is
the course notebook's per-sample code, kept in `benchmarks/seed_baseline.py`.

```{{figure}} images/step_times.png
:alt: Bar chart of the time per training step, log scale, for the seed's per-sample code,
  bplib and PyTorch on the small, medium and large networks, float64, one thread.

Time per training step, float64, one thread.
```

{markdown_table(results)}
```{{figure}} images/numerical_vs_backprop.png
:alt: Log-log plot of the time per gradient against the number of parameters for
  backpropagation and for forward and central numerical gradients; the numerical lines
  rise about as N squared, backprop about as N.

Time per gradient: numerical differences against backpropagation
(chapter {{doc}}`../chapters/02_cost_of_numerical_gradients`).
```
"""
    (folder / "performance.md").write_text(text)


if __name__ == "__main__":
    data = json.loads((HERE / "results" / "results.json").read_text())
    (HERE / "results" / "results.md").write_text(markdown_table(data))
    write_book_page(data, ROOT / "appendix")
