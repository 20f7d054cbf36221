"""The web console in a real browser (Debian's Chromium through Playwright) against a real
server on a loopback socket: sign-in, every generation type, progress, playback, gallery,
refunds in usage, webhooks, the operator view, isolation, CSRF, session fixation, axe-core."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from pixforge.store.generations import GenerationFilter
from tests.support.console import (
    axe_violations,
    chromium,
    new_context,
    newest_card,
    sign_in,
    upload,
    wait_done,
)
from tests.support.media import image_bytes, make_audio, make_scene_video
from tests.support.server import Account, RunningServer, make_settings, running_server

pytestmark = pytest.mark.system

ADMIN = "pf-admin-token-for-console-tests"
PORTRAIT = 384268229671680  # an image template (kind "image") of the built-in catalogue


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("console-files")
    picture = folder / "picture.png"
    picture.write_bytes(image_bytes(640, 360))
    other = folder / "other.png"
    other.write_bytes(image_bytes(640, 360, colour=(200, 80, 40)))
    return {
        "image": picture,
        "image2": other,
        "video": make_scene_video(folder / "clip.mp4", 640, 360, 2),
        "audio": make_audio(folder / "voice.wav", 2.0),
    }


def _server(folder: Path, **overrides: object) -> Iterator[RunningServer]:
    settings = make_settings(
        folder,
        dispatcher="embedded",
        workers=overrides.pop("workers", 1),
        admin_token=ADMIN,
        webhook_allow_networks=["127.0.0.0/8"],
        webhook_retry_delays_s=[60.0],
        **overrides,
    )
    with running_server(settings, socket=True) as running:
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    yield from _server(tmp_path_factory.mktemp("console") / "data")


@pytest.fixture
def account(server: RunningServer) -> Account:
    made = server.create_account(monthly=100_000, concurrency=20)
    server.state.operator.activate_templates(made.account_id, [PORTRAIT])
    return made


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = new_context(browser)
    yield context.new_page()
    context.close()


def _generate(page: Page) -> None:
    """Submit the form; fails with the form's error (ErrCode and message) if one is shown."""
    before = page.locator("#jobs article.card").count()
    page.get_by_role("button", name="Generate").click()
    page.wait_for_function(
        "before => document.querySelectorAll('#jobs article.card').length > before"
        " || document.getElementById('form-error').textContent.trim() !== ''",
        arg=before,
        timeout=30_000,
    )
    assert page.locator("#form-error").inner_text() == ""


def _videos(server: RunningServer, account: Account, *prompts: str) -> list[int]:
    """Text-to-video generations made through the API, finished."""
    api = server.api(account)
    try:
        made = []
        for prompt in prompts:
            body = {
                "prompt": prompt,
                "model": "v5",
                "quality": "360p",
                "duration": 5,
                "aspect_ratio": "16:9",
            }
            answer = api.post("/openapi/v2/video/text/generate", body)
            assert answer["ErrCode"] == 0, answer
            made.append(int(answer["Resp"]["video_id"]))
            api.wait(made[-1])
        return made
    finally:
        api.close()


def _mode(page: Page, base_url: str, mode: str) -> None:
    page.goto(f"{base_url}/console/?mode={mode}")
    expect(page.locator("#generate-form")).to_have_attribute("data-mode", mode)


