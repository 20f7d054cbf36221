"""Settings: the one object that holds every knob, read from PIXFORGE_* variables and arguments."""

from __future__ import annotations

import ipaddress
import os
import socket
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIB = 1024 * 1024
DEV_API_KEY_MIN_CHARS = 16
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# The engines the registry can build (pixforge.engines.registry.ENGINES; a test keeps them equal).
EngineName = Literal["preview", "diffusers"]


class Settings(BaseSettings):
    """Every setting of a pixforge process; built once and passed down (no os.environ elsewhere)."""

    model_config = SettingsConfigDict(env_prefix="PIXFORGE_", extra="ignore")

    # -- serving
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    data_dir: Path = Path("./data")
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=0)
    database_url: str | None = None
    public_url: str | None = None
    log_level: str = "INFO"
    # None: JSON lines when stderr is not a terminal, readable lines on a terminal.
    log_json: bool | None = None
    # A request's line and headers must arrive within this time (slow clients hold a
    # connection each); its body then at PIXFORGE_BODY_MIN_BYTES_PER_S on average after a
    # grace of PIXFORGE_BODY_TIMEOUT_S. uvicorn itself has no such limits.
    headers_timeout_s: float = Field(default=10.0, gt=0)
    body_timeout_s: float = Field(default=30.0, gt=0)
    body_min_bytes_per_s: int = Field(default=16 * 1024, gt=0)
    auto_migrate: bool = True
    # For gateways: accept requests without Ai-trace-id (a fresh UUID is generated and echoed)
    # and trace ids that are not UUIDs (each maps to a fixed UUID, so re-sending one still
    # replays). PixVerse documents a UUID on every request, so by default absence is 400011 and
    # a non-UUID is 400017.
    trace_id_optional: bool = False

    # -- web console (/console)
    console: bool = True
    # Signs console session cookies; unset: a random secret kept in data_dir/console-secret.
    console_secret: str | None = None

    # -- accounts and credits
    dev_api_key: str | None = None
    dev_account_credits: int = Field(default=1_000_000, ge=0)
    default_concurrency: int = Field(default=5, ge=1)
    concurrency_release_s: float = Field(default=600.0, gt=0)
    rate_limit_per_s: float = Field(default=20.0, gt=0)
    rate_limit_burst: int = Field(default=40, ge=1)
    # Count the rate limit in this Redis, shared by every API replica (default: the broker's
    # Redis in Celery mode; otherwise each process counts its own).
    rate_limit_redis_url: str | None = None
    # Slow requests (uploads, URL fetches, mask selections) running at once, per account and
    # in all: below the 40 request threads, so polls and balance calls never wait behind them.
    slow_requests_per_account: int = Field(default=4, ge=1)
    slow_requests_total: int = Field(default=16, ge=1)
    pricing_file: Path | None = None
    # API plans (JSON object of plans by name); the built-in "essential" plan otherwise.
    plans_file: Path | None = None

    # -- sandbox (docs/sandbox.md)
    # The admin API (/pixforge/admin/...) answers only `Authorization: Bearer <this>`; unset,
    # it is off. Never an account's API key.
    admin_token: str | None = None
    # How often held sandbox generations are moved on by the (virtual) clock.
    sandbox_tick_s: float = Field(default=0.2, gt=0)
    # Longest request or answer body the sandbox journal keeps (the rest is cut).
    sandbox_journal_body_bytes: int = Field(default=64 * 1024, ge=0)

    # -- generation lifecycle
    engine: EngineName = "preview"
    # How submitted work reaches a worker: threads in this process ("embedded"), in the
    # submitting request's own thread ("inline": tests and one-shot tools), or Celery queues
    # read by `pixforge worker` processes ("celery": scale-out, needs PostgreSQL).
    dispatcher: Literal["embedded", "inline", "celery"] = "embedded"
    # Where uploads and outputs are kept: files under data_dir/media, memory (tests), or an
    # S3-compatible bucket (scale-out: every API replica and worker node sees the same blobs).
    storage: Literal["local", "memory", "s3"] = "local"
    # On shutdown, running renders are handed back at their next step; a worker still busy
    # after this long is left behind (its work is released for it).
    stop_grace_s: float = Field(default=5.0, ge=0)
    lease_s: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=2, ge=1)
    worker_poll_s: float = Field(default=1.0, gt=0)
    moderation_enabled: bool = True
    moderation_terms_file: Path | None = None
    # Refuse blocked prompts at submit with 500063 (nothing charged) instead of ending the
    # generation in status 7 (refunded), the default.
    moderation_at_submit: bool = False
    # SHA-256 digests of refused input files: images answer 500054, videos 500063.
    moderation_blocked_files: Path | None = None
    templates_file: Path | None = None
    # PixVerse runs an effect template only after the account activated it (500070 otherwise).
    templates_require_activation: bool = True
    preview_caption: bool = False
    # Draft previews: flat colours instead of drawn scenes (same sizes, lengths and sound), for
    # CI runs that exercise the API and not the pictures.
    preview_draft: bool = False
    # Lip-sync TTS voice: "synth" (built in) or "espeak" (real words; needs espeak-ng installed).
    tts_engine: Literal["synth", "espeak"] = "synth"

    # -- scale-out (PIXFORGE_DISPATCHER=celery; pip install 'pixforge[scaleout]'; docs/deploy.md)
    # Celery broker: Redis by default, RabbitMQ by an amqp:// URL. With a redis:// URL the
    # per-key rate limit is shared by every API replica through the same Redis.
    broker_url: str = "redis://127.0.0.1:6379/0"
    # Queue names are "<prefix>.<route>" (`pixforge routes` lists them).
    queue_prefix: str = "pixforge"
    # Lease owners are "<node id>:<pid>:<random>"; dead local owners are recovered at once.
    node_id: str | None = None
    # A render is failed after this long (checked at each progress step; Celery's hard time
    # limit is this plus the lease as a backstop).
    render_timeout_s: float = Field(default=3600.0, gt=0)
    # Redis redelivers an unacknowledged message after this long, even while it is running:
    # it must exceed render_timeout_s (checked at start).
    celery_visibility_timeout_s: float = Field(default=7200.0, gt=0)
    # The reaper (in each API process) re-publishes rows whose lease ran out, and rows still
    # waiting this long after their last publish (a message lost with the broker).
    reaper_interval_s: float = Field(default=5.0, gt=0)
    redispatch_after_s: float = Field(default=600.0, gt=0)
    # Render durations and model loads of `pixforge worker` (0: no metrics port).
    worker_metrics_port: int = Field(default=0, ge=0, le=65535)
    # S3-compatible storage (PIXFORGE_STORAGE=s3).
    s3_endpoint_url: str | None = None
    s3_bucket: str = "pixforge"
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_addressing_style: Literal["path", "virtual", "auto"] = "path"
    # /files/{token}/{name}: streamed through the API with Range ("proxy"), or a 307 to a
    # presigned URL ("redirect"; clients must follow redirects).
    s3_downloads: Literal["proxy", "redirect"] = "proxy"
    # The endpoint clients reach, for presigned URLs (default: s3_endpoint_url).
    s3_public_endpoint_url: str | None = None
    s3_presign_expires_s: int = Field(default=900, ge=1, le=604800)

    # -- webhooks (delivered on terminal status; retried after each delay, then given up)
    webhook_retry_delays_s: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [2.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 14400.0]
    )
    # Total time of one attempt: connect, send, and the receiver's whole answer.
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    webhook_poll_s: float = Field(default=1.0, gt=0)
    # Attempts in flight at once, so a slow receiver never holds up the others.
    webhook_concurrency: int = Field(default=8, ge=1)
    # Webhook URLs may point into these networks (otherwise only public addresses).
    webhook_allow_networks: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # -- diffusers engine (PIXFORGE_ENGINE=diffusers; pip install 'pixforge[diffusers]')
    diffusers_models_file: Path | None = None
    diffusers_device: str = "cpu"
    diffusers_dtype: Literal["fp32", "bf16", "fp16"] = "fp32"
    diffusers_memory_budget_gb: float = Field(default=16.0, gt=0)
    diffusers_cpu_offload: bool = False
    diffusers_vae_tiling: bool = False
    diffusers_compile: bool = False
    # What happens to model names / modes the registry does not map: rendered by the preview
    # engine, or refused at submission (error 400017, nothing charged).
    diffusers_unmapped: Literal["preview", "reject"] = "preview"

    # -- uploads and URL fetches
    max_request_bytes: int = Field(default=60 * MIB, gt=0)
    image_max_bytes: int = Field(default=20 * MIB, gt=0)
    image_max_side_px: int = Field(default=10_000, gt=0)
    image_min_side_px: int = Field(default=16, gt=0)
    image_max_pixels: int = Field(default=50_000_000, gt=0)
    media_max_bytes: int = Field(default=50 * MIB, gt=0)
    media_max_duration_s: float = Field(default=30.0, gt=0)
    media_max_side_px: int = Field(default=1920, gt=0)
    fetch_timeout_s: float = Field(default=15.0, gt=0)
    fetch_max_redirects: int = Field(default=3, ge=0)
    fetch_allow_networks: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # -- encoder
    encoder_preset: str = "superfast"
    encoder_crf: int = Field(default=23, ge=0, le=51)
    encoder_threads: int = Field(default=2, ge=1)

    @field_validator(
        "fetch_allow_networks", "webhook_allow_networks", "webhook_retry_delays_s", mode="before"
    )
    @classmethod
    def _split_networks(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("fetch_allow_networks", "webhook_allow_networks")
    @classmethod
    def _check_networks(cls, value: list[str]) -> list[str]:
        for network in value:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError as error:
                raise ValueError(
                    f"{network!r} is not a network: expected comma-separated CIDRs, "
                    "e.g. 127.0.0.0/8,10.0.0.0/8"
                ) from error
        return value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError("expected one of " + ", ".join(LOG_LEVELS))
        return value.upper()

    @field_validator("dev_api_key")
    @classmethod
    def _check_dev_api_key(cls, value: str | None) -> str | None:
        # Empty means "not set" (a key is generated), like an absent variable.
        if value and len(value.strip()) < DEV_API_KEY_MIN_CHARS:
            raise ValueError(
                f"expected at least {DEV_API_KEY_MIN_CHARS} characters "
                "(or empty for a generated key)"
            )
        return value.strip() if value else None

    @model_validator(mode="after")
    def _check_scale_out(self) -> Settings:
        if self.dispatcher == "celery":
            if not (self.database_url or "").startswith("postgresql"):
                raise ValueError(
                    "PIXFORGE_DISPATCHER=celery needs PostgreSQL: set PIXFORGE_DATABASE_URL "
                    "to a postgresql+psycopg:// URL (SQLite cannot be shared across hosts)"
                )
            if self.celery_visibility_timeout_s <= self.render_timeout_s:
                raise ValueError(
                    f"PIXFORGE_CELERY_VISIBILITY_TIMEOUT_S ({self.celery_visibility_timeout_s:g}) "
                    f"must exceed PIXFORGE_RENDER_TIMEOUT_S ({self.render_timeout_s:g}): Redis "
                    "would hand a running render to a second worker"
                )
        if self.storage == "s3" and not self.s3_endpoint_url:
            raise ValueError("PIXFORGE_STORAGE=s3 needs PIXFORGE_S3_ENDPOINT_URL")
        return self

    @property
    def resolved_node_id(self) -> str:
        """This machine's name in lease owners (the host name unless set)."""
        return self.node_id or socket.gethostname()

    @property
    def resolved_database_url(self) -> str:
        """The configured DSN, or a SQLite file inside the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'pixforge.db').resolve()}"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def scratch_dir(self) -> Path:
        """Work files (renders in progress, uploads being probed), beside the media so finished
        files move in by rename."""
        return self.data_dir / "scratch"

    @property
    def resolved_public_url(self) -> str:
        """Base of every URL the server hands out (no trailing slash)."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    @property
    def allowed_fetch_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(n, strict=False) for n in self.fetch_allow_networks]

    @property
    def allowed_webhook_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(n, strict=False) for n in self.webhook_allow_networks]


