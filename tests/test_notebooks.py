"""Invariants of every committed notebook, read as data (nothing is executed here).

nbval re-runs each notebook and compares its outputs with the stored ones, so a stored
output must be something a fresh run on another machine reproduces exactly: no memory
addresses, temp paths, process ids, dates, machine paths, warnings or SVG. nbval never
compares a cell that was not executed, or one tagged ``nbval-ignore-output``: hence the
tests on execution counts and on where that tag may appear.
"""

import ast
import json
import re
import sys
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
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
MAX_CELL_LINES = 30  # a code cell a student can read without scrolling

# What a stored output must not contain, each with the reason a reader is given.
FORBIDDEN = [
    ("a memory address", r"\b0x[0-9a-fA-F]{6,}\b"),
    ("a temp path", r"/tmp/|/var/folders/|\\Temp\\|\btmp[a-z0-9_]{8}\b"),
    ("a process id", r"ipykernel_\d+|\bpid\b\W{0,3}\d+|\bprocess \d+"),
    ("a date", r"\b(19|20)\d\d[-/.](0[1-9]|1[0-2])[-/.](0[1-9]|[12]\d|3[01])\b"),
    ("a time of day", r"\b([01]\d|2[0-3]):[0-5]\d:[0-5]\d\b"),
    ("an absolute path of this machine",
     r"(?<![\w.])/(home|Users|root|work|usr|opt|mnt|srv|private)/|\b[A-Za-z]:\\|site-packages"),
    ("a warning", r"\b[A-Z]\w*Warning\b"),
    ("an SVG image", r"<svg\b"),
]
# A cell whose source matches this times something or measures memory: its output may
# differ from run to run, so it alone may carry the nbval-ignore-output tag.
MEASURES = re.compile(
    r"perf_counter|process_time|monotonic|time\.time|timeit|default_timer|tracemalloc|memory"
)
IGNORE_MARKERS = ("nbval-ignore-output", "NBVAL_IGNORE_OUTPUT")
SKIP_MARKERS = ("nbval-skip", "NBVAL_SKIP")


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(path):
    cells = load(path)["cells"]
    return [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def source(cell):
    return "".join(cell["source"])


def has_marker(cell, markers):
    """True when one of ``markers`` is a tag of the cell or a comment in its source."""
    tags = cell.get("metadata", {}).get("tags", [])
    return any(m in tags or f"# {m}" in source(cell) for m in markers)


def output_texts(output):
    """Every piece of text an output shows (images are left out: base64 is not text)."""
    if output["output_type"] == "stream":
        return ["".join(output["text"])]
    if output["output_type"] == "error":
        return [output["ename"], output["evalue"], *output["traceback"]]
    data = output.get("data", {})
    return ["".join(v) for k, v in data.items() if k.startswith("text/") or k.endswith("json")]


def problems_in(text):
    """Names of the FORBIDDEN things found in ``text``."""
    found = [what for what, pattern in FORBIDDEN if re.search(pattern, text)]
    for machine_path in (str(ROOT), sys.prefix):
        if machine_path in text:
            found.append("an absolute path of this machine")
    return found


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under chapters/ or exercises/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_code_cell_was_executed_in_order(path):
    counts = [c["execution_count"] for c in code_cells(path)]
    assert None not in counts, f"{path.name}: a code cell was never executed (nbval skips it)"
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: run top to bottom once"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_notebook_touches_sys_path_or_the_network(path):
    text = "\n".join(source(c) for c in code_cells(path))
    assert "sys.path" not in text
    assert not re.search(r"urllib|requests\.get|urlopen|wget |curl ", text)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_outputs_are_reproducible_text(path):
    problems = []
    for number, cell in enumerate(code_cells(path), start=1):
        for output in cell.get("outputs", []):
            if output.get("name") == "stderr":
                problems.append(f"code cell {number}: writes to stderr (a warning?)")
            images = [k for k in output.get("data", {}) if k.startswith("image/")]
            if any(k != "image/png" for k in images):
                problems.append(f"code cell {number}: an image that is not PNG {images}")
            for text in output_texts(output):
                problems += [f"code cell {number}: {what}" for what in problems_in(text)]
    assert not problems, f"{path.name}:\n" + "\n".join(sorted(set(problems)))


def test_the_output_checks_find_what_they_look_for():
    """Each pattern catches a real example and lets ordinary printed numbers through."""
    caught = {
        "<matplotlib.lines.Line2D at 0x7f3a2c1b9d90>": "a memory address",
        "/tmp/ipykernel_12345/3012.py:4: RuntimeWarning: overflow": "a warning",
        "saved to /tmp/tmpk2j3h4g5/fig.png": "a temp path",
        "kernel pid 4242 started": "a process id",
        "run on 2025-03-14": "a date",
        "finished at 14:03:59": "a time of day",
        "File /home/student/bplib/layers.py:96": "an absolute path of this machine",
        "<svg xmlns='http://www.w3.org/2000/svg'>": "an SVG image",
    }
    for text, what in caught.items():
        assert what in problems_in(text), text
    assert "an absolute path of this machine" in problems_in(f"{ROOT}/bplib/layers.py")
    harmless = "loss 0.123456 after 100 epochs, eps = 1e-05, ratio 12,345 (2/3 correct)"
    assert problems_in(harmless) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_kernel_and_language(path):
    nb = load(path)
    assert nb["nbformat"] == 4
    assert nb["metadata"].get("kernelspec") == KERNELSPEC, f"{path.name}: kernelspec"
    language = nb["metadata"].get("language_info", {})
    assert language.get("name") == "python", f"{path.name}: language_info.name"
    assert "version" not in language, f"{path.name}: a Python version differs between machines"


def test_language_metadata_is_the_same_in_every_notebook():
    kinds = {}
    for path, name in zip(NOTEBOOKS, IDS):
        language = json.dumps(load(path)["metadata"].get("language_info", {}), sort_keys=True)
        kinds.setdefault(language, []).append(name)
    assert len(kinds) <= 1, "notebooks disagree on language_info:\n" + "\n".join(
        f"{len(names)} x {language}: {names}" for language, names in kinds.items()
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_code_cells_are_short(path):
    long = [
        f"code cell {number}: {len(source(cell).rstrip().splitlines())} lines"
        for number, cell in enumerate(code_cells(path), start=1)
        if len(source(cell).rstrip().splitlines()) > MAX_CELL_LINES
    ]
    assert not long, f"{path.name}: cells longer than {MAX_CELL_LINES} lines: {long}"


def names_in(text):
    """(names the code reads, names it assigns or defines); magics are left out."""
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("%", "!")))
    read, written = set(), set()
    try:
        tree = ast.parse(code)
    except SyntaxError:  # other IPython syntax: judge the cell by its text alone
        return read, written
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else written).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            written.add(node.name)
    return read, written