def test_every_generation_type_from_the_playground(
    server: RunningServer, account: Account, page: Page, files: dict[str, Path]
) -> None:
    base = server.base_url
    sign_in(page, base, account.api_key)

    # Text: the card polls itself from "generating" to "done", then the video plays.
    _mode(page, base, "text")
    page.fill("#f-prompt", "a red fox running through snow")
    page.select_option("#f-model", "v6")
    page.select_option("#f-quality", "720p")
    # Only the model's durations are offered: v6 has 1-15 s, v5 only 5 and 8.
    expect(page.locator("#f-duration option")).to_have_count(15)
    page.select_option("#f-duration", "8")
    _generate(page)
    card = newest_card(page)
    seen = card.locator(".badge").inner_text()
    wait_done(card)
    assert seen in ("generating", "done")
    video = card.locator("video")
    played = video.evaluate(
        """v => new Promise((resolve, reject) => {
            v.muted = true;
            const go = () => v.play().then(() => setTimeout(() => {
                v.pause(); resolve([v.currentTime, v.videoWidth, v.error]);
            }, 1200), reject);
            v.readyState >= 2 ? go() : v.addEventListener("loadeddata", go, {once: true});
        })"""
    )
    assert played[0] > 0.5 and played[1] == 1280 and played[2] is None, played

    # A model's rules are enforced in the form: v5 offers 5 and 8 s only, no camera moves.
    page.select_option("#f-model", "v5")
    expect(page.locator("#f-duration option")).to_have_count(2)
    expect(page.locator("#f-camera_movement")).to_be_disabled()

    # A server error is shown with its ErrCode: image to video without an image.
    _mode(page, base, "image")
    page.get_by_role("button", name="Generate").click()
    expect(page.locator("#form-error")).to_contain_text("Error 400011")
    expect(page.locator("#form-error")).to_contain_text("img_id")

    upload(page, "#f-img_id-file", files["image"])
    page.fill("#f-prompt", "the picture comes alive")
    _generate(page)
    wait_done(newest_card(page))

    _mode(page, base, "transition")
    upload(page, "#f-first_frame_img-file", files["image"])
    upload(page, "#f-last_frame_img-file", files["image2"])
    page.fill("#f-prompt", "day turns to dusk")
    _generate(page)
    wait_done(newest_card(page))

    _mode(page, base, "extend")
    upload(page, "#f-source-file", files["video"])
    page.fill("#f-prompt", "and then it goes on")
    _generate(page)
    wait_done(newest_card(page))

    _mode(page, base, "lip_sync")
    page.select_option("#f-source", index=1)  # one of the account's videos
    upload(page, "#f-audio_media_id-file", files["audio"])
    _generate(page)
    wait_done(newest_card(page))

    _mode(page, base, "sound_effect")
    upload(page, "#f-source-file", files["video"])
    page.fill("#f-sound_effect_content", "waves on a beach")
    _generate(page)
    wait_done(newest_card(page))

    _mode(page, base, "fusion")
    upload(page, "#f-image_references-0-img_id-file", files["image"])
    page.fill("#f-image_references-0-ref_name", "fox")
    page.fill("#f-prompt", "@fox in a forest")
    _generate(page)
    wait_done(newest_card(page))

    _mode(page, base, "restyle")
    upload(page, "#f-source-file", files["video"])
    page.select_option("#f-restyle_id", index=1)
    _generate(page)
    wait_done(newest_card(page))

    _mode(page, base, "multi_transition")
    upload(page, "#f-multi_transition-0-img_id-file", files["image"])
    upload(page, "#f-multi_transition-1-img_id-file", files["image2"])
    _generate(page)
    wait_done(newest_card(page))

    _mode(page, base, "swap")
    upload(page, "#f-source-file", files["video"])
    page.get_by_role("button", name="Find regions in the source video").click()
    expect(page.locator("input[name=masks]").first).to_be_checked(timeout=30_000)
    upload(page, "#f-img_id-file", files["image2"])
    _generate(page)
    wait_done(newest_card(page))

    _mode(page, base, "mimic")
    upload(page, "#f-source-file", files["video"])
    upload(page, "#f-img_id-file", files["image"])
    page.select_option("#f-quality", "360p")
    _generate(page)
    card = newest_card(page)
    # The preview engine may refuse a subject it cannot find: shown, and refunded.
    expect(card.locator(".badge")).to_have_text(re.compile("done|failed"), timeout=90_000)

    _mode(page, base, "image_template")
    upload(page, "#f-img_ids-0-file", files["image"])
    _generate(page)
    card = newest_card(page)
    wait_done(card)
    expect(card.locator("img")).to_be_visible()

    listing = server.state.generations.list_generations(
        server.state.accounts.authenticate(account.api_key), GenerationFilter(), 1, 50
    )
    modes = {view.mode for view in listing.items}
    assert len(modes) == 12, modes


