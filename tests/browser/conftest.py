"""Fixtures for browser tests: the live ASGI server, Chromium through Playwright, artifacts.

Every test under tests/browser/ is marked ``browser`` (deselect with ``-m "not browser"``).
See docs/decisions/0500-browser-tests.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.browser import support
from tests.browser.server import LiveASGIServer

HERE = Path(__file__).resolve().parent
# Short enough that a missing element fails the test quickly, long enough for a loaded CI.
DEFAULT_TIMEOUT_MS = 10_000
_CONTEXTS = pytest.StashKey[list[BrowserContext]]()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # tryfirst: mark before "-m" deselects, so "-m 'not browser'" sees the marker.
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed and report.when in ("setup", "call"):
        _screenshot_failure(item, report)
    return report


def _screenshot_failure(item: pytest.Item, report: pytest.TestReport) -> None:
    pages = [p for ctx in item.stash.get(_CONTEXTS, []) for p in ctx.pages]
    support.set_current_test(item.name)
    for n, page in enumerate(pages, start=1):
        name = "failure" if len(pages) == 1 else f"failure-{n}"
        try:
            path = support.snap(page, name)
        except PlaywrightError as exc:  # a crashed or closed page must not hide the failure
            report.sections.append(("failure screenshot", f"not saved: {exc}"))
        else:
            report.sections.append(("failure screenshot", str(path)))


@pytest.fixture(autouse=True)
def _name_artifacts(request: pytest.FixtureRequest) -> Iterator[None]:
    support.set_current_test(request.node.name)
    yield
    support.set_current_test(None)


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """Playwright for the browser tests only: its loop stops when this package is done."""
    if not (os.path.isfile(support.CHROMIUM) and os.access(support.CHROMIUM, os.X_OK)):
        message = (
            f"!!! CHROMIUM IS MISSING: {support.CHROMIUM} not found; browser tests need "
            "Debian's chromium package (apt-get install chromium) !!!"
        )
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with pytest.MonkeyPatch.context() as mp:
        # Playwright's sync API keeps an asyncio loop running in the main thread from start to
        # stop, so Django refuses ORM calls from test bodies and from pytest-django's flush
        # with SynchronousOnlyOperation, although they are plain sync code. Allow them exactly
        # while that loop runs. The flag is process-wide, so it also hides an async-unsafe ORM
        # call inside a consumer: consumer tests (WebsocketCommunicator) must catch those.
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as pw:
            yield pw


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Chromium for all browser tests; each test gets fresh contexts."""
    chromium = playwright.chromium.launch(
        executable_path=support.CHROMIUM, headless=True, args=support.CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


@pytest.fixture
def asgi_server(transactional_db: None) -> Iterator[LiveASGIServer]:
    """ecabinet.asgi.application (HTTP and WebSockets) on a free port, against the test DB.

    transactional_db: the server's threads use their own connections, so the test's data must
    be committed to be seen; pytest-django flushes the tables after the test.
    """
    from ecabinet.asgi import application

    server = LiveASGIServer(application)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server_url(asgi_server: LiveASGIServer) -> str:
    """Base URL of the live server, without a trailing slash."""
    return asgi_server.url


@pytest.fixture
def device() -> str:
    """Device of ``context`` and ``page``; override with parametrize("device", [...])."""
    return "desktop"


@pytest.fixture
def new_context(
    request: pytest.FixtureRequest, browser: Browser, asgi_server: LiveASGIServer
) -> Iterator[Callable[..., BrowserContext]]:
    """Factory of fresh browser contexts (one per user in a multi-user test).

    ``new_context("phone")``; keyword arguments go to Browser.new_context. Relative URLs
    resolve against the live server. Depends on the server so contexts close before it stops.
    """
    contexts = request.node.stash.setdefault(_CONTEXTS, [])

    def make(device: str = "desktop", **options: Any) -> BrowserContext:
        ctx = browser.new_context(
            **{
                "base_url": asgi_server.url,
                **support.CONTEXT_OPTIONS,
                **support.DEVICES[device],
                **options,
            }
        )
        ctx.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def context(new_context: Callable[..., BrowserContext], device: str) -> BrowserContext:
    return new_context(device)


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
