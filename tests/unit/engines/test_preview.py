"""Preview engine through the real renderer and real MP4 decodes: every option does what it says."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from pixforge.domain.rules import CAMERA_MOVEMENTS, DEFAULT_TEMPLATES, STYLES
from pixforge.domain.spec import (
    ImageRef,
    Mode,
    OutputFormat,
    RenderJob,
    SourceVideo,
)
from pixforge.engines._cv import cv2
from pixforge.engines.base import EngineConfig
from pixforge.engines.preview.camera import CAMERA_PATHS, camera_frames, moving_camera
from pixforge.engines.preview.engine import PreviewEngine
from pixforge.engines.preview.scene import SceneParams, palette_for, scene_frames
from pixforge.engines.preview.styles import STYLES as STYLE_FILTERS
from pixforge.media.images import cover, load_rgb
from pixforge.media.probe import probe
from pixforge.media.segment import mask_png, segment
from pixforge.media.video import frame_at
from tests.support.media import decode_frames, psnr
from tests.support.specs import flat_spec

pytestmark = pytest.mark.render

TEMPLATES = {t.template_id: t for t in DEFAULT_TEMPLATES}
# Every mode that makes a video (image templates make a picture: tested below).
VIDEO_MODES = [mode for mode in Mode if mode is not Mode.IMAGE_TEMPLATE]
Render = Callable[..., Path]


VIDEO_INPUT_MODES = frozenset(
    {
        Mode.EXTEND,
        Mode.LIP_SYNC,
        Mode.SOUND_EFFECT,
        Mode.RESTYLE,
        Mode.SWAP,
        Mode.MIMIC,
        Mode.MODIFY,
    }
)


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ImageRef]:
    """Two real photos-like images (no pure black anywhere, so black borders would show)."""
    folder = tmp_path_factory.mktemp("images")
    h, w = 300, 400
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    day = np.stack([80 + 100 * x / w, 120 + 80 * y / h, 200 - 60 * y / h], -1)
    day[(x - 300) ** 2 + (y - 80) ** 2 < 40**2] = (250, 220, 90)
    day[y > 200 + 20 * np.sin(x / 30)] = (60, 150, 70)
    night = day * np.array([0.45, 0.45, 0.7]) + 20
    night[(x - 100) ** 2 + (y - 90) ** 2 < 30**2] = (235, 235, 220)
    refs = {}
    for name, pixels in (("day", day), ("night", night)):
        path = folder / f"{name}.png"
        Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path)
        refs[name] = ImageRef(str(path), w, h)
    return refs


@pytest.fixture(scope="module")
def render(tmp_path_factory: pytest.TempPathFactory, images: dict[str, ImageRef]) -> Render:
    engine = PreviewEngine(EngineConfig(templates=TEMPLATES))
    folder = tmp_path_factory.mktemp("renders")
    counter = itertools.count()
    inputs: dict[str, object] = {}

    def run(
        mode: Mode = Mode.TEXT,
        size: tuple[int, int] = (320, 240),
        seconds: int = 2,
        seed: int = 7,
        **changes: object,
    ) -> Path:
        refs: tuple[ImageRef, ...] = ()
        fields: dict[str, object] = {
            "prompt": "a quiet valley",
            "model": "v4.5",
            "quality": "360p",
            "duration_s": seconds,
            "aspect_ratio": "4:3",
        }
        video = inputs.get("video") if mode in VIDEO_INPUT_MODES else None
        mask_path = None
        if mode is Mode.IMAGE:
            refs = (images["day"],)
        elif mode is Mode.TRANSITION:
            refs = (images["day"], images["night"])
        elif mode is Mode.LIP_SYNC:
            fields.update(lip_sync_tts_speaker_id="1", lip_sync_tts_content="hello there, friend")
        elif mode is Mode.RESTYLE:
            fields.update(restyle_id=23001)
        elif mode is Mode.SWAP:
            refs = (images["night"],)
            mask_path = str(inputs["mask"])
        elif mode is Mode.MIMIC:
            refs = (images["day"],)
        elif mode is Mode.MODIFY:
            mask_path = str(inputs["mask"])
            fields.update(mask_ids=("gallery",), keyframe=1, prompt="@selection0 turns red")
        elif mode is Mode.FUSION:
            refs = (images["day"], images["night"])
            fields.update(
                ref_kinds=("background", "subject"),
                ref_names=("bg", "hero"),
                prompt="@hero walks in @bg",
            )
        elif mode is Mode.MULTI_TRANSITION:
            refs = tuple(images["day" if i % 2 == 0 else "night"] for i in range(seconds + 1))
            fields.update(segment_durations_s=(1,) * seconds + (0,))
        fields.setdefault("image_ids", tuple(range(1, len(refs) + 1)))
        fields.update(changes)
        spec = flat_spec(mode=mode, **fields)
        output = OutputFormat(size[0], size[1], 24, seconds * 24)
        job = RenderJob(
            1,
            spec,
            seed,
            output,
            refs,
            video=video,  # type: ignore[arg-type]
            mask_path=mask_path,
        )
        out = folder / f"{next(counter)}.mp4"
        result = engine.render(job, out, lambda _: None)
        expected_audio = mode in (Mode.LIP_SYNC, Mode.SOUND_EFFECT) or (
            spec.options.sound_effect_switch and mode not in (Mode.RESTYLE, Mode.SWAP)
        )
        assert result.has_audio == expected_audio
        return out

    # A real source clip for the video-input modes, made by the engine itself (3 s, 400x300).
    source = run(Mode.IMAGE, (400, 300), 3, camera_movement="zoom_in")
    info = probe(source)
    assert info.video is not None
    inputs["video"] = SourceVideo(str(source), 400, 300, info.duration_s, False, "h264")
    mask = folder / "mask.png"
    mask.write_bytes(mask_png(segment(frame_at(source, 0))[0]))
    inputs["mask"] = mask
    return run


def mean_flow(frames: list[np.ndarray]) -> float:
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
    grays = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]
    magnitudes = [
        float(np.linalg.norm(dis.calc(a, b, None), axis=-1).mean())
        for a, b in itertools.pairwise(grays[::2])
    ]
    return float(np.mean(magnitudes))


def expected_first(ref: ImageRef, size: tuple[int, int]) -> np.ndarray:
    return cover(load_rgb(Path(ref.path)), *size)


@pytest.mark.parametrize("mode", VIDEO_MODES)
@pytest.mark.parametrize(("size", "seconds"), [((320, 240), 2), ((240, 426), 1)])
def test_size_length_and_rate(
    render: Render, mode: Mode, size: tuple[int, int], seconds: int
) -> None:
    info = probe(render(mode, size, seconds))
    assert info.video is not None
    assert (info.video.width, info.video.height) == size
    assert info.video.frame_count == seconds * 24
    assert info.video.fps == pytest.approx(24)
    assert info.duration_s == pytest.approx(seconds, abs=0.05)
    assert info.video.codec == "h264" and info.video.pix_fmt == "yuv420p"


@pytest.mark.parametrize("mode", VIDEO_MODES)
def test_deterministic(render: Render, mode: Mode) -> None:
    options = {"style": "comic", "water_mark": True, "sound_effect_switch": True}
    assert render(mode, **options).read_bytes() == render(mode, **options).read_bytes()


def test_prompts_and_seeds_change_the_scene(render: Render) -> None:
    base = decode_frames(render())[12]
    other_seed = decode_frames(render(seed=8))[12]
    other_prompt = decode_frames(render(prompt="a busy harbour"))[12]
    assert psnr(base, other_seed) < 25
    assert psnr(base, other_prompt) < 25


@pytest.mark.parametrize(("word", "channel"), [("red", 0), ("green", 1), ("blue", 2)])
def test_colour_words_set_the_palette(render: Render, word: str, channel: int) -> None:
    assert (
        palette_for(f"a {word} balloon", 1)[0]
        == {"red": (214, 40, 40), "green": (50, 170, 70), "blue": (40, 90, 220)}[word]
    )
    frame = decode_frames(render(prompt=f"a {word} {word} world"))[0].astype(float)
    means = frame.reshape(-1, 3).mean(axis=0)
    assert means[channel] == max(means), means


@pytest.mark.parametrize("movement", ["", *CAMERA_MOVEMENTS])
def test_camera_moves_start_on_the_image_without_borders(
    render: Render, images: dict[str, ImageRef], movement: str
) -> None:
    frames = decode_frames(render(Mode.IMAGE, camera_movement=movement))
    first = expected_first(images["day"], (320, 240))
    assert psnr(frames[0], first) > 35
    assert psnr(frames[len(frames) // 2], first) < psnr(frames[0], first) - 3, "no motion"
    for frame in frames:
        border = np.concatenate([frame[0], frame[-1], frame[:, 0], frame[:, -1]])
        assert border.sum(axis=1).min() > 60, "a black border appeared"


def test_every_camera_move_is_distinct(render: Render) -> None:
    paths = {}
    for movement in ["", *CAMERA_MOVEMENTS]:
        if movement != "auto_camera":
            frames = decode_frames(render(Mode.IMAGE, camera_movement=movement))
            paths[movement] = np.concatenate([frames[len(frames) // 3], frames[-1]])
    for (a, fa), (b, fb) in itertools.combinations(paths.items(), 2):
        assert psnr(fa, fb) < 40, f"{a or 'none'} and {b} follow the same path"
    assert set(CAMERA_PATHS) >= set(CAMERA_MOVEMENTS) - {"auto_camera"}


def test_camera_moves_are_smooth(render: Render) -> None:
    frames = decode_frames(render(Mode.IMAGE, camera_movement="zoom_in"))
    steps = [psnr(a, b) for a, b in itertools.pairwise(frames)]
    assert min(steps) > 24, "a jump between consecutive frames"


def disc_picture(width: int = 480, height: int = 360) -> np.ndarray:
    """A sky over hills, a dark red subject in the middle and a white sun off to one side."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    picture = np.stack([60 + 80 * y / height, 100 + 60 * x / width, 200 - 50 * y / height], -1)
    picture[y > 250 + 15 * np.sin(x / 40)] = (60, 140, 60)
    picture[(np.abs(x - 240) < 40) & (np.abs(y - 230) < 70)] = (150, 40, 40)
    picture[(x - 390) ** 2 + (y - 80) ** 2 < 32**2] = (255, 250, 235)
    return np.clip(picture, 0, 255).astype(np.uint8)


