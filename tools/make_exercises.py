"""Generate the exercise notebooks from their one source each, execute them, and check them.

    python tools/make_exercises.py              # every source in tools/exercises/
    python tools/make_exercises.py ex03_sigmoid # only the named exercise(s)

Each source ``tools/exercises/<name>.md`` is a MyST Markdown notebook, read with jupytext's
MyST reader (the format Jupyter Book itself uses): prose, code cells fenced as
``` ```{code-cell} ipython3 ```, markdown cells split at lines holding ``+++``. A code cell's
options are its metadata: ``:tags: [a, b]`` in the short form, or a YAML block between
``---`` lines, e.g. ``tags: [...]`` and ``mystnb: {image: {alt: "..."}}`` for the alt text of
the figure the cell draws (write the YAML block whenever a value contains a colon). Exercise
text links chapters with plain Markdown links, ``[chapter 3](../chapters/03_sigmoid.ipynb)``:
``{doc}`` roles show as raw text in Jupyter, while the book resolves ``.ipynb`` links.
From it this script writes

* ``exercises/<name>.ipynb``: the student version. Code between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION`` is replaced by ``raise NotImplementedError()``; cells tagged
  ``solution-only`` are left out.
* ``exercises/solutions/<name>.ipynb``: the solution version, without the markers; the
  cells that held solution code get the tag ``hide-input`` (folded in the book).

Both get a first cell, hidden in the book, that installs bplib on Google Colab only, from the
repository named in ``_config.yml`` at the tag ``v<version in pyproject.toml>``.

Both notebooks are executed before anything is written. The script refuses to write (exit
status 1, naming the cell) when a cell raises, when a solution notebook prints anything but
a passing check (``✅``), or when a student notebook prints anything but "not implemented
yet" (``⏳``) from a check: a passing check on a stub means the check cannot fail.
"""

import copy
import os
import re
import sys
import tomllib
from pathlib import Path

import nbformat
import yaml

from bpcheck.engine import FAIL, PASS, TODO

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "tools" / "exercises"
STUDENT_DIR = ROOT / "exercises"
SOLUTION_DIR = STUDENT_DIR / "solutions"

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
# A cell is a check cell when it runs a check or a block that needs the student's code.
CHECK_CALL = re.compile(r"\bcheck_\w+\(|needs_implementation\(")

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


class ExerciseError(Exception):
    """A source or a generated notebook breaks a rule; the message names the cell."""


# --- reading a source -------------------------------------------------------------------


def parse_source(text, name):
    """Split a source into ``[(cell_type, source, metadata), ...]`` with jupytext's reader.

    ``metadata`` holds a code cell's ``tags`` and ``mystnb`` options; a short-form
    ``:alt: text`` option becomes ``{"mystnb": {"image": {"alt": text}}}``.
    """
    import jupytext  # a maintainer tool (requirements.txt); colab_cell_source needs none
    from jupytext.myst import MystMetadataParsingError

    try:
        nb = jupytext.reads(text, fmt="md:myst")
    except MystMetadataParsingError as error:
        raise ExerciseError(
            f"{name}: {error}. Write the cell's options as a YAML block between '---' lines "
            "(quote values that contain a colon)."
        ) from None
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            body = cell.source.strip()
            if body:
                cells.append(("markdown", body, {}))
            continue
        if cell.cell_type != "code":
            raise ExerciseError(f"{name}: unexpected {cell.cell_type} cell")
        meta = dict(cell.metadata)
        unknown = set(meta) - {"tags", "mystnb", "alt"}
        if unknown:
            raise ExerciseError(f"{name}: unknown code-cell option(s) {sorted(unknown)}")
        metadata = {}
        if meta.get("tags"):
            metadata["tags"] = list(meta["tags"])
        if "mystnb" in meta:
            metadata["mystnb"] = meta["mystnb"]
        if "alt" in meta:
            metadata["mystnb"] = {"image": {"alt": str(meta["alt"])}}
        cells.append(("code", cell.source, metadata))
    return cells