def unjustified_ignore_tags(cells):
    """Numbers of the cells that carry nbval-ignore-output without measuring anything.

    A cell measures when its source times or traces memory (MEASURES), or when it reads a
    name that an earlier measuring cell assigned: a table printed from earlier timings, or
    a call of a timing function defined above.
    """
    measured_names, bad = set(), []
    for number, cell in enumerate(cells, start=1):
        read, written = names_in(source(cell))
        measures = bool(MEASURES.search(source(cell))) or bool(read & measured_names)
        if measures:
            measured_names |= written
        if has_marker(cell, IGNORE_MARKERS) and not measures:
            bad.append(number)
    return bad


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_only_measuring_cells_ignore_their_output(path):
    cells = code_cells(path)
    ignored = sum(has_marker(c, IGNORE_MARKERS) for c in cells)
    bad = unjustified_ignore_tags(cells)
    assert not bad, (
        f"{path.name}: {ignored} of {len(cells)} code cells ignore their output; code cells "
        f"{bad} do not time anything or measure memory, so nbval must compare their output"
    )
    skipped = [n for n, c in enumerate(cells, start=1) if has_marker(c, SKIP_MARKERS)]
    assert not skipped, f"{path.name}: code cells {skipped} are skipped by nbval"


def test_the_ignore_tag_counter_tells_measuring_cells_apart():
    def cell(text, ignore=True):
        return {"source": [text], "metadata": {"tags": ["nbval-ignore-output"] if ignore else []}}

    cells = [
        cell("import time\ndef seconds(f):\n    t = time.perf_counter()\n    f()\n"
             "    return time.perf_counter() - t", ignore=False),
        cell("%matplotlib inline\nt_fit = seconds(fit)\nprint(f'{t_fit:.3f} s')"),
        cell("print(f'{2 * t_fit:.3f} s')"),  # reads a measured name
        cell("import tracemalloc\ntracemalloc.start()"),
        cell("print(loss)"),  # measures nothing: its output must be compared
        cell("# NBVAL_IGNORE_OUTPUT\nprint(weights)", ignore=False),  # the comment form
    ]
    assert unjustified_ignore_tags(cells) == [5, 6]


def colab_cell_source():
    """The hidden install cell, as tools/make_exercises.py writes it for the exercises."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_exercises", ROOT / "tools" / "make_exercises.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.colab_cell_source()


CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_chapters_install_bplib_on_colab_only(path):
    """The first code cell is the exercises' Colab cell, hidden from the book.

    Fix with: python tools/colab_cell.py chapters/*.ipynb, then re-execute the chapter.
    """
    first = code_cells(path)[0]
    assert source(first) == colab_cell_source(), f"{path.name}: Colab cell missing or stale"
    assert "remove-cell" in first["metadata"].get("tags", [])
    assert not first.get("outputs"), f"{path.name}: the Colab cell must print nothing"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_chapters_link_the_api_entries_they_use(path):
    """Prose names a public bplib name as {py:obj}`bplib.X`, a link to its API entry."""
    import bplib

    plain = re.compile(r"(?<![}\w])`bplib\.([A-Za-z_]\w*)`")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell["cell_type"] != "markdown":
            continue
        prose = re.sub(r"```.*?```", "", "".join(cell["source"]), flags=re.S)
        unlinked = [name for name in plain.findall(prose) if name in bplib.__all__]
        assert not unlinked, f"{path.name}: write {{py:obj}}`bplib.{unlinked[0]}`"
