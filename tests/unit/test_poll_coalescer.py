"""The poll coalescer (api/coalesce.py) when the database cannot be reached: every waiting poll
gets the error, none waits forever, and the next polls are read again."""

from __future__ import annotations

import asyncio

import pytest

from pixforge.api.coalesce import PollCoalescer
from pixforge.domain.errors import InternalError
from pixforge.store.db import Database
from pixforge.store.hot import HotReads
from tests.support.server import free_port


@pytest.mark.parametrize("in_thread", [False, True])
def test_every_waiting_poll_gets_the_database_error(in_thread: bool) -> None:
    # Nothing listens on this port: connecting fails at once.
    db = Database(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none?connect_timeout=2")
    reads: list[int] = []
    polls = PollCoalescer(HotReads(db).poll_many, in_thread=in_thread, on_read=reads.append)

    async def poll_all(count: int) -> list[BaseException | object]:
        return list(
            await asyncio.gather(
                *(polls.poll(f"hash-{n}", n + 1) for n in range(count)), return_exceptions=True
            )
        )

    try:
        for count in (3, 1):
            answers = asyncio.run(asyncio.wait_for(poll_all(count), timeout=30))
            assert len(answers) == count
            for answer in answers:
                assert isinstance(answer, InternalError), answer
                assert "database unavailable" in answer.message
        assert reads == [3, 1]  # the three read together, then the lone one again
    finally:
        db.dispose()


@pytest.mark.parametrize("in_thread", [False, True])
def test_polls_of_one_pair_share_its_row_and_each_gets_its_own_answer(in_thread: bool) -> None:
    asked: list[list[tuple[str, int]]] = []
    counted: list[int] = []

    def read_many(pairs: list[tuple[str, int]]) -> list[str]:
        asked.append(list(pairs))
        return [f"{key}:{generation_id}" for key, generation_id in pairs]

    polls = PollCoalescer(read_many, in_thread=in_thread, on_read=counted.append)
    wanted = [("a", 1), ("b", 2), ("a", 1), ("a", 2), ("b", 2), ("a", 1)]

    async def poll_all() -> list[str]:
        return list(await asyncio.gather(*(polls.poll(key, n) for key, n in wanted)))

    answers = asyncio.run(asyncio.wait_for(poll_all(), timeout=30))
    assert answers == [f"{key}:{n}" for key, n in wanted]
    assert asked == [[("a", 1), ("b", 2), ("a", 2)]]  # one read, each pair once, first-seen order
    assert counted == [6]  # the metric counts polls answered, not rows read
