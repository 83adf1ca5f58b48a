"""``citation-cff`` directive: how to cite the book, read from CITATION.cff at build time.

CITATION.cff is the one source of the citation: GitHub's "Cite this repository" button,
Zenodo and reference managers read it, and this directive renders the same data on the book's
citation page (a sentence and a BibTeX entry), so the two cannot disagree. A fork edits
CITATION.cff and cites itself.

Why not cffconvert, the maintained converter: its current release (2.0.0) pins
``jsonschema<4``, which cannot be installed beside the book's toolchain (nbformat and
check-jsonschema need jsonschema 4), and it ignores ``preferred-citation`` (the book, with its
year) in favour of the software entry, writing ``@misc{YourReferenceHere, ...}``. The tests
still run ``cffconvert --validate`` on CITATION.cff in a virtual environment of its own. What
is left here is reading a few fields and writing them in two formats.
"""

from pathlib import Path

import yaml
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective


def load(path):
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def person(author, bibtex=False):
    """"The X contributors" for an entity; "Family, G." (or "Family, Given" in BibTeX)."""
    if "name" in author:
        return "{" + author["name"] + "}" if bibtex else author["name"]
    family = " ".join(filter(None, [author.get("name-particle"), author["family-names"]]))
    given = author.get("given-names", "")
    if bibtex:
        return f"{family}, {given}".strip(", ")
    initials = " ".join(part[0] + "." for part in given.split())
    return f"{family}, {initials}".strip(", ")


def citation(cff):
    """(text in Markdown, BibTeX) for CITATION.cff's preferred citation (else its top level)."""
    work = {**cff, **cff.get("preferred-citation", {})}
    authors = work["authors"]
    names = [person(a) for a in authors]
    text_authors = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " & " + names[-1]
    year = work.get("year") or str(cff.get("date-released", ""))[:4]
    version = cff.get("version")
    url = work.get("url") or cff.get("url") or cff.get("repository-code", "")
    code = cff.get("repository-code")
    text = f"{text_authors} ({year}). *{work['title']}*"
    text += f" (version {version})." if version else "."
    if url:
        text += f" <{url}>"
    if code and code != url:
        text += f" Source code: <{code}>."
    key = work["title"].lower().replace(" ", "_")
    fields = [
        ("title", "{" + work["title"] + "}"),
        ("author", " and ".join(person(a, bibtex=True) for a in authors)),
        ("year", str(year)),
        ("edition", f"version {version}" if version else None),
        ("url", url),
        ("note", f"Source code: {code}" if code and code != url else None),
    ]
    lines = [f"@{'book' if work.get('type') == 'book' else 'misc'}{{{key},"]
    lines += [f"  {name:<7} = {{{value}}}," for name, value in fields if value]
    lines.append("}")
    return text, "\n".join(lines)


class CitationCff(SphinxDirective):
    has_content = False

    def run(self):
        path = Path(self.env.srcdir) / self.config.citation_cff
        self.env.note_dependency(str(path))
        text, bibtex = citation(load(path))
        container = nodes.container(classes=["book-citation"])
        self.state.nested_parse(
            StringList([text], source=self.get_source_info()[0]), self.content_offset, container
        )
        block = nodes.literal_block(bibtex, bibtex, language="bibtex")
        return [container, block]


def setup(app):
    app.add_config_value("citation_cff", "CITATION.cff", "env")
    app.add_directive("citation-cff", CitationCff)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
