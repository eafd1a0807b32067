"""Browser tests: the app on a loopback server thread, driven by Playwright through Debian's
Chromium (/usr/bin/chromium; no browser is ever downloaded). Screenshots of every page land
in tests/artifacts/browser/<database>/ (git-ignored)."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.console.conftest import world  # noqa: F401 - the same records as the page tests

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser" / (
    "postgresql" if os.environ.get("TEST_DATABASE") == "postgresql" else "sqlite")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium under Playwright, or a skip that says why."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium); "
                    "the browser tests need it")
    from playwright.sync_api import sync_playwright  # requirements-dev.txt: a must, not a skip

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_url(app) -> Iterator[str]:
    """The app served on 127.0.0.1 by a thread for the length of the test, building case-file
    exports in the background as the product does."""
    app.config["CASE_EXPORT_THREAD"] = True
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def shoot() -> Callable[[Any, str], Path]:
    """Save a full-page screenshot as a test artifact; returns its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def save(page: Any, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        return path

    return save


@pytest.fixture
def signed_in(browser, live_url, make_user) -> Callable[..., Any]:
    """A new browser page signed in (through the form) as a fresh user of a role."""
    contexts = []

    def open_as(role: str, district: str = "310115") -> Any:
        user, password = make_user(role, district)
        context = browser.new_context(accept_downloads=True, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{live_url}/console/login")
        page.get_by_label("用户名").fill(user.username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state("networkidle")
        page.user = user
        return page

    yield open_as
    for context in contexts:
        context.close()
