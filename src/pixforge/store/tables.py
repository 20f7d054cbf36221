"""Table definitions (SQLAlchemy Core); the schema itself is created by Alembic migrations.

Times are UNIX epoch seconds (float) so SQLite and PostgreSQL compare them the same way.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("credit_monthly", BigInteger, nullable=False, default=0),
    Column("credit_package", BigInteger, nullable=False, default=0),
    Column("concurrency_limit", Integer, nullable=True),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
    # A sandbox account obeys the sandbox controls (docs/sandbox.md); others never do.
    Column("sandbox", Boolean, nullable=False, default=False, server_default=false()),
    CheckConstraint("credit_monthly >= 0", name="credit_monthly_non_negative"),
    CheckConstraint("credit_package >= 0", name="credit_package_non_negative"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("account_id", BigInteger, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("expires_at", Float, nullable=True),
    Column("created_at", Float, nullable=False),
)

files = Table(
    "files",
    metadata,
    Column("token", String(64), primary_key=True),
    Column("storage_key", String(300), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("created_at", Float, nullable=False),
    # Probed facts of a video or audio file (JSON), so later requests need not download it.
    Column("media_json", Text, nullable=True),
)

uploads = Table(
    "uploads",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("account_id", BigInteger, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("kind", String(10), nullable=False),
    Column("file_token", String(64), ForeignKey("files.token"), nullable=False),
    Column("format", String(20), nullable=False),
    Column("width", Integer, nullable=True),
    Column("height", Integer, nullable=True),
    Column("duration_s", Float, nullable=True),
    Column("created_at", Float, nullable=False),
)

generations = Table(
    "generations",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("account_id", BigInteger, ForeignKey("accounts.id"), nullable=False),
    Column("api_key_id", BigInteger, ForeignKey("api_keys.id"), nullable=False),
    Column("trace_id", String(36), nullable=False),
    Column("status", Integer, nullable=False),
    Column("mode", String(20), nullable=False),
    Column("model", String(40), nullable=False),
    Column("spec_json", Text, nullable=False),
    Column("prompt", Text, nullable=False),
    Column("negative_prompt", Text, nullable=False),
    Column("style", String(40), nullable=False),
    Column("quality", String(10), nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("fps", Integer, nullable=False),
    Column("frame_count", Integer, nullable=False),
    Column("credits_charged", BigInteger, nullable=False),
    Column("output_token", String(64), ForeignKey("files.token"), nullable=True),
    Column("output_size_bytes", BigInteger, nullable=True),
    Column("has_audio", Boolean, nullable=False, default=False),
    Column("attempts", Integer, nullable=False, default=0),
    # Render progress 0.0-1.0, written with each lease renewal (an extension field on results).
    Column("progress", Float, nullable=False, default=0.0, server_default="0"),
    Column("lease_owner", String(80), nullable=True),
    Column("lease_expires_at", Float, nullable=True),
    Column("error", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("modified_at", Float, nullable=False),
    Column("started_at", Float, nullable=True),
    Column("finished_at", Float, nullable=True),
    # The inputs resolved at submit (blob keys and probed facts, domain/manifest.py).
    Column("manifest_json", Text, nullable=True),
    CheckConstraint("status IN (1, 5, 6, 7, 8)", name="status_known"),
    Index("ix_generations_status_lease", "status", "lease_expires_at"),
    Index("ix_generations_account_status", "account_id", "status"),
    Index("ix_generations_account_created", "account_id", "created_at"),
)

ledger = Table(
    "ledger",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", BigInteger, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("generation_id", BigInteger, nullable=True),
    Column("kind", String(10), nullable=False),
    Column("delta_monthly", BigInteger, nullable=False),
    Column("delta_package", BigInteger, nullable=False),
    Column("created_at", Float, nullable=False),
    # A generation is charged once and refunded at most once.
    UniqueConstraint("generation_id", "kind", name="uq_ledger_generation_kind"),
)

idempotency = Table(
    "idempotency",
    metadata,
    Column("api_key_id", BigInteger, ForeignKey("api_keys.id"), primary_key=True),
    Column("trace_id", String(36), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("response_json", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

template_activations = Table(
    "template_activations",
    metadata,
    Column("account_id", BigInteger, ForeignKey("accounts.id"), primary_key=True),
    Column("template_id", BigInteger, primary_key=True),
    Column("activated_at", Float, nullable=False),
)

# Swap step 1: the keyframe and masks found in a source video; swap/generate must match them.
mask_selections = Table(
    "mask_selections",
    metadata,
    Column("mask_id", String(40), primary_key=True),
    Column("account_id", BigInteger, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("source_video_id", BigInteger, nullable=True),
    Column("source_media_id", BigInteger, nullable=True),
    Column("keyframe", Integer, nullable=False),
    Column("name", String(20), nullable=False),
    Column("file_token", String(64), ForeignKey("files.token"), nullable=False),
    Column("created_at", Float, nullable=False),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", BigInteger, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("url", Text, nullable=False),
    # The signing secret must be readable to sign deliveries, so it is stored as issued.
    Column("secret", String(100), nullable=False),
    Column("is_default", Boolean, nullable=False, default=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("webhook_id", String(64), ForeignKey("webhooks.id"), nullable=False),
    Column("generation_id", BigInteger, nullable=False),
    Column("trace_id", String(36), nullable=False),
    Column("payload_json", Text, nullable=False),
    Column("state", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("delivered_at", Float, nullable=True),
    # One delivery per generation and endpoint: a terminal status is announced once.
    UniqueConstraint("webhook_id", "generation_id", name="uq_webhook_deliveries_webhook_id"),
    Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
)

# -- sandbox (docs/sandbox.md): per-account timing and virtual clock, generations the sandbox
# holds or watches, scripted scenario steps, and the request journal.

sandbox_accounts = Table(
    "sandbox_accounts",
    metadata,
    Column("account_id", BigInteger, ForeignKey("accounts.id"), primary_key=True),
    Column("timing_json", Text, nullable=False),
    # Added to the real clock for this account's timed outcomes (the virtual clock).
    Column("clock_offset_s", Float, nullable=False),
    # Submits so far: the index that makes the seeded timing distribution reproducible.
    Column("submits", BigInteger, nullable=False),
)

sandbox_generations = Table(
    "sandbox_generations",
    metadata,
    Column("generation_id", BigInteger, primary_key=True, autoincrement=False),
    Column("account_id", BigInteger, nullable=False),
    Column("directive", Text, nullable=False),
    # held (the sandbox holds the lease), released (the engine renders it), ended
    Column("state", String(10), nullable=False),
    Column("polls", Integer, nullable=False),
    # Virtual time of the submit.
    Column("born_at", Float, nullable=False),
    Index("ix_sandbox_generations_state", "state", "account_id"),
)

sandbox_scenarios = Table(
    "sandbox_scenarios",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", BigInteger, nullable=False, index=True),
    Column("stage", String(10), nullable=False),
    Column("mode", String(20), nullable=True),
    Column("directive", Text, nullable=False),
    # None: every matching request, never consumed.
    Column("remaining", Integer, nullable=True),
    Column("created_at", Float, nullable=False),
)

sandbox_journal = Table(
    "sandbox_journal",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", BigInteger, nullable=False),
    Column("at", Float, nullable=False),
    Column("method", String(10), nullable=False),
    Column("path", Text, nullable=False),
    Column("query", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("err_code", Integer, nullable=False),
    Column("trace_id", String(64), nullable=False),
    Column("duration_ms", Float, nullable=False),
    # {"headers": [[name, value]...], "body": text, "truncated": bool}
    Column("request_json", Text, nullable=False),
    Column("response_json", Text, nullable=False),
    Index("ix_sandbox_journal_account_at", "account_id", "at"),
)
