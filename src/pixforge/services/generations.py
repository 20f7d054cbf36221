"""Generation use cases: submit (validate, price, charge, insert, dispatch) and read results."""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from pixforge.domain import features, rules
from pixforge.domain.errors import (
    ConcurrencyLimitError,
    InternalError,
    InvalidParameterError,
    NotFoundError,
    TemplateNotActivatedError,
    UnknownImageError,
)
from pixforge.domain.ids import file_url, new_public_id
from pixforge.domain.pricing import PriceTable, feature_credits
from pixforge.domain.rules import ModelRules, Template
from pixforge.domain.spec import (
    VIDEO_INPUT_MODES,
    GenerationSpec,
    Mode,
    OutputFormat,
    SourceVideo,
    output_name,
    spec_from_json,
    spec_to_json,
)
from pixforge.domain.status import REFUNDED_STATUSES, VideoStatus, can_transition
from pixforge.queue.base import Dispatcher
from pixforge.services import inputs
from pixforge.services.accounts import Caller, charge, check_affordable
from pixforge.services.idempotency import replayed, replayed_in
from pixforge.storage.base import BlobStore
from pixforge.store import accounts as account_repo
from pixforge.store import generations as repo
from pixforge.store import idempotency as replay_repo
from pixforge.store import masks as mask_repo
from pixforge.store import templates as template_repo
from pixforge.store import uploads as upload_repo
from pixforge.store import webhooks as webhook_repo
from pixforge.store.db import ConflictError, Connection, Database
from pixforge.store.generations import GenerationRow

log = logging.getLogger(__name__)


LAUNCH_MODES = frozenset({Mode.TEXT, Mode.IMAGE, Mode.TRANSITION})
IMAGE_MODES = frozenset(
    {
        Mode.IMAGE,
        Mode.TRANSITION,
        Mode.FUSION,
        Mode.MULTI_TRANSITION,
        Mode.SWAP,
        Mode.MIMIC,
        Mode.IMAGE_TEMPLATE,
    }
)


