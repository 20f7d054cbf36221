"""The runner: claim a generation, render it, store the video, finish it. The only finisher.

Every terminal move (5 -> 1 / 7 / 8) happens here, in one transaction with its refund.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from pixforge.domain import webhooks
from pixforge.domain.ids import file_url, new_token
from pixforge.domain.moderation import ModerationPolicy
from pixforge.domain.spec import (
    VIDEO_INPUT_MODES,
    ImageRef,
    Mode,
    OutputFormat,
    RenderJob,
    SourceVideo,
    output_file,
    output_name,
    spec_from_json,
)
from pixforge.domain.status import REFUNDED_STATUSES, VideoStatus
from pixforge.engines.base import Engine
from pixforge.media.probe import probe
from pixforge.metrics import Metrics
from pixforge.storage.base import BlobStore
from pixforge.store import accounts as account_repo
from pixforge.store import generations as repo
from pixforge.store import masks as mask_repo
from pixforge.store import uploads as upload_repo
from pixforge.store import webhooks as webhook_repo
from pixforge.store.db import Connection, Database
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
        public_url: str = "",
        on_delivery: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.blobs = blobs
        self.engine = engine
        self.moderation = moderation
        self.metrics = metrics
        self.owner = owner
        self.lease_s = lease_s
        self.max_attempts = max_attempts
        self.public_url = public_url
        # Called after a terminal status queued a webhook delivery (wakes the sender).
        self.on_delivery = on_delivery

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
        blocked = self.moderation.blocked_term(
            spec.prompt,
            spec.negative_prompt,
            spec.restyle_prompt,
            spec.lip_sync_tts_content,
            spec.sound_effect_content,
            *spec.segment_prompts,
        )
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
        video: SourceVideo | None = None
        audio_path: str | None = None
        mask_path: str | None = None
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
            if spec.mode in VIDEO_INPUT_MODES:
                video = self._source_video(conn, spec.source_video_id, spec.source_media_id)
            if spec.audio_media_id is not None:
                audio = upload_repo.get_upload(conn, spec.audio_media_id)
                audio_path = self._stored_path(conn, audio.file_token if audio else None)
            if spec.mask_id:
                mask = mask_repo.get_mask(conn, spec.mask_id)
                mask_path = self._stored_path(conn, mask.file_token if mask else None)
        return RenderJob(
            generation_id=row.id,
            spec=spec,
            seed=row.seed,
            output=OutputFormat(row.width, row.height, row.fps, row.frame_count),
            images=tuple(images),
            video=video,
            audio_path=audio_path,
            mask_path=mask_path,
        )

    def _stored_path(self, conn: Connection, token: str | None) -> str:
        file = upload_repo.get_file(conn, token) if token else None
        if file is None:
            raise FileNotFoundError("an input file of this generation is missing")
        return str(self.blobs.path(file.storage_key))

    def _source_video(
        self, conn: Connection, video_id: int | None, media_id: int | None
    ) -> SourceVideo:
        prompt = ""
        token: str | None = None
        if video_id is not None:
            source = repo.get_generation(conn, video_id)
            if source is not None:
                token, prompt = source.output_token, source.prompt
        elif media_id is not None:
            upload = upload_repo.get_upload(conn, media_id)
            token = upload.file_token if upload else None
        path = self._stored_path(conn, token)
        info = probe(Path(path))
        if info.video is None:
            raise ValueError("the source has no video track")
        return SourceVideo(
            path=path,
            width=info.video.width,
            height=info.video.height,
            duration_s=info.duration_s,
            has_audio=info.audio is not None,
            codec=info.video.codec,
            frame_count=info.video.frame_count,
            prompt=prompt,
        )

    def _store_success(self, row: GenerationRow, scratch: Path, has_audio: bool) -> None:
        token = new_token()
        extension, content_type = output_file(Mode(row.mode))
        folder = "videos" if extension == "mp4" else "pictures"
        key = f"{folder}/{token[:2]}/{token}.{extension}"
        size = self.blobs.put_file(key, scratch)
        with self.db.write() as conn:
            now = time.time()
            upload_repo.insert_file(conn, FileRow(token, key, content_type, size, now))
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
            queued = finished and self._queue_delivery(
                conn, row, VideoStatus.SUCCEEDED, now, token=token, size=size, has_audio=has_audio
            )
        if queued and self.on_delivery is not None:
            self.on_delivery()
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

    def _queue_delivery(
        self,
        conn: Connection,
        row: GenerationRow,
        status: VideoStatus,
        now: float,
        *,
        token: str | None = None,
        size: int = 0,
        has_audio: bool = False,
    ) -> bool:
        """Persist the webhook delivery of a terminal status, in the finishing transaction."""
        webhook_id = spec_from_json(row.spec_json).webhook_id
        if not webhook_id:
            return False
        url = file_url(self.public_url, token, output_name(row.id, Mode(row.mode))) if token else ""
        # Credits actually spent: a blocked or failed generation was refunded in this transaction.
        spent = row.credits_charged if status is VideoStatus.SUCCEEDED else 0
        body = webhooks.payload(row.id, int(status), url, size, has_audio, spent)
        webhook_repo.insert_delivery(
            conn, webhook_id, row.id, row.trace_id, json.dumps(body, sort_keys=True), now
        )
        return True

    def _finish(self, row: GenerationRow, status: VideoStatus, error: str) -> None:
        with self.db.write() as conn:
            now = time.time()
            finished = repo.finish(
                conn, row.id, status=int(status), now=now, owner=self.owner, error=error
            )
            if finished and status in REFUNDED_STATUSES:
                account_repo.refund_charge(conn, row.id, now)
            queued = finished and self._queue_delivery(conn, row, status, now)
        if queued and self.on_delivery is not None:
            self.on_delivery()
        if finished:
            self.metrics.generations_finished.labels(str(int(status)), self.engine.name).inc()
            log.warning(
                "generation ended",
                extra={"video_id": row.id, "status": int(status), "error": error},
            )
