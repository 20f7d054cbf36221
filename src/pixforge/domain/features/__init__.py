"""The feature registry: one module per PixVerse generate endpoint, looked up by mode.

Adding a feature: a payload type in domain/spec.py, a module here registered below, its render
entry in the engines (engines/preview/modes/), its wire model and route (api/v2/), and the SDK,
CLI and MCP calls.
"""

from __future__ import annotations

from collections.abc import Mapping

from pixforge.domain.features import (
    extend,
    fusion,
    image,
    image_template,
    lip_sync,
    mimic,
    modify,
    multi_transition,
    restyle,
    sound_effect,
    swap,
    text,
    transition,
)
from pixforge.domain.features.base import Feature, Needs, Planned, RuleContext, SourceLimits
from pixforge.domain.spec import Mode

__all__ = ["FEATURES", "Feature", "Needs", "Planned", "RuleContext", "SourceLimits", "feature_of"]

FEATURES: Mapping[Mode, Feature] = {
    module.FEATURE.mode: module.FEATURE
    for module in (
        text,
        image,
        transition,
        extend,
        lip_sync,
        sound_effect,
        fusion,
        restyle,
        multi_transition,
        swap,
        mimic,
        modify,
        image_template,
    )
}


def feature_of(mode: Mode) -> Feature:
    return FEATURES[mode]
