"""The sandbox over HTTP: every row of the trigger table in docs/sandbox.md (magic tokens in
prompts and file names, forced error codes, outcomes with refunds and webhooks), scenario steps,
timing modes and the virtual clock through the admin API, the journal and its HAR export."""

from __future__ import annotations

import json
import logging
import math
import time
import uuid
from pathlib import Path

import pytest

from tests.cases.generate import VALID_TEXT
from tests.support.sandbox import (
    ADMIN_TOKEN,
    COST,
    TEXT,
    admin,
    poll,
    submit,
    total,
    until_ended,
    video_of,
)
from tests.support.server import Account, Api, RunningServer, make_settings, running_server
from tests.system.test_webhooks import Receiver, receiving, signed

# -- magic tokens: outcomes


def test_tokens_are_ordinary_text_for_other_accounts(server: RunningServer) -> None:
    api = server.api(server.create_account())
    video_id = video_of(api, "a fox [pixforge:fail-8]")
    assert api.wait(video_id)["status"] == 1
    bad = submit(api, "a fox [pixforge:no-such-thing]")
    assert bad["ErrCode"] == 0  # not parsed at all
    api.close()


@pytest.mark.parametrize(
    ("token", "status"),
    [("fail-8", 8), ("fail-7", 7), ("cancel-6", 6), ("status-8", 8), ("succeed", 1)],
)
def test_forced_outcome_at_once_is_refunded(sapi: Api, token: str, status: int) -> None:
    before = total(sapi)
    video_id = video_of(sapi, f"a fox [pixforge:{token}]")
    result = poll(sapi, video_id)["Resp"]
    assert result["status"] == status
    if status == 1:
        assert result["url"] and total(sapi) == before - COST
    else:
        assert result["url"] == "" and total(sapi) == before  # refunded
        credits = sapi.get(f"/openapi/v2/video/credits/{video_id}")["Resp"]["credits"]
        assert credits == COST  # what it was charged; the refund is in the balance


def test_fail_after_two_polls(sapi: Api) -> None:
    video_id = video_of(sapi, "a fox [pixforge:fail-8 after=2polls]")
    first = poll(sapi, video_id)["Resp"]
    assert first["status"] == 5 and first["progress"] == 50
    assert poll(sapi, video_id)["Resp"]["status"] == 8


def test_success_after_three_polls_renders_a_real_video(sapi: Api) -> None:
    video_id = video_of(sapi, "a fox [pixforge:succeed after=3polls]")
    assert [poll(sapi, video_id)["Resp"]["status"] for _ in range(2)] == [5, 5]
    done = poll(sapi, video_id)["Resp"]
    assert done["status"] == 1 and done["url"].endswith(".mp4") and done["size"] > 0


def test_stuck_stays_in_five_with_its_progress(sapi: Api) -> None:
    before = total(sapi)
    video_id = video_of(sapi, "[pixforge:stuck progress=40] a fox")
    for _ in range(5):
        result = poll(sapi, video_id)["Resp"]
        assert result["status"] == 5 and result["progress"] == 40
    assert total(sapi) == before - COST  # still charged while it hangs


def test_outcome_after_seconds_on_the_virtual_clock(
    sandbox_server: RunningServer, sandbox_account: Account, sapi: Api
) -> None:
    video_id = video_of(sapi, "a fox [pixforge:fail-7 after=10m]")
    assert poll(sapi, video_id)["Resp"]["status"] == 5
    admin(
        sandbox_server, "POST", f"/sandbox/{sandbox_account.account_id}/clock", {"advance_s": 300}
    )
    assert poll(sapi, video_id)["Resp"]["progress"] == 50
    admin(
        sandbox_server, "POST", f"/sandbox/{sandbox_account.account_id}/clock", {"advance_s": 300}
    )
    assert poll(sapi, video_id)["Resp"]["status"] == 7


def test_after_seconds_on_the_real_clock_without_polls(sapi: Api) -> None:
    video_id = video_of(sapi, "a fox [pixforge:fail-8 after=300ms]")
    time.sleep(0.8)  # the ticker ends it; nobody polled
    assert poll(sapi, video_id)["Resp"]["status"] == 8


