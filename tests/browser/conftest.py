"""Browser tests of the console (docs/console.md): Playwright driving Debian's Chromium against a real
``remit serve`` on 127.0.0.1.

Chromium is found at ``REMIT_TEST_CHROMIUM`` or ``/usr/bin/chromium`` (``apt-get install chromium``;
``.ci/run`` installs it when missing). Without it these tests are skipped with that reason — except
in CI (``CI=true``), where a missing browser fails them. Every wait is bounded (Playwright's
timeouts below), and each page the tests visit is saved as a PNG under ``build/screenshots/``
(or ``REMIT_SCREENSHOT_DIR``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.sdk.conftest import Server, running_server

ROOT = Path(__file__).resolve().parents[2]
LINK_TTL_SECONDS = 10  # short, so the expiry test waits only this long
TIMEOUT_MS = 10_000


def chromium_path() -> str | None:
    configured = os.environ.get("REMIT_TEST_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


def screenshot_dir() -> Path:
    path = Path(os.environ.get("REMIT_SCREENSHOT_DIR") or ROOT / "build" / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required in CI (.ci/run installs it: apt-get install -y chromium)")
        pytest.skip("browser tests need Chromium: none at /usr/bin/chromium or REMIT_TEST_CHROMIUM "
                    "(apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def console_server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("console-server")
    with running_server(workdir, lambda port: {"REMIT_CONSOLE_LINK_TTL_SECONDS": str(LINK_TTL_SECONDS)}) as running:
        yield running


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"],
                                             timeout=30_000)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser profile per test (its own cookies)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


def sign_in_link(server: Server, partner_token: str, entity_id: str, user_id: str) -> str:
    response = httpx.post(
        f"{server.base_url}/console/links", json={"entity_user_id": user_id}, timeout=10,
        headers={"authorization": f"Bearer {partner_token}", "x-monite-entity-id": entity_id,
                 "x-monite-version": "2024-05-25"},
    )
    assert response.status_code == 201, response.text
    url: str = response.json()["url"]
    return url
