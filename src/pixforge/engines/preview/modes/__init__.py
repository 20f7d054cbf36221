"""The preview engine's render entries, one module per PixVerse feature, looked up by mode."""

from __future__ import annotations

from collections.abc import Mapping

from pixforge.domain.spec import Mode
from pixforge.engines.preview.modes import (
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
from pixforge.engines.preview.modes.common import Renderer

RENDERERS: Mapping[Mode, Renderer] = {
    Mode.TEXT: text.RENDERER,
    Mode.IMAGE: image.RENDERER,
    Mode.TRANSITION: transition.RENDERER,
    Mode.EXTEND: extend.RENDERER,
    Mode.LIP_SYNC: lip_sync.RENDERER,
    Mode.SOUND_EFFECT: sound_effect.RENDERER,
    Mode.FUSION: fusion.RENDERER,
    Mode.RESTYLE: restyle.RENDERER,
    Mode.MULTI_TRANSITION: multi_transition.RENDERER,
    Mode.SWAP: swap.RENDERER,
    Mode.MIMIC: mimic.RENDERER,
    Mode.MODIFY: modify.RENDERER,
    Mode.IMAGE_TEMPLATE: image_template.RENDERER,
}
