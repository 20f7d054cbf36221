"""Coalesces the status polls that reach the server together into one database read
(HotReads.poll_many).

Under load many clients' polls arrive together: each would pay a statement of its own — on
PostgreSQL a round trip. Each poll registers here and waits; one read answers everything
registered by the time it starts, each poll its own row; polls of the same video with the same
key share its row (a client's connections, or many clients watching one video). Nothing is
cached: every poll is answered by a read that started after it arrived.

On SQLite the read is a local call of a few microseconds: it runs on the event loop, in the turn
after the polls registered. On PostgreSQL it runs in a thread, so the loop goes on serving
while the server answers; the polls that arrive meanwhile form the next read (at most two
reads at once).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

# What one poll's read gives (HotReads.poll_many: the key's grant and the generation row).
Read = TypeVar("Read")
# Reads many (key hash, generation id) pairs in one statement, answers in their order.
ReadMany = Callable[[list[tuple[str, int]]], list[Read]]

# Most pairs in one statement (SQLite binds three values per pair).
MAX_BATCH = 64
# Reads in threads at once: while one waits for the server, the next polls can start another.
MAX_READS_UNDER_WAY = 2


class PollCoalescer(Generic[Read]):
    """Used from event loops' own threads; the polls of each loop are read together (a process
    serves from one loop; tests may drive an app from several)."""

    def __init__(
        self,
        read_many: ReadMany[Read],
        *,
        in_thread: bool,
        on_read: Callable[[int], object] | None = None,
    ) -> None:
        self.read_many = read_many
        self.in_thread = in_thread
        # Told the number of polls of each read (a metric).
        self.on_read = on_read
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue[Read]] = (
            weakref.WeakKeyDictionary()
        )

    async def poll(self, key_hash: str, generation_id: int) -> Read:
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        future: asyncio.Future[Read] = loop.create_future()
        queue.waiting.append((key_hash, generation_id, future))
        self._schedule(loop, queue)
        return await future

    def _schedule(self, loop: asyncio.AbstractEventLoop, queue: _Queue[Read]) -> None:
        """A read soon, unless one is already due or as many as allowed are under way. It runs
        after every task already ready in this turn has had its step (and registered)."""
        if queue.waiting and not queue.due and queue.under_way < MAX_READS_UNDER_WAY:
            queue.due = True
            loop.call_soon(self._read, loop, queue)

    def _read(self, loop: asyncio.AbstractEventLoop, queue: _Queue[Read]) -> None:
        queue.due = False
        batch = [entry for entry in queue.waiting[:MAX_BATCH] if not entry[2].done()]
        del queue.waiting[:MAX_BATCH]
        if not batch:
            self._schedule(loop, queue)
            return
        asked, slots = _distinct(batch)
        if self.on_read is not None:
            self.on_read(len(batch))
        if not self.in_thread:
            try:
                found = self.read_many(asked)
            except Exception as error:  # each poll answers it (InternalError: unavailable)
                _fail(batch, error)
            else:
                _answer(batch, found, slots)
            self._schedule(loop, queue)
            return
        try:
            reading = loop.run_in_executor(None, self.read_many, asked)
        except RuntimeError as error:  # the loop's executor is shut down (the loop is ending)
            _fail(batch, error)
            return
        queue.under_way += 1

        def done(reading: asyncio.Future[list[Read]]) -> None:
            queue.under_way -= 1
            if reading.cancelled():
                _fail(batch, asyncio.CancelledError())
            elif (error := reading.exception()) is not None:
                _fail(batch, error)
            else:
                _answer(batch, reading.result(), slots)
            self._schedule(loop, queue)

        reading.add_done_callback(done)
        # Polls beyond this read's MAX_BATCH (or arriving now) may start a second one.
        self._schedule(loop, queue)


class _Queue(Generic[Read]):
    """One loop's polls waiting for a read; whether a read is due (scheduled on the loop), and
    how many reads run in threads."""

    def __init__(self) -> None:
        self.waiting: list[tuple[str, int, asyncio.Future[Read]]] = []
        self.due = False
        self.under_way = 0


def _distinct(
    batch: list[tuple[str, int, asyncio.Future[Read]]],
) -> tuple[list[tuple[str, int]], list[int]]:
    """The distinct (key hash, generation id) pairs to read, and for each poll its pair's
    place among them."""
    places: dict[tuple[str, int], int] = {}
    slots = []
    for key_hash, generation_id, _ in batch:
        slots.append(places.setdefault((key_hash, generation_id), len(places)))
    return list(places), slots


def _answer(
    batch: list[tuple[str, int, asyncio.Future[Read]]], found: list[Read], slots: list[int]
) -> None:
    pairs = len(set(slots))
    if len(found) != pairs:  # never expected: fail the polls rather than strand them
        _fail(batch, RuntimeError(f"read {len(found)} answers for {pairs} pairs"))
        return
    for (*_, future), slot in zip(batch, slots, strict=True):
        if not future.done():
            future.set_result(found[slot])


def _fail(batch: list[tuple[str, int, asyncio.Future[Read]]], error: BaseException) -> None:
    for *_, future in batch:
        if not future.done():
            future.set_exception(error)
