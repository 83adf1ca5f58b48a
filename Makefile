# Two commands do everything on a fresh machine with Python 3.11+ and make:
#   make book   set up .venv, build the HTML book strictly into _build/html
#   make test   set up .venv, lint, run unit tests and nbval on every notebook, build the book
#               and its PDF, check both in Chromium and the Binder environment
# Publishing: make pdf (the whole book as one PDF), make release (tag v<version>).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install; rebuilt when requirements.txt or pyproject.toml change.
STAMP := $(VENV)/.installed
MATHJAX := _extra/mathjax/tex-chtml.js
# cffconvert validates CITATION.cff. It gets a virtual environment of its own: its only
# release (2.0.0) pins jsonschema<4, which the book's toolchain (nbformat, check-jsonschema)
# cannot use.
CFFCONVERT := $(VENV)/cffconvert/bin/cffconvert

.PHONY: setup book test unit lint lab clean browser pdf release

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@test -x $(CFFCONVERT) || { $(BIN)/python -m venv $(VENV)/cffconvert && \
		$(VENV)/cffconvert/bin/python -m pip install --quiet --disable-pip-version-check \
		"cffconvert>=2,<3"; }
	@touch $@

$(MATHJAX): $(STAMP) tools/copy_mathjax.py
	$(BIN)/python tools/copy_mathjax.py

book: $(STAMP) $(MATHJAX)
	$(BIN)/jupyter-book build . --builder html --all -W -n --keep-going
	$(BIN)/python tools/check_book.py
	@echo "The book is ready: open file://$(CURDIR)/_build/html/index.html"

# Ruff, then the GitHub files and the citation against their published schemas (vendored in
# check-jsonschema, so no network), then cffconvert on CITATION.cff.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.github-issue-forms \
		$(filter-out %/config.yml,$(wildcard .github/ISSUE_TEMPLATE/*.yml))
	$(BIN)/check-jsonschema --builtin-schema vendor.github-issue-config \
		.github/ISSUE_TEMPLATE/config.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.citation-file-format CITATION.cff
	$(CFFCONVERT) --validate --infile CITATION.cff

# Unit tests and every notebook under tests/, chapters/, exercises/ (pyproject testpaths).
# Also records run times and versions for the status page (tools/status_page.py).
unit: $(STAMP)
	$(BIN)/python tools/status_page.py
	$(BIN)/python -m pytest --nbval --nbval-current-env --nbval-cell-timeout=300 \
		--junitxml=_build/reports/unit.xml

# The notebooks once more under a second numerical configuration: one BLAS thread and
# OpenBLAS's Haswell (AVX2) kernels instead of what this CPU picks (SkylakeX, AVX-512, on
# the machines used so far). Every stored output must match in both, so an output that
# depends on the CPU or the thread count fails here, not on a reader's machine.
# The unit tests in tests/ do not depend on it and run once, in `unit`.
.PHONY: nbval-other-cpu
nbval-other-cpu: $(STAMP)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell \
		$(BIN)/python -m pytest --nbval --nbval-current-env --nbval-cell-timeout=300 \
		-p no:cacheprovider chapters exercises

test: lint unit nbval-other-cpu book pdf browser
# Without Chromium, `make test` skips the PDF loudly, as it skips the browser tests (not on CI).
test: PDF_FLAGS = --skip-without-chromium

# The whole book as one PDF: the single-page HTML build (strict, like `book`), printed by the
# system's Chromium once MathJax has typeset every equation (tools/pdf.py). Writes
# _build/pdf/backprop-from-scratch.pdf and copies it into _build/html/, where every page's
# download menu links to it. Needs Chromium (apt-get install chromium) and, for the Korean
# terms and the exercise marks, fonts-nanum and fonts-noto-color-emoji.
pdf: $(STAMP) $(MATHJAX)
	$(BIN)/jupyter-book build . --builder singlehtml --all -W -n --keep-going
	$(BIN)/python tools/pdf.py $(PDF_FLAGS)

# Tag the version in pyproject.toml as v<version> (tools/release.py): refuses a dirty tree, a
# version that is not new, and CITATION.cff, CHANGELOG.md or Colab cells that name another
# version. Needs only python3 and git. Then: git push origin v<version> (Colab installs it).
release:
	$(PYTHON) tools/release.py

# After `book` and `pdf`: every page of the built book in Chromium (skipped, said loudly, when
# Chromium is missing; an error on CI), the PDF under poppler's tools, the Binder environment
# (binder/) built alone and running every notebook, and the release tag installed like Colab.
browser: $(STAMP)
	$(BIN)/python -m pytest browser_tests -rs -p no:cacheprovider

# Regenerate the exercise notebooks from tools/exercises/*.md, execute and check them
# (tools/make_exercises.py refuses to write a notebook whose checks are wrong).
.PHONY: exercises
exercises: $(STAMP)
	$(BIN)/python tools/make_exercises.py

# Open the exercises in JupyterLab (installed with jupyter-book's dependencies).
lab: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "jupyterlab>=4,<5"
	$(BIN)/jupyter lab exercises/

clean:
	rm -rf _build _extra .pytest_cache

# Speed and memory benchmarks (not part of `make test`, about 11 minutes): bplib's teaching
# core (gradient_descent) vs its fast path (bplib.fast.train_step) vs PyTorch (optional:
# pip install torch==2.13.0) vs the original notebook's per-sample code. Writes
# benchmarks/results/ and the book's appendix/performance.md.
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
