"""The API on PostgreSQL (PIXFORGE_DATABASE_URL): lifecycle, exact balances, replay, refunds."""

from __future__ import annotations

import json
import secrets
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from tests.api.test_poll_reads import check_polls_read_together
from tests.cases.generate import VALID_TEXT
from tests.support.media import image_bytes, make_scene_video
from tests.support.server import RunningServer, free_port, make_settings, running_server
from tests.system.test_webhooks import Receiver, receiving

ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
pytestmark = pytest.mark.system
TEXT = "/openapi/v2/video/text/generate"


@pytest.fixture
def pg_url() -> Iterator[str]:
    name = f"pixforge_{secrets.token_hex(6)}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_server(tmp_path: Path, pg_url: str) -> Iterator[RunningServer]:
    settings = make_settings(tmp_path / "d", database_url=pg_url, workers=2)
    with running_server(settings) as server:
        assert server.state.db.engine.dialect.name == "postgresql"
        yield server


def test_polls_read_together_each_get_their_own_answer(pg_server: RunningServer) -> None:
    check_polls_read_together(pg_server, pg_server.create_account(sandbox=True))


def test_every_mode_end_to_end(pg_server: RunningServer) -> None:
    api = pg_server.api(pg_server.create_account(monthly=1000))
    first = api.image_id(image_bytes(320, 240))
    last = api.image_id(image_bytes(320, 240, colour=(5, 5, 5)))
    base = {k: v for k, v in VALID_TEXT.items() if k != "aspect_ratio"}
    ids = [
        api.post(TEXT, VALID_TEXT)["Resp"]["video_id"],
        api.post("/openapi/v2/video/img/generate", {**base, "img_id": first})["Resp"]["video_id"],
        api.post(
            "/openapi/v2/video/transition/generate",
            {**base, "first_frame_img": first, "last_frame_img": last},
        )["Resp"]["video_id"],
        api.post(TEXT, {**VALID_TEXT, "prompt": "gore"})["Resp"]["video_id"],
    ]
    results = [api.wait(i) for i in ids]
    assert [r["status"] for r in results] == [1, 1, 1, 7]
    assert api.balance() == (1000 - 3 * 45, 0)
    assert api.http.get(results[0]["url"]).status_code == 200
    api.close()


def test_parallel_submissions_and_replays_stay_exact(tmp_path: Path, pg_url: str) -> None:
    settings = make_settings(tmp_path / "d", database_url=pg_url, workers=0)
    with running_server(settings) as server:
        account = server.create_account(monthly=450, package=450, concurrency=100)
        api = server.api(account)
        with ThreadPoolExecutor(max_workers=50) as pool:
            codes = Counter(pool.map(lambda _: api.post(TEXT, VALID_TEXT)["ErrCode"], range(50)))
        assert codes == {0: 20, 500090: 30}
        assert api.balance() == (0, 0)
        server.state.accounts.grant_credits(account.account_id, monthly=45)
        trace_id = str(uuid.uuid4())
        with ThreadPoolExecutor(max_workers=10) as pool:
            answers = list(pool.map(lambda _: api.post(TEXT, VALID_TEXT, trace_id), range(10)))
        assert all(a == answers[0] for a in answers) and answers[0]["ErrCode"] == 0
        assert api.balance() == (0, 0)
        with server.state.db.read() as conn:
            count = conn.execute(text("SELECT COUNT(*) FROM generations")).scalar_one()
        assert count == 21
        api.close()


def test_features_and_webhooks(tmp_path: Path, pg_url: str) -> None:
    settings = make_settings(
        tmp_path / "d",
        database_url=pg_url,
        webhook_retry_delays_s=[0.2],
        webhook_poll_s=0.1,
        webhook_allow_networks=["127.0.0.0/8"],
    )
    with (
        receiving(Receiver(free_port(), script=[500])) as receiver,
        running_server(settings) as server,
    ):
        account = server.create_account(monthly=1000)
        server.state.operator.create_webhook(account.account_id, receiver.url, True)
        api = server.api(account)
        media_id = api.media_id(make_scene_video(tmp_path / "c.mp4", 320, 240, 1))
        selection = api.post("/openapi/v2/video/mask/selection", {"video_media_id": media_id})
        assert selection["ErrCode"] == 0, selection
        swap = api.post(
            "/openapi/v2/video/swap/generate",
            {
                "video_media_id": media_id,
                "keyframe_id": 1,
                "mask_id": selection["Resp"]["mask_info"][0]["mask_id"],
                "img_id": api.image_id(image_bytes(64, 64)),
                "quality": "360p",
            },
        )
        restyle = api.post(
            "/openapi/v2/video/restyle/generate", {"video_media_id": media_id, "restyle_id": 23002}
        )
        assert restyle["ErrCode"] == 0, restyle
        ids = [swap["Resp"]["video_id"], restyle["Resp"]["video_id"]]
        assert [api.wait(i)["status"] for i in ids] == [1, 1]
        assert api.balance() == (1000 - 2 - 9 - 9, 0)
        receiver.wait_for(3)  # one refused once, then both delivered
        announced = sorted(json.loads(body)["id"] for _, body in receiver.calls)
        assert set(announced) == {str(i) for i in ids}
        api.close()