def test_progress_at_a_pace(
    sandbox_server: RunningServer, sandbox_account: Account, sapi: Api
) -> None:
    started = time.monotonic()
    video_id = video_of(sapi, "a fox [pixforge:pace=100s]")
    path = f"/sandbox/{sandbox_account.account_id}/clock"
    seen = []
    for _ in range(3):
        admin(sandbox_server, "POST", path, {"advance_s": 25})
        seen.append(poll(sapi, video_id)["Resp"]["progress"])
    # The account's clock is the real one plus the advances: each real second that passed
    # (a loaded machine) adds a percent of the 100 s pace.
    drift = math.ceil(time.monotonic() - started)
    for expected, progress in zip([25, 50, 75], seen, strict=True):
        assert expected <= progress <= expected + drift, (seen, drift)
    admin(sandbox_server, "POST", path, {"advance_s": 25})
    assert until_ended(sapi, video_id)["status"] == 1


def test_forced_outcomes_are_announced_by_webhooks(
    sandbox_server: RunningServer, sandbox_account: Account, sapi: Api
) -> None:
    from tests.support.server import free_port

    with receiving(Receiver(free_port())) as receiver:
        hook = sandbox_server.state.operator.create_webhook(
            sandbox_account.account_id, receiver.url, True
        )
        ids = [
            video_of(sapi, "a [pixforge:fail-8]"),
            video_of(sapi, "b [pixforge:fail-7]"),
            video_of(sapi, "c [pixforge:cancel-6]"),
        ]
        receiver.wait_for(3)
        bodies = {}
        for headers, raw in receiver.calls:
            body = json.loads(raw)
            assert signed(hook.secret, headers, body)
            bodies[int(body["id"])] = body
        assert {i: (b["status"], b["credits"]) for i, b in bodies.items()} == {
            ids[0]: (8, 0),
            ids[1]: (7, 0),
            ids[2]: (6, 0),
        }


# -- magic tokens: forced error codes


@pytest.mark.parametrize("code", [400011, 400017, 400032, 500044, 500090, 500100])
def test_forced_error_at_submit_charges_nothing(sapi: Api, code: int) -> None:
    before = total(sapi)
    response = sapi.http.post(
        TEXT, json={**VALID_TEXT, "prompt": f"[pixforge:err-{code}] fox"}, headers=sapi.headers()
    )
    body = response.json()
    assert body["ErrCode"] == code and body["Resp"] is None
    assert f"err-{code}" in body["ErrMsg"]
    assert response.status_code == (500 if code == 500100 else 200)
    assert total(sapi) == before


def test_forced_rate_limit_says_when_to_retry(sapi: Api) -> None:
    response = sapi.http.post(
        TEXT,
        json={**VALID_TEXT, "prompt": "[pixforge:err-500069 retry-after=7s]"},
        headers=sapi.headers(),
    )
    assert response.json()["ErrCode"] == 500069
    assert response.headers["retry-after"] == "7"


def test_forced_error_at_poll_for_some_polls(sapi: Api) -> None:
    video_id = video_of(sapi, "a fox [pixforge:err-500069 at=poll times=2]")
    codes = [poll(sapi, video_id)["ErrCode"] for _ in range(3)]
    assert codes == [500069, 500069, 0]
    assert poll(sapi, video_id)["Resp"]["status"] == 1


def test_forced_error_at_upload_from_the_file_name(sapi: Api) -> None:
    from tests.support.media import noise_png

    refused = sapi.upload_image(noise_png(360, 360), name="cat[pixforge:err-500030].png")
    assert refused["ErrCode"] == 500030
    assert sapi.upload_image(noise_png(360, 360), name="cat.png")["ErrCode"] == 0
    by_url = sapi.http.post(
        "/openapi/v2/image/upload",
        data={"image_url": "http://127.0.0.1/cat[pixforge:err-500041].png"},
        headers=sapi.headers(),
    ).json()
    assert by_url["ErrCode"] == 500041  # before any fetch


def test_a_bad_token_names_the_field(sapi: Api) -> None:
    body = submit(sapi, "a fox [pixforge:explode]")
    assert body["ErrCode"] == 400017 and body["ErrMsg"].startswith("prompt: unknown sandbox")
    body = submit(sapi, "a fox [pixforge:err-123]")
    assert body["ErrCode"] == 400017
    body = submit(sapi, "a fox [pixforge:fail-8 after=soon]")
    assert body["ErrCode"] == 400017 and "after" in body["ErrMsg"]


# -- scenarios, timing, clock: the admin API


