"""The benchmark suite measures what it says, and the book page shows the committed results.

The timings themselves are not tested (speed is measured in ``make bench``, never asserted
here); what is tested is that the implementations compared compute the same thing, that
the FLOP count is right, that a target is called met only when its number meets it, and
that ``appendix/performance.md`` is exactly what ``benchmarks/report.py`` makes of the
committed ``benchmarks/results/results.json``.
"""

import copy
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(BENCH))

import bench_step  # noqa: E402
import report  # noqa: E402

RESULTS = json.loads((BENCH / "results" / "results.json").read_text())


class Args:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_bplib_seed_and_pytorch_compute_the_same_losses(dtype):
    out = bench_step.cmd_agree(Args(size="small", dtype=dtype))
    expected = {"seed"} | ({"torch"} if importlib.util.find_spec("torch") else set())
    assert set(out["max_rel_diff"]) == expected
    tolerance = 1e-12 if dtype == "float64" else 1e-5
    assert all(diff < tolerance for diff in out["max_rel_diff"].values()), out
    assert all(len(losses) == 3 for losses in out["losses"].values())


def test_step_flops_count_every_matrix_product_of_a_training_step():
    sizes, batch = [3, 4, 2], 5
    forward = 2 * batch * (3 * 4 + 4 * 2)  # x @ W per layer
    weight_grads = forward  # x.T @ grad per layer: the same products' sizes
    input_grads = 2 * batch * 4 * 2  # grad @ W.T, every layer but the first
    assert bench_step.step_flops(sizes, batch) == forward + weight_grads + input_grads


def test_the_step_command_times_the_requested_number_of_steps():
    out = bench_step.cmd_step(Args(impl="bplib", size="small", dtype="float32", repeats=3,
                                   warmup=1, with_peak=False))
    assert len(out["times"]) == 3 and all(t > 0 for t in out["times"])
    assert out["step_flops"] == bench_step.step_flops(*bench_step.SIZES["small"])
    out = bench_step.cmd_step(Args(impl="bplib", size="small", dtype="float64", repeats=2,
                                   warmup=1, with_peak=True))
    assert len(out["times"]) == len(out["peak_times"]) == 2  # one peak product per step
    assert out["peak_flops"] == 2 * 1024**3


def test_a_target_is_met_only_when_its_number_meets_it():
    results = copy.deepcopy(RESULTS)
    for row in results["steps"]:
        if row["threads"] == 1 and row["size"] == "small" and "bplib_over_torch" in row:
            row["bplib_over_torch"] = report.RATIO_TARGETS["small"] + 0.01
        if row["threads"] == 1 and row["size"] == "large":
            row["peak_share"] = report.PEAK_TARGET
    rows = {what: ok for what, _, _, ok in report.target_rows(results)}
    assert rows["large step GFLOP/s / matmul peak, float64"]  # >= 80 % holds at 80 %
    if "bplib / PyTorch time, small float64" in rows:
        assert not rows["bplib / PyTorch time, small float64"]


def test_the_committed_results_record_versions_threads_and_rounds():
    machine = RESULTS["machine"]
    assert {"numpy", "python", "processor", "cpu_count", "numpy_blas"} <= set(machine)
    assert RESULTS["thread_counts"] == [1, 2]
    assert not RESULTS["quick"]
    for row in RESULTS["steps"]:
        assert row["bplib"]["n"] >= RESULTS["rounds"]  # every round timed some steps
        if "torch" in row:
            assert len(row["bplib_over_torch_rounds"]) == RESULTS["rounds"]
            assert np.isclose(row["bplib_over_torch"],
                              np.median(row["bplib_over_torch_rounds"]))
            assert np.allclose(row["bplib_over_torch_rounds"],
                               np.divide(row["bplib"]["round_medians"],
                                         row["torch"]["round_medians"]))


def test_the_book_page_is_generated_from_the_committed_results():
    page = (ROOT / "appendix" / "performance.md").read_text()
    assert page == report.page_text(RESULTS), (
        "appendix/performance.md differs from what benchmarks/report.py makes of "
        "benchmarks/results/results.json: run `python benchmarks/report.py`")
    assert RESULTS["date"] in page
