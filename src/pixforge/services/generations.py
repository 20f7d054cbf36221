"""Generation use cases: submit (validate, price, charge, insert, dispatch) and read results."""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from pixforge.domain import rules
from pixforge.domain.errors import (
    ConcurrencyLimitError,
    InsufficientCreditsError,
    InternalError,
    InvalidParameterError,
    NotFoundError,
    UnknownImageError,
)
from pixforge.domain.ids import new_public_id
from pixforge.domain.pricing import PriceTable, video_credits
from pixforge.domain.rules import ModelRules, Template
from pixforge.domain.spec import GenerationSpec, Mode, spec_to_json
from pixforge.domain.status import VideoStatus, can_transition
from pixforge.queue.base import Dispatcher
from pixforge.services.accounts import Caller
from pixforge.services.idempotency import replayed, replayed_in
from pixforge.storage.base import BlobStore
from pixforge.store import accounts as account_repo
from pixforge.store import generations as repo
from pixforge.store import idempotency as replay_repo
from pixforge.store import uploads as upload_repo
from pixforge.store.accounts import LedgerEntryRow
from pixforge.store.db import ConflictError, Connection, Database
from pixforge.store.generations import GenerationRow

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GenerationView:
    """A generation as the result endpoint shows it."""

    id: int
    status: int
    url: str
    prompt: str
    negative_prompt: str
    seed: int
    style: str
    resolution: int
    width: int
    height: int
    size_bytes: int
    created_at: float
    modified_at: float
    has_audio: bool
    progress_percent: int