def test_delete_refunds_in_usage_and_gallery_tools(browser: Browser, tmp_path: Path) -> None:
    # No workers: a generation stays in 5 until it is deleted (then refunded).
    for running in _server(tmp_path / "data", workers=0):
        account = running.create_account(monthly=10_000)
        context = new_context(browser)
        page = context.new_page()
        base = running.base_url
        sign_in(page, base, account.api_key)
        _mode(page, base, "text")
        page.fill("#f-prompt", "a lighthouse at night")
        _generate(page)
        card = newest_card(page)
        expect(card.locator(".badge")).to_have_text("generating")
        expect(card.locator("progress")).to_be_visible()
        page.goto(f"{base}/console/usage")
        charged = int(page.locator("#credit-monthly").inner_text())
        assert charged < 10_000

        page.goto(f"{base}/console/gallery")
        page.once("dialog", lambda dialog: dialog.accept())
        card = newest_card(page)
        card.get_by_role("button", name="Delete").click()
        expect(card.locator(".badge")).to_have_text("deleted")

        page.goto(f"{base}/console/usage")
        expect(page.locator("#credit-monthly")).to_have_text("10000")
        expect(page.locator("#ledger tr.kind-refund")).to_have_count(1)
        expect(page.locator("#ledger tr.kind-charge")).to_have_count(1)

        # The queue panel cancels everything still waiting, each refunded.
        for prompt in ("one", "two"):
            _mode(page, base, "text")
            page.fill("#f-prompt", prompt)
            _generate(page)
        page.goto(f"{base}/console/gallery")
        expect(page.locator("#queue")).to_contain_text("2 generations waiting or running")
        page.get_by_role("button", name="Cancel all of them").click()
        expect(page.locator(".notice")).to_contain_text("2 generations cancelled and refunded")
        expect(page.locator("#queue")).to_have_count(0)
        page.goto(f"{base}/console/usage")
        expect(page.locator("#credit-monthly")).to_have_text("10000")
        expect(page.locator("#ledger tr.kind-refund")).to_have_count(3)
        page.goto(f"{base}/console/gallery?mode=text&status=6&model=v5")
        expect(page.locator("#gallery-count")).to_contain_text("3 generations")

        # Filters: nothing finished; copy as curl names the endpoint and the body.
        page.goto(f"{base}/console/gallery?status=1")
        expect(page.locator("#gallery-count")).to_contain_text("0 generations")
        page.goto(f"{base}/console/gallery")
        card = page.locator("#jobs article.card", has_text="a lighthouse at night")
        card.get_by_role("button", name="Copy as…").click()
        expect(card.locator("pre").first).to_contain_text("/openapi/v2/video/text/generate")
        expect(card.locator("pre").first).to_contain_text("a lighthouse at night")
        # Re-run submits the same options again (a new generation, charged again).
        card.get_by_role("button", name="Re-run").click()
        expect(page.locator("#jobs article.card")).to_have_count(4)
        expect(newest_card(page).locator(".prompt")).to_have_text("a lighthouse at night")
        context.close()


def test_gallery_pages_plays_with_range_and_downloads(
    server: RunningServer, account: Account, page: Page
) -> None:
    _videos(server, account, *(f"clip {n}" for n in range(26)))
    base = server.base_url
    sign_in(page, base, account.api_key)
    page.goto(f"{base}/console/gallery")
    expect(page.locator("#gallery-count")).to_contain_text("26 generations · page 1 of 2")
    expect(page.locator("#jobs article.card")).to_have_count(24)
    page.get_by_role("link", name="Next").click()
    expect(page.locator("#jobs article.card")).to_have_count(2)
    card = newest_card(page)
    href = card.get_by_role("link", name="Download").get_attribute("href")
    assert href and href.startswith("/files/")
    ranged = page.evaluate(
        """async url => {
            const r = await fetch(url, {headers: {Range: "bytes=0-99"}});
            const body = await r.arrayBuffer();
            return [r.status, body.byteLength, r.headers.get("content-range")];
        }""",
        href,
    )
    assert ranged[0] == 206 and ranged[1] == 100 and ranged[2].startswith("bytes 0-99/"), ranged
    page.goto(f"{base}/console/gallery?mode=text&model=v5&start=2000-01-01&end=2999-12-31")
    expect(page.locator("#gallery-count")).to_contain_text("26 generations")


