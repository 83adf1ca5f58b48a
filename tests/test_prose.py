"""Book-wide rules of the prose and of the chapters' visible code, read as data.

- The cost of backpropagation is stated one way: the backward pass costs about two forward
  passes (intro and glossary), never "one extra forward pass".
- Initialisations go by their real names: LeCun N(0, 1/n_in), Glorot (Xavier)
  N(0, 2/(n_in + n_out)), He N(0, 2/n_in).
- "seed" is the project's word; readers see "the original notebook".
- Figures are safe for colour-blind readers: every series drawn with plot/loglog/semilogx/
  semilogy/step names its marker or line style, and two series of one axes in one cell are
  not told apart by colour alone.
- The reader sees no `assert` (claims are guarded in cells tagged remove-cell) and no code
  line longer than the theme's code column (76 characters at a 1,280-pixel window).
"""

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
CHAPTER_IDS = [p.stem for p in CHAPTERS]
INTRO = ROOT / "intro.md"
GLOSSARY = ROOT / "reference" / "glossary.md"
MAX_LINE = 76
REMOVED = {"remove-cell", "remove_cell"}  # not in the HTML at all
HIDDEN_INPUT = {"remove-input", "remove_input"}  # input not in the HTML
PLOT_CALLS = {"plot", "loglog", "semilogx", "semilogy", "step"}
# matplotlib's format string: [marker][line][color] in any order
FMT_MARKERS = set(".,ov^<>1234sp*hH+xXDd|_8P")
FMT_LINES = ("--", "-.", "-", ":")


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"])


def tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


def visible_code_cells(path):
    """(index, cell) of the code cells whose input the reader of the HTML can see."""
    return [
        (i, c) for i, c in enumerate(cells(path))
        if c["cell_type"] == "code" and not tags(c) & (REMOVED | HIDDEN_INPUT)
        and source(c).strip()
    ]


