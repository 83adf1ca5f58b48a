"""Run every benchmark in separate processes and write results + a book page.

    python benchmarks/run.py            # full run (make bench), about 10 minutes on 2 cores
    python benchmarks/run.py --quick    # a fast smoke run with few repeats

Each measurement runs in a fresh process (so thread counts are set before numpy starts),
implementations alternate A B C A B C, and the report gives medians with their spread and
the ratios between implementations measured in the same run.

Writes benchmarks/results/results.json, benchmarks/results/results.md and the book page
appendix/performance.md with its figures under appendix/images/.
"""

import argparse
import datetime
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
SIZES = ["small", "medium", "large"]
DTYPES = ["float64", "float32"]
THREADS = [1, 2]
REPEATS = {"small": 50, "medium": 20, "large": 8}
SEED_REPEATS = {"small": 5, "medium": 2, "large": 1}


def env_for(threads):
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    # Set on some machines to avoid old OpenBLAS bugs; they slow a current numpy down.
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    return env


def measure(what, impl, size, dtype, threads=1, repeats=10, warmup=2):
    command = [sys.executable, str(HERE / "bench_step.py"), what, impl, str(size), dtype,
               "--repeats", str(repeats), "--warmup", str(warmup)]
    done = subprocess.run(command, env=env_for(threads), capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def summary(times):
    times = sorted(times)
    q = statistics.quantiles(times, n=4) if len(times) >= 2 else [times[0]] * 3
    return {"median": statistics.median(times), "q1": q[0], "q3": q[2], "n": len(times)}


def machine():
    info = {"python": platform.python_version(), "machine": platform.machine(),
            "cpu_count": os.cpu_count(), "processor": platform.processor()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["processor"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numpy

    info["numpy"] = numpy.__version__
    try:
        import threadpoolctl

        with threadpoolctl.threadpool_limits(1):
            info["blas"] = [
                {k: lib.get(k) for k in ("internal_api", "version", "architecture")}
                for lib in threadpoolctl.threadpool_info()
            ]
    except ImportError:
        info["blas"] = "threadpoolctl not installed"
    if importlib.util.find_spec("torch"):
        import torch

        info["torch"] = torch.__version__
    return info


def run_steps(quick, have_torch):
    impls = ["bplib", "torch", "seed"] if have_torch else ["bplib", "seed"]
    rounds = 1 if quick else 2
    results = []
    for size in SIZES:
        for dtype in DTYPES:
            for threads in THREADS:
                times = {impl: [] for impl in impls}
                flops = None
                for _ in range(rounds):  # A B C A B C
                    for impl in impls:
                        repeats = (SEED_REPEATS if impl == "seed" else REPEATS)[size]
                        repeats = max(1, repeats // 5) if quick else repeats
                        # the seed's large step takes seconds: one warm-up step is plenty
                        warmup = (0 if size == "large" else 1) if impl == "seed" else 2
                        out = measure("step", impl, size, dtype, threads, repeats, warmup)
                        times[impl] += out["times"]
                        flops = out["step_flops"]
                row = {"size": size, "dtype": dtype, "threads": threads, "step_flops": flops}
                for impl in impls:
                    row[impl] = summary(times[impl])
                if have_torch:
                    row["bplib_over_torch"] = row["bplib"]["median"] / row["torch"]["median"]
                row["seed_over_bplib"] = row["seed"]["median"] / row["bplib"]["median"]
                row["bplib_gflops"] = flops / row["bplib"]["median"] / 1e9
                print(json.dumps({k: v for k, v in row.items() if not isinstance(v, dict)}))
                results.append(row)
    return results


def run_other(quick):
    other = {"peak": [], "fwdbwd": [], "numgrad": [], "memory": []}
    for dtype in DTYPES:
        for threads in THREADS:
            out = measure("peak", "none", "none", dtype, threads, 5 if quick else 20)
            med = statistics.median(out["times"])
            other["peak"].append({"dtype": dtype, "threads": threads,
                                  "gflops": out["flops"] / med / 1e9})
    for size in ("medium", "large"):
        out = measure("fwdbwd", "bplib", size, "float64", 1, 5 if quick else 20)
        fwd, bwd = statistics.median(out["forward"]), statistics.median(out["backward"])
        other["fwdbwd"].append({"size": size, "forward": fwd, "backward": bwd,
                                "ratio": bwd / fwd, "predicted_ratio": out["predicted_ratio"]})
    for n in ([100, 1000] if quick else [100, 1000, 10_000, 100_000]):
        other["numgrad"].append(measure("numgrad", "bplib", n, "float64", 1))
    for size in SIZES:
        other["memory"].append({"size": size, **measure("memory", "bplib", size, "float64")})
    return other


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few repeats, smoke test")
    args = parser.parse_args()
    have_torch = importlib.util.find_spec("torch") is not None
    if not have_torch:
        print("PyTorch is not installed: skipping the PyTorch comparison "
              "(install it with: pip install torch==2.13.0).")
    started = datetime.datetime.now(datetime.UTC)
    results = {
        "date": started.strftime("%Y-%m-%d"),
        "quick": args.quick,
        "machine": machine(),
        "thread_counts": THREADS,
        "steps": run_steps(args.quick, have_torch),
        **run_other(args.quick),
    }
    results["seconds"] = round(
        (datetime.datetime.now(datetime.UTC) - started).total_seconds(), 1)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    import report

    table = report.markdown_table(results)
    (RESULTS / "results.md").write_text(table)
    report.write_book_page(results, ROOT / "appendix")
    print(table)
    print(f"benchmarks took {results['seconds']} s; wrote {RESULTS / 'results.json'}")


if __name__ == "__main__":
    main()
