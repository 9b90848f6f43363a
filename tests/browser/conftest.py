"""Real-browser tests: Playwright drives the system's headless Chromium against a
live server.

Each test is a person's journey through the site. Tests are marked ``browser``
(select them with ``-m browser``, leave them out with ``-m "not browser"``) and
skip, saying why, when Chromium, Playwright or axe-core is missing, so the suite
still passes on a machine without them. CI installs all three and sets
``BROWSER_TESTS=required``, which turns those skips into failures.

Every journey has a live server of its own (``live_server`` in tests/conftest.py),
answering each request in its own thread with its own database connection, as a
deployed site does: the browser's requests, and the admin's own in the background
(Wagtail's autosave and editing-session pings), run side by side. The journey starts
from the database as migrations left it (``serialized_rollback`` restores Wagtail's
root page and locale after the previous test's flush) and an empty cache, and loads
the demo content itself when it needs it. When it ends, however it ends, its
browser windows are closed and its server finishes what it was answering before the
database is flushed, so nothing of it reaches the next test. Mail sent by the live
server lands in ``django.core.mail.outbox``, as in any other test.
"""

import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

BROWSER_DIR = Path(__file__).resolve().parent
REPO_ROOT = BROWSER_DIR.parent.parent
SCREENSHOTS = BROWSER_DIR / "screenshots"
AXE_SCRIPT = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Debian's Chromium, not a browser build of Playwright's own (it cannot be downloaded here).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# How long a person would wait for the page to react before calling it broken.
TIMEOUT_MS = 10_000


def _cannot_run(reason):
    """Skip, saying why; or fail where the browser tests must run (CI sets
    BROWSER_TESTS=required), so a missing install step cannot pass as green."""
    if os.environ.get("BROWSER_TESTS") == "required":
        pytest.fail(f"BROWSER_TESTS=required, but {reason}", pytrace=False)
    pytest.skip(reason)


def _missing_tools():
    if not Path(CHROMIUM).exists():
        return (
            f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; "
            "or set CHROMIUM=/path/to/chromium)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="session")
def browser_tools():
    """Skip (or fail, in CI) before anything is set up when there is no browser."""
    missing = _missing_tools()
    if missing:
        _cannot_run(f"browser tests need a browser: {missing}")


@pytest.fixture(scope="session")
def browser(browser_tools, django_db_setup):
    """One headless Chromium for the whole run; each test gets fresh contexts."""
    from django.db import connections
    from playwright.sync_api import expect, sync_playwright

    # Playwright's sync API keeps an event loop running in this thread. Django then
    # refuses database calls from the tests unless told they are safe, and gives the
    # thread a second set of database connections (under a running loop they are per
    # context, not per thread). The test database's snapshot, which serialized_rollback
    # restores Wagtail's root page and locale from, hangs on the first set: pass it on.
    snapshots = {
        connection.alias: connection._test_serialized_contents
        for connection in connections.all()
        if hasattr(connection, "_test_serialized_contents")
    }
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    for alias, snapshot in snapshots.items():
        connections[alias]._test_serialized_contents = snapshot
    # Checks wait as long as actions do (Playwright's own default for them is 5 s).
    expect.set_options(timeout=TIMEOUT_MS)
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()
    connections.close_all()  # the second set; the test database is dropped after this
    playwright.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def site(live_server):
    """The live server's address; paths are joined to it."""
    return live_server.url


@pytest.fixture
def demo(site):
    """The demo content (`load_demo`): pages, roster, sign-ins and the Riverside AGM."""
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def open_context(browser, site, request):
    """Open a browser context (a person's own window and cookies) in the test's mode.

    Every context is closed after the test. The last page opened is kept as the
    journey's screenshot, tests/browser/screenshots/<test name>.png, and any other
    page still open beside it as <test name>.window-<n>.png.
    """
    contexts = []
    pages = []

    def open_(mode, **options):
        context = browser.new_context(base_url=site, **mode.context_options, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("page", lambda page: pages.append(page))
        contexts.append(context)
        return context

    yield open_

    SCREENSHOTS.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
    # The last page is the journey's end; earlier ones (another person's window) too.
    for number, page in enumerate(reversed(pages)):
        path = SCREENSHOTS / (f"{name}.png" if number == 0 else f"{name}.window-{number}.png")
        try:
            page.screenshot(path=path, full_page=True)
        except Exception as error:  # a screenshot must not hide the test's own failure
            print(f"No screenshot {path.name}: {error}")
    for context in contexts:
        context.close()


@pytest.fixture
def axe():
    """Run axe-core on a page; returns its serious and critical violations.

    axe is injected as an inline script, which the site's Content Security Policy
    refuses: open the page's context with ``bypass_csp=True``.
    """
    if not AXE_SCRIPT.exists():
        _cannot_run(f"accessibility checks need axe-core: {AXE_SCRIPT} is missing (run npm ci)")

    def check(page):
        page.add_script_tag(path=str(AXE_SCRIPT))
        results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        return [v for v in results["violations"] if v["impact"] in ("serious", "critical")]

    return check
