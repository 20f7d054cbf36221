"""Specs for unit tests, written as flat fields (the 0.1 layout the codec still reads), and the
one-call validation a submit does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pixforge.domain.features import FEATURES, RuleContext
from pixforge.domain.rules import DEFAULT_TEMPLATES, MODELS, ModelRules, Template
from pixforge.domain.spec import GenerationSpec, Mode, spec_from_flat


def flat_spec(**fields: Any) -> GenerationSpec:
    data = dict(fields)
    if isinstance(data.get("mode"), Mode):
        data["mode"] = data["mode"].value
    for key, value in list(data.items()):
        if isinstance(value, tuple):
            data[key] = list(value)
    return spec_from_flat(data)


def validate(
    spec: GenerationSpec, templates: Mapping[int, Template] | None = None
) -> ModelRules | None:
    catalogue = (
        templates if templates is not None else {t.template_id: t for t in DEFAULT_TEMPLATES}
    )
    return FEATURES[spec.mode].validate(spec, RuleContext(MODELS, catalogue))
