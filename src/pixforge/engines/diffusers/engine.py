"""Diffusers engine: open-weight video models (Wan, LTX-Video) behind the PixVerse API.

Pipelines are loaded from local directories only (hub disabled), kept warm in an LRU bounded by a
memory budget, and run one job at a time per engine (schedulers are not thread-safe). Frames are
resized to the exact output size, resampled in time to 24 fps, and sent to the shared encoder.
It serves exactly the (model, mode) pairs of its registry (`capabilities`); what it does not
serve, the engine registry routes elsewhere or the server refuses.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pixforge.domain.spec import Mode, RenderJob
from pixforge.engines.base import Capabilities, EngineConfig, ProgressFn, RenderResult
from pixforge.engines.diffusers.registry import ModelEntry, RegistryKey, load_registry
from pixforge.media.encode import VideoEncoder, prefetched
from pixforge.media.images import cover, load_rgb
from pixforge.media.sound import synthesize

log = logging.getLogger(__name__)
Frame = NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class DiffusersOptions:
    registry_file: Path | None
    device: str = "cpu"
    dtype: str = "fp32"  # fp32 on CPU: bf16/fp16 run 4-20x slower there
    memory_budget_gb: float = 16.0
    cpu_offload: bool = False
    vae_tiling: bool = False
    compile: bool = False

    @classmethod
    def from_config(cls, options: Mapping[str, object]) -> DiffusersOptions:
        """From EngineConfig.options (keys as the fields here; the worker fills them from
        the PIXFORGE_DIFFUSERS_* settings)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in options.items() if k in known}
        registry = values.get("registry_file")
        values["registry_file"] = Path(str(registry)) if registry else None
        return cls(**values)  # type: ignore[arg-type]


class OutOfMemoryRenderError(RuntimeError):
    """The model ran out of memory; the generation fails (refunded) and the worker keeps going."""


