"""Invariants of every committed notebook, read as data (nothing is executed here)."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(
    p
    for folder in ("chapters", "exercises")
    for p in (ROOT / folder).rglob("*.ipynb")
    if ".ipynb_checkpoints" not in p.parts
)
IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]


def code_cells(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under chapters/ or exercises/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_code_cell_was_executed_in_order(path):
    counts = [c["execution_count"] for c in code_cells(path)]
    assert None not in counts, f"{path.name}: a code cell was never executed (nbval skips it)"
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: run top to bottom once"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_notebook_touches_sys_path_or_the_network(path):
    source = "\n".join("".join(c["source"]) for c in code_cells(path))
    assert "sys.path" not in source
    assert not re.search(r"urllib|requests\.get|urlopen|wget |curl ", source)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_outputs_are_reproducible_text(path):
    for cell in code_cells(path):
        for output in cell.get("outputs", []):
            text = json.dumps(output)
            assert not re.search(r"0x[0-9a-f]{6,}", text), f"memory address in {path.name}"
            assert "/tmp/" not in text and "/work/" not in text, f"machine path in {path.name}"
            assert "image/svg+xml" not in output.get("data", {}), f"SVG output in {path.name}"
            assert output.get("name") != "stderr", f"stderr output (a warning?) in {path.name}"