def explain_settings_error(error: ValidationError, options: Mapping[str, str]) -> list[str]:
    """One line per bad setting: where it came from (PIXFORGE_NAME, or the command-line option
    in `options` keyed by field name), the value given and what the setting accepts."""
    lines: list[str] = []
    seen: set[str] = set()
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else ""
        if name in seen:
            continue  # a union (`int | None`) reports each alternative: one line is enough
        seen.add(name)
        if not name:  # a rule across settings (model validator): its message names them
            lines.append(str(problem["msg"]).removeprefix("Value error, "))
            continue
        source = options.get(name, f"PIXFORGE_{name.upper()}")
        value = problem.get("input")
        given = ",".join(map(str, value)) if isinstance(value, list) else value
        if problem["type"] == "value_error":
            reason = str(problem["msg"]).removeprefix("Value error, ")
        else:
            reason = f"expected {_accepted(name) or problem['msg']}"
        lines.append(f"{source}={given!r} is not valid: {reason}")
    return lines


def _accepted(name: str) -> str:
    """What a setting accepts, in words ("" when its type has no short description)."""
    field = Settings.model_fields.get(name)
    if field is None:
        return ""
    kind = field.annotation
    if typing.get_origin(kind) in (typing.Union, types.UnionType):  # `int | None`: the int
        kind = next(a for a in typing.get_args(kind) if a is not type(None))
    if typing.get_origin(kind) is Literal:
        return "one of " + ", ".join(map(str, typing.get_args(kind)))
    if kind is bool:
        return "true or false"
    words: dict[object, str] = {int: "an integer", float: "a number", Path: "a path", str: "text"}
    if kind not in words:
        return ""
    return words[kind] + _bounds(field.metadata)


def _bounds(metadata: list[Any]) -> str:
    """ " from 0 to 65535", " >= 1" or " > 0" from the field's Ge / Le / Gt constraints."""
    ge, le, gt = (
        next((getattr(m, bound) for m in metadata if hasattr(m, bound)), None)
        for bound in ("ge", "le", "gt")
    )
    if ge is not None and le is not None:
        return f" from {ge} to {le}"
    if ge is not None:
        return f" >= {ge}"
    if gt is not None:
        return f" > {gt}"
    return ""
