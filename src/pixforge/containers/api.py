"""ApiContainer: what an API process needs — the services behind the routes, the rate limiter,
the webhook sender — built once from Settings. It imports no engine: rendering reaches it only
through the Dispatcher it is given."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pixforge.config import Settings
from pixforge.containers.common import Core, load_moderation, load_plans, load_prices
from pixforge.domain.rules import MODELS
from pixforge.domain.spec import Mode
from pixforge.media.fetch import FetchLimits
from pixforge.media.images import ImageLimits
from pixforge.metrics import Metrics
from pixforge.queue.base import Dispatcher
from pixforge.services.accounts import AccountService
from pixforge.services.catalogue import CatalogueService
from pixforge.services.generations import GenerationService
from pixforge.services.limits import KeyRateLimit, RateLimiter, SharedRateLimiter
from pixforge.services.masks import MaskService
from pixforge.services.operator import OperatorService
from pixforge.services.sandbox import SandboxService
from pixforge.services.uploads import MediaLimits, UploadService
from pixforge.services.workload import SlowWork
from pixforge.storage.base import BlobStore
from pixforge.store import generations as generation_repo
from pixforge.store import webhooks as webhook_repo
from pixforge.store.db import Database
from pixforge.worker.webhooks import WebhookSender


@dataclass
class ApiContainer:
    core: Core
    accounts: AccountService
    uploads: UploadService
    generations: GenerationService
    rate_limiter: KeyRateLimit
    dispatcher: Dispatcher
    catalogue: CatalogueService
    masks: MaskService
    operator: OperatorService
    webhook_sender: WebhookSender
    sandbox: SandboxService
    # Run before the API starts serving (recovery steps).
    on_start: list[Callable[[], object]] = field(default_factory=list)
    # Run when the process must exit at once (a second Ctrl-C): hand back running work.
    on_abort: list[Callable[[], object]] = field(default_factory=list)
    # Models each worker engine has loaded (name -> count), for the operator console.
    model_loads: Callable[[], dict[str, int]] = dict

    @property
    def settings(self) -> Settings:
        return self.core.settings

    @property
    def db(self) -> Database:
        return self.core.db

    @property
    def blobs(self) -> BlobStore:
        return self.core.blobs

    @property
    def metrics(self) -> Metrics:
        return self.core.metrics

    @classmethod
    def build(
        cls,
        core: Core,
        dispatcher: Dispatcher,
        *,
        served: frozenset[tuple[str, Mode]] | None = None,
        model_loads: Callable[[], dict[str, int]] = dict,
        routes: Mapping[tuple[str, Mode], str] | None = None,
    ) -> ApiContainer:
        settings, db, blobs = core.settings, core.db, core.blobs
        public_url = settings.resolved_public_url
        prices = load_prices(settings)
        plans = load_plans(settings)
        slow_work = SlowWork(settings.slow_requests_per_account, settings.slow_requests_total)
        webhook_sender = WebhookSender(
            db,
            retry_delays_s=settings.webhook_retry_delays_s,
            timeout_s=settings.webhook_timeout_s,
            poll_s=settings.webhook_poll_s,
            allowed_networks=settings.allowed_webhook_networks,
            concurrency=settings.webhook_concurrency,
        )
        core.lifecycle.on_announce = webhook_sender.notify
        generations = GenerationService(
            db,
            blobs,
            core.lifecycle,
            dispatcher,
            public_url,
            prices,
            MODELS,
            core.templates,
            settings.default_concurrency,
            settings.concurrency_release_s,
            served=served,
            require_activation=settings.templates_require_activation,
            routes=routes,
            plans=plans,
            moderation=load_moderation(settings),
            moderation_at_submit=settings.moderation_at_submit,
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
            settings.scratch_dir,
            slow_work,
            redirect_downloads=settings.s3_downloads == "redirect",
        )

        def queue_depth() -> tuple[int, int]:
            with db.read() as conn:
                return generation_repo.queue_depth(conn)

        def status_counts() -> dict[int, int]:
            with db.read() as conn:
                return generation_repo.status_counts(conn)

        def delivery_counts() -> dict[str, int]:
            with db.read() as conn:
                return webhook_repo.count_by_state(conn)

        def route_depth() -> dict[str, tuple[int, int]]:
            with db.read() as conn:
                return generation_repo.queue_depth_by_route(conn, core.lifecycle.clock())

        core.metrics.watch_database(
            queue_depth, status_counts, model_loads, delivery_counts, route_depth
        )
        sandbox = SandboxService(
            db,
            core.lifecycle,
            dispatcher,
            blobs,
            tick_s=settings.sandbox_tick_s,
            journal_body_bytes=settings.sandbox_journal_body_bytes,
        )
        generations.sandbox = sandbox
        catalogue = CatalogueService(core.templates, db, blobs, public_url)
        catalogue.install_restyle_covers()
        return cls(
            core=core,
            accounts=AccountService(db, settings.default_concurrency, plans),
            uploads=uploads,
            generations=generations,
            rate_limiter=rate_limiter(settings),
            dispatcher=dispatcher,
            catalogue=catalogue,
            masks=MaskService(db, blobs, public_url, prices, slow_work),
            operator=OperatorService(
                db, core.templates, webhook_allowed_networks=settings.allowed_webhook_networks
            ),
            webhook_sender=webhook_sender,
            sandbox=sandbox,
            model_loads=model_loads,
        )

    def start(self) -> None:
        for step in self.on_start:
            step()
        self.dispatcher.start()
        self.webhook_sender.start()
        self.sandbox.start()

    def stop(self) -> None:
        """Stop: running renders are handed back at their next step (queued again)."""
        self.sandbox.stop()
        self.dispatcher.stop()
        self.webhook_sender.stop(grace_s=self.settings.stop_grace_s)
        self.core.db.dispose()

    def abort(self) -> None:
        """The process exits now, without waiting for its workers: release what they hold so
        it is claimable at once (a failure here only delays it until the lease runs out)."""
        for step in self.on_abort:
            try:
                step()
            except Exception:  # exiting anyway; the leases then expire on their own
                logging.getLogger(__name__).exception("could not release running work")


def rate_limiter(settings: Settings) -> KeyRateLimit:
    """Shared through Redis when one is configured (PIXFORGE_RATE_LIMIT_REDIS_URL, or a Redis
    broker in Celery mode), else per process."""
    url = settings.rate_limit_redis_url
    if url is None and settings.dispatcher == "celery":
        url = settings.broker_url if settings.broker_url.startswith("redis") else None
    if url:
        return SharedRateLimiter(
            url, settings.rate_limit_per_s, settings.rate_limit_burst, settings.queue_prefix
        )
    return RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst)
