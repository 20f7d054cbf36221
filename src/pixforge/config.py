"""Settings: the one object that holds every knob, read from PIXFORGE_* variables and arguments."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIB = 1024 * 1024


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
    log_json: bool = True
    auto_migrate: bool = True
    # Accept requests without Ai-trace-id (a fresh UUID is generated and echoed) for gateways
    # that never send one; PixVerse requires it, so by default its absence is 400011.
    trace_id_optional: bool = False

    # -- accounts and credits
    dev_api_key: str | None = None
    dev_account_credits: int = Field(default=1_000_000, ge=0)
    default_concurrency: int = Field(default=5, ge=1)
    concurrency_release_s: float = Field(default=600.0, gt=0)
    rate_limit_per_s: float = Field(default=20.0, gt=0)
    rate_limit_burst: int = Field(default=40, ge=1)
    pricing_file: Path | None = None

    # -- generation lifecycle
    engine: str = "preview"
    lease_s: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=2, ge=1)
    worker_poll_s: float = Field(default=1.0, gt=0)
    moderation_enabled: bool = True
    moderation_terms_file: Path | None = None
    templates_file: Path | None = None
    # PixVerse runs an effect template only after the account activated it (500070 otherwise).
    templates_require_activation: bool = True
    preview_caption: bool = False
    # Lip-sync TTS voice: "synth" (built in) or "espeak" (real words; needs espeak-ng installed).
    tts_engine: Literal["synth", "espeak"] = "synth"

    # -- webhooks (delivered on terminal status; retried after each delay, then given up)
    webhook_retry_delays_s: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [2.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 14400.0]
    )
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    webhook_poll_s: float = Field(default=1.0, gt=0)
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
            ipaddress.ip_network(network, strict=False)
        return value

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
