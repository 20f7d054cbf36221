"""Regenerate docs/console/: a screenshot of every console page at desktop and phone widths.

Starts a server on a loopback port with real preview pictures, fills it with a demo account
(generations, a refund, a webhook with failed deliveries), and photographs each page in
Debian's Chromium. Run from the repository root:

    PYTHONPATH=src:. .venv/bin/python scripts/console_screenshots.py
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Locator, Page, expect
from tests.support.console import chromium, new_context, sign_in, upload
from tests.support.media import image_bytes
from tests.support.server import make_settings, running_server

OUT = Path(__file__).resolve().parents[1] / "docs" / "console"
ADMIN = "pf-screenshot-admin-token"
PORTRAIT = 384268229671680
PROMPTS = (
    "a red fox running through fresh snow at dawn",
    "a lighthouse on a cliff, waves crashing, stormy night",
    "a paper boat drifting down a rainy street",
)


def _settle(page: Page) -> None:
    """Wait until every video on the page shows a frame."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('video')].every(v => v.readyState >= 2)",
        timeout=60_000,
    )
    page.wait_for_timeout(300)


def _submit(page: Page) -> Locator:
    """Press Generate and return the new card (once it is in the list)."""
    cards = page.locator("#jobs article.card")
    before = cards.count()
    page.get_by_role("button", name="Generate").click()
    expect(cards).to_have_count(before + 1, timeout=60_000)
    return cards.first


def _shoot(page: Page, name: str, phone: bool) -> Path:
    path = OUT / f"{name}-{'phone' if phone else 'desktop'}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="pixforge-shots-"))
    settings = make_settings(
        folder / "data",
        render=True,
        workers=2,
        admin_token=ADMIN,
        webhook_allow_networks=["127.0.0.0/8"],
        webhook_retry_delays_s=[3600.0],
    )
    picture = folder / "picture.png"
    picture.write_bytes(image_bytes(640, 360))
    with running_server(settings, socket=True) as server, chromium() as browser:
        account = server.create_account(monthly=50_000, package=2_000, concurrency=10)
        server.state.operator.activate_templates(account.account_id, [PORTRAIT])
        other = server.create_account(monthly=1_000)
        server.state.accounts.create_api_key(other.account_id, "ci")
        server.state.operator.create_webhook(
            account.account_id, "http://127.0.0.1:9/pixforge-hook", True
        )
        sandboxed = server.create_account(monthly=5_000, sandbox=True)
        server.state.sandbox.push_step(sandboxed.account_id, "fail-8 after=2polls")
        server.state.sandbox.push_step(sandboxed.account_id, "err-500044", mode="text")
        sandbox_api = server.api(sandboxed)
        try:
            sandbox_api.get("/openapi/v2/account/balance")
            sandbox_api.http.post(
                "/openapi/v2/video/text/generate",
                json={"prompt": "x", "model": "v5", "quality": "360p", "duration": 5},
                headers=sandbox_api.headers(),
            )
        finally:
            sandbox_api.close()
        base = server.base_url
        shots: list[Path] = []
        for phone in (False, True):
            context = new_context(browser, phone=phone)
            page = context.new_page()
            page.goto(f"{base}/console/login")
            shots.append(_shoot(page, "login", phone))
            sign_in(page, base, account.api_key)
            if not phone:
                for prompt in PROMPTS:
                    page.goto(f"{base}/console/?mode=text")
                    page.fill("#f-prompt", prompt)
                    page.select_option("#f-quality", "360p")
                    card = _submit(page)
                    expect(card.locator(".badge")).to_have_text("done", timeout=600_000)
                page.goto(f"{base}/console/?mode=image_template")
                upload(page, "#f-img_ids-0-file", picture)
                card = _submit(page)
                expect(card.locator(".badge")).to_have_text("done", timeout=600_000)
                # One cancelled while queued (refunded), for the ledger.
                page.goto(f"{base}/console/?mode=text")
                page.fill("#f-prompt", "a cancelled idea")
                card = _submit(page)
                card.get_by_role("button", name="Cancel").click()
                expect(card.locator(".badge")).to_have_text("deleted")
            page.goto(f"{base}/console/?mode=text")
            page.fill("#f-prompt", "a hot-air balloon over green hills")
            # A long render, photographed while its card shows the progress.
            page.select_option("#f-model", "v6")
            page.select_option("#f-quality", "1080p")
            page.select_option("#f-duration", "8")
            progress = _submit(page).locator(".pct")
            expect(progress).to_have_text(re.compile(r"^[1-9]\d?%$"), timeout=60_000)
            _settle(page)
            shots.append(_shoot(page, "playground", phone))
            expect(page.locator("#jobs article.card .badge").first).to_have_text(
                "done", timeout=600_000
            )
            page.goto(f"{base}/console/?mode=fusion")
            shots.append(_shoot(page, "playground-fusion", phone))
            page.goto(f"{base}/console/gallery")
            _settle(page)
            card = page.locator("#jobs article.card").nth(1)
            card.get_by_role("button", name="Copy as…").click()
            expect(card.locator("pre").first).to_be_visible()
            shots.append(_shoot(page, "gallery", phone))
            page.goto(f"{base}/console/usage")
            shots.append(_shoot(page, "usage", phone))
            page.goto(f"{base}/console/webhooks")
            shots.append(_shoot(page, "webhooks", phone))
            page.get_by_role("button", name="Sign out").click()
            sign_in(page, base, sandboxed.api_key)
            page.goto(f"{base}/console/sandbox")
            shots.append(_shoot(page, "sandbox", phone))
            page.get_by_role("button", name="Sign out").click()
            sign_in(page, base, ADMIN, expect_path="/console/operator")
            shots.append(_shoot(page, "operator", phone))
            context.close()
    for shot in shots:
        print(shot.relative_to(OUT.parents[1]), f"{shot.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
