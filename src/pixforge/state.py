"""AppState: builds the database, storage, services, dispatcher and engines once per process."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pixforge.config import Settings
from pixforge.domain.moderation import DEFAULT_TERMS, ModerationPolicy, parse_terms_file
from pixforge.domain.pricing import PriceTable
from pixforge.domain.rules import (
    ALL_QUALITIES,
    DEFAULT_TEMPLATES,
    MODELS,
    Template,
    validate_template,
)
from pixforge.domain.spec import Mode
from pixforge.engines.base import EngineConfig
from pixforge.engines.preview.edits import restyle_cover
from pixforge.engines.preview.voice import espeak_available
from pixforge.engines.registry import build_engine
from pixforge.media.encode import EncoderSettings
from pixforge.media.fetch import FetchLimits
from pixforge.media.images import ImageLimits
from pixforge.media.segment import jpeg
from pixforge.metrics import Metrics
from pixforge.queue.embedded import EmbeddedDispatcher
from pixforge.services.accounts import AccountService
from pixforge.services.catalogue import CatalogueService
from pixforge.services.generations import GenerationService
from pixforge.services.limits import RateLimiter
from pixforge.services.masks import MaskService
from pixforge.services.operator import OperatorService
from pixforge.services.uploads import MediaLimits, UploadService
from pixforge.storage.local import LocalBlobStore
from pixforge.store import generations as generation_repo
from pixforge.store import webhooks as webhook_repo
from pixforge.store.db import Database
from pixforge.worker.recovery import expire_dead_local_leases
from pixforge.worker.runner import Runner, new_owner_id
from pixforge.worker.webhooks import WebhookSender

if TYPE_CHECKING:
    from pixforge.engines.diffusers.engine import DiffusersOptions

log = logging.getLogger(__name__)


def load_prices(settings: Settings) -> PriceTable:
    if settings.pricing_file is None:
        return PriceTable()
    return PriceTable.from_mapping(json.loads(settings.pricing_file.read_text()))


def diffusers_options(settings: Settings) -> DiffusersOptions:
    from pixforge.engines.diffusers.engine import DiffusersOptions

    return DiffusersOptions(
        registry_file=settings.diffusers_models_file,
        device=settings.diffusers_device,
        dtype=settings.diffusers_dtype,
        memory_budget_gb=settings.diffusers_memory_budget_gb,
        cpu_offload=settings.diffusers_cpu_offload,
        vae_tiling=settings.diffusers_vae_tiling,
        compile=settings.diffusers_compile,
    )


def served_models(settings: Settings) -> frozenset[tuple[str, Mode]] | None:
    """With the diffusers engine set to reject unmapped names: the registry's (name, mode)s."""
    if settings.engine != "diffusers" or settings.diffusers_unmapped != "reject":
        return None
    if settings.diffusers_models_file is None:
        return frozenset()
    from pixforge.engines.diffusers.registry import load_registry

    return frozenset(load_registry(settings.diffusers_models_file))


def load_templates(settings: Settings) -> dict[int, Template]:
    """The effect catalogue: the built-in one, or a JSON list from PIXFORGE_TEMPLATES_FILE."""
    if settings.templates_file is None:
        entries = list(DEFAULT_TEMPLATES)
    else:
        raw = json.loads(settings.templates_file.read_text())
        if not isinstance(raw, list):
            raise ValueError("the templates file must hold a JSON list")
        entries = [
            Template(**{**item, "qualities": tuple(item.get("qualities", ALL_QUALITIES))})
            for item in raw
        ]
    return {t.template_id: validate_template(t) for t in entries}


def load_moderation(settings: Settings) -> ModerationPolicy:
    if not settings.moderation_enabled:
        return ModerationPolicy.from_terms(())
    terms = list(DEFAULT_TERMS)
    if settings.moderation_terms_file is not None:
        terms += parse_terms_file(settings.moderation_terms_file.read_text())
    return ModerationPolicy.from_terms(terms)


