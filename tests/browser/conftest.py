"""Browser tests: Debian's Chromium driven by Playwright against a live server on a free port.

We do not use pytest-django's `live_server`: it needs `transactional_db`, whose teardown
TRUNCATEs the public tables and so would wipe the session's tenants. Instead the server runs
in its own thread with committed DB access (`committed`), and each test removes what it made.

Chromium comes from Debian (`scripts/ensure_chromium.sh`); Playwright cannot download its
own browsers here. Without /usr/bin/chromium the tests skip.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.db import connections
from django.test.testcases import LiveServerThread

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


@pytest.fixture(scope="session")
def django_db_setup(
    django_db_setup: None,
    django_db_blocker: Any,
    django_db_keepdb: bool,
    django_db_createdb: bool,
    request: pytest.FixtureRequest,
) -> Iterator[None]:
    """pytest-django's setup, plus the test database even when no collected test uses `db`.

    pytest-django creates the test database only for the aliases that collected tests ask
    for with `db`/`transactional_db`/`live_server` or the django_db mark. Browser tests use
    `committed` (and `tenants`) instead, so run alone they would otherwise write to the
    DATABASE_URL database itself. Here we set the test database up ourselves in that case.
    """
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    test_name = connection.creation._get_test_db_name()
    db_cfg = None
    if connection.settings_dict["NAME"] != test_name:
        keepdb = django_db_keepdb and not django_db_createdb
        with django_db_blocker.unblock():
            db_cfg = setup_databases(
                verbosity=request.config.option.verbose, interactive=False, keepdb=keepdb, aliases={"default"}
            )
    assert connection.settings_dict["NAME"] == test_name, "browser tests must run on the test database"
    yield
    if db_cfg is not None and not (django_db_keepdb and not django_db_createdb):
        with django_db_blocker.unblock():
            teardown_databases(db_cfg, verbosity=request.config.option.verbose)


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


@pytest.fixture
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (run scripts/ensure_chromium.sh as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
            # While Playwright's loop runs, Django's `connections` (an asgiref Local, per
            # asyncio context) hands the main thread a *second* connection. Close it here,
            # or it outlives the test and the test database cannot be dropped at the end.
            connections.close_all()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context that may only talk to the live server.

    Anything not on localhost/*.localhost (e.g. map tiles from OpenStreetMap) is aborted, so
    the test neither waits on nor depends on the outside network.
    """
    context = browser.new_context(viewport=DESKTOP, locale="id-ID")
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
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            name = request.node.name.replace("/", "_")
            try:
                page.screenshot(path=str(results_dir(request.config) / f"{name}-failure.png"), full_page=True)
            except Exception:  # noqa: S110 - best effort, never mask the real failure
                pass
        context.close()
