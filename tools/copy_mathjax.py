"""Copy MathJax 3 from the installed django-static-mathjax wheel into _extra/mathjax/.

The book's _config.yml serves _extra/ at the root of the built site (html_extra_path) and
points Sphinx at mathjax/tex-chtml.js there, so equations render without any network.
MathJax is not committed: it comes from the registry package named in requirements.txt.
"""

import shutil
import sys
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "_extra" / "mathjax"


def main():
    spec = find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("MathJax not found: install requirements.txt (django-static-mathjax).")
    source = Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax" / "es5"
    if not (source / "tex-chtml.js").is_file():
        sys.exit(f"MathJax files missing under {source}")
    if TARGET.exists():
        shutil.rmtree(TARGET)
    shutil.copytree(source, TARGET)
    print(f"MathJax copied to {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
