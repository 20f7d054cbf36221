"""The lifecycle core on a real SQLite file: each named transition, zombie workers, shutdown
release, and a Hypothesis state machine over random submits, claims, crashes, heartbeats,
finishes, cancels and deletes (credits conserved, nothing refunded twice, no terminal status
ever changes but by a delete to 6)."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
)
from sqlalchemy import text

from pixforge.domain.ids import new_public_id
from pixforge.domain.manifest import JobManifest
from pixforge.domain.spec import OutputFormat
from pixforge.domain.status import (
    MOVES,
    REFUNDED_STATUSES,
    TRANSITIONS,
    Transition,
    VideoStatus,
    is_terminal,
)
from pixforge.lifecycle import Lifecycle, NewGeneration, StoredOutput, TransitionRefusedError
from pixforge.storage.base import exists
from pixforge.storage.memory import MemoryBlobStore
from pixforge.store import accounts as account_repo
from pixforge.store import generations as generation_repo
from pixforge.store import webhooks as webhook_repo
from pixforge.store.accounts import AccountRow, ApiKeyRow, LedgerEntryRow
from pixforge.store.db import Database
from pixforge.store.webhooks import WebhookRow
from tests.support.specs import flat_spec

LEASE_S = 10.0
OUTPUT = OutputFormat(64, 36, 24, 24)


class Clock:
    """A clock the test moves by hand (leases run out when it says so)."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


class World:
    """One database with accounts, and a lifecycle over it."""

    def __init__(self, folder: Path) -> None:
        self.db = Database(f"sqlite:///{folder / 'pixforge.db'}")
        self.db.migrate()
        self.blobs = MemoryBlobStore()
        self.clock = Clock()
        self.lifecycle = Lifecycle(
            self.db, self.blobs, public_url="http://test", max_attempts=2, clock=self.clock
        )

    def account(self, monthly: int, package: int = 0, webhook: bool = False) -> tuple[int, int]:
        now = self.clock()
        account_id, key_id = new_public_id(), new_public_id()
        with self.db.write() as conn:
            account_repo.insert_account(
                conn, AccountRow(account_id, "test", 0, 0, None, False, now)
            )
            account_repo.apply_ledger_entry(
                conn, LedgerEntryRow(account_id, None, "grant", monthly, package, now)
            )
            account_repo.insert_api_key(
                conn,
                ApiKeyRow(key_id, account_id, "pf-test", "", False, None, now),
                uuid.uuid4().hex,
            )
            if webhook:
                webhook_repo.insert_webhook(
                    conn,
                    WebhookRow(
                        f"wh_{account_id}",
                        account_id,
                        "https://example.com/h",
                        "s",
                        True,
                        False,
                        now,
                    ),
                )
        return account_id, key_id

    def submit(self, account_id: int, key_id: int, cost: int, webhook: bool = False) -> int:
        spec = flat_spec(
            mode="text",
            model="v4.5",
            prompt="a fox",
            quality="360p",
            duration_s=1,
            aspect_ratio="16:9",
            webhook_id=f"wh_{account_id}" if webhook else "",
        )
        new = NewGeneration(
            new_public_id(),
            account_id,
            key_id,
            str(uuid.uuid4()),
            spec,
            OUTPUT,
            JobManifest(),
            1,
            cost,
        )
        with self.db.write() as conn:
            account = account_repo.get_account(conn, account_id)
            assert account is not None
            self.lifecycle.submit(conn, account, new)
        return new.id

    def output(self, name: str) -> StoredOutput:
        key = f"videos/{name}.mp4"
        size = self.blobs.put_bytes(key, b"video " + name.encode())
        return StoredOutput(uuid.uuid4().hex, key, "video/mp4", size, False)

    def row(self, generation_id: int) -> generation_repo.GenerationRow:
        with self.db.read() as conn:
            row = generation_repo.get_generation(conn, generation_id)
        assert row is not None
        return row

    def balance(self, account_id: int) -> int:
        with self.db.read() as conn:
            account = account_repo.get_account(conn, account_id)
        assert account is not None
        return account.credit_monthly + account.credit_package

    def ledger_kinds(self, generation_id: int) -> list[str]:
        with self.db.read() as conn:
            rows = conn.execute(
                text("SELECT kind FROM ledger WHERE generation_id = :g ORDER BY kind"),
                {"g": generation_id},
            ).scalars()
            return list(rows)

    def deliveries(self, generation_id: int) -> list[dict[str, object]]:
        with self.db.read() as conn:
            rows = conn.execute(
                text("SELECT payload_json FROM webhook_deliveries WHERE generation_id = :g"),
                {"g": generation_id},
            ).scalars()
            return [json.loads(row) for row in rows]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    made = World(tmp_path)
    yield made
    made.db.dispose()


