"""Run every benchmark in separate processes and write results + a book page.

    python benchmarks/run.py            # full run (make bench): 10 to 11 minutes on 2 cores
    python benchmarks/run.py --quick    # a smoke run with few repeats, written elsewhere

Each measurement runs in a fresh process (so thread counts are set before numpy and
PyTorch start). For every network, dtype and thread count the implementations (bplib's
fast path, bplib's teaching core, PyTorch, the original notebook's per-sample code)
alternate A B C D D C B A A B C D ... over several rounds, so a change in the machine's
load hits all of them; the report gives medians with their interquartile range, and the
ratios core / fast and fast / PyTorch per round (the runs of a round are seconds apart,
so a change of load between rounds cancels): the median of those ratios, and their range.
The matmul peak is measured between the large network's fast steps, and the products of a
step alone are timed with numpy and with PyTorch in one process, to separate what the BLAS
libraries contribute from what bplib's own code does.

The full run writes benchmarks/results/results.json (the raw times, versions, thread
counts, load average), benchmarks/results/results.md and the book page
appendix/performance.md with its figures in appendix/images/. The quick run writes only
benchmarks/results/quick/ (its results, a page and figures to look at), never the committed
results or the book.
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
SIZES = ["small", "medium", "large"]
DTYPES = ["float64", "float32"]
THREADS = [1, 2]
ROUNDS = 9
# steps timed per process and round (about half a second of steps), after warm-up steps
REPEATS = {"small": 1000, "medium": 100, "large": 6}
WARMUP = {"small": 50, "medium": 10, "large": 2}
# the original notebook's per-sample code takes about 0.05 s, 0.7 s and 13 s per step
ORIGINAL_REPEATS = {"small": 5, "medium": 2, "large": 1}
ORIGINAL_ROUNDS = {"small": 3, "medium": 2, "large": 1}
NUMGRAD_N = [100, 1000, 10_000, 100_000]


def env_for(threads):
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    # Set on some machines to avoid old OpenBLAS bugs; they slow a current numpy down.
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep)
    return env


def measure(what, impl, size, dtype, threads=1, repeats=10, warmup=2, with_peak=False):
    command = [sys.executable, str(HERE / "bench_step.py"), what, impl, str(size), dtype,
               "--repeats", str(repeats), "--warmup", str(warmup)]
    command += ["--with-peak"] if with_peak else []
    done = subprocess.run(command, env=env_for(threads), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:])} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summary(times, keep=200):
    """Median, quartiles and count of ``times``; the times themselves when at most ``keep``."""
    times = sorted(times)
    q = statistics.quantiles(times, n=4) if len(times) >= 2 else [times[0]] * 3
    result = {"median": statistics.median(times), "q1": q[0], "q3": q[2], "n": len(times)}
    if len(times) <= keep:
        result["times"] = times
    return result


def blas_info():
    """OpenBLAS's version and the CPU kernel it chose, read from numpy's own OpenBLAS."""
    import ctypes

    import numpy

    libs = Path(numpy.__file__).parent.parent / "numpy.libs"
    for lib in sorted(libs.glob("libscipy_openblas*.so*")):
        try:
            so = ctypes.CDLL(str(lib))
        except OSError:
            continue
        for suffix in ("64_", ""):  # names in numpy's wheels: scipy_openblas_get_config64_
            try:
                corename = getattr(so, "scipy_openblas_get_corename" + suffix)
                config = getattr(so, "scipy_openblas_get_config" + suffix)
            except AttributeError:
                continue
            corename.restype = config.restype = ctypes.c_char_p
            return {"library": lib.name, "config": config().decode(),
                    "corename": corename().decode()}
    return "not found"


def machine(have_torch):
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
    # read in a child process with the benchmarks' environment (OPENBLAS_CORETYPE unset)
    done = subprocess.run([sys.executable, "-c", "import json, run; print(json.dumps("
                           "run.blas_info()))"], env=env_for(1), capture_output=True,
                          text=True, cwd=HERE)
    info["numpy_blas"] = json.loads(done.stdout) if done.returncode == 0 else done.stderr
    if have_torch:
        import torch

        info["torch"] = torch.__version__
        info["torch_blas"] = [line.strip() for line in torch.__config__.show().splitlines()
                              if "Math Kernel" in line or "MKL-DNN" in line or "BLAS" in line
                              and "Build settings" not in line]
    try:
        info["bplib_commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
            text=True).stdout.strip()
    except OSError:
        pass
    return info


def paired(per_round, a, b):
    """Per-round ratios a / b, their median, and the ratio of the pooled medians."""
    ratios = [x / y for x, y in zip(per_round[a], per_round[b])]
    return ratios, statistics.median(ratios)


def run_steps(quick, have_torch):
    """Training steps of every implementation, alternated over rounds.

    The order within a round is reversed every other round (A B C D, D C B A, ...), so no
    implementation always runs first. For the large network, the fast path's process
    follows every step with one timed ``np.matmul`` of 1024 x 1024 matrices, so the large
    step's share of the matmul peak compares two numbers measured in one process under
    the same load.
    """
    impls = ["fast", "core"] + (["torch"] if have_torch else []) + ["original"]
    results = []
    for size in SIZES:
        for dtype in DTYPES:
            for threads in THREADS:
                kinds = impls + (["peak"] if size == "large" else [])  # peak: fast's process
                times = {kind: [] for kind in kinds}
                per_round = {kind: [] for kind in kinds}
                flops = peak_flops = None
                rounds = 1 if quick else ROUNDS
                load = [os.getloadavg()[0]]
                for round_ in range(rounds):
                    for kind in (impls if round_ % 2 == 0 else impls[::-1]):
                        if kind == "original":
                            if round_ >= (1 if quick else ORIGINAL_ROUNDS[size]):
                                continue
                            if quick and size == "large":
                                continue
                            repeats = ORIGINAL_REPEATS[size]
                            warmup = 0 if size == "large" else 1
                        else:
                            repeats = max(2, REPEATS[size] // 5) if quick else REPEATS[size]
                            warmup = WARMUP[size]
                        with_peak = kind == "fast" and size == "large"
                        out = measure("step", kind, size, dtype, threads, repeats, warmup,
                                      with_peak)
                        times[kind] += out["times"]
                        per_round[kind].append(statistics.median(out["times"]))
                        flops = out["step_flops"]
                        if with_peak:
                            times["peak"] += out["peak_times"]
                            per_round["peak"].append(statistics.median(out["peak_times"]))
                            peak_flops = out["peak_flops"]
                load.append(os.getloadavg()[0])
                row = {"size": size, "dtype": dtype, "threads": threads, "step_flops": flops,
                       "load_average": [min(load), max(load)]}
                for impl in impls:
                    if times[impl]:
                        row[impl] = summary(times[impl])
                        row[impl]["round_medians"] = per_round[impl]
                # paired: the runs of a round are seconds apart, so load changes between
                # rounds cancel in the ratio; the headline is the median over rounds
                row["core_over_fast_rounds"], row["core_over_fast"] = paired(
                    per_round, "core", "fast")
                if have_torch:
                    row["fast_over_torch_rounds"], row["fast_over_torch"] = paired(
                        per_round, "fast", "torch")
                    row["fast_over_torch_pooled"] = (row["fast"]["median"]
                                                     / row["torch"]["median"])
                if "original" in row:
                    row["original_over_core"] = (row["original"]["median"]
                                                 / row["core"]["median"])
                    row["original_over_fast"] = (row["original"]["median"]
                                                 / row["fast"]["median"])
                for impl in ("fast", "core", "torch"):
                    if impl in row:
                        row[f"{impl}_gflops"] = flops / row[impl]["median"] / 1e9
                if size == "large":
                    row["peak"] = summary(times["peak"])
                    row["peak_flops"] = peak_flops
                    row["peak_gflops"] = peak_flops / row["peak"]["median"] / 1e9
                    row["peak_share_rounds"] = [
                        (flops / b) / (peak_flops / p)
                        for b, p in zip(per_round["fast"], per_round["peak"])]
                    row["peak_share"] = statistics.median(row["peak_share_rounds"])
                print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v)
                                  for k, v in row.items()
                                  if not isinstance(v, (dict, list))}), flush=True)
                results.append(row)
    return results


def peak_rows(steps):
    """The matmul peaks measured in the large network's rounds, one row per dtype/threads."""
    rows = []
    for row in steps:
        if "peak" in row:
            q1, q3 = row["peak"]["q1"], row["peak"]["q3"]
            rows.append({"dtype": row["dtype"], "threads": row["threads"],
                         "gflops": row["peak_gflops"],
                         "q1_gflops": row["peak_flops"] / q3 / 1e9,
                         "q3_gflops": row["peak_flops"] / q1 / 1e9})
    return rows


