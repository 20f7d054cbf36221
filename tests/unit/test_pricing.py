"""Credits per request: spec §7.1 table, §7.2 extensions, §7.3 add-ons, file overrides."""

from __future__ import annotations

import pytest

from pixforge.domain.pricing import PriceTable, video_credits
from pixforge.domain.spec import GenerationSpec, Mode
from tests.support.specs import flat_spec


def spec(quality: str = "540p", motion: str = "normal", **extra: object) -> GenerationSpec:
    return flat_spec(
        mode=Mode.TEXT,
        model="v4.5",
        prompt="p",
        quality=quality,
        duration_s=5,
        aspect_ratio="16:9",
        motion_mode=motion,
        **extra,
    )


@pytest.mark.parametrize(
    ("quality", "motion", "duration", "credits"),
    [
        ("360p", "normal", 5, 45),
        ("360p", "normal", 8, 90),
        ("360p", "fast", 5, 90),
        ("540p", "normal", 5, 45),
        ("540p", "normal", 8, 90),
        ("540p", "fast", 5, 90),
        ("720p", "normal", 5, 60),
        ("720p", "normal", 8, 120),
        ("720p", "fast", 5, 120),
        ("1080p", "normal", 5, 120),
        ("1080p", "normal", 8, 240),
        ("540p", "normal", 10, 99),
        ("720p", "normal", 10, 132),
        ("540p", "normal", 1, 9),
        ("540p", "normal", 15, 135),
        ("1080p", "normal", 3, 72),
    ],
)
def test_price_table(quality: str, motion: str, duration: int, credits: int) -> None:
    assert video_credits(spec(quality, motion), duration, PriceTable()) == credits


@pytest.mark.parametrize(("duration", "extra"), [(5, 10), (8, 20), (10, 20), (15, 30)])
def test_sound_effect_adds_ten_per_started_five_seconds(duration: int, extra: int) -> None:
    plain = video_credits(spec(), duration, PriceTable())
    with_sound = video_credits(spec(sound_effect_switch=True), duration, PriceTable())
    assert with_sound - plain == extra


def test_sound_effect_is_free_with_a_template() -> None:
    table = PriceTable()
    plain = video_credits(spec(template_id=1), 5, table)
    assert video_credits(spec(template_id=1, sound_effect_switch=True), 5, table) == plain


def test_inline_lip_sync_adds_four_per_second() -> None:
    table = PriceTable()
    extra = video_credits(spec(lip_sync_switch=True), 8, table) - video_credits(spec(), 8, table)
    assert extra == 32


def test_overrides_from_a_file_mapping() -> None:
    table = PriceTable.from_mapping({"base_5s": {"540p": 10}, "duration_multipliers": {"8": 3}})
    assert video_credits(spec(), 5, table) == 10
    assert video_credits(spec(), 8, table) == 30
    assert video_credits(spec("720p"), 5, table) == 60


@pytest.mark.parametrize(
    "bad",
    [{"base": {}}, {"base_5s": []}, {"fast_multiplier": "2"}, {"base_5s": {"540p": True}}],
)
def test_bad_pricing_files_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        PriceTable.from_mapping(bad)