def test_admin_api_needs_its_token(
    sandbox_server: RunningServer, sandbox_account: Account, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pixforge.admin")
    assert sandbox_server.http is not None
    path = f"/pixforge/admin/sandbox/{sandbox_account.account_id}"
    missing = sandbox_server.http.get(path)
    assert missing.status_code == 401 and missing.json()["ErrCode"] == 10002
    wrong = sandbox_server.http.get(path, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    as_key = sandbox_server.http.get(path, headers={"API-KEY": sandbox_account.api_key})
    assert as_key.status_code == 401
    admin(sandbox_server, "GET", f"/sandbox/{sandbox_account.account_id}")
    logged = [(r.getMessage(), getattr(r, "path", "")) for r in caplog.records]
    assert logged == [("admin call refused: bad token", path)] * 3 + [("admin call", path)]


def test_admin_api_is_off_without_a_token(server: RunningServer) -> None:
    assert server.http is not None
    refused = server.http.get("/pixforge/admin/sandbox/1", headers={"Authorization": "Bearer x"})
    assert refused.status_code == 403 and "PIXFORGE_ADMIN_TOKEN" in refused.json()["ErrMsg"]


def test_admin_refuses_accounts_that_are_not_sandboxes(sandbox_server: RunningServer) -> None:
    plain = sandbox_server.create_account()
    assert sandbox_server.http is not None
    answer = sandbox_server.http.post(
        f"/pixforge/admin/sandbox/{plain.account_id}/scenarios",
        json={"directive": "err-500044"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    ).json()
    assert answer["ErrCode"] == 400017 and "not a sandbox" in answer["ErrMsg"]


def test_next_three_text_submits_answer_500044(
    sandbox_server: RunningServer, sandbox_account: Account, sapi: Api
) -> None:
    base = f"/sandbox/{sandbox_account.account_id}/scenarios"
    step = admin(
        sandbox_server, "POST", base, {"directive": "err-500044", "mode": "text", "times": 3}
    )
    assert step["Resp"]["stage"] == "submit" and step["Resp"]["remaining"] == 3
    codes = [submit(sapi, "a fox")["ErrCode"] for _ in range(4)]
    assert codes == [500044, 500044, 500044, 0]
    assert admin(sandbox_server, "GET", base)["Resp"]["steps"] == []
    other_mode = admin(sandbox_server, "POST", base, {"directive": "err-500044", "mode": "image"})
    assert submit(sapi, "a fox")["ErrCode"] == 0  # a text submit does not consume it
    assert admin(sandbox_server, "GET", base)["Resp"]["steps"] == [other_mode["Resp"]]


def test_every_generation_fails_after_two_polls_until_cleared(
    sandbox_server: RunningServer, sandbox_account: Account, sapi: Api
) -> None:
    base = f"/sandbox/{sandbox_account.account_id}/scenarios"
    admin(sandbox_server, "POST", base, {"directive": "fail-8 after=2polls", "times": None})
    for _ in range(2):
        video_id = video_of(sapi, "a fox")
        assert [poll(sapi, video_id)["Resp"]["status"] for _ in range(2)] == [5, 8]
    steps = admin(sandbox_server, "GET", base)["Resp"]["steps"]
    assert [(s["directive"], s["remaining"]) for s in steps] == [("fail-8 after=2polls", None)]
    assert admin(sandbox_server, "DELETE", base)["Resp"]["removed"] == 1
    assert poll(sapi, video_of(sapi, "a fox"))["Resp"]["status"] == 1


def test_scenario_steps_at_poll_and_upload(
    sandbox_server: RunningServer, sandbox_account: Account, sapi: Api
) -> None:
    from tests.support.media import noise_png

    base = f"/sandbox/{sandbox_account.account_id}/scenarios"
    admin(sandbox_server, "POST", base, {"directive": "err-500031 at=upload"})
    admin(sandbox_server, "POST", base, {"directive": "err-500100 at=poll"})
    assert sapi.upload_image(noise_png(360, 360))["ErrCode"] == 500031
    assert sapi.upload_image(noise_png(360, 360))["ErrCode"] == 0
    video_id = video_of(sapi, "a fox")
    assert (
        sapi.http.get(f"/openapi/v2/video/result/{video_id}", headers=sapi.headers()).json()[
            "ErrCode"
        ]
        == 500100
    )
    assert poll(sapi, video_id)["Resp"]["status"] == 1


def test_timing_modes(sandbox_server: RunningServer, sandbox_account: Account, sapi: Api) -> None:
    account = sandbox_account.account_id
    admin(sandbox_server, "PUT", f"/sandbox/{account}/timing", {"mode": "fixed", "seconds": 600})
    video_id = video_of(sapi, "a ten-minute render")
    assert poll(sapi, video_id)["Resp"]["status"] == 5
    started = time.monotonic()
    admin(sandbox_server, "POST", f"/sandbox/{account}/clock", {"advance_s": 600})
    assert until_ended(sapi, video_id)["status"] == 1
    assert time.monotonic() - started < 10  # a ten-minute render in well under that

    admin(sandbox_server, "PUT", f"/sandbox/{account}/timing", {"mode": "polls", "polls": 2})
    video_id = video_of(sapi, "a fox")
    assert [poll(sapi, video_id)["Resp"]["status"] for _ in range(2)] == [5, 1]

    def seeded_times() -> list[str]:
        admin(sandbox_server, "PUT", f"/sandbox/{account}/timing", {"mode": "seeded", "seed": 7})
        ids = [video_of(sapi, "a fox") for _ in range(3)]
        watched = admin(sandbox_server, "GET", f"/sandbox/{account}")["Resp"]["watched"]
        held = {w["generation_id"]: w["directive"] for w in watched}
        admin(sandbox_server, "POST", f"/sandbox/{account}/clock", {"advance_s": 3600})
        for video_id in ids:
            assert until_ended(sapi, video_id)["status"] == 1
        return [held[video_id] for video_id in ids]

    first = seeded_times()
    assert len(set(first)) == 3 and all(d.startswith("succeed after=") for d in first)
    assert seeded_times() == first  # the same seed draws the same times in the same order
    admin(sandbox_server, "PUT", f"/sandbox/{account}/timing", {"mode": "instant"})
    assert poll(sapi, video_of(sapi, "a fox"))["Resp"]["status"] == 1


def test_the_poll_that_makes_an_outcome_due_answers_it(tmp_path: Path) -> None:
    """A ticker running all the time must not take a poll-counted outcome from the poll that
    makes it due (it did: that poll then answered 5 while the ticker rendered)."""
    settings = make_settings(tmp_path / "data", admin_token=ADMIN_TOKEN, sandbox_tick_s=0.001)
    with running_server(settings) as server:
        account = server.create_account(monthly=1000, sandbox=True)
        api = server.api(account)
        admin(server, "PUT", f"/sandbox/{account.account_id}/timing", {"mode": "polls", "polls": 2})
        for n in range(12):
            video_id = video_of(api, f"a fox #{n}")
            time.sleep(0.01)  # the ticker looks at the held generation between the polls
            assert [poll(api, video_id)["Resp"]["status"] for _ in range(2)] == [5, 1], n


# -- the journal


def test_journal_keeps_requests_without_secrets_and_exports_har(
    sandbox_server: RunningServer, sandbox_account: Account, sapi: Api
) -> None:
    trace_id = str(uuid.uuid4())
    video_id = int(
        sapi.post(TEXT, {**VALID_TEXT, "prompt": "journal fox"}, trace_id=trace_id)["Resp"][
            "video_id"
        ]
    )
    poll(sapi, video_id)
    submit(sapi, "[pixforge:err-500044]")
    other = sandbox_server.api(sandbox_server.create_account())
    other.post(TEXT, VALID_TEXT)  # not a sandbox account: never journaled
    other.close()
    base = f"/sandbox/{sandbox_account.account_id}/journal"
    entries = admin(sandbox_server, "GET", base)["Resp"]["entries"]
    assert [(e["method"], e["path"], e["err_code"]) for e in entries] == [
        ("POST", TEXT, 0),
        ("GET", f"/openapi/v2/video/result/{video_id}", 0),
        ("POST", TEXT, 500044),
    ]
    first = entries[0]
    headers = dict(first["request"]["headers"])
    assert headers["api-key"] == "[redacted]" and sandbox_account.api_key not in json.dumps(entries)
    assert json.loads(first["request"]["body"])["prompt"] == "journal fox"
    assert json.loads(first["response"]["body"])["Resp"]["video_id"] == video_id
    by_trace = admin(sandbox_server, "GET", f"{base}?trace_id={trace_id}")["Resp"]["entries"]
    assert [e["id"] for e in by_trace] == [first["id"]]
    errors = admin(sandbox_server, "GET", f"{base}?err_code=500044")["Resp"]["entries"]
    assert len(errors) == 1
    by_path = admin(sandbox_server, "GET", f"{base}?path=/video/result/")["Resp"]["entries"]
    assert len(by_path) == 1
    later = admin(sandbox_server, "GET", f"{base}?since={time.time() + 60}")["Resp"]["entries"]
    assert later == []
    har = admin(sandbox_server, "GET", f"{base}.har")
    assert har["log"]["version"] == "1.2" and len(har["log"]["entries"]) == 3
    har_request = har["log"]["entries"][0]["request"]
    assert har_request["method"] == "POST" and "journal fox" in har_request["postData"]["text"]
    admin(sandbox_server, "DELETE", base)
    assert admin(sandbox_server, "GET", base)["Resp"]["entries"] == []


def test_admin_creates_sandbox_accounts(sandbox_server: RunningServer) -> None:
    made = admin(sandbox_server, "POST", "/accounts", {"credit_monthly": 90})["Resp"]
    assert made["sandbox"] is True and made["api_key"].startswith("pf-")
    api = Api(sandbox_server.base_url, made["api_key"], sandbox_server.http)
    assert submit(api, "[pixforge:err-500090]")["ErrCode"] == 500090
    assert api.balance() == (90, 0)


# -- reset and snapshots


def test_reset_makes_the_account_fresh(
    sandbox_server: RunningServer, sandbox_account: Account, sapi: Api
) -> None:
    from tests.support.media import noise_png

    account = sandbox_account.account_id
    trace_id = str(uuid.uuid4())
    done = int(sapi.post(TEXT, VALID_TEXT, trace_id=trace_id)["Resp"]["video_id"])
    stuck = video_of(sapi, "[pixforge:stuck]")
    image_id = sapi.image_id(noise_png(360, 360))
    admin(sandbox_server, "POST", f"/sandbox/{account}/scenarios", {"directive": "err-500044"})
    admin(sandbox_server, "PUT", f"/sandbox/{account}/timing", {"mode": "polls", "polls": 3})
    admin(sandbox_server, "POST", f"/sandbox/{account}/clock", {"advance_s": 60})
    assert total(sapi) == 1000 - 2 * COST
    admin(sandbox_server, "POST", f"/sandbox/{account}/reset")
    assert total(sapi) == 1000
    assert sapi.get("/pixforge/v1/videos")["Resp"]["total"] == 0
    for video_id in (done, stuck):
        assert poll(sapi, video_id)["ErrCode"] == 400017
    state = admin(sandbox_server, "GET", f"/sandbox/{account}")["Resp"]
    assert state["scenarios"] == [] and state["watched"] == []
    assert state["timing"]["mode"] == "instant" and state["clock_offset_s"] == 0
    journal = admin(sandbox_server, "GET", f"/sandbox/{account}/journal")["Resp"]["entries"]
    assert [e["path"] for e in journal] == [
        "/openapi/v2/account/balance",
        "/pixforge/v1/videos",
        *[f"/openapi/v2/video/result/{v}" for v in (done, stuck)],
    ]  # only what came after the reset
    # The trace id is free again, the upload is gone, and the next submit just works.
    again = sapi.post(TEXT, {**VALID_TEXT, "prompt": "other"}, trace_id=trace_id)
    assert again["ErrCode"] == 0 and again["Resp"]["video_id"] != done
    used = sapi.post("/openapi/v2/video/img/generate", {**VALID_TEXT, "img_id": image_id})
    assert used["ErrCode"] == 400032


def test_snapshot_and_restore_bring_back_rows_and_files(
    sandbox_server: RunningServer, sapi: Api
) -> None:
    assert sandbox_server.http is not None
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    kept = video_of(sapi, "kept fox")
    url = poll(sapi, kept)["Resp"]["url"]
    video = sapi.http.get(url).content
    balance = total(sapi)
    snapshot = sandbox_server.http.get("/pixforge/admin/snapshot", headers=auth)
    assert snapshot.headers["content-type"] == "application/gzip"
    later = video_of(sapi, "later fox")
    assert total(sapi) == balance - COST
    restored = sandbox_server.http.post(
        "/pixforge/admin/restore", content=snapshot.content, headers=auth
    ).json()
    assert restored["ErrCode"] == 0
    assert [v["id"] for v in sapi.get("/pixforge/v1/videos")["Resp"]["items"]] == [kept]
    assert poll(sapi, later)["ErrCode"] == 400017 and total(sapi) == balance
    assert sapi.http.get(url).content == video
    assert video_of(sapi, "after the restore") > 0  # ids, ledger and sequences still work
    broken = sandbox_server.http.post(
        "/pixforge/admin/restore", content=b"not a tar", headers=auth
    ).json()
    assert broken["ErrCode"] == 400017 and broken["ErrMsg"].startswith("snapshot:")
