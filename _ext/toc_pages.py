"""The pages of the book, in reading order, read from _toc.yml.

One reader for the three places that need the list: the API page's "Taught in" links
(bplib_api), the post-build check (tools/check_book.py) and the browser tests.

_toc.yml is parsed by sphinx-external-toc (``parse_toc_yaml``), the parser Jupyter Book itself
uses, so this list and the built book cannot disagree on the format (parts, sections, globs,
``file:`` with or without a suffix). What is left here is the walk: sphinx-external-toc gives
a site map keyed by document, not the depth-first reading order (root, then each chapter
followed by its sections) that previous/next links follow.
"""

from pathlib import Path

from sphinx_external_toc.parsing import parse_toc_yaml

SUFFIXES = (".ipynb", ".md", ".rst")


def _docname(name):
    name = str(name)
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def toc_pages(root):
    """Docnames (paths without suffix) of every file entry of ``root``/_toc.yml, the root
    page first, then depth first in the order of the table of contents."""
    site = parse_toc_yaml(Path(root) / "_toc.yml")
    pages = []

    def walk(docname):
        pages.append(_docname(docname))
        document = site[docname]
        for subtree in document.subtrees if document is not None else []:
            for name in subtree.files():
                walk(name)

    walk(site.root.docname)
    return pages
