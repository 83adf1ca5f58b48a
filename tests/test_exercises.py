"""The committed exercise notebooks are up to date with their sources and show the right
check lines. Fast: the notebooks are regenerated in memory, not executed (nbval runs them).

After editing tools/exercises/<name>.md, run `make exercises` (or
`python tools/make_exercises.py <name>`) and commit the regenerated notebooks.
"""

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("make_exercises", ROOT / "tools" / "make_exercises.py")
make_exercises = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_exercises)

NAMES = make_exercises.exercise_names()
CASES = [(name, version) for name in NAMES for version in ("student", "solution")]
IDS = [f"{name}-{version}" for name, version in CASES]


def committed(name, version):
    path = make_exercises.paths(name)[version]
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run `make exercises`"
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell):
    text = cell["source"]
    return "".join(text) if isinstance(text, list) else text


def test_one_exercise_per_chapter():
    """One exercise per chapter number (a chapter may have a companion, 05_case_study)."""
    chapters = sorted({p.stem[:2] for p in (ROOT / "chapters").glob("[0-9][0-9]_*.ipynb")})
    assert [n[2:4] for n in NAMES] == chapters


def test_no_stray_notebooks():
    expected = {p for name in NAMES for p in make_exercises.paths(name).values()}
    found = {p for p in (ROOT / "exercises").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts}
    assert found == expected


@pytest.mark.parametrize("name, version", CASES, ids=IDS)
def test_notebook_is_up_to_date_with_its_source(name, version):
    fresh = make_exercises.build(name, version)
    stored = committed(name, version)
    assert len(stored["cells"]) == len(fresh.cells), f"{name} ({version}): run `make exercises`"
    for i, (new, old) in enumerate(zip(fresh.cells, stored["cells"]), start=1):
        where = f"{name} ({version}) cell {i}: out of date, run `make exercises`"
        assert old["cell_type"] == new.cell_type, where
        assert source(old) == new.source, where
        assert old["metadata"] == dict(new.metadata), where


@pytest.mark.parametrize("name, version", CASES, ids=IDS)
def test_check_cells_show_the_expected_line(name, version):
    nb = committed(name, version)
    n_checks = 0
    for i, cell in enumerate(nb["cells"], start=1):
        if cell["cell_type"] != "code":
            continue
        assert cell["execution_count"] is not None, f"{name} cell {i} was never executed"
        assert not any(o["output_type"] == "error" for o in cell["outputs"]), f"cell {i}"
        text = "".join(
            "".join(o.get("text", "")) for o in cell["outputs"] if o["output_type"] == "stream"
        )
        calls = re.findall(r"\bbpcheck\.(check_\w+)\(", source(cell))
        if calls:
            n_checks += 1
            (check,) = calls
            if version == "solution":
                assert re.fullmatch(rf"✅ {check}: all \d+ tests passed\.\n", text), f"cell {i}"
            else:
                assert text.startswith(f"⏳ {check}: not implemented yet."), f"cell {i}"
                assert text.count("\n") == 1, f"cell {i}"
        elif "needs_implementation()" in source(cell) and version == "student":
            assert text.startswith("⏳ not implemented yet"), f"cell {i}"
        if version == "solution":
            assert "⏳" not in text and "❌" not in text, f"{name} solution cell {i}: {text}"
    assert n_checks >= 2, f"{name}: every exercise has several checked tasks"


@pytest.mark.parametrize("name, version", CASES, ids=IDS)
def test_first_cells_link_and_install_on_colab_only(name, version):
    nb = committed(name, version)
    title, note, colab = nb["cells"][:3]
    assert source(title).startswith("# Exercise" if version == "student" else "# Solution")
    chapter = "../chapters/" if version == "student" else "../../chapters/"
    assert re.search(rf"\]\({re.escape(chapter)}\d\d_\w+\.ipynb\)", source(title)), (
        f"{name}: link the chapter as [chapter N]({chapter}NN_name.ipynb)")
    other = f"solutions/{name}.ipynb" if version == "student" else f"../{name}.ipynb"
    assert f"]({other})" in source(note)
    assert colab["metadata"].get("tags") == ["remove-cell"]
    code = source(colab)
    assert 'if "google.colab" in sys.modules:' in code
    assert re.search(r"bplib @ git\+https://\S+@v\d+\.\d+\.\d+", code), "pinned to a tag"
    assert colab["outputs"] == []  # prints nothing outside Colab