def run_gemm(quick):
    """A step's products alone and the two steps, in one process each (needs PyTorch)."""
    rows = []
    for size in ("medium", "large"):
        for dtype in DTYPES:
            repeats = {"medium": 100, "large": 12}[size] // (5 if quick else 1)
            warmup = {"medium": 10, "large": 2}[size]
            out = measure("gemm", "both", size, dtype, 1, repeats, warmup)
            row = {"size": size, "dtype": dtype, "threads": 1, "step_flops": out["step_flops"]}
            for name in ("numpy", "torch", "fast_step", "torch_step"):
                row[name] = summary(out[name])
            row["numpy_over_torch"] = row["numpy"]["median"] / row["torch"]["median"]
            row["fast_over_torch"] = (row["fast_step"]["median"]
                                      / row["torch_step"]["median"])
            row["fast_outside"] = row["fast_step"]["median"] - row["numpy"]["median"]
            row["torch_outside"] = row["torch_step"]["median"] - row["torch"]["median"]
            rows.append(row)
    return rows


def run_agreement():
    rows = []
    for size in SIZES:
        for dtype in DTYPES:
            rows.append({"size": size, "dtype": dtype,
                         **measure("agree", "all", size, dtype, 1)})
    return rows


def run_other(quick):
    other = {"fwdbwd": [], "numgrad": [], "memory": []}
    for size in ("medium", "large"):
        for dtype in DTYPES:
            repeats = {"medium": 100, "large": 15}[size] // (5 if quick else 1)
            out = measure("fwdbwd", "core", size, dtype, 1, repeats)
            row = {"size": size, "dtype": dtype,
                   **{k: v for k, v in out.items() if k.startswith("predicted")}}
            for kind in ("Dense", "Sigmoid", "core_network", "fast_network"):
                fwd = statistics.median(out[kind]["forward"])
                bwd = statistics.median(out[kind]["backward"])
                row[kind] = {"forward": fwd, "backward": bwd, "ratio": bwd / fwd}
            other["fwdbwd"].append(row)
    for n in (NUMGRAD_N[:2] if quick else NUMGRAD_N):
        other["numgrad"].append(measure("numgrad", "core", n, "float64", 1))
    for size in SIZES:
        for dtype in DTYPES:
            row = {"size": size, "dtype": dtype}
            for impl in ("core", "fast"):
                out = measure("memory", impl, size, dtype)
                row.update(cached_bytes=out["cached_bytes"], param_bytes=out["param_bytes"])
                row[f"{impl}_peak_step_bytes"] = out["peak_step_bytes"]
            other["memory"].append(row)
    return other


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few repeats, smoke test")
    args = parser.parse_args()
    have_torch = importlib.util.find_spec("torch") is not None
    if not have_torch:
        print("PyTorch is not installed: skipping the PyTorch comparison "
              "(install it with: pip install torch==2.13.0).", flush=True)
    started = datetime.datetime.now(datetime.UTC)
    results = {
        "date": started.strftime("%Y-%m-%d"),
        "started_utc": started.strftime("%Y-%m-%d %H:%M UTC"),
        "quick": args.quick,
        "load_average_before": os.getloadavg(),
        "machine": machine(have_torch),
        "thread_counts": THREADS,
        "rounds": 1 if args.quick else ROUNDS,
        "steps": run_steps(args.quick, have_torch),
        "agreement": run_agreement(),
        **run_other(args.quick),
    }
    results["peak"] = peak_rows(results["steps"])
    if have_torch:
        results["gemm"] = run_gemm(args.quick)
    results["load_average_after"] = os.getloadavg()
    loads = [x for row in results["steps"] for x in row["load_average"]]
    results["load_average_during_steps"] = [min(loads), max(loads)]
    results["seconds"] = round(
        (datetime.datetime.now(datetime.UTC) - started).total_seconds(), 1)
    folder = HERE / "results" / ("quick" if args.quick else "")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    sys.path.insert(0, str(HERE))
    import report

    table = report.markdown_tables(results)
    (folder / "results.md").write_text(table)
    # the quick run's page and figures stay beside its results, never in the book
    report.write_book_page(results, folder if args.quick else ROOT / "appendix")
    print(table)
    print(f"benchmarks took {results['seconds']} s; wrote {folder / 'results.json'}"
          + ("" if args.quick else f" and {ROOT / 'appendix' / 'performance.md'}"))


if __name__ == "__main__":
    main()
