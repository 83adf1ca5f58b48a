"""The pages of the book, in reading order, read from _toc.yml.

One reader for the three places that need the list: the API page's "Taught in" links
(bplib_api), the post-build check (tools/check_book.py) and the browser tests.
"""

from pathlib import Path

import yaml


def toc_pages(root):
    """Docnames (paths without suffix) of every `file:` entry of a jb-book _toc.yml under
    ``root``, the root page first."""
    toc = yaml.safe_load((Path(root) / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(Path(entry["file"]).with_suffix("").as_posix())
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return pages
