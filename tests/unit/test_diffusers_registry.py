"""The diffusers registry refuses modes the diffusers engine cannot render."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pixforge.domain.spec import Mode
from pixforge.engines.diffusers.registry import load_registry


def test_feature_modes_stay_with_the_preview_engine(tmp_path: Path) -> None:
    entry = {"name": "v5", "path": "wan", "family": "wan", "modes": ["text", "image"]}
    good = tmp_path / "good.json"
    good.write_text(json.dumps([entry]))
    assert set(load_registry(good)) == {("v5", Mode.TEXT), ("v5", Mode.IMAGE)}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{**entry, "modes": ["text", "extend"]}]))
    with pytest.raises(ValueError, match="preview engine"):
        load_registry(bad)
