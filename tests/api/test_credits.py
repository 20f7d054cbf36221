"""Credits: charged once with the generation, monthly first, refunded on 7/8, exact under load."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import text

from tests.cases.generate import VALID_TEXT
from tests.support.media import image_bytes
from tests.support.server import RunningServer, make_settings, running_server

TEXT = "/openapi/v2/video/text/generate"


def test_charge_uses_monthly_first_then_package(server: RunningServer) -> None:
    api = server.api(server.create_account(monthly=50, package=100))
    assert api.post(TEXT, VALID_TEXT)["ErrCode"] == 0  # 45 credits
    assert api.balance() == (5, 100)
    assert api.post(TEXT, VALID_TEXT)["ErrCode"] == 0  # 5 monthly + 40 package
    assert api.balance() == (0, 60)
    body = api.post(TEXT, {**VALID_TEXT, "quality": "720p"})  # 60: exactly enough
    assert body["ErrCode"] == 0
    assert api.balance() == (0, 0)
    broke = api.post(TEXT, VALID_TEXT)
    assert broke["ErrCode"] == 500090 and "45" in broke["ErrMsg"]
    api.close()


def test_prices_follow_the_table(server: RunningServer) -> None:
    api = server.api(server.create_account(monthly=10_000))
    cases = [
        ({"quality": "1080p"}, 120),
        ({"quality": "720p", "duration": 8}, 120),
        ({"motion_mode": "fast"}, 90),
        ({"sound_effect_switch": True}, 55),
        ({"model": "v6", "duration": 3, "quality": "1080p"}, 72),
    ]
    for changes, cost in cases:
        before = sum(api.balance())
        assert api.post(TEXT, {**VALID_TEXT, **changes})["ErrCode"] == 0
        assert before - sum(api.balance()) == cost, changes
    api.close()


def test_moderation_blocks_with_status_7_and_refunds(server: RunningServer) -> None:
    api = server.api(server.create_account(monthly=100))
    answer = api.post(TEXT, {**VALID_TEXT, "prompt": "a scene full of gore"})
    assert answer["ErrCode"] == 0
    result = api.wait(answer["Resp"]["video_id"])
    assert result["status"] == 7 and result["url"] == ""
    assert api.balance() == (100, 0)
    api.close()


def test_failed_generation_ends_in_8_and_refunds(server: RunningServer) -> None:
    api = server.api(server.create_account(monthly=30, package=30))
    uploaded = api.upload_image(image_bytes(320, 240))["Resp"]
    token = uploaded["img_url"].split("/files/")[1].split("/")[0]
    found = server.state.uploads.stored_file(token)
    assert found is not None
    # The input vanished from storage: the render must fail cleanly.
    server.state.blobs.delete(found.storage_key)
    body = {**VALID_TEXT, "img_id": uploaded["img_id"]}
    answer = api.post("/openapi/v2/video/img/generate", body)
    assert answer["ErrCode"] == 0
    result = api.wait(answer["Resp"]["video_id"])
    assert result["status"] == 8
    assert api.balance() == (30, 30)
    with server.state.db.read() as conn:
        kinds = conn.execute(
            text("SELECT kind FROM ledger WHERE generation_id = :g"),
            {"g": answer["Resp"]["video_id"]},
        ).scalars()
        assert sorted(kinds) == ["charge", "refund"]
        charge = conn.execute(
            text(
                "SELECT delta_monthly, delta_package FROM ledger WHERE generation_id = :g "
                "AND kind = 'charge'"
            ),
            {"g": answer["Resp"]["video_id"]},
        ).one()
        assert tuple(charge) == (-30, -15), "monthly first, then package"
    api.close()


def test_fifty_parallel_submissions_keep_balances_exact(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "d", workers=0)
    with running_server(settings) as server:
        account = server.create_account(monthly=450, package=450, concurrency=100)
        api = server.api(account)

        def submit(_: int) -> int:
            return int(api.post(TEXT, VALID_TEXT)["ErrCode"])

        with ThreadPoolExecutor(max_workers=50) as pool:
            codes = Counter(pool.map(submit, range(50)))
        assert codes == {0: 20, 500090: 30}
        assert api.balance() == (0, 0)
        with server.state.db.read() as conn:
            total = conn.execute(
                text("SELECT SUM(delta_monthly + delta_package) FROM ledger WHERE account_id = :a"),
                {"a": account.account_id},
            ).scalar_one()
            generations = conn.execute(text("SELECT COUNT(*) FROM generations")).scalar_one()
        assert total == 0 and generations == 20
        api.close()


def test_concurrency_cap(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "d", workers=0, default_concurrency=3)
    with running_server(settings) as server:
        api = server.api(server.create_account())
        for _ in range(3):
            assert api.post(TEXT, VALID_TEXT)["ErrCode"] == 0
        before = api.balance()
        capped = api.post(TEXT, VALID_TEXT)
        assert capped["ErrCode"] == 500044 and "concurrent" in capped["ErrMsg"]
        assert api.balance() == before
        roomy = server.create_account(concurrency=4)
        roomy_api = server.api(roomy)
        for _ in range(4):
            assert roomy_api.post(TEXT, VALID_TEXT)["ErrCode"] == 0
        assert roomy_api.post(TEXT, VALID_TEXT)["ErrCode"] == 500044
        api.close()
        roomy_api.close()


def test_rate_limit_per_key(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "d", rate_limit_per_s=0.5, rate_limit_burst=3)
    with running_server(settings) as server:
        api = server.api(server.create_account())
        codes = []
        for _ in range(5):
            response = api.http.get("/openapi/v2/account/balance", headers=api.headers())
            codes.append(response.json()["ErrCode"])
        assert codes[:3] == [0, 0, 0] and codes[3:] == [500069, 500069]
        assert int(response.headers["retry-after"]) >= 1
        other = server.api(server.create_account())
        assert other.get("/openapi/v2/account/balance")["ErrCode"] == 0
        api.close()
        other.close()


def test_idempotent_replay(server: RunningServer) -> None:
    api = server.api(server.create_account(monthly=1000))
    trace_id = str(uuid.uuid4())
    first = api.post(TEXT, VALID_TEXT, trace_id=trace_id)
    again = api.post(TEXT, dict(reversed(list(VALID_TEXT.items()))), trace_id=trace_id)
    assert first == again and first["ErrCode"] == 0
    assert api.balance() == (955, 0)
    conflict = api.post(TEXT, {**VALID_TEXT, "prompt": "something else"}, trace_id=trace_id)
    assert conflict["ErrCode"] == 400017 and "Ai-trace-id" in conflict["ErrMsg"]
    image = image_bytes(100, 100)
    upload_trace = str(uuid.uuid4())
    up1 = api.upload_image(image, trace_id=upload_trace)
    up2 = api.upload_image(image, name="other-name.png", trace_id=upload_trace)
    assert up1 == up2 and up1["ErrCode"] == 0
    other = api.upload_image(image_bytes(101, 100), trace_id=upload_trace)
    assert other["ErrCode"] == 400017
    assert api.balance() == (955, 0)
    api.close()


def test_parallel_replays_create_one_generation(server: RunningServer) -> None:
    # Exactly one generation's worth of credits: a twin that did not see the first would fail.
    api = server.api(server.create_account(monthly=45, concurrency=50))
    trace_id = str(uuid.uuid4())
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda _: api.post(TEXT, VALID_TEXT, trace_id=trace_id), range(10)))
    assert all(a == answers[0] for a in answers) and answers[0]["ErrCode"] == 0
    assert api.balance() == (0, 0)
    api.close()


def test_rejected_request_can_be_retried_with_same_trace_id(server: RunningServer) -> None:
    account = server.create_account(monthly=0)
    api = server.api(account)
    trace_id = str(uuid.uuid4())
    assert api.post(TEXT, VALID_TEXT, trace_id=trace_id)["ErrCode"] == 500090
    server.state.accounts.grant_credits(account.account_id, monthly=45)
    assert api.post(TEXT, VALID_TEXT, trace_id=trace_id)["ErrCode"] == 0
    assert api.balance() == (0, 0)
    api.close()
