"""Give every chapter notebook the hidden Colab install cell that the exercises have.

    python tools/colab_cell.py chapters/*.ipynb     # insert or update, then re-execute them

The cell installs bplib only when the notebook runs on Google Colab (pinned to the release
tag of pyproject's version, from the repository named in _config.yml), prints nothing
elsewhere and is removed from the book (tag ``remove-cell``). It becomes the first code
cell. tests/test_notebooks.py checks that every chapter has it, up to date.
"""

import sys

import nbformat
from make_exercises import colab_cell_source  # tools/ is on sys.path when run as a script

TAG = "remove-cell"


def first_code_cell(nb):
    return next((i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"), None)


def has_colab_cell(nb):
    i = first_code_cell(nb)
    return i is not None and "google.colab" in nb.cells[i].source


def update(path):
    nb = nbformat.read(path, as_version=4)
    source = colab_cell_source()
    if has_colab_cell(nb):
        cell = nb.cells[first_code_cell(nb)]
        if cell.source == source and TAG in cell.metadata.get("tags", []):
            return False
        cell.source = source
    else:
        cell = nbformat.v4.new_code_cell(source)
        nb.cells.insert(first_code_cell(nb) or len(nb.cells), cell)
    cell.metadata["tags"] = [TAG]
    nbformat.write(nb, path)
    return True


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for name in sys.argv[1:]:
        print(f"{name}: {'updated' if update(name) else 'up to date'}")
