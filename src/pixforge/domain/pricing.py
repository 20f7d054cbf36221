"""Credits for a generation, from a price table (defaults: spec §7.1 and §7.3)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from pixforge.domain.spec import GenerationSpec


def _default_base() -> dict[str, int]:
    return {"360p": 45, "540p": 45, "720p": 60, "1080p": 120}


def _default_duration_multipliers() -> dict[int, float]:
    # 8 s costs twice 5 s (§7.1); 10 s on v5.5/v5.6 is 99 for 45 (§7.2), i.e. 2.2x.
    return {5: 1.0, 8: 2.0, 10: 2.2}


@dataclass(frozen=True, slots=True)
class PriceTable:
    """Credit prices; every number can be overridden from a JSON pricing file."""

    base_5s: Mapping[str, int] = field(default_factory=_default_base)
    duration_multipliers: Mapping[int, float] = field(default_factory=_default_duration_multipliers)
    fast_multiplier: float = 2.0
    sound_effect_per_5s: int = 10
    lip_sync_per_s: int = 4
    # Lip sync with TTS: lip_sync_per_s credits per this many UTF-8 bytes of text (§7.3).
    lip_sync_tts_bytes: int = 15
    mask_selection: int = 2
    # Image template: PixVerse answers the charge in Resp.credit but publishes no table.
    image_template: int = 20
    # Mimic: credits per started second of the reference video, by quality (§3.11).
    mimic_per_s: Mapping[str, int] = field(
        default_factory=lambda: {"360p": 9, "540p": 10, "720p": 12}
    )
    # Modify: credits per started second of the source, by quality (third-party figures).
    modify_per_s: Mapping[str, int] = field(
        default_factory=lambda: {"360p": 4, "540p": 5, "720p": 6}
    )
    # generate_audio_switch on a model with native audio: a flat surcharge per clip.
    generate_audio: int = 10

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> PriceTable:
        """Build from a parsed pricing file; unknown keys are rejected so typos do not go unseen."""
        allowed = {
            "base_5s",
            "duration_multipliers",
            "fast_multiplier",
            "sound_effect_per_5s",
            "lip_sync_per_s",
            "lip_sync_tts_bytes",
            "mask_selection",
            "mimic_per_s",
            "image_template",
            "modify_per_s",
            "generate_audio",
        }
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown pricing keys: {', '.join(sorted(unknown))}")
        defaults = cls()
        base = dict(defaults.base_5s)
        base.update({str(k): int(v) for k, v in _mapping(data.get("base_5s")).items()})
        multipliers = dict(defaults.duration_multipliers)
        multipliers.update(
            {int(str(k)): float(v) for k, v in _mapping(data.get("duration_multipliers")).items()}
        )
        return cls(
            base_5s=base,
            duration_multipliers=multipliers,
            fast_multiplier=float(_number(data.get("fast_multiplier", defaults.fast_multiplier))),
            sound_effect_per_5s=int(
                _number(data.get("sound_effect_per_5s", defaults.sound_effect_per_5s))
            ),
            lip_sync_per_s=int(_number(data.get("lip_sync_per_s", defaults.lip_sync_per_s))),
            lip_sync_tts_bytes=max(
                1, int(_number(data.get("lip_sync_tts_bytes", defaults.lip_sync_tts_bytes)))
            ),
            mask_selection=int(_number(data.get("mask_selection", defaults.mask_selection))),
            image_template=int(_number(data.get("image_template", defaults.image_template))),
            mimic_per_s={
                **defaults.mimic_per_s,
                **{str(k): int(v) for k, v in _mapping(data.get("mimic_per_s")).items()},
            },
            modify_per_s={
                **defaults.modify_per_s,
                **{str(k): int(v) for k, v in _mapping(data.get("modify_per_s")).items()},
            },
            generate_audio=int(_number(data.get("generate_audio", defaults.generate_audio))),
        )


def _mapping(value: object) -> Mapping[object, float]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError("pricing tables must be JSON objects")
    return {k: _number(v) for k, v in value.items()}


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"pricing values must be numbers, got {value!r}")
    return float(value)


def video_credits(spec: GenerationSpec, duration_s: int, table: PriceTable) -> int:
    """Credits charged for a model-based generation of `duration_s` seconds."""
    base = table.base_5s[spec.quality]
    multiplier = table.duration_multipliers.get(duration_s)
    # Durations outside the table (v6/c1 take any 1..15 s) are priced pro rata per second.
    credits = base * multiplier if multiplier is not None else base * duration_s / 5
    options = spec.options
    if options.motion_mode == "fast":
        credits *= table.fast_multiplier
    total = math.ceil(round(credits, 6))
    if options.sound_effect_switch and options.template_id is None:
        total += table.sound_effect_per_5s * math.ceil(duration_s / 5)
    if options.lip_sync_switch:
        total += table.lip_sync_per_s * duration_s
    if options.generate_audio and not options.sound_effect_switch:
        total += table.generate_audio
    return total


def modify_credits(quality: str, seconds: float, table: PriceTable) -> int:
    """Modify: the quality's per-second price times the source's started seconds."""
    return table.modify_per_s[quality] * max(1, math.ceil(round(seconds, 3)))


def per_second_credits(quality: str, seconds: float, table: PriceTable) -> int:
    """The 5-second base price of `quality`, pro rata per started second."""
    return math.ceil(table.base_5s[quality] * math.ceil(round(seconds, 3)) / 5)


def split_charge(credit_monthly: int, cost: int) -> tuple[int, int]:
    """(from the monthly bucket, from the package bucket): the monthly bucket is spent first."""
    from_monthly = min(max(credit_monthly, 0), cost)
    return from_monthly, cost - from_monthly
