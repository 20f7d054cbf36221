"""pixforge's extensions under /pixforge/v1 over HTTP: listing (paged, filtered), cancel
(status 6, refunded, announced) and the Server-Sent Events stream of progress and end."""

from __future__ import annotations

import json
import time

from tests.cases.generate import VALID_TEXT
from tests.support.sandbox import COST, TEXT, poll, submit, total, video_of
from tests.support.server import Api, RunningServer


def test_list_is_paged_newest_first_and_filtered(sapi: Api) -> None:
    done = [video_of(sapi, f"fox {n}") for n in range(3)]
    failed = video_of(sapi, "fox [pixforge:fail-8]")
    everything = sapi.get("/pixforge/v1/videos?page_size=2")["Resp"]
    assert everything["total"] == 4 and everything["page"] == 1
    assert [v["id"] for v in everything["items"]] == [failed, done[2]]
    second = sapi.get("/pixforge/v1/videos?page_size=2&page=2")["Resp"]
    assert [v["id"] for v in second["items"]] == [done[1], done[0]]
    only_failed = sapi.get("/pixforge/v1/videos?status=8")["Resp"]
    assert [(v["id"], v["status"], v["credits"]) for v in only_failed["items"]] == [(failed, 8, 0)]
    assert only_failed["items"][0]["mode"] == "text" and only_failed["items"][0]["error"]
    assert sapi.get("/pixforge/v1/videos?mode=image")["Resp"]["total"] == 0
    later = sapi.get(f"/pixforge/v1/videos?created_from={time.time() + 60}")["Resp"]
    assert later["total"] == 0
    bad = sapi.get("/pixforge/v1/videos?status=eight")
    assert bad["ErrCode"] == 400017 and bad["ErrMsg"].startswith("status")


def test_list_shows_only_the_callers_generations(server: RunningServer) -> None:
    mine, theirs = server.api(server.create_account()), server.api(server.create_account())
    video_id = int(mine.post(TEXT, VALID_TEXT)["Resp"]["video_id"])
    assert [v["id"] for v in mine.get("/pixforge/v1/videos")["Resp"]["items"]] == [video_id]
    assert theirs.get("/pixforge/v1/videos")["Resp"]["total"] == 0
    assert theirs.post(f"/pixforge/v1/videos/{video_id}/cancel")["ErrCode"] == 400017
    mine.close()
    theirs.close()


def test_cancel_refunds_and_a_finished_one_is_refused(sapi: Api) -> None:
    before = total(sapi)
    video_id = video_of(sapi, "a fox [pixforge:stuck]")
    assert total(sapi) == before - COST
    cancelled = sapi.post(f"/pixforge/v1/videos/{video_id}/cancel")
    assert cancelled["ErrCode"] == 0 and cancelled["Resp"]["status"] == 6
    assert cancelled["Resp"]["credits"] == 0
    assert poll(sapi, video_id)["Resp"]["status"] == 6 and total(sapi) == before
    again = sapi.post(f"/pixforge/v1/videos/{video_id}/cancel")
    assert again["ErrCode"] == 400017 and "already ended" in again["ErrMsg"]
    assert sapi.post("/pixforge/v1/videos/12x/cancel")["ErrCode"] == 400013


def test_event_stream_shows_progress_then_the_end(sapi: Api) -> None:
    video_id = video_of(sapi, "a fox [pixforge:fail-8 after=1s]")
    events = []
    with sapi.http.stream(
        "GET", f"/pixforge/v1/videos/{video_id}/events", headers=sapi.headers()
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        kind = ""
        for line in response.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                events.append((kind, json.loads(line[6:])))
    assert events[0][0] == "progress" and events[0][1]["status"] == 5
    assert events[-1][0] == "end" and events[-1][1]["status"] == 8
    progress = [data["progress"] for kind, data in events if kind == "progress"]
    assert progress == sorted(progress) and len(progress) >= 2


def test_event_stream_of_an_unknown_video_is_the_usual_error(sapi: Api) -> None:
    assert sapi.get("/pixforge/v1/videos/1/events")["ErrCode"] == 400017
    assert submit(sapi, "a fox")["ErrCode"] == 0
