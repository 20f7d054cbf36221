"""The one home of a generation's life: every status and lease change, each checked against the
MOVES table (domain/status.py), each written through `store.generations.transition`, each with
its side effects — charge, refund, webhook delivery row, output removal — in its transaction.

Nothing else changes a generation's status. Workers, the services, the CLI, the console and the
sandbox all call these named transitions.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from pixforge.domain import webhooks
from pixforge.domain.ids import file_url
from pixforge.domain.manifest import JobManifest, manifest_from_json, manifest_to_json
from pixforge.domain.pricing import split_charge
from pixforge.domain.spec import (
    GenerationSpec,
    Mode,
    OutputFormat,
    output_name,
    spec_from_json,
    spec_to_json,
)
from pixforge.domain.status import Move, Transition, VideoStatus, move_for
from pixforge.storage.base import BlobStore
from pixforge.store import accounts as account_repo
from pixforge.store import generations as repo
from pixforge.store import uploads as upload_repo
from pixforge.store import webhooks as webhook_repo
from pixforge.store.accounts import AccountRow, LedgerEntryRow
from pixforge.store.db import Connection, Database
from pixforge.store.generations import GenerationRow
from pixforge.store.uploads import FileRow

log = logging.getLogger(__name__)

Clock = Callable[[], float]


class TransitionRefusedError(Exception):
    """The generation is not in a status the transition may start from."""

    def __init__(self, generation_id: int, transition: Transition, status: int) -> None:
        super().__init__(f"generation {generation_id}: cannot {transition.value} from {status}")
        self.generation_id = generation_id
        self.transition = transition
        self.status = status


@dataclass(frozen=True, slots=True)
class NewGeneration:
    """Everything submit writes: the validated spec, its resolved inputs, output and price."""

    id: int
    account_id: int
    api_key_id: int
    trace_id: str
    spec: GenerationSpec
    output: OutputFormat
    manifest: JobManifest
    seed: int
    cost: int
    # (owner, lease expiry): written already held, so no worker claims it (the sandbox holds
    # generations whose outcome it scripts, and releases them to the engine or ends them).
    hold: tuple[str, float] | None = None


@dataclass(frozen=True, slots=True)
class Claimed:
    """A generation a worker holds the lease on, with its spec and inputs parsed once."""

    row: GenerationRow
    spec: GenerationSpec
    manifest: JobManifest | None

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def output(self) -> OutputFormat:
        row = self.row
        return OutputFormat(row.width, row.height, row.fps, row.frame_count)


@dataclass(frozen=True, slots=True)
class StoredOutput:
    """A finished render already put in blob storage under `key`."""

    token: str
    key: str
    content_type: str
    size_bytes: int
    has_audio: bool
    media_json: str | None = None


class Lifecycle:
    """Named transitions over generation rows (thread-safe: each call is its own transaction)."""

    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        *,
        public_url: str,
        max_attempts: int,
        clock: Clock | None = None,
        on_announce: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.blobs = blobs
        self.public_url = public_url
        self.max_attempts = max_attempts
        self.clock: Clock = clock or time.time
        # Called after a transaction that wrote a webhook delivery (wakes a sender).
        self.on_announce = on_announce

    # -- submit

    def submit(self, conn: Connection, account: AccountRow, new: NewGeneration) -> GenerationRow:
        """Insert the generation in status 5 and charge it, in the caller's transaction (which
        has already checked the account's limits and balance)."""
        now = self.clock()
        spec = new.spec
        row = GenerationRow(
            id=new.id,
            account_id=new.account_id,
            api_key_id=new.api_key_id,
            trace_id=new.trace_id,
            status=int(VideoStatus.GENERATING),
            mode=spec.mode.value,
            model=spec.model,
            spec_json=spec_to_json(spec),
            prompt=spec.prompt,
            negative_prompt=spec.options.negative_prompt,
            style=spec.options.style,
            quality=spec.quality,
            seed=new.seed,
            width=new.output.width,
            height=new.output.height,
            fps=new.output.fps,
            frame_count=new.output.frame_count,
            credits_charged=new.cost,
            output_token=None,
            output_size_bytes=None,
            has_audio=False,
            # A held generation counts as one attempt, which its `release` hands back.
            attempts=1 if new.hold else 0,
            progress=0.0,
            lease_owner=new.hold[0] if new.hold else None,
            lease_expires_at=new.hold[1] if new.hold else None,
            error=None,
            created_at=now,
            modified_at=now,
            started_at=None,
            finished_at=None,
            manifest_json=manifest_to_json(new.manifest),
        )
        repo.insert_generation(conn, row)
        from_monthly, from_package = split_charge(account.credit_monthly, new.cost)
        account_repo.apply_ledger_entry(
            conn,
            LedgerEntryRow(account.id, new.id, "charge", -from_monthly, -from_package, now),
        )
        return row

    # -- worker transitions

    def claim(self, owner: str, lease_s: float, generation_id: int | None = None) -> Claimed | None:
        """Take the lease on `generation_id` (or the oldest waiting generation). None when it is
        not claimable (finished, or leased by a live worker), or when it had used up its
        attempts — then it fails (8, refunded) here instead."""
        exhausted: str | None = None
        with self.db.write() as conn:
            now = self.clock()
            target = generation_id if generation_id is not None else repo.next_claimable(conn, now)
            if target is None:
                return None
            moved = repo.transition(
                conn,
                target,
                from_status=int(VideoStatus.GENERATING),
                claimable_at=now,
                attempts_delta=1,
                values={
                    "lease_owner": owner,
                    "lease_expires_at": now + lease_s,
                    "started_at": now,
                    "modified_at": now,
                },
            )
            if not moved:
                return None
            row = repo.get_generation(conn, target)
            assert row is not None
            if row.attempts > self.max_attempts:
                exhausted = f"the worker stopped during {row.attempts - 1} attempts; giving up"
                self._apply(conn, row, Transition.FAIL, holder=owner, error=exhausted)
        if exhausted is not None:
            self._after_announce()
            log.warning("generation gave up", extra={"video_id": target, "reason": exhausted})
            return None
        spec = spec_from_json(row.spec_json)
        manifest = manifest_from_json(row.manifest_json) if row.manifest_json else None
        return Claimed(row, spec, manifest)

    def heartbeat(self, generation_id: int, owner: str, lease_s: float, progress: float) -> bool:
        """Renew the lease and record progress; False when the lease is lost (another worker
        took over, or the generation was cancelled or deleted) — the render must stop."""
        with self.db.write() as conn:
            now = self.clock()
            return repo.transition(
                conn,
                generation_id,
                from_status=int(VideoStatus.GENERATING),
                holder=owner,
                values={
                    "lease_expires_at": now + lease_s,
                    "progress": min(1.0, max(0.0, progress)),
                },
            )

    def release(self, generation_id: int, owner: str) -> bool:
        """Hand running work back (shutdown): queued again at once, the attempt not counted."""
        with self.db.write() as conn:
            released = self._release(conn, generation_id, owner)
        if released:
            log.info("generation released", extra={"video_id": generation_id})
        return released

    def release_all(self, owner_prefix: str) -> int:
        """Release every lease held by owners starting with `owner_prefix` (a process's
        workers); returns how many."""
        with self.db.write() as conn:
            held = repo.held_by(conn, owner_prefix)
            count = sum(self._release(conn, generation_id, owner) for generation_id, owner in held)
        if count:
            log.info("released running generations", extra={"count": count})
        return count

    def _release(self, conn: Connection, generation_id: int, owner: str) -> bool:
        return repo.transition(
            conn,
            generation_id,
            from_status=int(VideoStatus.GENERATING),
            holder=owner,
            attempts_delta=-1,
            values={"lease_owner": None, "lease_expires_at": None, "modified_at": self.clock()},
        )

    def abandon(self, generation_id: int, owner: str) -> bool:
        """Expire the lease of a holder known to be dead, so the work is claimable now (the
        attempt it was on still counts)."""
        with self.db.write() as conn:
            return repo.transition(
                conn,
                generation_id,
                from_status=int(VideoStatus.GENERATING),
                holder=owner,
                values={"lease_expires_at": self.clock() - 1.0},
            )

    def succeed(self, generation_id: int, owner: str, output: StoredOutput) -> bool:
        """Finish with the stored output (1). When the lease was lost meanwhile the output is
        removed again and False returned: a zombie worker cannot finish."""
        with self.db.write() as conn:
            row = repo.get_generation(conn, generation_id)
            now = self.clock()
            upload_repo.insert_file(
                conn,
                FileRow(
                    output.token,
                    output.key,
                    output.content_type,
                    output.size_bytes,
                    now,
                    output.media_json,
                ),
            )
            moved = row is not None and self._apply(
                conn,
                row,
                Transition.SUCCEED,
                holder=owner,
                output_token=output.token,
                output_size_bytes=output.size_bytes,
                has_audio=output.has_audio,
            )
            if not moved:
                upload_repo.delete_file(conn, output.token)
        if not moved:
            self.blobs.delete(output.key)
            log.warning(
                "lease lost before finishing; output dropped", extra={"video_id": generation_id}
            )
            return False
        self._after_announce()
        return True

    def fail(
        self,
        generation_id: int,
        reason: str,
        *,
        holder: str | None = None,
        status: VideoStatus = VideoStatus.FAILED,
    ) -> bool:
        """End a generation in 8 (failed) or 7 (moderation), refunded; with `holder`, only while
        that worker still holds the lease."""
        transition = (
            Transition.BLOCK if status is VideoStatus.MODERATION_FAILED else Transition.FAIL
        )
        with self.db.write() as conn:
            row = repo.get_generation(conn, generation_id)
            moved = row is not None and self._apply(
                conn, row, transition, holder=holder, error=reason
            )
        if moved:
            self._after_announce()
            log.warning(
                "generation ended",
                extra={"video_id": generation_id, "status": int(status), "error": reason},
            )
        return moved

    # -- operator and client transitions

    def cancel(self, generation_id: int) -> bool:
        """6 from 5, refunded and announced; a running render stops at its next progress step
        (its heartbeat finds the row gone from 5). False when it had already ended."""
        with self.db.write() as conn:
            row = repo.get_generation(conn, generation_id)
            moved = row is not None and self._apply(conn, row, Transition.CANCEL)
        if moved:
            self._after_announce()
            log.info("generation cancelled", extra={"video_id": generation_id})
        return moved

    def delete(self, generation_id: int) -> VideoStatus | None:
        """6 from any status: a generation in 5 is cancelled (refunded); a finished one loses
        its output. Returns the status it had, or None when it does not exist. Raises
        TransitionRefusedError when it is deleted already."""
        output_key: str | None = None
        with self.db.write() as conn:
            row = repo.get_generation(conn, generation_id)
            if row is None:
                return None
            previous = VideoStatus(row.status)
            transition = (
                Transition.CANCEL if previous is VideoStatus.GENERATING else Transition.DELETE
            )
            if transition is Transition.DELETE:
                output_key = repo.output_file_key(conn, generation_id)
            if not self._apply(conn, row, transition):
                raise TransitionRefusedError(generation_id, transition, row.status)
        if output_key is not None:
            self.blobs.delete(output_key)
        if transition is Transition.CANCEL:
            self._after_announce()
        log.info("generation deleted", extra={"video_id": generation_id, "was": int(previous)})
        return previous

    # -- the one writer

    def _apply(
        self,
        conn: Connection,
        row: GenerationRow,
        transition: Transition,
        *,
        holder: str | None = None,
        error: str | None = None,
        output_token: str | None = None,
        output_size_bytes: int | None = None,
        has_audio: bool = False,
    ) -> bool:
        """Check `transition` against MOVES, write it conditionally, make its side effects."""
        move = move_for(transition, VideoStatus(row.status))
        if move is None:
            return False
        if move.holder_only and holder is None:
            raise ValueError(f"{transition.value} needs the lease holder")
        now = self.clock()
        values: dict[str, object] = {
            "status": int(move.target),
            "lease_owner": None,
            "lease_expires_at": None,
            "modified_at": now,
        }
        if move.target is not VideoStatus.GENERATING and row.finished_at is None:
            values["finished_at"] = now
        if transition is Transition.SUCCEED:
            values |= {
                "output_token": output_token,
                "output_size_bytes": output_size_bytes,
                "has_audio": has_audio,
                "progress": 1.0,
            }
        if error is not None:
            values["error"] = error
        if not repo.transition(conn, row.id, from_status=row.status, holder=holder, values=values):
            return False
        if move.refund:
            account_repo.refund_charge(conn, row.id, now)
        if move.announce:
            self._announce(conn, row, move, now, output_token, output_size_bytes or 0, has_audio)
        return True

    def _announce(
        self,
        conn: Connection,
        row: GenerationRow,
        move: Move,
        now: float,
        token: str | None,
        size: int,
        has_audio: bool,
    ) -> None:
        """Persist the webhook delivery of the new status (when the generation has a webhook)."""
        webhook_id = spec_from_json(row.spec_json).webhook_id
        if not webhook_id:
            return
        url = file_url(self.public_url, token, output_name(row.id, Mode(row.mode))) if token else ""
        # Credits actually spent: a refunded generation was refunded in this transaction.
        spent = 0 if move.refund else row.credits_charged
        body = webhooks.payload(row.id, int(move.target), url, size, has_audio, spent)
        webhook_repo.insert_delivery(
            conn, webhook_id, row.id, row.trace_id, json.dumps(body, sort_keys=True), now
        )

    def _after_announce(self) -> None:
        if self.on_announce is not None:
            self.on_announce()
