"""Fixtures of the browser tests: the built book, a local static server and Chromium.

These tests run after `make book` (the Makefile's `browser` target) against _build/html.
They drive the system's Chromium through Playwright and never download a browser. Without
Chromium they are skipped with a message that says so; on CI (CI=true) that is an error.
"""

import functools
import os
import shutil
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
from toc_pages import toc_pages as read_toc_pages  # noqa: E402  (one _toc.yml reader)

# BOOK_HTML=/path/to/html checks a book built elsewhere (default: this tree's _build/html).
HTML = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html"))
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def toc_pages():
    """Docnames of every `file:` entry of _toc.yml, in reading order, the root first."""
    return read_toc_pages(ROOT)


def book_config():
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def find_chromium():
    """$CHROMIUM if set (and nothing else), else /usr/bin/chromium, else a Chromium or Chrome
    on PATH; None when there is none."""
    if os.environ.get("CHROMIUM"):
        candidates = [os.environ["CHROMIUM"]]
    else:
        candidates = ["/usr/bin/chromium"]
        candidates += [shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def clean_env(extra=None):
    """The caller's environment without what would leak the developer's packages into a
    fresh venv (PYTHONPATH, VIRTUAL_ENV), pip quiet about its version, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.update(extra or {})
    return env


def run_clean(args, cwd, timeout=600, extra_env=None):
    """Run ``args`` in ``clean_env``; fail the test with the output's tail unless it exits 0.

    Returns its standard output."""
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                            env=clean_env(extra_env))
    assert result.returncode == 0, (
        f"{' '.join(map(str, args))} failed ({result.returncode}):\n"
        f"{result.stdout[-6000:]}\n{result.stderr[-4000:]}"
    )
    return result.stdout


@pytest.fixture(scope="session")
def built_book():
    if not (HTML / "index.html").is_file():
        pytest.fail(f"{HTML}/index.html is missing: run `make book` first")
    return HTML


@pytest.fixture(scope="session")
def chromium_path():
    path = find_chromium()
    if path is None:
        message = (
            "BROWSER TESTS SKIPPED: no Chromium found (looked at $CHROMIUM, /usr/bin/chromium "
            "and PATH). Install it (Debian: apt-get install chromium) or set CHROMIUM=/path."
        )
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message.replace("SKIPPED", "CANNOT RUN ON CI"))
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="session")
def server(built_book):
    """Serve _build/html on 127.0.0.1 at a free port; yields the base URL ending in '/'."""
    handler = functools.partial(QuietHandler, directory=str(built_book))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def pytest_terminal_summary(terminalreporter):
    """Say it loudly at the end of `make test` when the browser tests could not run."""
    if find_chromium() is None:
        terminalreporter.write_sep(
            "!", "BROWSER TESTS SKIPPED: Chromium not found; the built book was NOT checked "
            "in a browser (see reference/troubleshooting.md)", yellow=True, bold=True
        )
