"""The benchmark suite measures what it says, and the book page shows the committed results.

The timings themselves are not tested (speed is measured in ``make bench``, never asserted
here); what is tested is that the implementations compared compute the same thing (the
teaching core and the fast path on every network), that the FLOP count is right, that the
page speaks of both paths in the reader's words, and that ``appendix/performance.md`` is
exactly what ``benchmarks/report.py`` makes of the committed
``benchmarks/results/results.json``.
"""

import copy
import importlib.util
import json
import re
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
PAGE = (ROOT / "appendix" / "performance.md").read_text()
TOLERANCE = {"float64": 1e-12, "float32": 1e-5}


class Args:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_core_fast_original_and_pytorch_compute_the_same_losses(dtype):
    out = bench_step.cmd_agree(Args(impl="all", size="small", dtype=dtype))
    expected = {"fast", "original"} | ({"torch"} if importlib.util.find_spec("torch") else set())
    assert set(out["max_rel_diff"]) == expected
    assert all(diff < TOLERANCE[dtype] for diff in out["max_rel_diff"].values()), out
    assert all(len(losses) == 3 for losses in out["losses"].values())


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("size", list(bench_step.SIZES))
def test_core_and_fast_give_the_same_losses_and_weights_on_every_network(size, dtype):
    out = bench_step.cmd_agree(Args(impl="core,fast", size=size, dtype=dtype))
    assert set(out["losses"]) == {"core", "fast"}
    assert out["max_rel_diff"]["fast"] < TOLERANCE[dtype], out
    assert out["fast_param_diff"] < TOLERANCE[dtype], out
    losses = out["losses"]["core"]
    assert losses[2] < losses[0]  # the steps trained: same numbers, not the same no-op


def test_the_core_and_the_fast_step_are_the_functions_the_page_names():
    import bplib
    import bplib.fast

    calls = []
    sizes, batch = bench_step.SIZES["small"]
    for impl, name, module in (("core", "gradient_descent", bplib),
                               ("fast", "train_step", bplib.fast)):
        original = getattr(module, name)
        try:
            setattr(module, name, lambda *a, name=name, **k: calls.append(name) or 0.0)
            bench_step.make_step(impl, sizes, batch, np.float64)()
        finally:
            setattr(module, name, original)
    assert calls == ["gradient_descent", "train_step"]


def test_step_flops_count_every_matrix_product_of_a_training_step():
    sizes, batch = [3, 4, 2], 5
    forward = 2 * batch * (3 * 4 + 4 * 2)  # x @ W per layer
    weight_grads = forward  # x.T @ grad per layer: the same products' sizes
    input_grads = 2 * batch * 4 * 2  # grad @ W.T, every layer but the first
    assert bench_step.step_flops(sizes, batch) == forward + weight_grads + input_grads


@pytest.mark.parametrize("impl", ["core", "fast"])
def test_the_step_command_times_the_requested_number_of_steps(impl):
    out = bench_step.cmd_step(Args(impl=impl, size="small", dtype="float32", repeats=3,
                                   warmup=1, with_peak=False))
    assert len(out["times"]) == 3 and all(t > 0 for t in out["times"])
    assert out["step_flops"] == bench_step.step_flops(*bench_step.SIZES["small"])
    out = bench_step.cmd_step(Args(impl=impl, size="small", dtype="float64", repeats=2,
                                   warmup=1, with_peak=True))
    assert len(out["times"]) == len(out["peak_times"]) == 2  # one peak product per step
    assert out["peak_flops"] == 2 * 1024**3


def test_forward_backward_times_the_core_layers_and_both_networks():
    out = bench_step.cmd_fwdbwd(Args(impl="core", size="medium", dtype="float32", repeats=2))
    for kind in ("Dense", "Sigmoid", "core_network", "fast_network"):
        assert len(out[kind]["forward"]) == len(out[kind]["backward"]) == 2
    flops = bench_step.layer_flops(*bench_step.SIZES["medium"])
    assert out["predicted_core_network_ratio"] == out["predicted_dense_ratio"] == 2.0
    assert np.isclose(out["predicted_fast_network_ratio"], 2 - flops[0] / sum(flops))


def test_the_committed_results_record_versions_threads_rounds_and_both_paths():
    machine = RESULTS["machine"]
    assert {"numpy", "python", "processor", "cpu_count", "numpy_blas"} <= set(machine)
    assert RESULTS["thread_counts"] == [1, 2]
    assert not RESULTS["quick"]
    assert len(RESULTS["steps"]) == 3 * 2 * 2  # every network, dtype and thread count
    for row in RESULTS["steps"]:
        pairs = [("core", "fast")] + ([("fast", "torch")] if "torch" in row else [])
        for a, b in pairs:
            assert row[a]["n"] >= RESULTS["rounds"]  # every round timed some steps
            rounds = row[f"{a}_over_{b}_rounds"]
            assert len(rounds) == RESULTS["rounds"]
            assert np.isclose(row[f"{a}_over_{b}"], np.median(rounds))
            assert np.allclose(rounds, np.divide(row[a]["round_medians"],
                                                 row[b]["round_medians"]))
    for row in RESULTS["agreement"]:
        assert row["max_rel_diff"]["fast"] < TOLERANCE[row["dtype"]]
        assert row["fast_param_diff"] < TOLERANCE[row["dtype"]]


def test_the_book_page_is_generated_from_the_committed_results():
    assert PAGE == report.page_text(RESULTS), (
        "appendix/performance.md differs from what benchmarks/report.py makes of "
        "benchmarks/results/results.json: run `python benchmarks/report.py`")
    assert RESULTS["date"] in PAGE


def test_the_page_measures_both_paths_and_names_them():
    assert "`bplib.gradient_descent`" in PAGE and "`bplib.fast.train_step`" in PAGE
    assert "| core / fast (per round) |" in PAGE
    for heading in ("## One batched product against per-sample loops",
                    "## The price of clarity: core against fast path",
                    "## The backward pass against the forward pass",
                    "## bplib beside PyTorch"):
        assert heading in PAGE
    minutes = f"this run took {RESULTS['seconds'] / 60:.0f} minutes"
    assert minutes in PAGE  # how long make bench takes


# the project's words; readers see "the original notebook" and what the numbers show
PROJECT_WORDS = re.compile(r"\b(targets?|met|missed|issues?|sessions?|seeds?|seed's)\b",
                           re.IGNORECASE)


def test_the_page_speaks_of_numbers_not_of_targets_or_issues():
    found = [PAGE[max(0, m.start() - 40):m.end() + 40] for m in PROJECT_WORDS.finditer(PAGE)]
    assert not found, found


def test_without_pytorch_the_page_says_it_was_not_measured(tmp_path):
    results = copy.deepcopy(RESULTS)
    results["machine"].pop("torch", None)
    results["machine"].pop("torch_blas", None)
    results.pop("gemm", None)
    for row in results["steps"]:
        for key in [k for k in row if "torch" in k]:
            del row[key]
    for row in results["agreement"]:
        row["max_rel_diff"].pop("torch", None)
    page = report.page_text(results)
    assert "PyTorch was not installed when this run was made" in page
    assert "| fast / PyTorch" not in page
    assert not PROJECT_WORDS.search(page)
    report.figures(results, tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {
        "step_times.png", "ratios.png", "numerical_vs_backprop.png"}