def test_operator_creates_an_account_and_a_key_that_signs_in(
    server: RunningServer, browser: Browser
) -> None:
    context = new_context(browser)
    page = context.new_page()
    base = server.base_url
    sign_in(page, base, ADMIN, expect_path="/console/operator")
    page.fill("#acc-name", "console-made")
    page.fill("#acc-monthly", "777")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".notice")).to_contain_text("console-made")
    made = page.locator("#key-account option", has_text="console-made").get_attribute("value")
    page.select_option("#key-account", made)
    page.fill("#key-name", "browser")
    page.get_by_role("button", name="Create key").click()
    key = page.locator("#new-key").inner_text().strip()
    assert key.startswith("pf-")
    # Shown once: a reload shows the key's prefix only.
    page.goto(f"{base}/console/operator")
    expect(page.locator("#new-key")).to_have_count(0)
    expect(page.locator("#keys")).to_contain_text(key[:10])
    for section in ("#routes", "#workers", "#models", "#failures"):
        expect(page.locator(section)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/console/login")
    sign_in(page, base, key)
    page.goto(f"{base}/console/usage")
    expect(page.locator("#credit-monthly")).to_have_text("777")
    # An account session does not open the operator view (back to its own pages).
    page.goto(f"{base}/console/operator")
    expect(page).to_have_url(f"{base}/console/")
    context.close()


def test_an_account_cannot_see_or_touch_another_accounts_generations(
    server: RunningServer, account: Account, page: Page
) -> None:
    (video_id,) = _videos(server, account, "private")
    other = server.create_account()
    base = server.base_url
    sign_in(page, base, other.api_key)
    page.goto(f"{base}/console/gallery")
    expect(page.locator("#gallery-count")).to_contain_text("0 generations")
    answer = page.request.get(f"{base}/console/generations/{video_id}/card")
    assert "couldn" in answer.text() and "private" not in answer.text()
    csrf = page.locator("meta[name=csrf-token]").get_attribute("content") or ""
    deleted = page.request.post(
        f"{base}/console/generations/{video_id}/delete", headers={"X-CSRF-Token": csrf}
    )
    assert "couldn" in deleted.text()
    copied = page.request.get(f"{base}/console/generations/{video_id}/copy")
    assert "private" not in copied.text()
    row = server.state.generations.hot.generation(video_id)
    assert row is not None and row.status == 1


def test_csrf_and_session_fixation_attempts_fail(
    server: RunningServer, account: Account, browser: Browser
) -> None:
    base = server.base_url
    attacker = new_context(browser)
    attacker_page = attacker.new_page()
    attacker_page.goto(f"{base}/console/login")
    planted = next(c for c in attacker.cookies() if c["name"] == "pf_console")

    victim = new_context(browser)
    victim.add_cookies([planted])
    page = victim.new_page()
    sign_in(page, base, account.api_key)
    session = next(c for c in victim.cookies() if c["name"] == "pf_console")
    assert session["value"] != planted["value"]
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    # The planted (anonymous) session did not become signed in.
    attacker_page.goto(f"{base}/console/gallery")
    expect(attacker_page).to_have_url(f"{base}/console/login")
    # A tampered cookie is not a session either.
    forged = new_context(browser)
    forged.add_cookies([{**session, "value": session["value"][:-3] + "AAA"}])
    forged_page = forged.new_page()
    forged_page.goto(f"{base}/console/usage")
    expect(forged_page).to_have_url(f"{base}/console/login")

    # CSRF: a POST without the token, with another session's token, or from another origin.
    form = {
        "prompt": "csrf",
        "model": "v5",
        "quality": "360p",
        "duration": "5",
        "aspect_ratio": "16:9",
    }
    attacker_token = attacker_page.locator("input[name=csrf]").first.get_attribute("value")
    page.goto(f"{base}/console/")
    token = page.locator("meta[name=csrf-token]").get_attribute("content") or ""
    no_token = page.request.post(f"{base}/console/generate/text", form=form)
    wrong = page.request.post(
        f"{base}/console/generate/text", form={**form, "csrf": attacker_token or "x"}
    )
    cross = page.request.post(
        f"{base}/console/generate/text",
        form={**form, "csrf": token},
        headers={"Origin": "http://evil.example"},
    )
    assert (no_token.status, wrong.status, cross.status) == (403, 403, 403)
    good = page.request.post(f"{base}/console/generate/text", form={**form, "csrf": token})
    assert good.status == 200 and "card" in good.text()
    # Sign-in itself needs the token (login CSRF).
    fresh = new_context(browser)
    login = fresh.request.post(f"{base}/console/login", form={"key": account.api_key})
    assert login.status == 403
    # After sign-out, the session's token no longer works.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/console/login")
    # After sign-out the old token opens nothing: the request is sent to sign in.
    after = page.request.post(
        f"{base}/console/generate/text", form={**form, "csrf": token}, max_redirects=0
    )
    assert (after.status, after.headers["location"]) == (303, "/console/login")
    for context in (attacker, victim, forged, fresh):
        context.close()


def test_webhooks_secret_once_deliveries_and_replay(
    server: RunningServer, account: Account, page: Page
) -> None:
    base = server.base_url
    sign_in(page, base, account.api_key)
    page.goto(f"{base}/console/webhooks")
    # A receiver on a closed loopback port: every attempt fails and is recorded.
    page.fill("#wh-url", "http://127.0.0.1:9/hook")
    page.get_by_role("button", name="Add").click()
    secret = page.locator("#new-secret").inner_text().strip()
    assert len(secret) >= 16
    page.goto(f"{base}/console/webhooks")
    expect(page.locator("#new-secret")).to_have_count(0)
    assert secret not in page.content()
    (video_id,) = _videos(server, account, "hooked")
    row = page.locator("#deliveries tbody tr").first
    for _ in range(40):
        page.goto(f"{base}/console/webhooks")
        if re.search(r"\b[1-9]\d*\b", row.locator("td").nth(3).inner_text()):
            break
        page.wait_for_timeout(250)
    expect(row).to_contain_text(f"#{video_id}")
    expect(row.locator("td").nth(3)).not_to_have_text("0")
    row.get_by_role("button", name=re.compile("Replay")).click()
    expect(page.locator(".notice")).to_contain_text("queued again")


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_no_serious_accessibility_violation_on_any_page(
    server: RunningServer, account: Account, browser: Browser, phone: bool
) -> None:
    context = new_context(browser, phone=phone)
    page = context.new_page()
    base = server.base_url
    _videos(server, account, "axe")
    found: dict[str, object] = {}
    page.goto(f"{base}/console/login")
    found["login"] = axe_violations(page)
    sign_in(page, base, account.api_key)
    modes = [
        "text",
        "image",
        "transition",
        "extend",
        "lip_sync",
        "sound_effect",
        "fusion",
        "restyle",
        "multi_transition",
        "swap",
        "mimic",
        "image_template",
    ]
    for mode in modes:
        page.goto(f"{base}/console/?mode={mode}")
        found[mode] = axe_violations(page)
    newest_card(page).get_by_role("button", name="Copy as…").click()
    expect(newest_card(page).locator("pre").first).to_be_visible()
    found["copy"] = axe_violations(page)
    for name in ("gallery", "usage", "webhooks"):
        page.goto(f"{base}/console/{name}")
        found[name] = axe_violations(page)
    page.get_by_role("button", name="Sign out").click()
    sandboxed = server.create_account(sandbox=True)
    server.state.sandbox.push_step(sandboxed.account_id, "fail-8")
    sandbox_api = server.api(sandboxed)
    try:
        sandbox_api.get("/openapi/v2/account/balance")
    finally:
        sandbox_api.close()
    sign_in(page, base, sandboxed.api_key)
    page.goto(f"{base}/console/sandbox")
    found["sandbox"] = axe_violations(page)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, base, ADMIN, expect_path="/console/operator")
    found["operator"] = axe_violations(page)
    page.goto(f"{base}/")
    found["index"] = axe_violations(page)
    # The check can fail: axe flags a picture without a text alternative.
    page.set_content('<html lang="en"><title>t</title><main><img src="x.png"></main></html>')
    assert [v["id"] for v in axe_violations(page)] == ["image-alt"]
    context.close()
    assert {k: v for k, v in found.items() if v} == {}


