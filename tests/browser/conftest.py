"""Browser tests: Debian's Chromium driven by Playwright against a live server on a free port.

We do not use pytest-django's `live_server`: it needs `transactional_db`, whose teardown
TRUNCATEs the public tables and so would wipe the session's tenants. Instead the server runs
in its own thread with committed DB access (`committed`), and each test removes what it made.

Chromium comes from Debian (`scripts/ensure_chromium.sh`); Playwright cannot download its
own browsers here. Without /usr/bin/chromium the tests skip.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.db import connection, connections
from django.test.testcases import LiveServerThread

from tests.browser.journeys import Journey

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def results_dir(config: pytest.Config) -> Path:
    path = config.rootpath / "test-results"  # git-ignored
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def _allow_orm_beside_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's sync API keeps an asyncio loop in the main thread; Django then refuses
    ORM calls there (SynchronousOnlyOperation). Only for the browser tests, and only while
    they run: Playwright is started and stopped inside each test's fixtures.

    Better still, request the fixtures that use the ORM before `page`/`browser`, so their
    set-up and clean-up run while Playwright is not running (see test_onboarding)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)  # lets `page` screenshot a failure
    return report


class LiveServer:
    def __init__(self, thread: LiveServerThread) -> None:
        self.thread = thread
        self.port: int = thread.port

    def url(self, host: str = "localhost", path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture
def server(committed: None, settings: Any) -> Iterator[LiveServer]:
    """A threaded WSGI server on localhost:<free port> answering localhost and *.localhost.

    Each request thread opens (and closes) its own connection to the test database, so it
    only sees committed data. `KOTAKITA_URL_PORT` is set to the port so absolute links
    (set-password link, tenant URLs) point at this server.
    """
    # Never point a browser at the DATABASE_URL database itself (tests/conftest.py's
    # django_db_setup creates the test database even though we carry no django_db mark).
    assert connection.settings_dict["NAME"] == connection.creation._get_test_db_name(), "not on the test database"
    thread = LiveServerThread("localhost", StaticFilesHandler, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait(timeout=30)
    if thread.error:
        raise thread.error
    settings.KOTAKITA_URL_PORT = str(thread.port)
    # Chromium maps *.localhost to loopback itself; make sure the port answers there.
    socket.create_connection(("127.0.0.1", thread.port), timeout=5).close()
    try:
        yield LiveServer(thread)
    finally:
        thread.terminate()


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before any fixture (tenants, live server) is set up. CI installs Chromium (make test).
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (run scripts/ensure_chromium.sh as root)")


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
            # ORM calls made while Playwright runs get a *second* main-thread connection
            # (Django's `connections` is an asgiref Local, and Playwright's loop is another
            # context). Close it, or it outlives the test and the test database cannot be
            # dropped at the end of the session ("being accessed by other users").
            connections.close_all()


def _open_page(browser: Any, request: pytest.FixtureRequest, **context_options: Any) -> Iterator[Any]:
    """A fresh browser context that may only talk to the live server.

    Anything not on localhost/*.localhost (e.g. map tiles from OpenStreetMap) is aborted, so
    the test neither waits on nor depends on the outside network.
    """
    context = browser.new_context(locale="id-ID", **context_options)
    context.set_default_timeout(20_000)

    def only_local(route: Any) -> None:
        from urllib.parse import urlsplit

        host = urlsplit(route.request.url).hostname or ""
        if host == "localhost" or host.endswith(".localhost"):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    violations = watch_csp(page)
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            name = request.node.name.replace("/", "_")
            with contextlib.suppress(Exception):  # best effort, never mask the real failure
                page.screenshot(path=str(results_dir(request.config) / f"{name}-failure.png"), full_page=True)
        context.close()
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations), pytrace=False)


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A desktop-sized page (see `_open_page`)."""
    yield from _open_page(browser, request, viewport=DESKTOP)


@pytest.fixture
def phone_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A phone: 390×844, touch, mobile user agent (see `_open_page`)."""
    yield from _open_page(browser, request, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)


@pytest.fixture
def journey(phone_page: Any, request: pytest.FixtureRequest) -> Journey:
    """A user journey on a phone, one screenshot and axe-core check per `step()`
    (tests/browser/journeys.py). Named after the test: test_<journey> -> <journey>."""
    name = request.node.name.removeprefix("test_").split("[")[0]
    return Journey(phone_page, name, results_dir(request.config) / "journeys")


# Blocked on purpose and handled by the page: Redoc's bundle shows Redocly's logo from their CDN
# and hides it when it fails to load. We never load from a CDN.
EXPECTED_BLOCKED = ("https://cdn.redoc.ly/",)


def is_csp_violation(text: str) -> bool:
    """Chromium reports a blocked script, style, image, handler or frame on the console."""
    if any(f"'{url}" in text for url in EXPECTED_BLOCKED):
        return False
    return text.startswith("Refused to") or "Content Security Policy" in text


def watch_csp(page: Any) -> list[str]:
    """Every CSP violation the page reports, with its URL; the `page` fixture fails on any."""
    violations: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error" and is_csp_violation(message.text):
            violations.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    return violations
