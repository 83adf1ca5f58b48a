"""Sphinx glue for the API page (reference/api.md): "Taught in" links and short names.

1. "Taught in" lines become links to the chapters.

Every public bplib docstring ends with a line such as::

    Taught in: chapter "Sigmoid and its derivative".

While autodoc reads a docstring for the API page, this extension replaces the quoted chapter
titles by ``:doc:`` links to the pages with those titles. The titles are read from the first
``# `` heading of every page listed in ``_toc.yml``, so renaming a chapter's heading without
updating the docstring (or the other way round) is a warning, and the strict build (-W) fails.
A docstring may shorten the title ("The cost of numerical gradients" for "The cost of numerical
gradients in a deep network") or add a subtitle after a colon, as long as one page matches.

2. The API page documents every public name as ``bplib.<name>`` (as readers import it), so a
cross-reference written with the defining module, such as ``bplib.layers.init_weights``, is
resolved to ``bplib.init_weights`` when that name is public. Anything else stays unresolved
and fails the nitpicky build as usual.
"""

import json
import re
from pathlib import Path

from sphinx.util import logging
from toc_pages import toc_pages  # _ext/ is on sys.path (local_extensions)

logger = logging.getLogger(__name__)

LINE = re.compile(r"^(\s*)Taught in:\s*(.*)$")
TITLE = re.compile(r'"([^"]+)"')


def _first_heading(path):
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        lines = [
            line
            for cell in cells
            if cell["cell_type"] == "markdown"
            for line in "".join(cell["source"]).splitlines()
        ]
    else:
        lines = path.read_text(encoding="utf-8").splitlines()
    for line in lines:
        if line.startswith("# "):
            return line[2:].strip()
    return None


def chapter_titles(srcdir):
    """Map each page title (lower case) of the table of contents to its docname."""
    srcdir = Path(srcdir)
    titles = {}
    for name in toc_pages(srcdir):
        for suffix in (".ipynb", ".md"):
            path = srcdir / (name + suffix)
            if path.is_file():
                title = _first_heading(path)
                if title:
                    titles[title.lower()] = name
                break
    return titles


def find_title(titles, title):
    """The docname titled `title`; else the one page whose title begins with `title` (the
    docstring gives a short title) or is the part of `title` before a colon (a subtitle)."""
    title = title.lower()
    if title in titles:
        return titles[title]
    found = {
        docname
        for known, docname in titles.items()
        if known.startswith((title + ":", title + " ")) or title.startswith(known + ":")
    }
    return found.pop() if len(found) == 1 else None


def link_taught_in(app, what, name, obj, options, lines):
    titles = app.env.temp_data.setdefault("taught_in_titles", chapter_titles(app.srcdir))
    for i, line in enumerate(lines):
        match = LINE.match(line)
        if not match:
            continue
        indent, rest = match.groups()
        found = TITLE.findall(rest)
        if not found:
            logger.warning(f'{name}: "Taught in" names no chapter in double quotes: {line!r}')
            continue
        links = []
        for title in found:
            docname = find_title(titles, title)
            if docname is None:
                known = ", ".join(sorted(titles))
                logger.warning(f'{name}: "Taught in" names an unknown chapter "{title}" '
                               f"(page titles in _toc.yml: {known})")
                links.append(f"*{title}*")
            else:
                links.append(f":doc:`{title} </{docname}>`")
        lines[i] = f"{indent}**Taught in:** " + ", ".join(links) + "."


def resolve_public_name(app, env, node, contnode):
    """Resolve ``bplib.<module>.<Name>[.<attr>]`` to ``bplib.<Name>[.<attr>]`` if public."""
    if node.get("refdomain") != "py":
        return None
    parts = node.get("reftarget", "").split(".")
    if len(parts) < 3 or parts[0] != "bplib":
        return None
    import bplib

    public = set(getattr(bplib, "__all__", ()))
    for i in range(2, len(parts)):
        if parts[i] in public:
            target = "bplib." + ".".join(parts[i:])
            domain = env.get_domain("py")
            return domain.resolve_xref(
                env, node["refdoc"], app.builder, node["reftype"], target, node, contnode
            )
    return None


def hide_private_bases(app, name, obj, options, bases):
    """``Value(_Scalar)``: a private base class is an implementation detail, not a link."""
    bases[:] = [base for base in bases if not base.__name__.startswith("_")]


def setup(app):
    app.connect("autodoc-process-docstring", link_taught_in)
    app.connect("autodoc-process-bases", hide_private_bases)
    app.connect("missing-reference", resolve_public_name)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