def test_a_sandbox_account_scripts_outcomes_and_reads_its_journal(
    server: RunningServer, page: Page
) -> None:
    sandboxed = server.create_account(sandbox=True)
    base = server.base_url
    sign_in(page, base, sandboxed.api_key)
    page.get_by_role("link", name="Sandbox").click()
    page.fill("#sb-directive", "fail-8")
    page.get_by_role("button", name="Queue step").click()
    expect(page.locator(".notice")).to_contain_text("fail-8")
    expect(page.locator("#steps")).to_contain_text("fail-8")
    # The next submission, from the playground, follows the script: failed and refunded.
    _mode(page, base, "text")
    page.fill("#f-prompt", "scripted")
    _generate(page)
    card = newest_card(page)
    expect(card.locator(".badge")).to_have_text("failed", timeout=30_000)
    # API requests of a sandbox account are journaled, with their answers.
    api = server.api(sandboxed)
    try:
        api.get("/openapi/v2/account/balance")
    finally:
        api.close()
    page.goto(f"{base}/console/sandbox?path=balance")
    expect(page.locator("#journal tbody tr")).to_have_count(1)
    expect(page.locator("#journal")).to_contain_text("/openapi/v2/account/balance")
    page.fill("#sb-advance", "120")
    page.get_by_role("button", name="Advance").click()
    expect(page.locator("#clock")).to_have_text("120 s")
    # An ordinary account has no sandbox page.
    page.get_by_role("button", name="Sign out").click()
    ordinary = server.create_account()
    sign_in(page, base, ordinary.api_key)
    expect(page.get_by_role("link", name="Sandbox")).to_have_count(0)
    page.goto(f"{base}/console/sandbox")
    expect(page.locator(".error")).to_contain_text("not a sandbox account")