LINK = re.compile(r"\]\(([^)\s]+\.ipynb)(?:#[^)]*)?\)")


@pytest.mark.parametrize("name, version", CASES, ids=IDS)
def test_text_uses_plain_links_that_exist(name, version):
    """Jupyter shows {doc} roles as raw text; plain Markdown links work in both."""
    path = make_exercises.paths(name)[version]
    for i, cell in enumerate(committed(name, version)["cells"], start=1):
        if cell["cell_type"] != "markdown":
            continue
        text = source(cell)
        assert "{doc}" not in text, f"{name} ({version}) cell {i}: use a Markdown link"
        for target in LINK.findall(text):
            assert (path.parent / target).resolve().exists(), f"{name} cell {i}: {target}"


@pytest.mark.parametrize("name", NAMES)
def test_student_version_holds_no_solution(name):
    student = committed(name, "student")
    solution = committed(name, "solution")
    student_code = "\n".join(source(c) for c in student["cells"] if c["cell_type"] == "code")
    assert "### BEGIN SOLUTION" not in student_code
    assert "raise NotImplementedError()" in student_code
    hidden = [c for c in solution["cells"] if "hide-input" in c["metadata"].get("tags", [])]
    assert hidden, "the solution cells are folded in the book"
    for cell in hidden:
        assert source(cell) not in student_code


def test_generator_reads_myst_with_jupytext_and_uses_the_engines_marks():
    import bpcheck.engine

    assert (make_exercises.PASS, make_exercises.TODO, make_exercises.FAIL) == (
        bpcheck.engine.PASS, bpcheck.engine.TODO, bpcheck.engine.FAIL)
    text = (
        "# Exercise 9: t\n\nText.\n\n```{code-cell} ipython3\n:tags: [hide-input]\n\n"
        "x = 1\n```\n\n+++\n\nMore.\n\n```{code-cell} ipython3\n---\nmystnb:\n  image:\n"
        "    alt: 'A plot: x against y'\n---\nprint(x)\n```\n"
    )
    cells = make_exercises.parse_source(text, "t")
    assert [kind for kind, _, _ in cells] == ["markdown", "code", "markdown", "code"]
    assert cells[1][1:] == ("x = 1", {"tags": ["hide-input"]})
    assert cells[3][2] == {"mystnb": {"image": {"alt": "A plot: x against y"}}}
    with pytest.raises(make_exercises.ExerciseError, match="YAML block"):
        make_exercises.parse_source("# E\n\n```{code-cell} ipython3\n:alt: a: b\nx\n```\n", "t")


def test_generator_strips_solutions_and_refuses_bad_notebooks():
    cell = "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"
    assert make_exercises.strip_solution(cell, "t") == (
        "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    )
    assert make_exercises.keep_solution(cell) == "def f(x):\n    return 2 * x"
    with pytest.raises(make_exercises.ExerciseError):
        make_exercises.strip_solution("### BEGIN SOLUTION\nx = 1", "t")

    def executed(text):
        nb = make_exercises.nbformat.v4.new_notebook()
        cell = make_exercises.nbformat.v4.new_code_cell("bpcheck.check_sigmoid(sigmoid)")
        cell.outputs = [make_exercises.nbformat.v4.new_output("stream", name="stdout",
                                                              text=text)]
        nb.cells = [cell]
        return nb

    passing = "✅ check_sigmoid: all 4 tests passed.\n"
    todo = "⏳ check_sigmoid: not implemented yet. Replace ...\n"
    failing = "❌ check_sigmoid: test 1 of 4 (...): hint\n"
    assert make_exercises.problems(executed(passing), "solution", "t") == []
    assert make_exercises.problems(executed(todo), "student", "t") == []
    for text, version in ((todo, "solution"), (failing, "solution"), (passing, "student"),
                          (failing, "student"), ("", "student"), ("", "solution")):
        found = make_exercises.problems(executed(text), version, "t")
        assert found and "cell 1" in found[0], (text, version)
