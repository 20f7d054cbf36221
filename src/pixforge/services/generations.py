"""Generation use cases: submit (validate, resolve inputs, price, charge, queue), results, and
the operator's delete — every status change through the lifecycle core."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace

from pixforge.domain.catalogue import Page
from pixforge.domain.errors import (
    ConcurrencyLimitError,
    InternalError,
    InvalidParameterError,
    NotFoundError,
    PixforgeError,
    TemplateNotActivatedError,
)
from pixforge.domain.features import FEATURES, RuleContext
from pixforge.domain.ids import file_url, new_public_id
from pixforge.domain.manifest import JobManifest, manifest_to_json
from pixforge.domain.moderation import ModerationPolicy
from pixforge.domain.plans import DEFAULT_PLANS, Plan, check_effect, check_permission
from pixforge.domain.pricing import PriceTable
from pixforge.domain.rules import QUALITY_SHORT_SIDE_PX, SEED_MAX, ModelRules, Template
from pixforge.domain.spec import GenerationSpec, Mode, OutputFormat, output_name, spec_from_json
from pixforge.domain.status import REFUNDED_STATUSES, VideoStatus
from pixforge.lifecycle import Lifecycle, NewGeneration, TransitionRefusedError
from pixforge.queue.base import Dispatcher
from pixforge.services import inputs
from pixforge.services.accounts import Caller, check_affordable, renew_if_due
from pixforge.services.idempotency import replayed, replayed_in
from pixforge.services.sandbox import SandboxService
from pixforge.storage.base import BlobStore
from pixforge.store import accounts as account_repo
from pixforge.store import generations as repo
from pixforge.store import idempotency as replay_repo
from pixforge.store import templates as template_repo
from pixforge.store import webhooks as webhook_repo
from pixforge.store.db import ConflictError, Connection, Database
from pixforge.store.generations import GenerationFilter as GenerationFilter  # for the routes
from pixforge.store.generations import GenerationRow
from pixforge.store.hot import HotReads

log = logging.getLogger(__name__)
LIST_PAGE_MAX = 100


@dataclass(frozen=True, slots=True)
class _Plan:
    spec: GenerationSpec
    output: OutputFormat
    manifest: JobManifest
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
    # For listings and the console (PixVerse's result answers leave these out).
    mode: str = ""
    model: str = ""
    quality: str = ""
    duration_s: float = 0.0
    error: str = ""


class GenerationService:
    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        lifecycle: Lifecycle,
        dispatcher: Dispatcher,
        public_url: str,
        prices: PriceTable,
        models: Mapping[str, ModelRules],
        templates: Mapping[int, Template],
        default_concurrency: int,
        concurrency_release_s: float,
        served: frozenset[tuple[str, Mode]] | None = None,
        require_activation: bool = True,
        routes: Mapping[tuple[str, Mode], str] | None = None,
        plans: Mapping[str, Plan] | None = None,
        moderation: ModerationPolicy | None = None,
        moderation_at_submit: bool = False,
    ) -> None:
        self.db = db
        self.hot = HotReads(db)
        self.blobs = blobs
        self.lifecycle = lifecycle
        self.dispatcher = dispatcher
        self.public_url = public_url
        self.prices = prices
        self.rules = RuleContext(models, templates)
        self.templates = templates
        self.default_concurrency = default_concurrency
        self.concurrency_release_s = concurrency_release_s
        # (model, mode) pairs the engine can render; None = every valid request.
        self.served = served
        # PixVerse only runs effect templates an account has activated (500070 otherwise).
        self.require_activation = require_activation
        # (model, mode) -> dispatch route; everything else goes to "preview".
        self.routes = routes or {}
        # Scripts sandbox accounts' outcomes (docs/sandbox.md); set by the container.
        self.sandbox: SandboxService | None = None
        self.plans = plans if plans is not None else {p.name: p for p in DEFAULT_PLANS}
        # Input moderation at submit (500054 / 500063); None: none.
        self.moderation = moderation
        self.moderation_at_submit = moderation_at_submit

    def submit(self, caller: Caller, trace_id: str, fingerprint: str, spec: GenerationSpec) -> int:
        """Charge and queue a generation; return its id (the first id again on a replay)."""
        previous = replayed(self.db, caller.api_key_id, trace_id, fingerprint)
        if previous is not None:
            return int(previous["id"])
        plan = self._plan(caller, spec)
        scripted = None
        if self.sandbox is not None and caller.sandbox:
            scripted = self.sandbox.plan_submit(
                caller,
                plan.spec.mode.value,
                plan.spec.model,
                plan.spec.quality,
                FEATURES[plan.spec.mode].texts(plan.spec),
            )
        seed = plan.spec.seed if plan.spec.seed is not None else secrets.randbelow(SEED_MAX + 1)
        new = NewGeneration(
            id=new_public_id(),
            account_id=caller.account_id,
            api_key_id=caller.api_key_id,
            trace_id=trace_id,
            spec=plan.spec,
            output=plan.output,
            manifest=plan.manifest,
            seed=seed,
            cost=plan.cost,
            route=self.routes.get((plan.spec.model, plan.spec.mode), "preview"),
            hold=self.sandbox.hold_of(scripted) if self.sandbox is not None else None,
        )
        try:
            with self.db.write() as conn:
                account = account_repo.get_account(conn, caller.account_id, for_update=True)
                assert account is not None
                # A concurrent twin with this trace id may have committed while we waited.
                twin = replayed_in(conn, caller.api_key_id, trace_id, fingerprint)
                if twin is not None:
                    return int(twin["id"])
                now = self.lifecycle.clock()
                account = renew_if_due(conn, account, self.plans, now)
                api_plan = self.plans.get(account.plan) if account.plan else None
                cap = account.concurrency_limit or (api_plan.concurrency if api_plan else None)
                self._check_concurrency(conn, account.id, cap)
                template_id = plan.spec.template_id
                if api_plan is not None and template_id is not None:
                    period = account.plan_period_start or 0.0
                    used = template_repo.effects_used(conn, account.id, period)
                    check_effect(api_plan, template_id, used)
                    template_repo.record_effect_use(conn, account.id, period, template_id, now)
                check_affordable(account, plan.cost, "this request")
                self.lifecycle.submit(conn, account, new)
                if scripted is not None and self.sandbox is not None:
                    self.sandbox.watch(conn, caller, new.id, scripted)
                replay_repo.insert_record(
                    conn,
                    caller.api_key_id,
                    trace_id,
                    fingerprint,
                    json.dumps({"id": new.id}),
                    self.lifecycle.clock(),
                )
        except ConflictError as error:
            previous = replayed(self.db, caller.api_key_id, trace_id, fingerprint)
            if previous is not None:
                return int(previous["id"])
            raise InternalError("could not record the generation; please retry") from error
        log.info(
            "generation submitted",
            extra={"video_id": new.id, "credits": plan.cost, "model": plan.spec.model},
        )
        if new.hold is None:
            self.dispatcher.notify(new.id, new.route)
        elif self.sandbox is not None:
            self.sandbox.after_submit(new.id, scripted)
        return new.id

    def credits_of(self, caller: Caller, video_id: int) -> int:
        """What a generation of the caller's was charged (answers that echo `credits`)."""
        with self.db.read() as conn:
            row = repo.get_generation(conn, video_id)
        if row is None or row.account_id != caller.account_id:
            raise NotFoundError(f"video_id: couldn't find video {video_id}")
        return row.credits_charged

    def _plan(self, caller: Caller, spec: GenerationSpec) -> _Plan:
        """Validate, resolve every referenced input, and work out the output and the price."""
        feature = FEATURES[spec.mode]
        model_rules = feature.validate(spec, self.rules)
        self._check_served(spec)
        needs = feature.needs(spec)
        # The plan comes with the key's lookup; what it includes is checked before any input.
        api_plan = self.plans.get(caller.plan or "")
        if api_plan is not None:
            check_permission(api_plan, spec.model, spec.mode.value)
        with self.db.read() as conn:
            images = inputs.images(conn, caller.account_id, needs)
            if spec.template_id is not None:
                self._check_activated(conn, caller, spec.template_id)
            spec = self._with_webhook(conn, caller, spec)
            found = inputs.media(conn, self.blobs, caller.account_id, needs)
        manifest = inputs.manifest_of(images, found)
        if self.moderation is not None:
            texts = feature.texts(spec) if self.moderation_at_submit else None
            inputs.check_moderation(self.blobs, self.moderation, needs, manifest, texts)
        if needs.subjects:
            # Segmentation takes a moment: done after the read transaction has ended.
            inputs.check_subjects(self.blobs, manifest)
        planned = feature.plan(spec, model_rules, manifest, self.rules)
        cost = feature.price(planned.spec, planned.output, manifest, self.prices)
        return _Plan(planned.spec, planned.output, manifest, cost)

    def _check_served(self, spec: GenerationSpec) -> None:
        if self.served is None or (spec.model, spec.mode) in self.served:
            return
        offered = sorted({model for model, mode in self.served if mode is spec.mode})
        if not spec.model:
            raise InvalidParameterError(
                f"{spec.mode.value}: this server's engine does not serve this feature"
            )
        raise InvalidParameterError(
            f"model: {spec.model} is not served for {spec.mode.value} on this server; "
            f"served: {', '.join(offered) or 'none'}"
        )

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

    def _check_concurrency(self, conn: Connection, account_id: int, limit: int | None) -> None:
        cap = limit or self.default_concurrency
        window_start = self.lifecycle.clock() - self.concurrency_release_s
        active = repo.count_active(conn, account_id, window_start)
        if active >= cap:
            raise ConcurrencyLimitError(
                f"Reached the limit for concurrent generations: {active} of {cap} are generating"
            )

    def result(self, caller: Caller, video_id: int, *, image: bool = False) -> GenerationView:
        """A video's result, or with `image` an image template's (each kind has its own
        endpoint; an id of the other kind is not found there). A sandbox account's poll first
        moves its scripted generation on (and may answer a forced error)."""
        if caller.sandbox and self.sandbox is not None:
            self.sandbox.on_poll(caller, video_id)
        return self.result_of(caller, video_id, self.hot.generation(video_id), image=image)

    def result_of(
        self, caller: Caller, video_id: int, row: GenerationRow | None, *, image: bool = False
    ) -> GenerationView:
        """The result view of a row already read, or not found (absent, another account's,
        or of the other kind: videos and images each have their own endpoint)."""
        field = "image_id" if image else "video_id"
        if (
            row is None
            or row.account_id != caller.account_id
            or (row.mode == Mode.IMAGE_TEMPLATE.value) != image
        ):
            raise NotFoundError(f"{field}: couldn't find {field.split('_')[0]} {video_id}")
        # Only image results show the template; video polls skip parsing the stored spec.
        return self._view(row, with_template=image)

    def list_generations(
        self, caller: Caller, where: GenerationFilter, page: int, page_size: int
    ) -> Page[GenerationView]:
        """The caller's generations, newest first, one page (numbered from 1)."""
        if page < 1 or not 1 <= page_size <= LIST_PAGE_MAX:
            raise InvalidParameterError(
                f"page_size: 1 to {LIST_PAGE_MAX}, page: from 1 (got page {page}, "
                f"page_size {page_size})"
            )
        with self.db.read() as conn:
            rows, total = repo.list_for_account(
                conn, caller.account_id, where, offset=(page - 1) * page_size, limit=page_size
            )
        return Page([self._view(row, with_template=True) for row in rows], total, page, page_size)

    def cancel(self, caller: Caller, video_id: int) -> GenerationView:
        """Stop one of the caller's generations while it is still in 5: status 6, refunded,
        announced; a running render stops at its next step. A finished one is refused."""
        with self.db.read() as conn:
            row = repo.get_generation(conn, video_id)
        if row is None or row.account_id != caller.account_id:
            raise NotFoundError(f"video_id: couldn't find video {video_id}")
        if not self.lifecycle.cancel(video_id):
            with self.db.read() as conn:
                current = repo.get_generation(conn, video_id)
            status = current.status if current else row.status
            raise InvalidParameterError(
                f"video_id: video {video_id} has already ended (status {status}); only a "
                "generation in status 5 can be cancelled"
            )
        with self.db.read() as conn:
            cancelled = repo.get_generation(conn, video_id)
        assert cancelled is not None
        return self._view(cancelled, with_template=True)

    def _view(self, row: GenerationRow, *, with_template: bool) -> GenerationView:
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
            resolution=QUALITY_SHORT_SIDE_PX[row.quality],
            width=row.width,
            height=row.height,
            size_bytes=row.output_size_bytes or 0,
            created_at=row.created_at,
            modified_at=row.modified_at,
            has_audio=row.has_audio,
            progress_percent=round(row.progress * 100),
            template_id=spec_from_json(row.spec_json).template_id if with_template else None,
            credits=0 if _refunded(row) else row.credits_charged,
            mode=row.mode,
            model=row.model,
            quality=row.quality,
            duration_s=row.frame_count / row.fps if row.fps else 0.0,
            error=row.error or "",
        )

    def cancel_all(self, caller: Caller) -> int:
        """Cancel every generation of the caller's still in 5 (each refunded); returns how many."""
        with self.db.read() as conn:
            rows, _ = repo.list_for_account(
                conn, caller.account_id, GenerationFilter(statuses=(5,)), offset=0, limit=10_000
            )
        return sum(1 for row in rows if self.lifecycle.cancel(row.id))

    def spec_of(self, caller: Caller, video_id: int) -> GenerationSpec:
        """The options one of the caller's generations was submitted with (re-run, copy as)."""
        with self.db.read() as conn:
            row = repo.get_generation(conn, video_id)
        if row is None or row.account_id != caller.account_id:
            raise NotFoundError(f"video_id: couldn't find video {video_id}")
        return spec_from_json(row.spec_json)

    def rerun(self, caller: Caller, video_id: int, trace_id: str) -> int:
        """Submit again with the same options (through `submit`: validated, priced, charged)."""
        spec = self.spec_of(caller, video_id)
        return self.submit(caller, trace_id, f"rerun:{video_id}:{trace_id}", spec)

    def delete_own(self, caller: Caller, video_id: int) -> int:
        """The caller deletes one of its generations (status 6; refunded while still in 5)."""
        with self.db.read() as conn:
            row = repo.get_generation(conn, video_id)
        if row is None or row.account_id != caller.account_id:
            raise NotFoundError(f"video_id: couldn't find video {video_id}")
        return self.delete(video_id)

    def delete(self, video_id: int) -> int:
        """Operator delete: status 6 from any status; a generation still in 5 is refunded.

        Returns the status the generation had. A render still in flight finds its lease gone at
        its next step and cannot resurrect the generation.
        """
        try:
            previous = self.lifecycle.delete(video_id)
        except TransitionRefusedError as error:
            raise InvalidParameterError(f"video_id: video {video_id} is already deleted") from error
        if previous is None:
            raise NotFoundError(f"video_id: couldn't find video {video_id}")
        return int(previous)

    def backfill_manifests(self) -> int:
        """Resolve the inputs of generations queued before job manifests existed (an upgrade
        from 0.1), once, with the submit-time resolver; one whose inputs are gone fails
        (refunded). Returns how many were resolved."""
        with self.db.read() as conn:
            rows = repo.without_manifest(conn)
        resolved = 0
        for row in rows:
            spec = spec_from_json(row.spec_json)
            needs = FEATURES[spec.mode].needs(spec)
            try:
                with self.db.read() as conn:
                    images = inputs.images(conn, row.account_id, needs)
                    found = inputs.media(conn, self.blobs, row.account_id, needs)
            except PixforgeError as error:
                self.lifecycle.fail(row.id, f"its inputs are no longer available: {error}")
                continue
            manifest = manifest_to_json(inputs.manifest_of(images, found))
            with self.db.write() as conn:
                resolved += repo.set_manifest(conn, row.id, manifest)
        if resolved:
            log.info("resolved the inputs of queued generations", extra={"count": resolved})
        return resolved

    def queue_depth(self) -> tuple[int, int]:
        """(queued, running) generations; also proves the database answers."""
        with self.db.read() as conn:
            return repo.queue_depth(conn)


def _refunded(row: GenerationRow) -> bool:
    """7 and 8 are refunded; a 6 without an output was cancelled before it finished, refunded
    too (a delivered video that is deleted later keeps its charge)."""
    if row.status in REFUNDED_STATUSES:
        return True
    return row.status == VideoStatus.DELETED and row.output_token is None