@dataclass
class AppState:
    settings: Settings
    db: Database
    blobs: LocalBlobStore
    metrics: Metrics
    accounts: AccountService
    uploads: UploadService
    generations: GenerationService
    rate_limiter: RateLimiter
    dispatcher: EmbeddedDispatcher
    catalogue: CatalogueService
    masks: MaskService
    operator: OperatorService
    webhook_sender: WebhookSender

    @classmethod
    def build(cls, settings: Settings) -> AppState:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(settings.resolved_database_url)
        if settings.auto_migrate:
            db.migrate()
        blobs = LocalBlobStore(settings.media_dir)
        metrics = Metrics()
        encoder = EncoderSettings(
            preset=settings.encoder_preset,
            crf=settings.encoder_crf,
            threads=settings.encoder_threads,
        )
        moderation = load_moderation(settings)
        templates = load_templates(settings)
        if settings.tts_engine == "espeak" and not espeak_available():
            raise ValueError("PIXFORGE_TTS_ENGINE=espeak needs the espeak-ng program on PATH")
        engine_config = EngineConfig(
            encoder=encoder,
            templates=templates,
            caption=settings.preview_caption,
            tts_engine=settings.tts_engine,
            diffusers=diffusers_options(settings) if settings.engine == "diffusers" else None,
        )
        owner = new_owner_id()
        webhook_sender = WebhookSender(
            db,
            retry_delays_s=settings.webhook_retry_delays_s,
            timeout_s=settings.webhook_timeout_s,
            poll_s=settings.webhook_poll_s,
            allowed_networks=settings.allowed_webhook_networks,
            concurrency=settings.webhook_concurrency,
        )
        public_url = settings.resolved_public_url
        prices = load_prices(settings)

        def runner_for(index: int) -> Runner:
            return Runner(
                db,
                blobs,
                build_engine(settings.engine, engine_config),
                moderation,
                metrics,
                owner=f"{owner}:{index}",
                lease_s=settings.lease_s,
                max_attempts=settings.max_attempts,
                public_url=public_url,
                on_delivery=webhook_sender.notify,
            )

        dispatcher = EmbeddedDispatcher(runner_for, settings.workers, settings.worker_poll_s)
        generations = GenerationService(
            db,
            blobs,
            dispatcher,
            public_url,
            prices,
            MODELS,
            templates,
            settings.default_concurrency,
            settings.concurrency_release_s,
            served=served_models(settings),
            require_activation=settings.templates_require_activation,
        )
        uploads = UploadService(
            db,
            blobs,
            public_url,
            ImageLimits(
                max_bytes=settings.image_max_bytes,
                max_side_px=settings.image_max_side_px,
                min_side_px=settings.image_min_side_px,
                max_pixels=settings.image_max_pixels,
            ),
            MediaLimits(
                max_bytes=settings.media_max_bytes,
                max_duration_s=settings.media_max_duration_s,
                max_side_px=settings.media_max_side_px,
            ),
            FetchLimits(
                max_bytes=settings.image_max_bytes,
                timeout_s=settings.fetch_timeout_s,
                max_redirects=settings.fetch_max_redirects,
                allowed_networks=settings.allowed_fetch_networks,
            ),
        )

        def queue_depth() -> tuple[int, int]:
            with db.read() as conn:
                return generation_repo.queue_depth(conn)

        def status_counts() -> dict[int, int]:
            with db.read() as conn:
                return generation_repo.status_counts(conn)

        def model_loads() -> dict[str, int]:
            totals: dict[str, int] = {}
            for runner in dispatcher.runners:
                for name, count in getattr(runner.engine, "load_counts", {}).items():
                    totals[name] = totals.get(name, 0) + count
            return totals

        def delivery_counts() -> dict[str, int]:
            with db.read() as conn:
                return webhook_repo.count_by_state(conn)

        metrics.watch_database(queue_depth, status_counts, model_loads, delivery_counts)
        catalogue = CatalogueService(templates, db, blobs, public_url)
        catalogue.install_restyle_covers(lambda restyle: jpeg(restyle_cover(restyle)))
        return cls(
            settings=settings,
            db=db,
            blobs=blobs,
            metrics=metrics,
            accounts=AccountService(db, settings.default_concurrency),
            uploads=uploads,
            generations=generations,
            rate_limiter=RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst),
            dispatcher=dispatcher,
            catalogue=catalogue,
            masks=MaskService(db, blobs, public_url, prices),
            operator=OperatorService(
                db, templates, webhook_allowed_networks=settings.allowed_webhook_networks
            ),
            webhook_sender=webhook_sender,
        )

    def start(self) -> None:
        expire_dead_local_leases(self.db)
        self.dispatcher.start()
        self.webhook_sender.start()

    def stop(self) -> None:
        self.dispatcher.stop()
        self.webhook_sender.stop()
        self.db.dispose()
