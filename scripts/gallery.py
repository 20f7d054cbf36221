"""Regenerate docs/gallery/: a contact sheet of every camera move, style, effect template,
restyle look and feature (extend, lip sync, fusion, multi-transition, swap, modify, multi-clip).

Run with `make gallery` (`python scripts/gallery.py features` renders only the features). The
launch modes render through the `pixforge render` code path; the features, which need an input
video, through the preview engine directly.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

from pixforge.domain.catalogue import RESTYLES
from pixforge.domain.rules import CAMERA_MOVEMENTS, DEFAULT_TEMPLATES, STYLES, Template
from pixforge.domain.spec import (
    GenerationSpec,
    ImageInput,
    ImageRef,
    LaunchOptions,
    Mode,
    ModifySpec,
    OutputFormat,
    RenderJob,
    SourceVideo,
    VideoSource,
    launch_spec,
    spec_from_flat,
)
from pixforge.engines.base import EngineConfig
from pixforge.engines.preview.engine import PreviewEngine
from pixforge.media.probe import probe
from pixforge.media.segment import mask_png, segment
from pixforge.media.video import frame_at

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ROOT / "docs" / "gallery"
DAY = ROOT / "docs" / "examples" / "landscape.jpg"
NIGHT = ROOT / "docs" / "examples" / "landscape-night.jpg"
PIXFORGE = [sys.executable, "-m", "pixforge"]


def render(out: Path, name: str, *args: str) -> Path:
    command = [*PIXFORGE, "render", "--out", str(out), "--name", name, "--quality", "360p", *args]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return out / f"{name}.mp4"


def sheet(video: Path, name: str) -> None:
    target = GALLERY / f"{name}.png"
    command = [
        *PIXFORGE,
        "contact-sheet",
        str(video),
        "--out",
        str(target),
        "--rows",
        "2",
        "--width",
        "180",
    ]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    print(target.relative_to(ROOT))


def main(only_features: bool = False) -> None:
    GALLERY.mkdir(parents=True, exist_ok=True)
    image = ["--image", str(DAY), "--prompt", "hills under the sun", "--model", "v4.5"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        if only_features:
            source = render(out, "source", *image, "--camera", "pan_right", "--duration", "5")
            for name, video in features(out, source).items():
                sheet(video, name)
            return
        for movement in ["", *CAMERA_MOVEMENTS]:
            label = movement or "none"
            sheet(render(out, label, *image, "--camera", movement), f"camera-{label}")
        for style in STYLES:
            sheet(
                render(
                    out, f"text-{style}", "--prompt", "a red fox in blue snow", "--style", style
                ),
                f"style-text-{style}",
            )
            sheet(render(out, f"image-{style}", *image, "--style", style), f"style-image-{style}")
        for template in DEFAULT_TEMPLATES:
            slug = template.name.lower().replace(" ", "-")
            if template.kind == "image":
                picture(template, f"image-template-{slug}")
                continue
            sheet(
                render(out, slug, *image, "--template-id", str(template.template_id)),
                f"template-{slug}",
            )
        sheet(
            render(
                out,
                "transition",
                "--prompt",
                "day to night",
                "--image",
                str(DAY),
                "--image",
                str(NIGHT),
            ),
            "transition",
        )
        sheet(render(out, "text", "--prompt", "a red fox running through blue snow"), "text")
        sheet(
            render(out, "fast", *image, "--camera", "zoom_in", "--motion", "fast"),
            "camera-zoom_in-fast",
        )
        sheet(render(out, "watermark", *image, "--water-mark"), "watermark")
        source = render(out, "source", *image, "--camera", "pan_right", "--duration", "5")
        for name, video in features(out, source).items():
            sheet(video, name)


def picture(template: Template, name: str) -> None:
    """An image template's picture (a still, so no contact sheet): day, then night, images."""
    engine = PreviewEngine(EngineConfig(templates={template.template_id: template}))
    refs = tuple(ImageRef(str(DAY if i % 2 == 0 else NIGHT), 0, 0) for i in range(template.images))
    spec = spec_from_flat(
        dict(
            mode=Mode.IMAGE_TEMPLATE,
            model="",
            prompt="",
            quality="1080p",
            duration_s=0,
            template_id=template.template_id,
            image_ids=tuple(range(1, template.images + 1)),
        )
    )
    target = GALLERY / f"{name}.png"
    with tempfile.TemporaryDirectory() as tmp:
        still = Path(tmp) / "picture.jpg"
        engine.render(
            RenderJob(1, spec, 7, OutputFormat(480, 360, 24, 1), refs), still, lambda _: None
        )
        Image.open(still).save(target)
    print(target.relative_to(ROOT))


