"""Browser fixtures: one headless Debian chromium per module, a fresh page per test.

Playwright's sync API keeps an asyncio loop running on the main thread, which trips
Django's "async unsafe" guard when a test (or pytest-django's set-up) touches the ORM. The
guard is lifted only while the browser is alive, never for the rest of the test session.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS_DIR = Path("/tmp/kefu-shots")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            "browser tests need Debian's chromium: apt-get install chromium fonts-wqy-microhei"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_api.sync_playwright().start()
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
        finally:
            playwright.stop()


@pytest.fixture
def page(browser, live_server):
    sync_api = pytest.importorskip("playwright.sync_api")
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    # CI runs the SQLite and PostgreSQL halves at once on two cores: assertions get the
    # same 10 s as actions rather than Playwright's 5 s
    sync_api.expect.set_options(timeout=10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot to /tmp/kefu-shots/<name>.png (for a human to look at)."""
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SHOTS_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
