"""What both an API process and a worker are built on: the database, blob storage, the
lifecycle core, and the tables loaded from config files (prices, templates, moderation)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from pixforge.config import Settings
from pixforge.domain.moderation import (
    DEFAULT_TERMS,
    ModerationPolicy,
    parse_digests_file,
    parse_terms_file,
)
from pixforge.domain.plans import DEFAULT_PLANS, Plan, plans_from_mapping
from pixforge.domain.pricing import PriceTable
from pixforge.domain.rules import ALL_QUALITIES, DEFAULT_TEMPLATES, Template, validate_template
from pixforge.lifecycle import Clock, Lifecycle
from pixforge.metrics import Metrics
from pixforge.storage.base import BlobStore
from pixforge.store.db import Database


def load_prices(settings: Settings) -> PriceTable:
    if settings.pricing_file is None:
        return PriceTable()
    return PriceTable.from_mapping(json.loads(settings.pricing_file.read_text()))


def load_plans(settings: Settings) -> dict[str, Plan]:
    """The API plans: the built-in ones, or a JSON object from PIXFORGE_PLANS_FILE."""
    if settings.plans_file is None:
        return {plan.name: plan for plan in DEFAULT_PLANS}
    return plans_from_mapping(json.loads(settings.plans_file.read_text()))


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
    digests: list[str] = []
    if settings.moderation_blocked_files is not None:
        digests = parse_digests_file(settings.moderation_blocked_files.read_text())
    return ModerationPolicy.from_terms(terms, digests)


def open_blobs(settings: Settings) -> BlobStore:
    if settings.storage == "memory":
        from pixforge.storage.memory import MemoryBlobStore

        return MemoryBlobStore()
    if settings.storage == "s3":
        from pixforge.storage.s3 import S3BlobStore, S3Options

        assert settings.s3_endpoint_url is not None  # checked by Settings
        return S3BlobStore(
            S3Options(
                endpoint_url=settings.s3_endpoint_url,
                bucket=settings.s3_bucket,
                region=settings.s3_region,
                access_key_id=settings.s3_access_key_id,
                secret_access_key=settings.s3_secret_access_key,
                addressing_style=settings.s3_addressing_style,
                public_endpoint_url=settings.s3_public_endpoint_url,
                presign_expires_s=settings.s3_presign_expires_s,
            )
        )
    from pixforge.storage.local import LocalBlobStore

    return LocalBlobStore(settings.media_dir)


@dataclass
class Core:
    """The parts every pixforge process shares, built once from Settings."""

    settings: Settings
    db: Database
    blobs: BlobStore
    lifecycle: Lifecycle
    metrics: Metrics
    templates: dict[int, Template]

    @classmethod
    def build(cls, settings: Settings, clock: Clock | None = None) -> Core:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(settings.resolved_database_url)
        if settings.auto_migrate:
            db.migrate()
        blobs = open_blobs(settings)
        lifecycle = Lifecycle(
            db,
            blobs,
            public_url=settings.resolved_public_url,
            max_attempts=settings.max_attempts,
            clock=clock,
        )
        return cls(settings, db, blobs, lifecycle, Metrics(), load_templates(settings))