def python_source(text):
    """The cell's code with IPython magics and shell lines blanked (line numbers kept)."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in text.splitlines()
    )


def flatten(text):
    """Markdown reduced to words: math kept, whitespace collapsed, lowercase."""
    return re.sub(r"\s+", " ", text).lower()


def strip_code(markdown):
    """Markdown without fenced code blocks and inline code spans (code may say `seed`)."""
    markdown = re.sub(r"^(```|~~~).*?^\1", "", markdown, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", markdown)


def normalise_math(text):
    """Maths reduced to a comparable form: N(0,1/nin) for $\\mathcal{N}(0, 1/n_\\text{in})$."""
    text = re.sub(r"\\(mathcal|text|mathrm|operatorname)", "", text)
    return re.sub(r"[\s{}_$\\]", "", text).lower()


def sentences(text):
    return [s for s in re.split(r"(?<=[.;])\s+", re.sub(r"\s+", " ", text)) if s]


# (a) the cost of backpropagation ------------------------------------------------------------

@pytest.mark.parametrize("path", [INTRO, GLOSSARY], ids=["intro", "glossary"])
def test_backward_pass_costs_about_two_forward_passes(path):
    text = flatten(path.read_text(encoding="utf-8"))
    assert "one extra forward pass" not in text, f"{path.name}: the backward pass costs about "\
        "two forward passes, not one"
    assert re.search(r"backward pass costs about two forward passes", text), (
        f"{path.name} must say that the backward pass costs about two forward passes"
    )


# (b) initialisations by their real names ----------------------------------------------------

def test_glossary_names_lecun_glorot_and_he_with_their_variances():
    said = [normalise_math(s) for s in sentences(GLOSSARY.read_text(encoding="utf-8"))]
    expected = {
        "lecun": "n(0,1/nin)",
        "glorot": "n(0,2/(nin+nout))",
        "he initialisation": "n(0,2/nin)",
    }
    for name, variance in expected.items():
        name = name.replace(" ", "")
        assert any(name in s and variance in s for s in said), (
            f"the glossary must name {name} with its distribution {variance} in one sentence"
        )
    for s in said:
        if "xavier" in s:
            assert "n(0,1/nin)" not in s, f"N(0, 1/n_in) is LeCun, not Xavier: {s!r}"
            assert "glorot" in s, f"Xavier is Glorot's initialisation: {s!r}"


# (c) "seed" never reaches readers -----------------------------------------------------------

SEED = re.compile(r"\bseeds?\b", re.I)  # also matches "seed's"; not "seeded"


def reader_texts():
    """(where, text) of everything a reader reads: markdown and outputs of the chapters."""
    for path in CHAPTERS:
        for i, cell in enumerate(cells(path)):
            if cell["cell_type"] == "markdown":
                yield f"{path.stem} cell {i}", strip_code(source(cell))
            for output in cell.get("outputs", []):
                if output["output_type"] == "stream":
                    yield f"{path.stem} cell {i} output", "".join(output["text"])
                elif "text/plain" in output.get("data", {}):
                    if "image/png" in output["data"]:
                        continue  # the figure's repr, not text the reader sees
                    yield f"{path.stem} cell {i} output", "".join(output["data"]["text/plain"])
    for path in (INTRO, GLOSSARY):
        yield path.name, strip_code(path.read_text(encoding="utf-8"))


def test_seed_is_not_a_reader_word():
    found = [
        f"{where}: ...{text[max(0, m.start() - 40):m.end() + 40]!r}..."
        for where, text in reader_texts() for m in SEED.finditer(text)
    ]
    assert not found, "say 'the original notebook', not 'seed':\n" + "\n".join(found)


# (d) figures: markers or line styles, not colour alone --------------------------------------

def style_of(call):
    """The call's explicit style as a hashable, or None when it names none.

    A constant style is a tuple of what it sets; a style computed at run time (a variable,
    a loop's value) counts as given, as ("dynamic", id).
    """
    style = {}
    for kw in call.keywords:
        if kw.arg in ("marker", "linestyle", "ls"):
            key = "marker" if kw.arg == "marker" else "linestyle"
            if isinstance(kw.value, ast.Constant):
                style[key] = kw.value.value
            else:
                return ("dynamic", id(call))
        if kw.arg is None:  # **kwargs: cannot tell
            return ("dynamic", id(call))
    for position, arg in enumerate(call.args[1:], 1):
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            fmt = arg.value
            line = next((ls for ls in FMT_LINES if ls in fmt), None)
            marker = next((ch for ch in fmt if ch in FMT_MARKERS), None)
            if line:
                style.setdefault("linestyle", line)
            if marker:
                style.setdefault("marker", marker)
        elif isinstance(arg, ast.JoinedStr) or position % 3 == 2:
            # plot(x, y, fmt, x2, y2, fmt2, ...): a format computed at run time
            return ("dynamic", id(call))
    if style.get("marker") in ("", "None", None) and style.get("linestyle") in (
        "", "None", None
    ):
        return None
    return tuple(sorted(style.items()))


def plot_calls(code):
    """(receiver, line, style, label) of every series-drawing call in ``code``."""
    try:
        tree = ast.parse(python_source(code))
    except SyntaxError:  # not Python (nbval reports it); nothing to read here
        return
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in PLOT_CALLS
            and len(node.args) >= 1
        ):
            receiver = ast.unparse(node.func.value)
            if receiver in ("np", "numpy", "math"):
                continue
            label = next((ast.unparse(k.value) for k in node.keywords if k.arg == "label"),
                         None)
            yield receiver, node.lineno, style_of(node), label


def test_style_of_reads_format_strings_and_keywords():
    def style(code):
        return style_of(ast.parse(code).body[0].value)

    assert style("ax.plot(x, y)") is None
    assert style("ax.plot(x, y, color='C0')") is None
    assert style("ax.plot(x, y, 'o')") == (("marker", "o"),)
    assert style("ax.plot(x, y, 's--', color='C1')") == (("linestyle", "--"), ("marker", "s"))
    assert style("ax.plot(x, y, linestyle=':')") == (("linestyle", ":"),)
    assert style("ax.plot(x, y, marker=m)")[0] == "dynamic"
    assert style("ax.plot(x, y, fmt)")[0] == "dynamic"
    assert style("ax.plot(x, y, label=fmt)") is None


@pytest.mark.parametrize("path", CHAPTERS, ids=CHAPTER_IDS)
def test_every_series_has_a_marker_or_line_style(path):
    problems = []
    for i, cell in enumerate(cells(path)):
        if cell["cell_type"] != "code" or not source(cell).strip():
            continue
        seen = {}
        for receiver, line, style, label in plot_calls(source(cell)):
            if style is None:
                problems.append(f"cell {i} line {line}: {receiver}.plot without a marker "
                                "or line style (colour alone is not enough)")
                continue
            if style[0] == "dynamic":
                continue
            key = (receiver, style)
            if key in seen and seen[key] != label:
                problems.append(f"cell {i} line {line}: two series on {receiver} share the "
                                f"style {dict(style)}, told apart by colour alone")
            seen.setdefault(key, label)
    assert not problems, "\n".join(problems)


# (e) no visible assert ----------------------------------------------------------------------

def claim_asserts(code):
    """Line numbers of assert statements outside function and class bodies."""
    try:
        tree = ast.parse(python_source(code))
    except SyntaxError:  # not Python: fall back to reading lines
        return [n for n, line in enumerate(code.splitlines(), 1)
                if re.match(r"\s*assert\b", line)]
    found = []

    def visit(node, inside_def):
        if isinstance(node, ast.Assert) and not inside_def:
            found.append(node.lineno)
        nested = inside_def or isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
        )
        for child in ast.iter_child_nodes(node):
            visit(child, nested)

    visit(tree, False)
    return found


def test_claim_asserts_finds_top_level_asserts_only():
    code = "x = 1\nassert x\nfor i in range(2):\n    assert i < 2\ndef f():\n    assert 0\n"
    assert claim_asserts(code) == [2, 4]
    assert claim_asserts("%matplotlib inline\nassert True") == [2]


@pytest.mark.parametrize("path", CHAPTERS, ids=CHAPTER_IDS)
def test_no_visible_assert(path):
    problems = [
        f"cell {i} line {n}: move the assert into a cell tagged remove-cell and print the "
        "magnitude instead"
        for i, cell in visible_code_cells(path) for n in claim_asserts(source(cell))
    ]
    assert not problems, "\n".join(problems)


# (f) no code line wider than the code column ------------------------------------------------

@pytest.mark.parametrize("path", CHAPTERS, ids=CHAPTER_IDS)
def test_visible_code_lines_fit_the_code_column(path):
    """Cells tagged remove-cell or remove-input are exempt (not in the HTML); cells tagged
    hide-input are not: a reader who opens them would scroll sideways, and their opened box
    is one character narrower (666 instead of 688 pixels)."""
    problems = [
        f"cell {i} line {n}: {len(line)} characters > {limit}"
        for i, cell in visible_code_cells(path)
        for limit in [MAX_LINE - 1 if "hide-input" in tags(cell) else MAX_LINE]
        for n, line in enumerate(source(cell).splitlines(), 1)
        if len(line) > limit
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", CHAPTERS, ids=CHAPTER_IDS)
def test_code_blocks_in_prose_fit_the_code_column(path):
    problems = [
        f"cell {i}: a code block line of {len(line)} characters > {MAX_LINE}"
        for i, cell in enumerate(cells(path)) if cell["cell_type"] == "markdown"
        for block in re.findall(r"^(```|~~~)[^\n]*\n(.*?)^\1", source(cell), re.S | re.M)
        for line in block[1].splitlines() if len(line) > MAX_LINE
    ]
    assert not problems, "\n".join(problems)


# (g) no output line wider than the output column -------------------------------------------

MAX_OUTPUT = 76  # characters: the output box is as wide as the code column
NO_OUTPUT_SHOWN = REMOVED | {"remove-output", "remove_output"}


@pytest.mark.parametrize("path", CHAPTERS, ids=CHAPTER_IDS)
def test_visible_output_lines_fit_the_output_column(path):
    """Printed text wider than the output box scrolls sideways (browser_tests/test_layout.py
    measures it); wrap or shorten it. Images are not text and are left out."""
    problems = []
    for i, cell in enumerate(cells(path)):
        if cell["cell_type"] != "code" or tags(cell) & NO_OUTPUT_SHOWN:
            continue
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream":
                text = "".join(output["text"])
            elif "text/plain" in output.get("data", {}) and "image/png" not in output["data"]:
                text = "".join(output["data"]["text/plain"])
            else:
                continue
            problems += [
                f"cell {i}: output line of {len(line)} characters > {MAX_OUTPUT}: "
                f"{line[:50]!r}..."
                for line in text.splitlines() if len(line) > MAX_OUTPUT
            ]
    assert not problems, "\n".join(problems)
