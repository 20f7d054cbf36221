"""Status polls that arrive together share one database read (api/coalesce.py): each still gets
exactly the answer it would get alone — its own account's generation, its own key's errors, a
sandbox account's poll through the sandbox route."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import httpx

from tests.cases.generate import VALID_TEXT
from tests.support.server import Account, RunningServer

RESULT = "/openapi/v2/video/result/{}"
TEXT = "/openapi/v2/video/text/generate"

Case = tuple[str, str]  # (API-KEY, the id as written in the path)
Answer = tuple[int, dict[str, Any]]


def _submit(server: RunningServer, account: Account, prompt: str) -> int:
    answer = server.api(account).post(TEXT, {**VALID_TEXT, "prompt": prompt})
    assert answer["ErrCode"] == 0, answer
    video_id = int(answer["Resp"]["video_id"])
    server.api(account).wait(video_id)
    return video_id


async def _ask(client: httpx.AsyncClient, case: Case, path: str | None = None) -> Answer:
    key, raw_id = case
    response = await client.get(
        path or RESULT.format(raw_id), headers={"API-KEY": key, "Ai-trace-id": str(uuid.uuid4())}
    )
    return response.status_code, response.json()


def _client(server: RunningServer, root_path: str = "") -> httpx.AsyncClient:
    """A client of the in-process app on this test's own event loop (the polls of one loop are
    read together)."""
    assert server.http is not None
    app = server.http.app
    transport = httpx.ASGITransport(app=app, root_path=root_path)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url=server.base_url)


async def _alone_then_together(server: RunningServer, cases: list[Case]) -> list[Answer]:
    """Each case's answer alone; then all of them at once, three times, must give the same."""
    async with _client(server) as client:
        alone = [await _ask(client, case) for case in cases]
        for _ in range(3):
            together = await asyncio.gather(*(_ask(client, case) for case in cases))
            assert together == alone
    return alone


def _poll_reads(server: RunningServer) -> tuple[float, float]:
    """(reads, polls they answered) from the pixforge_poll_read_polls histogram."""
    assert server.http is not None
    text = server.http.get("/metrics").text
    count = re.search(r"^pixforge_poll_read_polls_count ([\d.e+]+)$", text, re.M)
    total = re.search(r"^pixforge_poll_read_polls_sum ([\d.e+]+)$", text, re.M)
    assert count and total, text
    return float(count.group(1)), float(total.group(1))


def test_polls_read_together_each_get_their_own_answer(
    sandbox_server: RunningServer, sandbox_account: Account
) -> None:
    check_polls_read_together(sandbox_server, sandbox_account)


def check_polls_read_together(server: RunningServer, sandbox_account: Account) -> None:
    """Also run on PostgreSQL (tests/system/test_postgres.py), where the read is in a thread."""
    first, second = server.create_account(), server.create_account()
    own = {
        first.api_key: [_submit(server, first, f"a red fox #{n}") for n in range(2)],
        second.api_key: [_submit(server, second, f"a blue whale #{n}") for n in range(2)],
    }
    sandboxed = _submit(server, sandbox_account, "a sandbox poll")
    cases: list[Case] = []
    for key, ids in own.items():
        cases += [(key, str(video_id)) for video_id in ids]
    cases += [
        (first.api_key, str(own[second.api_key][0])),  # another account's video: not found
        (second.api_key, "4503599627370497"),  # no such video
        (first.api_key, "abc"),  # not an id
        ("pf-not-a-key-" + "x" * 30, str(own[first.api_key][0])),  # unknown key
        (sandbox_account.api_key, str(sandboxed)),  # handed on to the sandbox route
    ]
    reads_before, polls_before = _poll_reads(server)
    alone = asyncio.run(_alone_then_together(server, cases))
    reads, polls = _poll_reads(server)
    # Every poll was read (the sandbox one twice: once here, once by the sandbox route's own
    # key check, which does not count), and some reads answered several polls.
    assert polls - polls_before == 4 * len(cases)
    assert reads - reads_before < polls - polls_before
    codes = {answer["ErrCode"] for _, answer in alone}
    assert {0, 400017, 400013, 10002} <= codes


def test_a_poll_under_a_root_path_is_routed_as_the_app_routes_it(server: RunningServer) -> None:
    """Mounted under an ASGI root_path, the hot route matches the path the app's router sees."""
    account = server.create_account()
    video_id = _submit(server, account, "a red fox")

    async def ask(root_path: str, path: str) -> Answer:
        async with _client(server, root_path) as client:
            return await _ask(client, (account.api_key, "x"), path=path)

    mounted = asyncio.run(ask("/openapi", f"/openapi/openapi/v2/video/result/{video_id}"))
    assert mounted[0] == 200 and mounted[1]["Resp"]["id"] == video_id
    # Under /openapi, /openapi/v2/video/result/{id} is /v2/video/result/{id}: no such route.
    status, answer = asyncio.run(ask("/openapi", f"/openapi/v2/video/result/{video_id}"))
    assert (status, answer["ErrCode"]) == (404, 400017), answer