def colab_cell_source(root=ROOT):
    """The first cell: install bplib on Colab only, pinned to the release tag."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    url = config["repository"]["url"].rstrip("/")
    with open(root / "pyproject.toml", "rb") as f:
        version = tomllib.load(f)["project"]["version"]
    return (
        "# On Google Colab, install bplib (pinned to a release); elsewhere it is already here.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import subprocess\n"
        "\n"
        "    subprocess.run(\n"
        '        [sys.executable, "-m", "pip", "install", "--quiet",\n'
        f'         "bplib @ git+{url}@v{version}"],\n'
        "        check=True,\n"
        "    )"
    )


def strip_solution(source, where):
    """Student version of a cell: each solution block becomes ``raise NotImplementedError()``."""
    out, inside = [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ExerciseError(f"{where}: nested {BEGIN}")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}# YOUR CODE HERE")
            out.append(f"{indent}raise NotImplementedError()")
        elif stripped == END:
            if not inside:
                raise ExerciseError(f"{where}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ExerciseError(f"{where}: {BEGIN} without {END}")
    return "\n".join(out)


def keep_solution(source):
    """Solution version of a code cell: the markers go, the code stays."""
    return "\n".join(l for l in source.splitlines() if l.strip() not in (BEGIN, END))


def retarget_links(text):
    """Solutions live one folder deeper: ``../chapters/x`` becomes ``../../chapters/x``."""
    return re.sub(r"(?<![./])\.\./chapters/", "../../chapters/", text)


def build(name, version, root=ROOT):
    """The unexecuted notebook ``version`` ("student" or "solution") of exercise ``name``."""
    text = (root / "tools" / "exercises" / f"{name}.md").read_text(encoding="utf-8")
    cells = parse_source(text, name)
    if not cells or cells[0][0] != "markdown" or not cells[0][1].startswith("# Exercise"):
        raise ExerciseError(f"{name}: the source must start with a '# Exercise ...' title")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    out = []
    for i, (kind, source, metadata) in enumerate(cells):
        where = f"{name} cell {i + 1}"
        metadata = copy.deepcopy(metadata)
        tags = metadata.pop("tags", [])
        if kind == "markdown":
            if version == "solution":
                source = retarget_links(source)
                if i == 0:
                    source = source.replace("# Exercise", "# Solution", 1)
            out.append(nbformat.v4.new_markdown_cell(source))
            if i == 0:
                other = (f"solutions/{name}" if version == "student" else f"../{name}")
                note = (
                    f"Worked solutions: [{name} solutions]({other}.ipynb)."
                    if version == "student"
                    else f"The exercise without solutions: [{name}]({other}.ipynb)."
                )
                out.append(nbformat.v4.new_markdown_cell(note))
                out.append(nbformat.v4.new_code_cell(colab_cell_source(root)))
                out[-1].metadata["tags"] = ["remove-cell"]
            continue
        if "solution-only" in tags:
            if version == "student":
                continue
            tags.remove("solution-only")
        has_solution = BEGIN in source
        if version == "student":
            source = strip_solution(source, where)
        else:
            source = keep_solution(source)
            if has_solution:
                tags.append("hide-input")
        cell = nbformat.v4.new_code_cell(source)
        if tags:
            cell.metadata["tags"] = tags
        cell.metadata.update(metadata)
        out.append(cell)
    for i, cell in enumerate(out):
        cell["id"] = f"{name[:4]}-{version[:3]}-{i:02d}"
    nb.cells = out
    return nb


def exercise_names(root=ROOT):
    return sorted(p.stem for p in (root / "tools" / "exercises").glob("ex*.md"))


def paths(name, root=ROOT):
    return {
        "student": root / "exercises" / f"{name}.ipynb",
        "solution": root / "exercises" / "solutions" / f"{name}.ipynb",
    }


# --- checking executed notebooks -------------------------------------------------------


def output_text(cell):
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif output.get("output_type") == "error":
            parts.append(f"{output.get('ename')}: {output.get('evalue')}")
        elif "text/plain" in output.get("data", {}):
            parts.append(output["data"]["text/plain"])
    return "".join(parts)


def problems(nb, version, name):
    """Every rule an executed notebook breaks, as ``["<name> cell <n> (<first line>): ..."]``."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
        where = f"{name} ({version}) cell {i + 1} ({first[:60]!r})"
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            found.append(f"{where}: raised an error")
            continue
        if any(o.get("name") == "stderr" for o in cell.get("outputs", [])):
            found.append(f"{where}: wrote to stderr (a warning?)")
        text = output_text(cell)
        lines = [l for l in text.splitlines() if l.startswith((PASS, TODO, FAIL))]
        if CHECK_CALL.search(cell.source) and not lines:
            if version == "student" or re.search(r"\bcheck_\w+\(", cell.source):
                found.append(f"{where}: a check cell printed no check line")
        for line in lines:
            if version == "solution" and not line.startswith(PASS):
                found.append(f"{where}: the solution does not pass: {line}")
            if version == "student" and not (
                line.startswith(TODO) and "not implemented yet" in line
            ):
                found.append(f"{where}: the stub must print 'not implemented yet', got: {line}")
    return found


def execute(nb, folder):
    """Execute ``nb`` in memory as if it lived in ``folder``, with the project's one
    notebook executor (``tools/execute_notebooks.run``); errors stay in the outputs."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "execute_notebooks", Path(__file__).resolve().parent / "execute_notebooks.py")
    executor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(executor)
    return executor.run(copy.deepcopy(nb), folder, allow_errors=True)


def make(name, root=ROOT):
    """Build, execute and check both versions of ``name``; write them only if all is well."""
    results, found = {}, []
    for version, path in paths(name, root).items():
        executed = execute(build(name, version, root), path.parent)
        found += problems(executed, version, name)
        results[path] = executed
    if found:
        raise ExerciseError("\n".join(found))
    for path, nb in results.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        print(f"wrote {path.relative_to(root)}")


def main(argv):
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    names = argv or exercise_names()
    unknown = sorted(set(names) - set(exercise_names()))
    if unknown:
        sys.exit(f"make_exercises: no source tools/exercises/<name>.md for {unknown}")
    failed = False
    for name in names:
        try:
            make(name)
        except ExerciseError as error:
            failed = True
            print(f"make_exercises: refusing to write {name}:\n{error}", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
