"""Preview render entry of text-to-video: a procedural scene drawn from the prompt (or the
template's), the camera moving over it when a move is asked for."""

from __future__ import annotations

from collections.abc import Iterator

from pixforge.engines.preview.camera import moving_camera
from pixforge.engines.preview.modes.common import (
    Frame,
    Renderer,
    Samples,
    Scene,
    launch_audio,
    with_mouth,
)
from pixforge.engines.preview.scene import SceneParams, scene_frames


def frames(scene: Scene, audio: Samples | None) -> Iterator[Frame]:
    job, out = scene.job, scene.job.output
    prompt = job.spec.prompt or (scene.template.prompt if scene.template else "")
    params = SceneParams(out.width, out.height, out.frame_count, scene.speed)
    drawn = scene_frames(prompt, job.spec.options.negative_prompt, job.seed, params)
    if scene.camera_moves:
        drawn = moving_camera(drawn, out.frame_count, scene.path, scene.speed)
    return with_mouth(drawn, scene, audio)


RENDERER = Renderer(frames, launch_audio)