def _torch_dtype(name: str) -> Any:
    import torch

    return {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[name]


def _pipeline_bytes(pipe: Any) -> int:
    import torch

    total = 0
    for component in pipe.components.values():
        if isinstance(component, torch.nn.Module):
            total += sum(p.numel() * p.element_size() for p in component.parameters())
    return total


class PipelineCache:
    """Loaded pipelines by path, least recently used first out when over the memory budget."""

    def __init__(self, options: DiffusersOptions) -> None:
        self.options = options
        self._pipes: OrderedDict[tuple[Path, str], tuple[Any, int]] = OrderedDict()
        self.load_counts: dict[str, int] = {}
        self.load_seconds: dict[str, float] = {}

    def get(self, entry: ModelEntry) -> Any:
        key = (entry.path, str(entry.extra.get("pipeline", "")))
        if key in self._pipes:
            self._pipes.move_to_end(key)
            return self._pipes[key][0]
        pipe = self._load(entry)
        size = _pipeline_bytes(pipe)
        self._pipes[key] = (pipe, size)
        budget = int(self.options.memory_budget_gb * 1024**3)
        while len(self._pipes) > 1 and sum(s for _, s in self._pipes.values()) > budget:
            evicted, _ = self._pipes.popitem(last=False)
            log.info("pipeline evicted", extra={"path": str(evicted)})
        return pipe

    def _load(self, entry: ModelEntry) -> Any:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # weights come from local folders only
        diffusers: Any = importlib.import_module("diffusers")  # untyped library
        started = time.monotonic()
        # One checkpoint can serve several modes: "pipeline" names the class to load it as
        # (e.g. LTXConditionPipeline for transitions); otherwise model_index.json decides.
        pipeline_class = getattr(diffusers, str(entry.extra.get("pipeline", "DiffusionPipeline")))
        pipe = pipeline_class.from_pretrained(
            str(entry.path), local_files_only=True, dtype=_torch_dtype(self.options.dtype)
        )
        if self.options.cpu_offload and self.options.device != "cpu":
            pipe.enable_model_cpu_offload()
        else:
            pipe.to(self.options.device)
        if self.options.vae_tiling and hasattr(pipe.vae, "enable_tiling"):
            pipe.vae.enable_tiling()
        if self.options.compile:
            transformer = pipe.transformer
            if hasattr(transformer, "compile_repeated_blocks"):
                transformer.compile_repeated_blocks(fullgraph=False)
            else:
                transformer.compile()
        pipe.set_progress_bar_config(disable=True)
        key = entry.path.name
        self.load_counts[key] = self.load_counts.get(key, 0) + 1
        self.load_seconds[key] = time.monotonic() - started
        log.info(
            "pipeline loaded", extra={"path": str(entry.path), "seconds": self.load_seconds[key]}
        )
        return pipe

    def clear(self) -> None:
        self._pipes.clear()


class DiffusersEngine:
    """Renders with local diffusers pipelines; one render at a time per engine instance."""

    name = "diffusers"

    def __init__(self, config: EngineConfig, options: DiffusersOptions) -> None:
        self.config = config
        self.options = options
        self.registry: dict[RegistryKey, ModelEntry] = (
            load_registry(options.registry_file) if options.registry_file else {}
        )
        self.cache = PipelineCache(options)
        self._lock = threading.Lock()

    def loaded_models(self) -> dict[str, int]:
        return dict(self.cache.load_counts)

    def capabilities(self) -> Capabilities:
        return Capabilities(frozenset(self.registry))

    def render(self, job: RenderJob, out_path: Path, progress: ProgressFn) -> RenderResult:
        entry = self.registry.get((job.spec.model, job.spec.mode))
        if entry is None:
            raise LookupError(f"{job.spec.model} ({job.spec.mode.value}) is not in the registry")
        with self._lock:
            frames = self._generate(entry, job, progress)
        out = job.output
        audio = None
        options = job.spec.options
        if options.sound_effect_switch or options.generate_audio:
            audio = synthesize(
                options.sound_effect_content or job.spec.prompt, job.seed, out.duration_s
            )
        with VideoEncoder(
            out_path, out.width, out.height, out.fps, self.config.encoder, audio=audio
        ) as encoder:
            for frame in prefetched(_retimed(frames, out.width, out.height, out.frame_count), 4):
                encoder.write(frame)
        progress(1.0)
        return RenderResult(has_audio=audio is not None)

    def close(self) -> None:
        self.cache.clear()

    def _generate(self, entry: ModelEntry, job: RenderJob, progress: ProgressFn) -> Frame:
        import torch

        pipe = self.cache.get(entry)
        width, height = entry.render_size(job.output.width, job.output.height)
        steps = entry.steps

        def on_step(
            _pipe: Any, step: int, _timestep: Any, kwargs: dict[str, Any]
        ) -> dict[str, Any]:
            progress(0.9 * (step + 1) / steps)  # raising here cancels between steps
            return kwargs

        arguments: dict[str, Any] = {
            "prompt": job.spec.prompt,
            "negative_prompt": job.spec.options.negative_prompt or None,
            "height": height,
            "width": width,
            "num_frames": entry.frame_count(job.output.duration_s),
            "num_inference_steps": steps,
            "guidance_scale": entry.guidance,
            "generator": torch.Generator(device="cpu").manual_seed(job.seed),
            "output_type": "np",
            "callback_on_step_end": on_step,
        }
        if entry.family == "ltx":
            arguments["frame_rate"] = entry.native_fps
        if job.spec.mode is not Mode.TEXT:
            arguments.update(_image_arguments(entry, job, width, height, arguments["num_frames"]))
        try:
            result = pipe(**arguments)
        except torch.OutOfMemoryError as error:
            raise self._oom(entry, error) from error
        except RuntimeError as error:
            if "can't allocate memory" in str(error) or "out of memory" in str(error):
                raise self._oom(entry, error) from error
            raise
        frames = np.asarray(result.frames[0])
        return np.clip(frames * 255.0 + 0.5, 0, 255).astype(np.uint8)

    def _oom(self, entry: ModelEntry, error: BaseException) -> OutOfMemoryRenderError:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        log.error(
            "out of memory while rendering", extra={"model": entry.name, "error": str(error)[:200]}
        )
        return OutOfMemoryRenderError(
            f"out of memory rendering with {entry.path.name} on {self.options.device}"
        )


def _image_arguments(
    entry: ModelEntry, job: RenderJob, width: int, height: int, frame_count: int
) -> dict[str, Any]:
    """How each family takes its first (and last) frame."""
    from PIL import Image

    first, last = (
        Image.fromarray(cover(load_rgb(Path(ref.path)), width, height))
        for ref in (job.images[0], job.images[-1])
    )
    if job.spec.mode is Mode.IMAGE:
        return {"image": first}
    if entry.family == "wan":  # FLF2V / Wan 2.2 checkpoints take the last frame directly
        return {"image": first, "last_image": last}
    condition = importlib.import_module("diffusers.pipelines.ltx.pipeline_ltx_condition")
    return {
        "conditions": [
            condition.LTXVideoCondition(image=first, frame_index=0),
            condition.LTXVideoCondition(image=last, frame_index=frame_count - 1),
        ]
    }


def _retimed(frames: Frame, width: int, height: int, count: int) -> Iterator[Frame]:
    """Model frames resized to the output and resampled (linear blend) to `count` frames."""
    from pixforge.engines._cv import cv2, u8

    source_count = len(frames)
    for index in range(count):
        position = index * (source_count - 1) / max(1, count - 1)
        low = int(position)
        high = min(source_count - 1, low + 1)
        weight = position - low
        frame = (
            frames[low]
            if weight == 0
            else u8(cv2.addWeighted(frames[low], 1.0 - weight, frames[high], weight, 0.0))
        )
        yield u8(cv2.resize(frame, (width, height), interpolation=cv2.INTER_LINEAR))


def build(config: EngineConfig) -> DiffusersEngine:
    return DiffusersEngine(config, DiffusersOptions.from_config(config.options))