def test_a_file_dropped_on_an_upload_zone_is_uploaded(
    server: RunningServer, account: Account, page: Page
) -> None:
    base = server.base_url
    sign_in(page, base, account.api_key)
    _mode(page, base, "image")
    dropped = page.evaluate(
        """async () => {
            const canvas = document.createElement("canvas");
            canvas.width = 96; canvas.height = 64;
            const draw = canvas.getContext("2d");
            draw.fillStyle = "#c04020"; draw.fillRect(0, 0, 96, 64);
            const blob = await new Promise(done => canvas.toBlob(done, "image/png"));
            const data = new DataTransfer();
            data.items.add(new File([blob], "dropped.png", {type: "image/png"}));
            const zone = document.querySelector("#f-img_id-file").closest("[data-drop]");
            zone.dispatchEvent(new DragEvent("dragover", {bubbles: true, dataTransfer: data}));
            const lit = zone.classList.contains("over");
            zone.dispatchEvent(new DragEvent("drop", {bubbles: true, dataTransfer: data}));
            return lit;
        }"""
    )
    assert dropped is True
    state = page.locator("#f-img_id-file").locator("xpath=..").locator(".upload-state")
    expect(state).to_have_attribute("data-uploaded", re.compile(r"^\d+$"), timeout=30_000)
    expect(state).to_contain_text("dropped.png uploaded")
    assert page.locator("#f-img_id").input_value() == state.get_attribute("data-uploaded")
    # A file that is not a picture is refused with the upload's error code, shown in place.
    page.evaluate(
        """() => {
            const data = new DataTransfer();
            data.items.add(new File(["not a picture"], "notes.png", {type: "image/png"}));
            const zone = document.querySelector("#f-img_id-file").closest("[data-drop]");
            zone.dispatchEvent(new DragEvent("drop", {bubbles: true, dataTransfer: data}));
        }"""
    )
    expect(state).to_contain_text(re.compile(r"Error 5000\d\d"))