def test_the_table_names_every_status_change() -> None:
    assert TRANSITIONS[VideoStatus.GENERATING] == {1, 6, 7, 8}
    for finished in (1, 7, 8):
        assert TRANSITIONS[VideoStatus(finished)] == {VideoStatus.DELETED}
    assert TRANSITIONS[VideoStatus.DELETED] == frozenset()
    assert not is_terminal(VideoStatus.GENERATING)
    assert all(is_terminal(VideoStatus(s)) for s in (1, 6, 7, 8))
    assert {7, 8} == REFUNDED_STATUSES
    assert {t for t, m in MOVES.items() if m.holder_only} == {
        Transition.HEARTBEAT,
        Transition.RELEASE,
        Transition.SUCCEED,
    }


def test_claim_heartbeat_succeed(world: World) -> None:
    account, key = world.account(100)
    generation = world.submit(account, key, 45, webhook=False)
    assert world.balance(account) == 55
    claimed = world.lifecycle.claim("w1", LEASE_S, generation)
    assert claimed is not None and claimed.row.attempts == 1
    assert claimed.manifest == JobManifest() and claimed.spec.prompt == "a fox"
    assert world.lifecycle.claim("w2", LEASE_S, generation) is None  # the lease is held
    assert world.lifecycle.heartbeat(generation, "w1", LEASE_S, 0.5)
    assert world.row(generation).progress == 0.5
    assert world.lifecycle.succeed(generation, "w1", world.output("a"))
    row = world.row(generation)
    assert (row.status, row.progress, row.lease_owner) == (1, 1.0, None)
    assert world.balance(account) == 55 and world.ledger_kinds(generation) == ["charge"]
    assert world.lifecycle.claim("w2", LEASE_S, generation) is None


def test_a_zombie_worker_can_neither_heartbeat_nor_finish(world: World) -> None:
    account, key = world.account(100)
    generation = world.submit(account, key, 10)
    assert world.lifecycle.claim("zombie", LEASE_S, generation) is not None
    world.clock.now += LEASE_S + 1  # the zombie stalls past its lease
    assert world.lifecycle.claim("healthy", LEASE_S, generation) is not None
    assert not world.lifecycle.heartbeat(generation, "zombie", LEASE_S, 0.9)
    late = world.output("late")
    assert not world.lifecycle.succeed(generation, "zombie", late)
    assert not exists(world.blobs, late.key), "a refused output is removed"
    assert world.lifecycle.succeed(generation, "healthy", world.output("good"))
    assert world.row(generation).attempts == 2


def test_release_hands_work_back_without_counting_an_attempt(world: World) -> None:
    account, key = world.account(100)
    first, second = world.submit(account, key, 10), world.submit(account, key, 10)
    assert world.lifecycle.claim("host:1:a:0", LEASE_S, first) is not None
    assert world.lifecycle.claim("host:1:a:1", LEASE_S, second) is not None
    assert world.lifecycle.release(first, "host:1:a:0")
    assert world.lifecycle.release_all("host:1:a:") == 1
    for generation in (first, second):
        row = world.row(generation)
        assert (row.status, row.attempts, row.lease_owner) == (5, 0, None)
    assert world.lifecycle.claim("other", LEASE_S) is not None  # claimable at once


def test_attempts_run_out_then_it_fails_refunded(world: World) -> None:
    account, key = world.account(100)
    generation = world.submit(account, key, 30, webhook=False)
    for worker in ("a", "b"):
        assert world.lifecycle.claim(worker, LEASE_S, generation) is not None
        world.clock.now += LEASE_S + 1  # the worker died mid-render
    assert world.lifecycle.claim("c", LEASE_S, generation) is None
    row = world.row(generation)
    assert row.status == 8 and "2 attempts" in (row.error or "")
    assert world.balance(account) == 100
    assert world.ledger_kinds(generation) == ["charge", "refund"]


def test_cancel_refunds_announces_and_stops_the_render(world: World) -> None:
    account, key = world.account(100, webhook=True)
    generation = world.submit(account, key, 40, webhook=True)
    assert world.lifecycle.claim("w", LEASE_S, generation) is not None
    assert world.lifecycle.cancel(generation)
    assert not world.lifecycle.cancel(generation), "cancelling twice does nothing"
    assert not world.lifecycle.heartbeat(generation, "w", LEASE_S, 0.3)
    assert not world.lifecycle.succeed(generation, "w", world.output("x"))
    assert world.row(generation).status == 6 and world.balance(account) == 100
    [delivery] = world.deliveries(generation)
    assert delivery["status"] == 6 and delivery["credits"] == 0


def test_delete_of_a_finished_video_drops_its_output(world: World) -> None:
    account, key = world.account(100)
    generation = world.submit(account, key, 20)
    world.lifecycle.claim("w", LEASE_S, generation)
    output = world.output("done")
    assert world.lifecycle.succeed(generation, "w", output)
    assert world.lifecycle.delete(generation) == VideoStatus.SUCCEEDED
    assert not exists(world.blobs, output.key)
    assert world.balance(account) == 80, "a delivered video is not refunded"
    with pytest.raises(TransitionRefusedError):
        world.lifecycle.delete(generation)
    assert world.lifecycle.delete(new_public_id()) is None


