"""The sandbox: what sandbox accounts' magic tokens, scenario steps, timing modes and virtual
clock do to their requests and generations, and the request journal — one typed service that
the API hooks, the admin routes, the CLI and the console call.

Outcomes go through the lifecycle core: a generation the sandbox controls is held under the
sandbox's lease (status 5) from its submit, and ends through the same transitions, refunds and
webhooks as a real one — `fail` (8 or 7), `cancel` (6), or `release` to the engine (1).
"""

from __future__ import annotations

import io
import json
import logging
import tarfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from typing import Any

from pixforge.domain import sandbox as rules
from pixforge.domain.errors import InvalidParameterError
from pixforge.domain.sandbox import (
    Directive,
    Fault,
    JournalFilter,
    Outcome,
    Stage,
    Timing,
    TimingMode,
)
from pixforge.domain.spec import Mode
from pixforge.domain.status import VideoStatus
from pixforge.lifecycle import Lifecycle
from pixforge.queue.base import Dispatcher
from pixforge.services.accounts import Caller
from pixforge.storage.base import BlobStore, read_all
from pixforge.store import sandbox as repo
from pixforge.store.db import Connection, Database
from pixforge.store.sandbox import JournalRow, SandboxAccountRow, WatchedRow

log = logging.getLogger(__name__)

# The lease owner of generations the sandbox holds (not host:pid: start-up recovery keeps it).
HOLDER = "sandbox"
HOLD_LEASE_S = 10 * 365 * 86400.0
JOURNAL_KEEP = 5000
JOURNAL_PAGE_MAX = 1000

# The transport faults the current request should meet (set by the fault middleware).
_faults: ContextVar[list[Directive] | None] = ContextVar("pixforge_sandbox_faults", default=None)


@contextmanager
def fault_slot() -> Iterator[list[Directive]]:
    """Collect the faults the request's service calls ask for (the middleware applies them)."""
    slot: list[Directive] = []
    token = _faults.set(slot)
    try:
        yield slot
    finally:
        _faults.reset(token)


@dataclass(frozen=True, slots=True)
class SubmitPlan:
    """What the sandbox decided for a submit: the directives to keep with the generation."""

    directives: tuple[Directive, ...]
    outcome: Directive | None

    @property
    def holds(self) -> bool:
        return self.outcome is not None and self.outcome.holds


@dataclass(frozen=True, slots=True)
class ScenarioStep:
    id: int
    stage: str
    mode: str | None
    directive: str
    remaining: int | None


@dataclass(frozen=True, slots=True)
class HeldGeneration:
    generation_id: int
    directive: str
    state: str
    polls: int
    elapsed_s: float


@dataclass(frozen=True, slots=True)
class SandboxState:
    """A sandbox account at a glance (the console's panel, `pixforge sandbox show`)."""

    account_id: int
    timing: dict[str, Any]
    clock_offset_s: float
    now: float
    scenarios: list[ScenarioStep]
    watched: list[HeldGeneration]


@dataclass(frozen=True, slots=True)
class JournalEntry:
    id: int
    at: float
    method: str
    path: str
    query: str
    status: int
    err_code: int
    trace_id: str
    duration_ms: float
    request: dict[str, Any] = field(default_factory=dict)
    response: dict[str, Any] = field(default_factory=dict)