def features(out: Path, source_path: Path) -> dict[str, Path]:
    """One render per feature (and per restyle look) from a 5 s landscape clip."""
    engine = PreviewEngine(EngineConfig())
    info = probe(source_path)
    assert info.video is not None
    width, height = info.video.width, info.video.height
    source = SourceVideo(str(source_path), width, height, info.duration_s, False, "h264")
    output = OutputFormat(width, height, 24, 5 * 24)
    day = ImageRef(str(DAY), 0, 0)
    night = ImageRef(str(NIGHT), 0, 0)
    mask = out / "mask.png"
    mask.write_bytes(mask_png(segment(frame_at(source_path, 0))[0]))

    def spec(mode: Mode, **fields: object) -> GenerationSpec:
        base: dict[str, object] = {
            "model": "v4.5",
            "prompt": "hills under the sun",
            "quality": "360p",
            "duration_s": 5,
            "aspect_ratio": "4:3",
        }
        return spec_from_flat({"mode": mode, **base, **fields})

    jobs = {
        "feature-extend": RenderJob(1, spec(Mode.EXTEND), 7, output, video=source),
        "feature-lip-sync": RenderJob(
            1,
            spec(
                Mode.LIP_SYNC,
                lip_sync_tts_speaker_id="1",
                lip_sync_tts_content="Good morning, valley. What a view today!",
            ),
            7,
            output,
            video=source,
        ),
        "feature-fusion": RenderJob(
            1,
            spec(
                Mode.FUSION,
                prompt="@sun over @night",
                image_ids=(1, 2),
                ref_names=("night", "sun"),
                ref_kinds=("background", "subject"),
            ),
            7,
            output,
            (night, day),
        ),
        "feature-multi-transition": RenderJob(
            1,
            spec(Mode.MULTI_TRANSITION, image_ids=(1, 2, 3), segment_durations_s=(2, 3, 0)),
            7,
            output,
            (day, night, day),
        ),
        "feature-swap": RenderJob(
            1,
            spec(Mode.SWAP, mask_id="gallery", keyframe=1, image_ids=(1,)),
            7,
            output,
            (night,),
            video=source,
            mask_path=str(mask),
        ),
    }

    def modify(prompt: str, masks: int = 0, images: tuple[ImageRef, ...] = ()) -> RenderJob:
        payload = ModifySpec(
            VideoSource(media_id=1),
            keyframe=1,
            mask_ids=tuple(f"mask{i}" for i in range(masks)),
            images=tuple(ImageInput(i + 1, f"img_ids.{i}") for i in range(len(images))),
        )
        job_spec = GenerationSpec(Mode.MODIFY, "", prompt, "360p", 0, payload)
        mask_path = str(mask) if masks else None
        return RenderJob(1, job_spec, 7, output, images, video=source, mask_path=mask_path)

    jobs["feature-modify-snow"] = modify("make it a snowy winter day")
    jobs["feature-modify-night"] = modify("turn the scene to night")
    jobs["feature-modify-selection-red"] = modify("@selection0 becomes red", masks=1)
    jobs["feature-modify-selection-image"] = modify(
        "@selection0 is replaced with @img0", masks=1, images=(night,)
    )
    jobs["feature-modify-remove"] = modify("remove @selection0", masks=1)
    jobs["feature-modify-add"] = modify("add @img0 in the corner", images=(night,))
    multi = launch_spec(
        Mode.TEXT,
        model="v5.5",
        prompt="a red fox running through blue snow",
        quality="360p",
        duration_s=5,
        aspect_ratio="16:9",
        options=LaunchOptions(multi_clip=True),
    )
    jobs["feature-multi-clip"] = RenderJob(1, multi, 7, OutputFormat(640, 360, 24, 5 * 24))
    for look in RESTYLES:
        slug = look.name.lower().replace(" ", "-")
        jobs[f"restyle-{slug}"] = RenderJob(
            1, spec(Mode.RESTYLE, restyle_id=look.restyle_id), 7, output, video=source
        )
    rendered: dict[str, Path] = {}
    for name, job in jobs.items():
        rendered[name] = out / f"{name}.mp4"
        engine.render(job, rendered[name], lambda _: None)
    return rendered


if __name__ == "__main__":
    main(only_features=sys.argv[1:] == ["features"])