def blob(frame: np.ndarray, where: np.ndarray) -> tuple[float, int, bool]:
    """(major / minor axis, area, cut by the frame edge) of the largest region of `where`."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(where.astype(np.uint8))
    assert count > 1, "the region vanished"
    label = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h, area = (int(v) for v in stats[label])
    ys, xs = np.nonzero(labels == label)
    spread = np.linalg.eigvalsh(np.cov(np.stack([xs, ys]).astype(float)))
    cut = x == 0 or y == 0 or x + w == frame.shape[1] or y + h == frame.shape[0]
    return float(np.sqrt(spread[1] / spread[0])), area, cut


def sun(frame: np.ndarray) -> tuple[float, int, bool]:
    return blob(frame, frame.min(axis=2) > 225)


def subject(frame: np.ndarray) -> tuple[float, int, bool]:
    r, g, b = (frame[..., i].astype(int) for i in range(3))
    return blob(frame, (r > 120) & (g < 70) & (b < 70))


@pytest.mark.parametrize("movement", sorted(CAMERA_PATHS))
def test_camera_moves_keep_round_things_round(movement: str) -> None:
    for frame in camera_frames(disc_picture(), 36, CAMERA_PATHS[movement], 1.0):
        aspect, _, cut = sun(frame)
        # A disc cut by the frame edge is cropped, not stretched.
        assert cut or aspect < 1.06, f"{movement or 'none'} stretched the sun to {aspect:.2f}"


def test_hitchcock_holds_the_subject_while_the_background_grows() -> None:
    frames = list(camera_frames(disc_picture(), 48, CAMERA_PATHS["hitchcock"], 1.0))
    first_sun, last_sun = sun(frames[0]), sun(frames[-1])
    assert last_sun[1] > 1.4 * first_sun[1], "the background did not grow"
    assert max(sun(f)[0] for f in frames) < 1.06, "the sun was stretched"
    first_subject, last_subject = subject(frames[0]), subject(frames[-1])
    assert abs(last_subject[1] / first_subject[1] - 1) < 0.05, "the subject changed size"
    # On a procedural scene the subject (the fox, which walks) is followed and kept its size.
    scene = scene_frames("a red fox in the snow", "", 7, SceneParams(480, 270, 48, 1.0))
    moved = list(moving_camera(scene, 48, CAMERA_PATHS["hitchcock"], 1.0))
    fox_areas = [subject(f)[1] for f in (moved[0], moved[-1])]
    assert abs(fox_areas[1] / fox_areas[0] - 1) < 0.12, fox_areas
    assert np.abs(moved[0][:100].astype(int) - moved[-1][:100].astype(int)).mean() > 3


def sky_gradient(width: int = 640, height: int = 360) -> np.ndarray:
    t = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    top, bottom = np.array([40, 80, 180], np.float32), np.array([200, 220, 240], np.float32)
    return np.ascontiguousarray(
        np.broadcast_to(top * (1 - t) + bottom * t, (height, width, 3)).round().astype(np.uint8)
    )


def banding(frame: np.ndarray) -> float:
    """Largest luminance step between neighbouring rows of a column strip, as the eye averages
    it (a strip of 60 columns, blurred over ~2 rows: halftone dots count as their tone)."""
    luma = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)
    column = luma[:, 200:260].mean(axis=1)
    smooth = cv2.GaussianBlur(column[:, None], (0, 0), 2.0)[:, 0]
    return float(np.abs(np.diff(smooth)).max())


@pytest.mark.parametrize("style", sorted(STYLE_FILTERS))
def test_styles_keep_a_smooth_sky_smooth(style: str) -> None:
    sky = sky_gradient()
    assert banding(sky) < 0.6
    # Hard posterisation gave steps of 8-10 here (anime, clay, comic).
    assert banding(STYLE_FILTERS[style](sky)) < 2.5


@pytest.mark.parametrize("mode", [Mode.TEXT, Mode.IMAGE])
def test_fast_motion_moves_faster(render: Render, mode: Mode) -> None:
    normal = mean_flow(decode_frames(render(mode, motion_mode="normal", camera_movement="zoom_in")))
    fast = mean_flow(decode_frames(render(mode, motion_mode="fast", camera_movement="zoom_in")))
    assert fast / normal >= 1.5, (normal, fast)


def test_transition_starts_and_ends_on_the_images(
    render: Render, images: dict[str, ImageRef]
) -> None:
    frames = decode_frames(render(Mode.TRANSITION, seconds=2))
    assert psnr(frames[0], expected_first(images["day"], (320, 240))) >= 35
    assert psnr(frames[-1], expected_first(images["night"], (320, 240))) >= 35
    steps = [psnr(a, b) for a, b in itertools.pairwise(frames)]
    assert min(steps) > 22, "the morph jumps"


@pytest.mark.parametrize("mode", [Mode.TEXT, Mode.IMAGE])
def test_styles_are_distinct_filters(render: Render, mode: Mode) -> None:
    plain = decode_frames(render(mode))[10]
    styled = {style: decode_frames(render(mode, style=style))[10] for style in STYLES}
    for style, frame in styled.items():
        assert psnr(frame, plain) < 28, f"{style} looks like the unstyled video"
    for (a, fa), (b, fb) in itertools.combinations(styled.items(), 2):
        assert psnr(fa, fb) < 30, f"{a} and {b} look alike"


@pytest.mark.parametrize("mode", VIDEO_MODES)
def test_watermark_only_in_its_corner(render: Render, mode: Mode) -> None:
    plain = decode_frames(render(mode))
    marked = decode_frames(render(mode, water_mark=True))
    for a, b in zip(plain[::12], marked[::12], strict=True):
        corner = (slice(240 - 40, 240), slice(320 - 120, 320))
        diff = np.abs(a[corner].astype(int) - b[corner].astype(int)).mean()
        assert diff > 10, "no visible watermark"
        # Far from the corner only encoder noise may differ (motion search spreads it a little).
        rest = np.abs(a[:120].astype(int) - b[:120].astype(int)).mean()
        assert rest < 1.5, "the watermark leaked outside its corner"


@pytest.mark.parametrize(
    ("content", "seconds"), [("", 2), ("heavy rain on a roof", 3), ("techno drums", 1)]
)
def test_sound_track(render: Render, content: str, seconds: int, tmp_path: Path) -> None:
    path = render(sound_effect_switch=True, sound_effect_content=content, seconds=seconds)
    info = probe(path)
    assert info.audio is not None and info.audio.codec == "aac"
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        samples = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
        duration = len(samples) / stream.codec_context.sample_rate
    assert duration == pytest.approx(seconds, abs=0.1)
    assert np.abs(samples).max() > 0.1
    assert probe(render(seconds=seconds)).audio is None


def test_sound_content_changes_the_track(render: Render) -> None:
    def samples(content: str) -> np.ndarray:
        with av.open(str(render(sound_effect_switch=True, sound_effect_content=content))) as c:
            return np.concatenate([f.to_ndarray().reshape(-1) for f in c.decode(audio=0)])

    rain, drums = samples("rain"), samples("drums")
    n = min(len(rain), len(drums))
    assert np.corrcoef(rain[:n], drums[:n])[0, 1] < 0.5


@pytest.mark.parametrize("template", DEFAULT_TEMPLATES, ids=lambda t: t.name)
def test_templates_are_distinct_presets(render: Render, template: object) -> None:
    template_id = template.template_id  # type: ignore[attr-defined]
    plain = decode_frames(render(Mode.IMAGE))
    preset = decode_frames(render(Mode.IMAGE, template_id=template_id))
    assert psnr(plain[-1], preset[-1]) < 30


def test_memory_stays_flat_with_duration(render: Render) -> None:
    import resource
    import threading

    # The frames are generated lazily: consuming them one by one never holds a clip's worth.
    from pixforge.engines.preview.scene import SceneParams, scene_frames

    frames = scene_frames("a fox", "", 1, SceneParams(1280, 720, 24 * 60, 1.0))
    first = next(frames)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(24 * 20):
        next(frames)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert (after - before) * 1024 < 50 * first.nbytes, "frames are being accumulated"
    assert threading.active_count() >= 1


def test_image_template_picture(images: dict[str, ImageRef], tmp_path: Path) -> None:
    engine = PreviewEngine(EngineConfig(templates=TEMPLATES))
    duo = next(t for t in DEFAULT_TEMPLATES if t.kind == "image" and t.images == 2)

    def picture(name: str, **changes: object) -> np.ndarray:
        spec = flat_spec(
            mode=Mode.IMAGE_TEMPLATE,
            model="",
            prompt="",
            quality="1080p",
            duration_s=0,
            template_id=duo.template_id,
            image_ids=(1, 2),
            **changes,
        )
        job = RenderJob(1, spec, 3, OutputFormat(640, 480, 24, 1), (images["day"], images["night"]))
        out = tmp_path / f"{name}.jpg"
        assert not engine.render(job, out, lambda _: None).has_audio
        with Image.open(out) as opened:
            assert opened.format == "JPEG" and opened.size == (640, 480)
            return np.asarray(opened.convert("RGB"))

    plain, again = picture("a"), picture("b")
    assert np.array_equal(plain, again)
    left, right = plain[:, :300].mean(), plain[:, 340:].mean()
    assert left > right + 20  # the day panel beside the night panel
    marked = picture("c", water_mark=True)
    assert np.abs(marked.astype(int) - plain.astype(int))[:400, :400].mean() < 1
    assert np.abs(marked.astype(int) - plain.astype(int))[440:, 520:].mean() > 5
