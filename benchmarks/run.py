"""Run every benchmark in separate processes and write results + a book page.

    python benchmarks/run.py            # full run (make bench): about 6 minutes on 2 cores
    python benchmarks/run.py --quick    # a smoke run with few repeats, written elsewhere

Each measurement runs in a fresh process (so thread counts are set before numpy and
PyTorch start). For every network, dtype and thread count the implementations alternate
A B C A B C over several rounds, so a change in the machine's load hits all of them; the
report gives medians with their interquartile range, and the bplib / PyTorch ratio both
from the medians and per round (its range shows how much the load moved it).

The full run writes benchmarks/results/results.json (the raw times, versions, thread
counts, load average), benchmarks/results/results.md and the book page
appendix/performance.md with its figures in appendix/images/. The quick run writes only
benchmarks/results/quick/, never the committed results or the book.
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
ROUNDS = 5
# steps timed per process and round, after 2 warm-up steps
REPEATS = {"small": 60, "medium": 20, "large": 4}
# the seed's per-sample code takes about 0.05 s, 0.7 s and 13 s per step: fewer of them
SEED_REPEATS = {"small": 5, "medium": 2, "large": 1}
SEED_ROUNDS = {"small": 3, "medium": 3, "large": 2}
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


def measure(what, impl, size, dtype, threads=1, repeats=10, warmup=2):
    command = [sys.executable, str(HERE / "bench_step.py"), what, impl, str(size), dtype,
               "--repeats", str(repeats), "--warmup", str(warmup)]
    done = subprocess.run(command, env=env_for(threads), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:])} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summary(times):
    times = sorted(times)
    q = statistics.quantiles(times, n=4) if len(times) >= 2 else [times[0]] * 3
    return {"median": statistics.median(times), "q1": q[0], "q3": q[2], "n": len(times),
            "times": times}


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


def run_steps(quick, have_torch):
    impls = ["bplib", "torch", "seed"] if have_torch else ["bplib", "seed"]
    results = []
    for size in SIZES:
        for dtype in DTYPES:
            for threads in THREADS:
                times = {impl: [] for impl in impls}
                per_round = {impl: [] for impl in impls}
                flops = None
                rounds = 1 if quick else ROUNDS
                for round_ in range(rounds):  # A B C A B C
                    for impl in impls:
                        if impl == "seed":
                            if round_ >= (1 if quick else SEED_ROUNDS[size]):
                                continue
                            if quick and size == "large":
                                continue
                            repeats, warmup = SEED_REPEATS[size], 0 if size == "large" else 1
                        else:
                            repeats = max(2, REPEATS[size] // 5) if quick else REPEATS[size]
                            warmup = 2
                        out = measure("step", impl, size, dtype, threads, repeats, warmup)
                        times[impl] += out["times"]
                        per_round[impl].append(statistics.median(out["times"]))
                        flops = out["step_flops"]
                row = {"size": size, "dtype": dtype, "threads": threads, "step_flops": flops}
                for impl in impls:
                    if times[impl]:
                        row[impl] = summary(times[impl])
                if have_torch:
                    row["bplib_over_torch"] = row["bplib"]["median"] / row["torch"]["median"]
                    ratios = [b / t for b, t in zip(per_round["bplib"], per_round["torch"])]
                    row["bplib_over_torch_rounds"] = ratios
                if "seed" in row:
                    row["seed_over_bplib"] = row["seed"]["median"] / row["bplib"]["median"]
                row["bplib_gflops"] = flops / row["bplib"]["median"] / 1e9
                if have_torch:
                    row["torch_gflops"] = flops / row["torch"]["median"] / 1e9
                print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v)
                                  for k, v in row.items()
                                  if not isinstance(v, (dict, list))}), flush=True)
                results.append(row)
    return results


def run_agreement():
    rows = []
    for size in SIZES:
        for dtype in DTYPES:
            rows.append({"size": size, "dtype": dtype,
                         **measure("agree", "all", size, dtype, 1)})
    return rows


def run_other(quick):
    other = {"peak": [], "fwdbwd": [], "numgrad": [], "memory": []}
    for dtype in DTYPES:
        for threads in THREADS:
            out = measure("peak", "none", "none", dtype, threads, 5 if quick else 30)
            med = statistics.median(out["times"])
            other["peak"].append({"dtype": dtype, "threads": threads,
                                  "gflops": out["flops"] / med / 1e9,
                                  "q1_gflops": out["flops"] / statistics.quantiles(
                                      out["times"], n=4)[2] / 1e9,
                                  "q3_gflops": out["flops"] / statistics.quantiles(
                                      out["times"], n=4)[0] / 1e9})
    for size in ("medium", "large"):
        for dtype in DTYPES:
            out = measure("fwdbwd", "bplib", size, dtype, 1, 5 if quick else 20)
            row = {"size": size, "dtype": dtype,
                   "predicted_dense_ratio": out["predicted_dense_ratio"],
                   "predicted_network_ratio": out["predicted_network_ratio"]}
            for kind in ("Dense", "Sigmoid", "network"):
                fwd = statistics.median(out[kind]["forward"])
                bwd = statistics.median(out[kind]["backward"])
                row[kind] = {"forward": fwd, "backward": bwd, "ratio": bwd / fwd}
            other["fwdbwd"].append(row)
    for n in (NUMGRAD_N[:2] if quick else NUMGRAD_N):
        other["numgrad"].append(measure("numgrad", "bplib", n, "float64", 1))
    for size in SIZES:
        for dtype in DTYPES:
            other["memory"].append({"size": size, "dtype": dtype,
                                    **measure("memory", "bplib", size, dtype)})
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
    results["load_average_after"] = os.getloadavg()
    results["seconds"] = round(
        (datetime.datetime.now(datetime.UTC) - started).total_seconds(), 1)
    folder = HERE / "results" / ("quick" if args.quick else "")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    sys.path.insert(0, str(HERE))
    import report

    table = report.markdown_tables(results)
    (folder / "results.md").write_text(table)
    if not args.quick:
        report.write_book_page(results, ROOT / "appendix")
    print(table)
    print(f"benchmarks took {results['seconds']} s; wrote {folder / 'results.json'}"
          + ("" if args.quick else f" and {ROOT / 'appendix' / 'performance.md'}"))


if __name__ == "__main__":
    main()