class GenerationService:
    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        dispatcher: Dispatcher,
        public_url: str,
        prices: PriceTable,
        models: Mapping[str, ModelRules],
        templates: Mapping[int, Template],
        default_concurrency: int,
        concurrency_release_s: float,
        served: frozenset[tuple[str, Mode]] | None = None,
    ) -> None:
        self.db = db
        self.blobs = blobs
        self.dispatcher = dispatcher
        self.public_url = public_url
        self.prices = prices
        self.models = models
        self.templates = templates
        self.default_concurrency = default_concurrency
        self.concurrency_release_s = concurrency_release_s
        # (model, mode) pairs the engine can render; None = every valid request.
        self.served = served

    def submit(self, caller: Caller, trace_id: str, fingerprint: str, spec: GenerationSpec) -> int:
        """Charge and queue a generation; return its id (the first id again on a replay)."""
        previous = replayed(self.db, caller.api_key_id, trace_id, fingerprint)
        if previous is not None:
            return int(previous["id"])
        model_rules = rules.validate(spec, self.models, self.templates)
        if self.served is not None and (spec.model, spec.mode) not in self.served:
            offered = sorted({model for model, mode in self.served if mode is spec.mode})
            raise InvalidParameterError(
                f"model: {spec.model} is not served for {spec.mode.value} on this server; "
                f"served: {', '.join(offered) or 'none'}"
            )
        duration_s = rules.effective_duration_s(spec, self.templates)
        cost = video_credits(spec, duration_s, self.prices)
        seed = spec.seed if spec.seed is not None else secrets.randbelow(rules.SEED_MAX + 1)
        try:
            with self.db.write() as conn:
                first_image = self._owned_images(conn, caller, spec)
                output = rules.output_format(spec, model_rules, duration_s, first_image)
                account = account_repo.get_account(conn, caller.account_id, for_update=True)
                assert account is not None
                # A concurrent twin with this trace id may have committed while we waited.
                twin = replayed_in(conn, caller.api_key_id, trace_id, fingerprint)
                if twin is not None:
                    return int(twin["id"])
                self._check_concurrency(conn, account.id, account.concurrency_limit)
                if account.credit_monthly + account.credit_package < cost:
                    raise InsufficientCreditsError(
                        f"insufficient credits: this request costs {cost}, the balance is "
                        f"{account.credit_monthly} monthly + {account.credit_package} package"
                    )
                from_monthly = min(account.credit_monthly, cost)
                now = time.time()
                generation_id = new_public_id()
                repo.insert_generation(
                    conn,
                    GenerationRow(
                        id=generation_id,
                        account_id=caller.account_id,
                        api_key_id=caller.api_key_id,
                        trace_id=trace_id,
                        status=int(VideoStatus.GENERATING),
                        mode=spec.mode.value,
                        model=spec.model,
                        spec_json=spec_to_json(spec),
                        prompt=spec.prompt,
                        negative_prompt=spec.negative_prompt,
                        style=spec.style,
                        quality=spec.quality,
                        seed=seed,
                        width=output.width,
                        height=output.height,
                        fps=output.fps,
                        frame_count=output.frame_count,
                        credits_charged=cost,
                        output_token=None,
                        output_size_bytes=None,
                        has_audio=False,
                        attempts=0,
                        progress=0.0,
                        lease_owner=None,
                        lease_expires_at=None,
                        error=None,
                        created_at=now,
                        modified_at=now,
                        started_at=None,
                        finished_at=None,
                    ),
                )
                account_repo.apply_ledger_entry(
                    conn,
                    LedgerEntryRow(
                        account_id=account.id,
                        generation_id=generation_id,
                        kind="charge",
                        delta_monthly=-from_monthly,
                        delta_package=-(cost - from_monthly),
                        created_at=now,
                    ),
                )
                response = {"id": generation_id}
                replay_repo.insert_record(
                    conn, caller.api_key_id, trace_id, fingerprint, json.dumps(response), now
                )
        except ConflictError as error:
            previous = replayed(self.db, caller.api_key_id, trace_id, fingerprint)
            if previous is not None:
                return int(previous["id"])
            raise InternalError("could not record the generation; please retry") from error
        log.info(
            "generation submitted",
            extra={"video_id": generation_id, "credits": cost, "model": spec.model},
        )
        self.dispatcher.notify(generation_id)
        return generation_id

    def _owned_images(
        self, conn: Connection, caller: Caller, spec: GenerationSpec
    ) -> tuple[int, int] | None:
        """Check every referenced image belongs to the caller; return the first one's size."""
        first: tuple[int, int] | None = None
        fields = spec.image_fields or ("img_id",) * len(spec.image_ids)
        for field, image_id in zip(fields, spec.image_ids, strict=True):
            upload = upload_repo.get_upload(conn, image_id)
            if upload is None or upload.account_id != caller.account_id or upload.kind != "image":
                raise UnknownImageError(
                    f"{field}: image {image_id} does not exist or does not belong to this account"
                )
            if first is None and upload.width and upload.height:
                first = (upload.width, upload.height)
        if spec.mode is not Mode.TEXT and first is None:
            raise UnknownImageError("img_id: an image is required for this mode")
        return first

    def _check_concurrency(self, conn: Connection, account_id: int, limit: int | None) -> None:
        cap = limit or self.default_concurrency
        window_start = time.time() - self.concurrency_release_s
        active = repo.count_active(conn, account_id, window_start)
        if active >= cap:
            raise ConcurrencyLimitError(
                f"Reached the limit for concurrent generations: {active} of {cap} are generating"
            )

    def result(self, caller: Caller, video_id: int) -> GenerationView:
        with self.db.read() as conn:
            row = repo.get_generation(conn, video_id)
        if row is None or row.account_id != caller.account_id:
            raise NotFoundError(f"video_id: couldn't find video {video_id}")
        url = ""
        if row.status == VideoStatus.SUCCEEDED and row.output_token:
            url = f"{self.public_url}/files/{row.output_token}/{row.id}.mp4"
        return GenerationView(
            id=row.id,
            status=row.status,
            url=url,
            prompt=row.prompt,
            negative_prompt=row.negative_prompt,
            seed=row.seed,
            style=row.style,
            resolution=rules.QUALITY_SHORT_SIDE_PX[row.quality],
            width=row.width,
            height=row.height,
            size_bytes=row.output_size_bytes or 0,
            created_at=row.created_at,
            modified_at=row.modified_at,
            has_audio=row.has_audio,
            progress_percent=round(row.progress * 100),
        )

    def delete(self, video_id: int) -> int:
        """Operator delete: status 6 from any status; a generation still in 5 is refunded.

        Returns the status the generation had. The runner's finish is conditional on status 5,
        so a render still in flight cannot resurrect a deleted generation.
        """
        with self.db.write() as conn:
            row = repo.get_generation(conn, video_id)
            if row is None:
                raise NotFoundError(f"video_id: couldn't find video {video_id}")
            previous = VideoStatus(row.status)
            if not can_transition(previous, VideoStatus.DELETED):
                raise InvalidParameterError(f"video_id: video {video_id} is already deleted")
            now = time.time()
            repo.set_status(conn, video_id, from_status=row.status, to=VideoStatus.DELETED, now=now)
            if previous is VideoStatus.GENERATING:
                account_repo.refund_charge(conn, video_id, now)
            output_key = repo.output_file_key(conn, video_id)
        if output_key is not None:
            self.blobs.delete(output_key)
        log.info("generation deleted", extra={"video_id": video_id, "was": int(previous)})
        return int(previous)

    def queue_depth(self) -> tuple[int, int]:
        """(queued, running) generations; also proves the database answers."""
        with self.db.read() as conn:
            return repo.queue_depth(conn)