def test_fail_and_block_refund_once_and_announce(world: World) -> None:
    account, key = world.account(100, webhook=True)
    failed, blocked = (world.submit(account, key, 25, webhook=True) for _ in range(2))
    assert world.lifecycle.fail(failed, "boom")
    assert world.lifecycle.fail(blocked, "term", status=VideoStatus.MODERATION_FAILED)
    assert not world.lifecycle.fail(failed, "again")
    assert world.balance(account) == 100
    assert [d["status"] for d in world.deliveries(failed)] == [8]
    assert [d["status"] for d in world.deliveries(blocked)] == [7]
    assert world.ledger_kinds(failed) == ["charge", "refund"]


class LifecycleMachine(RuleBasedStateMachine):
    """Random interleavings of every transition; the invariants below must hold after each."""

    generations = Bundle("generations")
    workers = ("w0", "w1", "w2")

    def __init__(self) -> None:
        super().__init__()
        self.world = WORLD
        self.account, self.key = self.world.account(10_000, 500, webhook=True)
        self.start_total = 10_500
        self.seen_terminal: dict[int, int] = {}
        self.cancelled: set[int] = set()
        self.ids: list[int] = []

    @initialize()
    def fresh_clock(self) -> None:
        self.world.clock.now += 10_000

    @rule(target=generations, cost=st.integers(min_value=0, max_value=400))
    def submit(self, cost: int) -> int:
        if self.world.balance(self.account) < cost:
            cost = 0
        generation = self.world.submit(self.account, self.key, cost, webhook=True)
        self.ids.append(generation)
        return generation

    @rule(generation=generations, worker=st.sampled_from(workers))
    def claim(self, generation: int, worker: str) -> None:
        self.world.lifecycle.claim(worker, LEASE_S, generation)

    @rule(worker=st.sampled_from(workers))
    def claim_next(self, worker: str) -> None:
        self.world.lifecycle.claim(worker, LEASE_S)

    @rule(seconds=st.floats(min_value=0.0, max_value=2 * LEASE_S))
    def time_passes(self, seconds: float) -> None:
        self.world.clock.now += seconds

    @rule(generation=generations, worker=st.sampled_from(workers))
    def heartbeat(self, generation: int, worker: str) -> None:
        self.world.lifecycle.heartbeat(generation, worker, LEASE_S, 0.5)

    @rule(generation=generations, worker=st.sampled_from(workers))
    def succeed(self, generation: int, worker: str) -> None:
        self.world.lifecycle.succeed(generation, worker, self.world.output(uuid.uuid4().hex))

    @rule(generation=generations, worker=st.sampled_from((*workers, None)))
    def fail(self, generation: int, worker: str | None) -> None:
        self.world.lifecycle.fail(generation, "failed", holder=worker)

    @rule(generation=generations)
    def block(self, generation: int) -> None:
        self.world.lifecycle.fail(generation, "blocked", status=VideoStatus.MODERATION_FAILED)

    @rule(generation=generations, worker=st.sampled_from(workers))
    def release(self, generation: int, worker: str) -> None:
        self.world.lifecycle.release(generation, worker)

    @rule(generation=generations)
    def cancel(self, generation: int) -> None:
        self.world.lifecycle.cancel(generation)

    @rule(generation=consumes(generations))
    def delete(self, generation: int) -> None:
        with contextlib.suppress(TransitionRefusedError):
            self.world.lifecycle.delete(generation)

    @invariant()
    def credits_are_conserved(self) -> None:
        spent = 0
        for generation in self.ids:
            row = self.world.row(generation)
            kinds = self.world.ledger_kinds(generation)
            assert kinds.count("charge") == 1 and kinds.count("refund") <= 1
            refunded = "refund" in kinds
            if row.status == 6 and generation not in self.seen_terminal:
                self.cancelled.add(generation)  # it went from 5 straight to 6
            if row.status in (7, 8) or generation in self.cancelled:
                assert refunded
            if row.status in (1, 5):
                assert not refunded
            spent += 0 if refunded else row.credits_charged
        assert self.world.balance(self.account) == self.start_total - spent

    @invariant()
    def terminal_statuses_only_move_to_deleted(self) -> None:
        for generation in self.ids:
            row = self.world.row(generation)
            before = self.seen_terminal.get(generation)
            if before is not None:
                assert row.status in (before, 6), (before, row.status)
                assert before != 6 or row.status == 6
            if row.status != 5:
                self.seen_terminal[generation] = row.status
            if row.status != 5:
                assert row.lease_owner is None

    @invariant()
    def one_announcement_per_ending(self) -> None:
        for generation in self.ids:
            deliveries = self.world.deliveries(generation)
            assert len(deliveries) <= 1
            row = self.world.row(generation)
            if row.status in (1, 7, 8):
                assert [d["status"] for d in deliveries] == [row.status]


WORLD: World


def test_lifecycle_state_machine(tmp_path: Path) -> None:
    global WORLD
    WORLD = World(tmp_path)
    try:
        runner = LifecycleMachine.TestCase
        runner.settings = settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        )
        runner().runTest()
    finally:
        WORLD.db.dispose()
