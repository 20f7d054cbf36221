"""The model registry: PixVerse model names mapped to local diffusers pipelines and their modes.

A registry file (PIXFORGE_DIFFUSERS_MODELS) is a JSON list of entries:
  {"name": "v5", "path": "/models/wan-t2v", "family": "wan", "modes": ["text"],
   "steps": 30, "guidance": 5.0, "fps": 16, "render_scale": 1.0, "max_frames": 81}
Relative paths are resolved against the registry file's folder. An optional "pipeline" names the
diffusers class to load the checkpoint as (default: the class in its model_index.json).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pixforge.domain.spec import Mode

# Frame-count and side-length grids each family's pipelines require (serving notes).
FAMILIES: dict[str, tuple[int, int, int]] = {
    # family: (frames = step*k + 1, side multiple, native fps)
    "wan": (4, 16, 16),
    "ltx": (8, 32, 24),
}


@dataclass(frozen=True, slots=True)
class ModelEntry:
    name: str
    path: Path
    family: str
    modes: frozenset[Mode]
    steps: int = 30
    guidance: float = 5.0
    fps: int = 0  # 0 = the family's native rate
    render_scale: float = 1.0  # render smaller than the output, then upscale (tests, previews)
    max_frames: int = 0  # 0 = as many as the duration needs
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def frame_step(self) -> int:
        return FAMILIES[self.family][0]

    @property
    def side_multiple(self) -> int:
        return FAMILIES[self.family][1]

    @property
    def native_fps(self) -> int:
        return self.fps or FAMILIES[self.family][2]

    def render_size(self, width: int, height: int) -> tuple[int, int]:
        """The nearest size the model accepts for an output of width x height."""
        multiple = self.side_multiple

        def snap(value: float) -> int:
            return max(multiple, round(value / multiple) * multiple)

        return snap(width * self.render_scale), snap(height * self.render_scale)

    def frame_count(self, duration_s: float) -> int:
        """A valid model frame count (step*k + 1) covering the duration at the native rate."""
        wanted = max(1, round(duration_s * self.native_fps))
        if self.max_frames:
            wanted = min(wanted, self.max_frames)
        k = max(1, round((wanted - 1) / self.frame_step))
        return self.frame_step * k + 1


DIFFUSION_MODES = frozenset({Mode.TEXT, Mode.IMAGE, Mode.TRANSITION})
RegistryKey = tuple[str, Mode]


def load_registry(path: Path) -> dict[RegistryKey, ModelEntry]:
    """Entries by (model name, mode); one name may map each mode to a different checkpoint."""
    raw = json.loads(path.read_text())
    if not isinstance(raw, list):
        raise ValueError(f"{path}: the model registry must be a JSON list")
    entries: dict[RegistryKey, ModelEntry] = {}
    for item in raw:
        family = str(item["family"])
        if family not in FAMILIES:
            raise ValueError(f"{path}: unknown family {family!r}; known: {', '.join(FAMILIES)}")
        modes = frozenset(Mode(m) for m in item.get("modes", ["text"]))
        if modes - DIFFUSION_MODES:
            raise ValueError(
                f"{path}: {item.get('name')}: the diffusers engine serves the modes text, image "
                "and transition; the other features are rendered by the preview engine"
            )
        model_path = Path(str(item["path"]))
        if not model_path.is_absolute():
            model_path = (path.parent / model_path).resolve()
        known = {
            "name",
            "path",
            "family",
            "modes",
            "steps",
            "guidance",
            "fps",
            "render_scale",
            "max_frames",
        }
        entry = ModelEntry(
            name=str(item["name"]),
            path=model_path,
            family=family,
            modes=modes,
            steps=int(item.get("steps", 30)),
            guidance=float(item.get("guidance", 5.0)),
            fps=int(item.get("fps", 0)),
            render_scale=float(item.get("render_scale", 1.0)),
            max_frames=int(item.get("max_frames", 0)),
            extra={k: v for k, v in item.items() if k not in known},
        )
        for mode in modes:
            entries[(entry.name, mode)] = entry
    return entries