class SandboxService:
    def __init__(
        self,
        db: Database,
        lifecycle: Lifecycle,
        dispatcher: Dispatcher,
        blobs: BlobStore,
        *,
        tick_s: float = 0.2,
        journal_body_bytes: int = 64 * 1024,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.lifecycle = lifecycle
        self.dispatcher = dispatcher
        self.blobs = blobs
        self.tick_s = tick_s
        self.journal_body_bytes = journal_body_bytes
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._recorded = 0

    # -- the clock

    def _account(self, account_id: int) -> SandboxAccountRow:
        with self.db.read() as conn:
            row = repo.get_account(conn, account_id)
        return row or SandboxAccountRow(account_id, json.dumps(asdict(Timing())), 0.0, 0)

    def now(self, account_id: int) -> float:
        """The account's virtual time: the real clock plus what an operator advanced it by."""
        return self.clock() + self._account(account_id).clock_offset_s

    # -- submit

    def plan_submit(
        self, caller: Caller, mode: str, model: str, quality: str, texts: Iterable[str]
    ) -> SubmitPlan | None:
        """Tokens in the request's texts, else the next scenario step, else the timing mode.
        Raises a forced error code; records a forced transport fault for the middleware."""
        if not caller.sandbox:
            return None
        directives = rules.find(texts)
        if not any(d.stage is Stage.SUBMIT for d in directives):
            step = self._take_step(caller.account_id, Stage.SUBMIT, mode)
            if step is not None:
                directives.append(step)
        for directive in directives:
            if directive.stage is Stage.SUBMIT and directive.outcome is None:
                self._strike(directive)
        outcome = next((d for d in directives if d.outcome is not None), None)
        if outcome is None:
            outcome = self._timed(caller.account_id, model, quality)
            if outcome is not None:
                directives.append(outcome)
        kept = tuple(d for d in directives if d.outcome is not None or d.stage is Stage.POLL)
        return SubmitPlan(kept, outcome)

    def _timed(self, account_id: int, model: str, quality: str) -> Directive | None:
        with self.db.write() as conn:
            row = repo.get_account(conn, account_id)
            if row is None:
                return None
            timing = _timing(row.timing_json)
            if timing.mode is TimingMode.INSTANT:
                return None
            repo.put_account(
                conn,
                SandboxAccountRow(account_id, row.timing_json, row.clock_offset_s, row.submits + 1),
            )
        return rules.timed_outcome(timing, model, quality, row.submits)

    def hold_of(self, plan: SubmitPlan | None) -> tuple[str, float] | None:
        """The lease a held generation is written with (owner, expiry)."""
        if plan is None or not plan.holds:
            return None
        return HOLDER, self.clock() + HOLD_LEASE_S

    def watch(self, conn: Connection, caller: Caller, generation_id: int, plan: SubmitPlan) -> None:
        """Remember the generation's directives, in the submit's transaction."""
        if not plan.directives:
            return
        repo.insert_watched(
            conn,
            WatchedRow(
                generation_id,
                caller.account_id,
                rules.join(plan.directives),
                "held" if plan.holds else "watched",
                0,
                # The offset is read here, in the submit's own transaction.
                self.clock() + _offset(conn, caller.account_id),
            ),
        )

    def after_submit(self, generation_id: int, plan: SubmitPlan | None) -> None:
        """Outcomes due at once (an outcome without `after`) happen before the first poll."""
        if plan is not None and plan.holds:
            self._advance(generation_id)

    # -- polls and uploads

    def on_poll(self, caller: Caller, generation_id: int) -> None:
        """Count the poll, move a held generation on, then strike a forced poll error/fault."""
        if not caller.sandbox:
            return
        strike: list[Directive] = []
        step = self._take_step(caller.account_id, Stage.POLL, None)
        if step is not None:
            strike.append(step)
        with self.db.write() as conn:
            watched = repo.get_watched(conn, generation_id)
            if watched is not None and watched.account_id == caller.account_id:
                repo.count_poll(conn, generation_id)
            else:
                watched = None
        if watched is not None:
            for directive in rules.parse_many(watched.directive):
                poll_fault = directive.stage is Stage.POLL and directive.outcome is None
                if poll_fault and watched.polls < directive.times:
                    strike.append(directive)
            if watched.state == "held":
                self._advance(generation_id, polled=True)
        for directive in strike:
            self._strike(directive)

    def on_upload(self, caller: Caller, texts: Iterable[str]) -> None:
        """Tokens in an upload's file name or URL (or the next upload step) strike here."""
        if not caller.sandbox:
            return
        directives = rules.find(texts, field="file name", default_stage=Stage.UPLOAD)
        directives = [d for d in directives if d.stage is Stage.UPLOAD and d.outcome is None]
        if not directives:
            step = self._take_step(caller.account_id, Stage.UPLOAD, None)
            directives = [step] if step is not None else []
        for directive in directives:
            self._strike(directive)

    def _strike(self, directive: Directive) -> None:
        if directive.err_code is not None:
            raise directive.error()
        slot = _faults.get()
        if directive.fault is not None and slot is not None:
            slot.append(directive)

    def _take_step(self, account_id: int, stage: Stage, mode: str | None) -> Directive | None:
        with self.db.read() as conn:
            if repo.next_step(conn, account_id, stage.value, mode) is None:
                return None
        with self.db.write() as conn:
            step = repo.next_step(conn, account_id, stage.value, mode)
            if step is None:
                return None
            repo.consume_step(conn, step)
        return rules.parse(step.directive, field="scenario", default_stage=stage)

    # -- moving held generations on

    def _advance(self, generation_id: int, *, polled: bool = False) -> None:
        """Finish a held generation whose outcome is due, or show its progress. An outcome due
        after a number of polls is finished by the poll that makes it due (`polled`), never by
        the ticker: that poll answers the outcome (docs/sandbox.md: "done on the 3rd poll"),
        while a ticker that took it first would still be rendering it."""
        with self.db.read() as conn:
            watched = repo.get_watched(conn, generation_id)
            offset = _offset(conn, watched.account_id) if watched else 0.0
        if watched is None or watched.state != "held":
            return
        outcome = next((d for d in rules.parse_many(watched.directive) if d.outcome), None)
        if outcome is None:
            return
        elapsed = self.clock() + offset - watched.born_at
        if outcome.due(elapsed, watched.polls) and (polled or outcome.after_polls is None):
            self._finish(watched, outcome)
            return
        progress = outcome.progress_at(elapsed, watched.polls)
        if not self.lifecycle.heartbeat(generation_id, HOLDER, HOLD_LEASE_S, progress):
            # Cancelled or deleted meanwhile: nothing left to hold.
            with self.db.write() as conn:
                repo.move_watched(conn, generation_id, "held", "ended")

    def _finish(self, watched: WatchedRow, outcome: Directive) -> None:
        generation_id = watched.generation_id
        to_state = "released" if outcome.outcome is Outcome.SUCCEED else "ended"
        with self.db.write() as conn:
            if not repo.move_watched(conn, generation_id, "held", to_state):
                return  # another thread finished it
        reason = f"sandbox: [pixforge:{outcome.text()}]"
        if outcome.outcome is Outcome.SUCCEED:
            self.lifecycle.heartbeat(generation_id, HOLDER, HOLD_LEASE_S, 0.0)
            if self.lifecycle.release(generation_id, HOLDER):
                self.dispatcher.notify(generation_id)
        elif outcome.outcome is Outcome.FAIL:
            self.lifecycle.fail(generation_id, reason, holder=HOLDER)
        elif outcome.outcome is Outcome.BLOCK:
            self.lifecycle.fail(
                generation_id, reason, holder=HOLDER, status=VideoStatus.MODERATION_FAILED
            )
        elif outcome.outcome is Outcome.CANCEL:
            self.lifecycle.cancel(generation_id)
        log.info(
            "sandbox outcome",
            extra={"video_id": generation_id, "outcome": str(outcome.outcome)},
        )

    def tick(self, account_id: int | None = None) -> int:
        """Move every held generation on by the (virtual) time; returns how many were looked
        at. The ticker thread calls it; so does advancing the clock."""
        with self.db.read() as conn:
            rows = repo.held(conn, account_id)
        for row in rows:
            try:
                self._advance(row.generation_id)
            except Exception:  # one bad row must not stop the others
                log.exception("sandbox tick failed", extra={"video_id": row.generation_id})
        return len(rows)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="sandbox-ticker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(self.tick_s):
            try:
                self.tick()
            except Exception:  # the database may be briefly unavailable
                log.exception("sandbox ticker failed")

    # -- operator calls (admin API, CLI, SDK, console)

    def require_sandbox(self, account_id: int) -> None:
        with self.db.read() as conn:
            found = repo.is_sandbox(conn, account_id)
        if found is None:
            raise InvalidParameterError(f"account_id: account {account_id} does not exist")
        if not found:
            raise InvalidParameterError(
                f"account_id: account {account_id} is not a sandbox account "
                "(pixforge accounts create --sandbox)"
            )

    def state(self, account_id: int) -> SandboxState:
        self.require_sandbox(account_id)
        row = self._account(account_id)
        now = self.clock() + row.clock_offset_s
        with self.db.read() as conn:
            held = repo.held(conn, account_id)
        return SandboxState(
            account_id=account_id,
            timing=json.loads(row.timing_json),
            clock_offset_s=row.clock_offset_s,
            now=now,
            scenarios=self.steps(account_id),
            watched=[
                HeldGeneration(h.generation_id, h.directive, h.state, h.polls, now - h.born_at)
                for h in held
            ],
        )

    def push_step(
        self, account_id: int, directive: str, *, mode: str | None = None, times: int | None = 1
    ) -> ScenarioStep:
        """Queue a scripted outcome: `directive` in the token grammar (``err-500044``,
        ``fail-8 after=2polls``), for `times` matching requests (None: every one, forever);
        `mode` limits a submit step to one generate mode (``t2v`` ...)."""
        self.require_sandbox(account_id)
        parsed = rules.parse(directive, field="directive")
        stage = Stage.SUBMIT if parsed.outcome is not None else parsed.stage
        if mode is not None and mode not in {m.value for m in Mode}:
            raise InvalidParameterError(
                f"mode: {mode!r} is not a generate mode ({', '.join(m.value for m in Mode)})"
            )
        if times is not None and times < 1:
            raise InvalidParameterError("times: at least 1 (or null for every request)")
        with self.db.write() as conn:
            step_id = repo.add_step(
                conn,
                repo.ScenarioRow(
                    0, account_id, stage.value, mode, parsed.text(), times, self.clock()
                ),
            )
        log.info("sandbox step queued", extra={"account_id": account_id, "step": parsed.text()})
        return ScenarioStep(step_id, stage.value, mode, parsed.text(), times)

    def steps(self, account_id: int) -> list[ScenarioStep]:
        with self.db.read() as conn:
            rows = repo.steps(conn, account_id)
        return [ScenarioStep(r.id, r.stage, r.mode, r.directive, r.remaining) for r in rows]

    def clear_steps(self, account_id: int) -> int:
        self.require_sandbox(account_id)
        with self.db.write() as conn:
            return repo.clear_steps(conn, account_id)

    def set_timing(self, account_id: int, timing: Timing) -> Timing:
        self.require_sandbox(account_id)
        if timing.seconds < 0 or timing.polls < 0:
            raise InvalidParameterError("timing: seconds and polls cannot be negative")
        row = self._account(account_id)
        with self.db.write() as conn:
            repo.put_account(
                conn,
                SandboxAccountRow(
                    account_id,
                    json.dumps(asdict(timing)),
                    row.clock_offset_s,
                    0,  # a new timing restarts the seeded sequence
                ),
            )
        return timing

    def timing(self, account_id: int) -> Timing:
        return _timing(self._account(account_id).timing_json)

    def advance_clock(self, account_id: int, seconds: float) -> float:
        """Move the account's virtual clock forward; timed outcomes now due happen before this
        returns. Returns the new offset."""
        self.require_sandbox(account_id)
        if not 0 <= seconds <= 10 * 365 * 86400:
            raise InvalidParameterError("seconds: 0 up to ten years")
        row = self._account(account_id)
        offset = row.clock_offset_s + seconds
        with self.db.write() as conn:
            repo.put_account(
                conn, SandboxAccountRow(account_id, row.timing_json, offset, row.submits)
            )
        self.tick(account_id)
        return offset

    # -- journal

    def record(self, account_id: int, entry: JournalEntry) -> None:
        """Keep one request and its answer (the journal middleware calls it)."""
        with self.db.write() as conn:
            repo.insert_entry(
                conn,
                JournalRow(
                    0,
                    account_id,
                    entry.at,
                    entry.method,
                    entry.path,
                    entry.query,
                    entry.status,
                    entry.err_code,
                    entry.trace_id,
                    entry.duration_ms,
                    json.dumps(entry.request),
                    json.dumps(entry.response),
                ),
            )
            self._recorded += 1
            if self._recorded % 100 == 0:
                repo.trim_journal(conn, account_id, JOURNAL_KEEP)

    def journal(
        self, account_id: int, where: JournalFilter | None = None, limit: int = 200
    ) -> list[JournalEntry]:
        self.require_sandbox(account_id)
        if not 1 <= limit <= JOURNAL_PAGE_MAX:
            raise InvalidParameterError(f"limit: 1 to {JOURNAL_PAGE_MAX}")
        with self.db.read() as conn:
            rows = repo.entries(conn, account_id, where or JournalFilter(), limit)
        return [
            JournalEntry(
                r.id,
                r.at,
                r.method,
                r.path,
                r.query,
                r.status,
                r.err_code,
                r.trace_id,
                r.duration_ms,
                json.loads(r.request_json),
                json.loads(r.response_json),
            )
            for r in rows
        ]

    def har(self, account_id: int, where: JournalFilter | None = None) -> dict[str, Any]:
        """The journal as a HAR 1.2 log (browsers' and proxies' exchange format)."""
        return to_har(self.journal(account_id, where, JOURNAL_PAGE_MAX))

    def clear_journal(self, account_id: int) -> None:
        self.require_sandbox(account_id)
        with self.db.write() as conn:
            repo.clear_journal(conn, account_id)

    # -- reset and snapshots

    def reset(self, account_id: int) -> None:
        """Back to a fresh account: generations (running ones stopped first), uploads, trace-id
        records, scenario, timing, clock and journal gone; credits back to what was granted."""
        self.require_sandbox(account_id)
        with self.db.read() as conn:
            running = repo.generating(conn, account_id)
        for generation_id in running:
            self.lifecycle.cancel(generation_id)  # a render in flight stops at its next step
        with self.db.write() as conn:
            keys = repo.purge_account(conn, account_id)
        for key in keys:
            self.blobs.delete(key)
        log.info("sandbox account reset", extra={"account_id": account_id})

    def snapshot(self) -> bytes:
        """All state — every table and every stored file — as one tar.gz."""
        with self.db.read() as conn:
            tables = repo.dump_tables(conn)
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            _add(archive, SNAPSHOT_TABLES, json.dumps(tables).encode())
            for row in tables.get("files", []):
                key = str(row["storage_key"])
                if self.blobs.size(key) is not None:
                    _add(archive, f"blobs/{key}", read_all(self.blobs, key))
        log.info("snapshot taken", extra={"size_bytes": buffer.tell()})
        return buffer.getvalue()

    def restore(self, data: bytes) -> None:
        """Replace all state with a snapshot's."""
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
                tables, blobs = _read_snapshot(archive)
        except (tarfile.TarError, OSError, EOFError, ValueError, KeyError) as error:
            raise InvalidParameterError(f"snapshot: not a pixforge snapshot ({error})") from error
        for key, blob in blobs:
            self.blobs.put_bytes(key, blob)
        with self.db.write() as conn:
            repo.load_tables(conn, tables)
        log.info("snapshot restored")


SNAPSHOT_TABLES = "tables.json"


def _read_snapshot(
    archive: tarfile.TarFile,
) -> tuple[dict[str, list[dict[str, object]]], list[tuple[str, bytes]]]:
    member = archive.extractfile(SNAPSHOT_TABLES)
    if member is None:
        raise KeyError(SNAPSHOT_TABLES)
    tables = json.loads(member.read())
    blobs = []
    for info in archive.getmembers():
        blob = archive.extractfile(info) if info.name.startswith("blobs/") else None
        if blob is not None:
            blobs.append((info.name[len("blobs/") :], blob.read()))
    return tables, blobs


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def _offset(conn: Connection, account_id: int) -> float:
    row = repo.get_account(conn, account_id)
    return row.clock_offset_s if row else 0.0


def _timing(text: str) -> Timing:
    raw = json.loads(text)
    return Timing(
        TimingMode(raw["mode"]), float(raw["seconds"]), int(raw["polls"]), int(raw["seed"])
    )


def to_har(entries: list[JournalEntry]) -> dict[str, Any]:
    def headers(items: list[list[str]]) -> list[dict[str, str]]:
        return [{"name": name, "value": value} for name, value in items]

    def when(at: float) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)) + f".{int(at % 1 * 1000):03d}Z"

    har_entries = []
    for e in entries:
        request, response = e.request, e.response
        query = [
            {"name": k, "value": v}
            for k, _, v in (p.partition("=") for p in e.query.split("&") if p)
        ]
        har_request: dict[str, Any] = {
            "method": e.method,
            "url": f"http://pixforge{e.path}" + (f"?{e.query}" if e.query else ""),
            "httpVersion": "HTTP/1.1",
            "headers": headers(request.get("headers", [])),
            "queryString": query,
            "cookies": [],
            "headersSize": -1,
            "bodySize": request.get("size", 0),
        }
        if request.get("body"):
            har_request["postData"] = {
                "mimeType": request.get("content_type", ""),
                "text": request["body"],
            }
        har_entries.append(
            {
                "startedDateTime": when(e.at),
                "time": e.duration_ms,
                "request": har_request,
                "response": {
                    "status": e.status,
                    "statusText": "",
                    "httpVersion": "HTTP/1.1",
                    "headers": headers(response.get("headers", [])),
                    "cookies": [],
                    "content": {
                        "size": response.get("size", 0),
                        "mimeType": response.get("content_type", ""),
                        "text": response.get("body", ""),
                    },
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": response.get("size", 0),
                },
                "cache": {},
                "timings": {"send": 0, "wait": e.duration_ms, "receive": 0},
                "comment": f"error code {e.err_code}; trace id {e.trace_id}",
            }
        )
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "pixforge", "version": "sandbox journal"},
            "entries": har_entries,
        }
    }


FAULTS = tuple(Fault)
