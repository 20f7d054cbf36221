"""Browser helpers for the console: Debian's Chromium driven by Playwright (our own fixtures;
pytest-playwright trips filterwarnings=error), sign-in, uploads, waiting on cards, axe-core."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
# No network beyond loopback: Chromium otherwise keeps calling home (docs: scale-out Part B).
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


@contextmanager
def chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)"
        if os.environ.get("CI"):
            raise RuntimeError(message)
        import pytest

        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def new_context(browser: Browser, phone: bool = False) -> BrowserContext:
    # bypass_csp: axe-core is injected as an inline script, which the console's CSP refuses.
    return browser.new_context(viewport=PHONE if phone else DESKTOP, bypass_csp=True)


def sign_in(page: Page, base_url: str, secret: str, expect_path: str = "/console/") -> None:
    page.goto(f"{base_url}/console/login")
    page.fill("#key", secret)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(base_url + expect_path) + r"(\?.*)?$"))


def upload(page: Page, file_input: str, path: Path) -> str:
    """Choose a file for an upload control; returns the id it was stored under."""
    control = page.locator(file_input)
    control.set_input_files(str(path))
    state = control.locator("xpath=..").locator(".upload-state")
    expect(state).to_have_attribute("data-uploaded", re.compile(r"\d+"), timeout=30_000)
    return str(state.get_attribute("data-uploaded"))


def newest_card(page: Page) -> Locator:
    return page.locator("#jobs article.card").first


def wait_done(card: Locator, timeout_ms: int = 90_000) -> None:
    expect(card.locator(".badge")).to_have_text("done", timeout=timeout_ms)


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the page as it is now."""
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}));
        }"""
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]