@dataclass(frozen=True, slots=True)
class _Plan:
    spec: GenerationSpec
    output: OutputFormat
    cost: int


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
    template_id: int | None = None
    # What the generation cost in the end (0 once refunded).
    credits: int = 0


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
        require_activation: bool = True,
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
        # PixVerse only runs effect templates an account has activated (500070 otherwise).
        self.require_activation = require_activation

    def submit(self, caller: Caller, trace_id: str, fingerprint: str, spec: GenerationSpec) -> int:
        """Charge and queue a generation; return its id (the first id again on a replay)."""
        previous = replayed(self.db, caller.api_key_id, trace_id, fingerprint)
        if previous is not None:
            return int(previous["id"])
        plan = self._plan(caller, spec)
        spec, output, cost = plan.spec, plan.output, plan.cost
        seed = spec.seed if spec.seed is not None else secrets.randbelow(rules.SEED_MAX + 1)
        try:
            with self.db.write() as conn:
                account = account_repo.get_account(conn, caller.account_id, for_update=True)
                assert account is not None
                # A concurrent twin with this trace id may have committed while we waited.
                twin = replayed_in(conn, caller.api_key_id, trace_id, fingerprint)
                if twin is not None:
                    return int(twin["id"])
                self._check_concurrency(conn, account.id, account.concurrency_limit)
                check_affordable(account, cost, "this request")
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
                        prompt=spec.prompt or spec.restyle_prompt,
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
                charge(conn, account, cost, generation_id=generation_id, kind="charge", now=now)
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

    def credits_of(self, caller: Caller, video_id: int) -> int:
        """What a generation of the caller's was charged (answers that echo `credits`)."""
        with self.db.read() as conn:
            row = repo.get_generation(conn, video_id)
        if row is None or row.account_id != caller.account_id:
            raise NotFoundError(f"video_id: couldn't find video {video_id}")
        return row.credits_charged

    def _plan(self, caller: Caller, spec: GenerationSpec) -> _Plan:
        """Validate, resolve every referenced input, and work out the output and the price."""
        model_rules = features.validate(spec, self.models, self.templates)
        if self.served is not None and (spec.model, spec.mode) not in self.served:
            offered = sorted({model for model, mode in self.served if mode is spec.mode})
            if not spec.model:
                raise InvalidParameterError(
                    f"{spec.mode.value}: this server's engine does not serve this feature"
                )
            raise InvalidParameterError(
                f"model: {spec.model} is not served for {spec.mode.value} on this server; "
                f"served: {', '.join(offered) or 'none'}"
            )
        source: SourceVideo | None = None
        audio_s: float | None = None
        character: Path | None = None
        with self.db.read() as conn:
            first_image = self._owned_images(conn, caller, spec)
            if spec.template_id is not None:
                self._check_activated(conn, caller, spec.template_id)
            spec = self._with_webhook(conn, caller, spec)
            if spec.mode in VIDEO_INPUT_MODES:
                source = inputs.source_video(
                    conn,
                    self.blobs,
                    caller.account_id,
                    spec.mode,
                    spec.source_video_id,
                    spec.source_media_id,
                )
            if spec.mode is Mode.LIP_SYNC:
                if spec.audio_media_id is not None:
                    audio = inputs.source_audio(
                        conn, self.blobs, caller.account_id, spec.audio_media_id
                    )
                    audio_s = audio.duration_s
                else:
                    audio_s = features.tts_seconds(spec.lip_sync_tts_content)
            if spec.mode is Mode.SWAP:
                self._check_mask(conn, caller, spec)
            if spec.mode is Mode.MIMIC:
                character = inputs.image_path(conn, self.blobs, spec.image_ids[0])
        if spec.mode is Mode.MIMIC:
            # Segmentation takes a moment: done after the read transaction has ended.
            assert source is not None
            assert character is not None
            inputs.check_mimic_subjects(character, source)
        # A template dictates the length wherever it is used (text, image, extend, fusion).
        length_s = rules.effective_duration_s(spec, self.templates)
        if spec.mode in LAUNCH_MODES:
            assert model_rules is not None
            output = rules.output_format(spec, model_rules, length_s, first_image)
        else:
            output = features.output_format(
                spec, model_rules, length_s, source, first_image, audio_s
            )
        duration_s = round(output.duration_s)
        if spec.mode in (Mode.LIP_SYNC, Mode.SOUND_EFFECT, Mode.RESTYLE, Mode.IMAGE_TEMPLATE):
            spec = replace(spec, quality=features.quality_for(output.width, output.height))
        input_s = audio_s if audio_s is not None else (source.duration_s if source else 0.0)
        cost = feature_credits(spec, duration_s, self.prices, input_s=input_s)
        return _Plan(spec, output, cost)

    def _check_activated(self, conn: Connection, caller: Caller, template_id: int) -> None:
        if self.require_activation and not template_repo.is_activated(
            conn, caller.account_id, template_id
        ):
            raise TemplateNotActivatedError(
                f"template_id: template {template_id} is not activated for this account "
                "(an operator activates it with `pixforge templates activate`)"
            )

    def _with_webhook(
        self, conn: Connection, caller: Caller, spec: GenerationSpec
    ) -> GenerationSpec:
        if spec.webhook_id:
            hook = webhook_repo.get_webhook(conn, spec.webhook_id)
            if hook is None or hook.account_id != caller.account_id or hook.disabled:
                raise InvalidParameterError(
                    f"webhook_id: couldn't find an enabled webhook {spec.webhook_id!r} "
                    "of this account"
                )
            return spec
        default = webhook_repo.default_webhook(conn, caller.account_id)
        return replace(spec, webhook_id=default.id) if default else spec

    def _check_mask(self, conn: Connection, caller: Caller, spec: GenerationSpec) -> None:
        mask = mask_repo.get_mask(conn, spec.mask_id)
        if (
            mask is None
            or mask.account_id != caller.account_id
            or mask.source_video_id != spec.source_video_id
            or mask.source_media_id != spec.source_media_id
            or mask.keyframe != spec.keyframe
        ):
            raise InvalidParameterError(
                f"mask_id: {spec.mask_id[:40]!r} did not come from a mask selection of this "
                "source video and keyframe_id"
            )

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
        if spec.mode in IMAGE_MODES and first is None:
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

    def result(self, caller: Caller, video_id: int, *, image: bool = False) -> GenerationView:
        """A video's result, or with `image` an image template's (each kind has its own
        endpoint; an id of the other kind is not found there)."""
        field = "image_id" if image else "video_id"
        with self.db.read() as conn:
            row = repo.get_generation(conn, video_id)
        if (
            row is None
            or row.account_id != caller.account_id
            or (row.mode == Mode.IMAGE_TEMPLATE.value) != image
        ):
            raise NotFoundError(f"{field}: couldn't find {field.split('_')[0]} {video_id}")
        url = ""
        if row.status == VideoStatus.SUCCEEDED and row.output_token:
            url = file_url(self.public_url, row.output_token, output_name(row.id, Mode(row.mode)))
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
            # Only image results show it; video polls skip parsing the stored spec.
            template_id=spec_from_json(row.spec_json).template_id if image else None,
            credits=0 if row.status in REFUNDED_STATUSES else row.credits_charged,
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
