"""The worker entry point: `run(generation_id)` claims a generation, renders it from its job
manifest and finishes it through the lifecycle core. Every driver (embedded threads, the inline
test dispatcher, a Celery task) calls it; `run_next()` takes the oldest waiting one instead.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pixforge.domain.features import FEATURES
from pixforge.domain.ids import new_token
from pixforge.domain.manifest import JobManifest, MediaFacts, StoredVideo, facts_to_json
from pixforge.domain.moderation import ModerationPolicy
from pixforge.domain.spec import ImageRef, Mode, RenderJob, SourceVideo, output_file
from pixforge.domain.status import VideoStatus
from pixforge.engines.base import Engine, RenderResult
from pixforge.lifecycle import Claimed, Lifecycle, StoredOutput
from pixforge.metrics import Metrics
from pixforge.storage.base import BlobStore

log = logging.getLogger(__name__)
# How often a running render writes its progress (and renews its lease, if that is sooner).
PROGRESS_INTERVAL_S = 1.0
# A failed generation's final write is retried (a full disk frees up once the scratch file of
# the failed render is gone).
FINISH_RETRY_DELAYS_S = (0.2, 1.0, 3.0)


def new_owner_id(node_id: str | None = None) -> str:
    """Lease owner: node (the host name unless set) and pid, so recovery can spot dead local
    owners, plus a random part."""
    return f"{node_id or socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Outcome(StrEnum):
    """What `run` did with a generation."""

    NOT_CLAIMED = "not_claimed"  # finished already, leased by a live worker, or given up
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    BLOCKED = "blocked"
    RELEASED = "released"  # handed back on shutdown; another run will take it
    LOST = "lost"  # the lease was lost (cancelled, deleted, or taken over)


class LeaseLostError(Exception):
    """The generation is no longer ours (cancelled, deleted, or another worker took over)."""


class RenderTimeoutError(Exception):
    """The render ran past PIXFORGE_RENDER_TIMEOUT_S."""


class StoppingError(Exception):
    """The worker is shutting down: hand the generation back."""


class _Heartbeat:
    """Renews the lease with the latest progress on a background thread while a render runs."""

    def __init__(self, renew: Callable[[float], bool], interval_s: float) -> None:
        self._renew = renew
        self._interval_s = interval_s
        self._stop = threading.Event()
        self.progress = 0.0
        self.lost = False
        self._thread = threading.Thread(target=self._loop, name="lease-heartbeat", daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                if not self._renew(self.progress):
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


@dataclass(frozen=True, slots=True)
class RunnerConfig:
    owner: str
    lease_s: float
    scratch_dir: Path
    # A render still running after this long fails (checked at each progress step).
    render_timeout_s: float | None = None


class Runner:
    """Runs generations one at a time with one engine (engines are not thread-safe)."""

    def __init__(
        self,
        lifecycle: Lifecycle,
        blobs: BlobStore,
        engine: Engine,
        moderation: ModerationPolicy,
        metrics: Metrics,
        config: RunnerConfig,
        stopping: threading.Event | None = None,
    ) -> None:
        self.lifecycle = lifecycle
        self.blobs = blobs
        self.engine = engine
        self.moderation = moderation
        self.metrics = metrics
        self.owner = config.owner
        self.lease_s = config.lease_s
        self.scratch_dir = config.scratch_dir
        self.render_timeout_s = config.render_timeout_s
        # Set when the process shuts down: a running render is handed back at its next step.
        self.stopping = stopping or threading.Event()

    def run(self, generation_id: int) -> Outcome:
        """Claim this generation and run it (the entry point of every driver)."""
        claimed = self.lifecycle.claim(self.owner, self.lease_s, generation_id)
        return Outcome.NOT_CLAIMED if claimed is None else self._execute(claimed)

    def run_next(self) -> bool:
        """Claim and run the oldest waiting generation; False when there is none."""
        claimed = self.lifecycle.claim(self.owner, self.lease_s)
        if claimed is None:
            return False
        self._execute(claimed)
        return True

    def _execute(self, claimed: Claimed) -> Outcome:
        row = claimed.row
        if row.started_at is not None and row.attempts == 1:
            self.metrics.queue_wait_s.observe(max(0.0, row.started_at - row.created_at))
        spec = claimed.spec
        blocked = self.moderation.blocked_term(*FEATURES[spec.mode].texts(spec))
        if blocked is not None:
            reason = f"prompt blocked by moderation (term {blocked!r})"
            self._fail(claimed, reason, VideoStatus.MODERATION_FAILED)
            return Outcome.BLOCKED
        started = time.monotonic()
        try:
            with self._scratch(row.id, Mode(row.mode)) as scratch:
                result = self._render(claimed, scratch)
                output = self._store(claimed, scratch, result)
        except StoppingError:
            self.lifecycle.release(row.id, self.owner)
            return Outcome.RELEASED
        except LeaseLostError:
            log.warning(
                "lease lost; the generation was cancelled, deleted or taken over",
                extra={"video_id": row.id, "trace_id": row.trace_id},
            )
            return Outcome.LOST
        except Exception as error:
            log.exception("render failed", extra={"video_id": row.id, "trace_id": row.trace_id})
            self._fail(claimed, _reason(error), VideoStatus.FAILED)
            return Outcome.FAILED
        if not self.lifecycle.succeed(row.id, self.owner, output):
            return Outcome.LOST
        self.metrics.generations_finished.labels("1", self.engine.name).inc()
        self.metrics.render_duration_s.labels(self.engine.name, row.mode).observe(
            time.monotonic() - started
        )
        log.info(
            "generation succeeded",
            extra={"video_id": row.id, "trace_id": row.trace_id, "size_bytes": output.size_bytes},
        )
        return Outcome.SUCCEEDED

    @contextmanager
    def _scratch(self, generation_id: int, mode: Mode) -> Iterator[Path]:
        """A work file for the render, removed whatever happens."""
        self.scratch_dir.mkdir(parents=True, exist_ok=True)
        extension = output_file(mode)[0]
        path = self.scratch_dir / f"render-{generation_id}-{uuid.uuid4().hex}.{extension}"
        try:
            yield path
        finally:
            path.unlink(missing_ok=True)

    def _render(self, claimed: Claimed, scratch: Path) -> RenderResult:
        row = claimed.row
        interval_s = min(self.lease_s / 3, PROGRESS_INTERVAL_S)
        deadline = (
            time.monotonic() + self.render_timeout_s if self.render_timeout_s is not None else None
        )

        def renew(progress: float) -> bool:
            return self.lifecycle.heartbeat(row.id, self.owner, self.lease_s, progress)

        with ExitStack() as inputs, _Heartbeat(renew, interval_s) as heartbeat:
            job = self._job(claimed, inputs)

            def progress(fraction: float) -> None:
                heartbeat.progress = fraction
                if self.stopping.is_set():
                    raise StoppingError(f"shutting down during {row.id}")
                if heartbeat.lost:
                    raise LeaseLostError(f"lease on {row.id} was lost")
                if deadline is not None and time.monotonic() > deadline:
                    raise RenderTimeoutError(
                        f"the render took longer than {self.render_timeout_s:g} s"
                    )

            progress(0.0)
            result = self.engine.render(job, scratch, progress)
        if heartbeat.lost:
            raise LeaseLostError(f"lease on {row.id} was lost")
        return result

    def _job(self, claimed: Claimed, inputs: ExitStack) -> RenderJob:
        """The render job with the manifest's blobs made local for the engine."""
        manifest = claimed.manifest
        if manifest is None:
            raise ValueError("the generation has no job manifest (stored before 0.2)")

        def local(key: str) -> str:
            return str(inputs.enter_context(self.blobs.materialize(key)))

        return RenderJob(
            generation_id=claimed.id,
            spec=claimed.spec,
            seed=claimed.row.seed,
            output=claimed.output,
            images=tuple(ImageRef(local(i.key), i.width, i.height) for i in manifest.images),
            video=_source_video(manifest, local),
            audio_path=local(manifest.audio.key) if manifest.audio else None,
            mask_path=local(manifest.mask_key) if manifest.mask_key else None,
            more_mask_paths=tuple(local(key) for key in manifest.more_mask_keys),
            reference_videos=tuple(_as_source(v, local) for v in manifest.videos),
        )

    def _store(self, claimed: Claimed, scratch: Path, result: RenderResult) -> StoredOutput:
        row = claimed.row
        token = new_token()
        extension, content_type = output_file(Mode(row.mode))
        folder = "videos" if extension == "mp4" else "pictures"
        key = f"{folder}/{token[:2]}/{token}.{extension}"
        facts = None
        if extension == "mp4":
            output = claimed.output
            facts = MediaFacts(
                duration_s=output.duration_s,
                has_video=True,
                has_audio=result.has_audio,
                width=output.width,
                height=output.height,
                fps=float(output.fps),
                frame_count=output.frame_count,
                codec="h264",
            )
        size = self.blobs.put_file(key, scratch)
        return StoredOutput(
            token=token,
            key=key,
            content_type=content_type,
            size_bytes=size,
            has_audio=result.has_audio,
            media_json=facts_to_json(facts) if facts else None,
        )

    def _fail(self, claimed: Claimed, reason: str, status: VideoStatus) -> None:
        """End the generation (refunded); retried a few times, since the reason may be a full
        disk that the failed render's removed scratch file has just made room on."""
        for delay_s in (*FINISH_RETRY_DELAYS_S, None):
            try:
                if self.lifecycle.fail(claimed.id, reason, holder=self.owner, status=status):
                    self.metrics.generations_finished.labels(
                        str(int(status)), self.engine.name
                    ).inc()
                return
            except Exception:
                if delay_s is None:
                    raise
                log.warning("could not record the failure; retrying", exc_info=True)
                time.sleep(delay_s)


def _source_video(manifest: JobManifest, local: Callable[[str], str]) -> SourceVideo | None:
    video = manifest.video
    if video is None:
        return None
    return _as_source(video, local)


def _as_source(video: StoredVideo, local: Callable[[str], str]) -> SourceVideo:
    return SourceVideo(
        path=local(video.key),
        width=video.width,
        height=video.height,
        duration_s=video.duration_s,
        has_audio=video.has_audio,
        codec=video.codec,
        size_bytes=video.size_bytes,
        frame_count=video.frame_count,
        fps=video.fps,
        prompt=video.prompt,
    )


def _reason(error: BaseException) -> str:
    """The failure as the generation's error text (a full disk said so plainly)."""
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return "the server's disk is full (no space left to write the video)"
    return f"{type(error).__name__}: {error}"
