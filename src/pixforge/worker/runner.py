"""The runner: claim a generation, render it, store the video, finish it. The only finisher.

Every terminal move (5 -> 1 / 7 / 8) happens here, in one transaction with its refund.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from pixforge.domain.ids import new_token
from pixforge.domain.moderation import ModerationPolicy
from pixforge.domain.spec import ImageRef, OutputFormat, RenderJob, spec_from_json
from pixforge.domain.status import REFUNDED_STATUSES, VideoStatus
from pixforge.engines.base import Engine
from pixforge.metrics import Metrics
from pixforge.storage.base import BlobStore
from pixforge.store import accounts as account_repo
from pixforge.store import generations as repo
from pixforge.store import uploads as upload_repo
from pixforge.store.db import Database
from pixforge.store.generations import GenerationRow
from pixforge.store.uploads import FileRow

log = logging.getLogger(__name__)
# How often a running render writes its progress (and renews its lease, if that is sooner).
PROGRESS_INTERVAL_S = 1.0


def new_owner_id() -> str:
    """Lease owner: host and pid (so recovery can spot dead local owners) plus a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaseLostError(Exception):
    """Another worker took the generation over (our lease expired); stop rendering."""


class _Heartbeat:
    """Renews a lease every third of its length on a background thread while a render runs."""

    def __init__(self, renew: Callable[[], bool], interval_s: float) -> None:
        self._renew = renew
        self._interval_s = interval_s
        self._stop = threading.Event()
        self.lost = False
        self._thread = threading.Thread(target=self._loop, name="lease-heartbeat", daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                if not self._renew():
                    self.lost = True
                    return
            except Exception:  # a transient database error must not kill the render
                log.exception("lease renewal failed")

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


class Runner:
    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        engine: Engine,
        moderation: ModerationPolicy,
        metrics: Metrics,
        *,
        owner: str,
        lease_s: float,
        max_attempts: int,
    ) -> None:
        self.db = db
        self.blobs = blobs
        self.engine = engine
        self.moderation = moderation
        self.metrics = metrics
        self.owner = owner
        self.lease_s = lease_s
        self.max_attempts = max_attempts

    def run_next(self) -> bool:
        """Claim and run the oldest waiting generation; False when there is none."""
        row = self._claim()
        if row is None:
            return False
        self.run_claimed(row)
        return True

    def _claim(self) -> GenerationRow | None:
        with self.db.write() as conn:
            now = time.time()
            candidate = repo.next_claimable(conn, now)
            if candidate is None or not repo.claim(
                conn, candidate.id, self.owner, now, self.lease_s
            ):
                return None
            return repo.get_generation(conn, candidate.id)

    def run_claimed(self, row: GenerationRow) -> None:
        if row.started_at is not None and row.attempts == 1:
            self.metrics.queue_wait_s.observe(max(0.0, row.started_at - row.created_at))
        if row.attempts > self.max_attempts:
            self._finish(
                row,
                VideoStatus.FAILED,
                error=f"the worker stopped during {row.attempts - 1} attempts; giving up",
            )
            return
        spec = spec_from_json(row.spec_json)
        blocked = self.moderation.blocked_term(spec.prompt, spec.negative_prompt)
        if blocked is not None:
            self._finish(
                row,
                VideoStatus.MODERATION_FAILED,
                error=f"prompt blocked by moderation (term {blocked!r})",
            )
            return
        started = time.monotonic()
        scratch = self.blobs.scratch_dir() / f"render-{row.id}-{uuid.uuid4().hex}.mp4"
        try:
            job = self._job(row)
            done = [0.0]
            interval_s = min(self.lease_s / 3, PROGRESS_INTERVAL_S)
            with _Heartbeat(lambda: self._renew(row.id, done[0]), interval_s) as heartbeat:

                def progress(fraction: float) -> None:
                    done[0] = fraction
                    if heartbeat.lost:
                        raise LeaseLostError(f"lease on {row.id} was lost")

                result = self.engine.render(job, scratch, progress)
            if heartbeat.lost:
                raise LeaseLostError(f"lease on {row.id} was lost")
            self._store_success(row, scratch, result.has_audio)
            self.metrics.render_duration_s.labels(self.engine.name, row.mode).observe(
                time.monotonic() - started
            )
        except LeaseLostError:
            log.warning(
                "lease lost; another worker owns the generation",
                extra={"video_id": row.id, "trace_id": row.trace_id},
            )
        except Exception as error:
            log.exception("render failed", extra={"video_id": row.id, "trace_id": row.trace_id})
            self._finish(row, VideoStatus.FAILED, error=f"{type(error).__name__}: {error}")
        finally:
            scratch.unlink(missing_ok=True)

    def _renew(self, generation_id: int, progress: float) -> bool:
        with self.db.write() as conn:
            return repo.renew_lease(
                conn, generation_id, self.owner, time.time(), self.lease_s, progress
            )

    def _job(self, row: GenerationRow) -> RenderJob:
        spec = spec_from_json(row.spec_json)
        images: list[ImageRef] = []
        with self.db.read() as conn:
            for image_id in spec.image_ids:
                upload = upload_repo.get_upload(conn, image_id)
                file = upload_repo.get_file(conn, upload.file_token) if upload else None
                if upload is None or file is None:
                    raise FileNotFoundError(f"input image {image_id} is missing")
                images.append(
                    ImageRef(
                        path=str(self.blobs.path(file.storage_key)),
                        width=upload.width or 0,
                        height=upload.height or 0,
                    )
                )
        return RenderJob(
            generation_id=row.id,
            spec=spec,
            seed=row.seed,
            output=OutputFormat(row.width, row.height, row.fps, row.frame_count),
            images=tuple(images),
        )

    def _store_success(self, row: GenerationRow, scratch: Path, has_audio: bool) -> None:
        token = new_token()
        key = f"videos/{token[:2]}/{token}.mp4"
        size = self.blobs.put_file(key, scratch)
        with self.db.write() as conn:
            now = time.time()
            upload_repo.insert_file(conn, FileRow(token, key, "video/mp4", size, now))
            finished = repo.finish(
                conn,
                row.id,
                status=int(VideoStatus.SUCCEEDED),
                now=now,
                owner=self.owner,
                output_token=token,
                output_size_bytes=size,
                has_audio=has_audio,
            )
        if not finished:
            self.blobs.delete(key)
            log.warning(
                "generation changed while rendering; result dropped",
                extra={"video_id": row.id, "trace_id": row.trace_id},
            )
            return
        self.metrics.generations_finished.labels("1", self.engine.name).inc()
        log.info(
            "generation succeeded",
            extra={"video_id": row.id, "trace_id": row.trace_id, "size_bytes": size},
        )

    def _finish(self, row: GenerationRow, status: VideoStatus, error: str) -> None:
        with self.db.write() as conn:
            now = time.time()
            finished = repo.finish(
                conn, row.id, status=int(status), now=now, owner=self.owner, error=error
            )
            if finished and status in REFUNDED_STATUSES:
                account_repo.refund_charge(conn, row.id, now)
        if finished:
            self.metrics.generations_finished.labels(str(int(status)), self.engine.name).inc()
            log.warning(
                "generation ended",
                extra={"video_id": row.id, "status": int(status), "error": error},
            )
