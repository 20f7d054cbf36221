"""Lip sync for the preview engine: a TTS track and a mouth that opens with its loudness.

Two voices, both exactly `features.tts_seconds(text)` long (the length the generation was
priced and sized for at submission):
- "synth" (default, no dependencies): a pitched, vowel-coloured buzz with one syllable per ~3
  letters, silent between words, longer at punctuation; each speaker has its own pitch.
- "espeak" (PIXFORGE_TTS_ENGINE=espeak, needs the espeak-ng program): real words from espeak-ng,
  spoken at the rate that fits the length, one voice variant per speaker.
Not a speech model either way.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import wave
from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from pixforge.domain.features.lip_sync import tts_char_seconds, tts_seconds
from pixforge.engines._cv import cv2
from pixforge.media.encode import AUDIO_RATE_HZ
from pixforge.media.segment import find_face

Samples = NDArray[np.float32]
Frame = NDArray[np.uint8]

# (F1, F2) formants in Hz per vowel letter; consonant-only syllables use a neutral schwa.
FORMANTS = {
    "a": (730, 1090),
    "e": (530, 1840),
    "i": (270, 2290),
    "o": (570, 840),
    "u": (300, 870),
    "y": (270, 2290),
}
SCHWA = (500, 1500)


def speaker_pitch_hz(speaker_id: str) -> float:
    """A stable pitch per speaker between 95 and 235 Hz."""
    digest = hashlib.sha256(speaker_id.lower().encode()).digest()
    return 95.0 + digest[0] / 255 * 140.0


def _char_times(text: str) -> list[tuple[str, float]]:
    """Each character with the seconds it occupies; pauses sit on punctuation."""
    return [(char, tts_char_seconds(char)) for char in text.strip()]


ESPEAK = "espeak-ng"
# espeak-ng voice variants, female and male, picked per speaker id.
ESPEAK_VARIANTS = ("f1", "m1", "f2", "m2", "f3", "m3", "f4", "m4", "f5", "m5", "m6", "m7")
ESPEAK_BASE_WPM = 175


def espeak_available() -> bool:
    return shutil.which(ESPEAK) is not None


def voice(text: str, speaker_id: str, seed: int, engine: str = "synth") -> Samples:
    """The spoken track for TTS, exactly tts_seconds(text) long, by the configured engine."""
    if engine == "espeak":
        return speak_espeak(text, speaker_id)
    return speak(text, speaker_id, seed)


def _espeak_wav(text: str, variant: str, wpm: int) -> Samples:
    # No shell; the text is one argument after "--", so it can never be read as an option.
    done = subprocess.run(  # noqa: S603
        [ESPEAK, "-v", f"en-us+{variant}", "-s", str(wpm), "--stdout", "--", text],
        capture_output=True,
        check=True,
        timeout=60,
    )
    with wave.open(io.BytesIO(done.stdout)) as recording:
        rate = recording.getframerate()
        pcm = np.frombuffer(recording.readframes(recording.getnframes()), np.int16)
    samples = pcm.astype(np.float32) / 32768.0
    # Resample to the encoder's rate by linear interpolation (speech band only; fine here).
    count = round(len(samples) * AUDIO_RATE_HZ / rate)
    positions = np.linspace(0, len(samples) - 1, count, dtype=np.float64)
    return np.asarray(np.interp(positions, np.arange(len(samples)), samples), np.float32)


def speak_espeak(text: str, speaker_id: str) -> Samples:
    """espeak-ng speaking `text`, rate chosen so that it lasts tts_seconds(text)."""
    target = round(tts_seconds(text) * AUDIO_RATE_HZ)
    digest = hashlib.sha256(speaker_id.lower().encode()).digest()
    variant = ESPEAK_VARIANTS[digest[0] % len(ESPEAK_VARIANTS)]
    first = _espeak_wav(text, variant, ESPEAK_BASE_WPM)
    wpm = int(min(450, max(80, ESPEAK_BASE_WPM * len(first) / max(1, target))))
    spoken = _espeak_wav(text, variant, wpm) if wpm != ESPEAK_BASE_WPM else first
    if len(spoken) >= target:
        spoken = spoken[:target]
    else:
        spoken = np.concatenate([spoken, np.zeros(target - len(spoken), np.float32)])
    peak = float(np.abs(spoken).max()) or 1.0
    return (spoken / peak * 0.6).astype(np.float32)


def speak(text: str, speaker_id: str, seed: int) -> Samples:
    """Mono samples at AUDIO_RATE_HZ, exactly tts_seconds(text) long."""
    total = round(tts_seconds(text) * AUDIO_RATE_HZ)
    signal = np.zeros(total, np.float32)
    f0 = speaker_pitch_hz(speaker_id)
    rng = np.random.default_rng(seed ^ int.from_bytes(text.encode()[:8].ljust(8, b"\0"), "little"))
    position = 0
    word: list[tuple[str, float]] = []
    for char, seconds in [*_char_times(text), (" ", 0.0)]:
        if char.isalnum():
            word.append((char, seconds))
            continue
        if word:
            position = _voice_word(signal, position, word, f0, rng)
            word = []
        position += round(seconds * AUDIO_RATE_HZ)
    peak = float(np.abs(signal).max()) or 1.0
    return (signal / peak * 0.6).astype(np.float32)


def _voice_word(
    signal: Samples,
    start: int,
    letters: list[tuple[str, float]],
    f0: float,
    rng: np.random.Generator,
) -> int:
    for index in range(0, len(letters), 3):
        chunk = letters[index : index + 3]
        count = round(sum(seconds for _, seconds in chunk) * AUDIO_RATE_HZ)
        end = min(len(signal), start + count)
        if end <= start:
            return start
        vowel = next((c.lower() for c, _ in chunk if c.lower() in FORMANTS), "")
        f1, f2 = FORMANTS.get(vowel, SCHWA)
        t = np.arange(end - start, dtype=np.float32) / AUDIO_RATE_HZ
        pitch = f0 * (1.0 + 0.06 * np.sin(2 * np.pi * 4.0 * t) + 0.04 * rng.standard_normal())
        phase = 2 * np.pi * np.cumsum(pitch) / AUDIO_RATE_HZ
        voiced = np.zeros_like(t)
        for harmonic in range(1, 14):
            frequency = f0 * harmonic
            weight = np.exp(-(((frequency - f1) / 180.0) ** 2)) + 0.6 * np.exp(
                -(((frequency - f2) / 260.0) ** 2)
            )
            voiced += (weight + 0.05) * np.sin(harmonic * phase)
        envelope = np.clip(np.sin(np.pi * np.clip(t / max(t[-1], 1e-3), 0, 1)), 0, 1) ** 0.7
        signal[start:end] += (voiced * envelope).astype(np.float32)
        start = end
    return start


def loudness_per_frame(samples: Samples, fps: int, frame_count: int) -> NDArray[np.float32]:
    """RMS loudness of each video frame's slice of audio, scaled so the loudest is 1."""
    per_frame = AUDIO_RATE_HZ / fps
    values = np.zeros(frame_count, np.float32)
    for index in range(frame_count):
        chunk = samples[int(index * per_frame) : int((index + 1) * per_frame)]
        values[index] = float(np.sqrt(np.mean(chunk**2))) if len(chunk) else 0.0
    peak = float(values.max())
    return values / peak if peak > 0 else values


def mouth_box(frame: Frame) -> tuple[int, int, int, int]:
    """(centre x, centre y, half width, half height) of the mouth: in the lower part of the
    face found by the skin-tone heuristic, or the lower middle of the frame without one."""
    height, width = frame.shape[:2]
    face = find_face(frame)
    if face is not None:
        x, y, w, h = face
        return x + w // 2, int(y + h * 0.75), max(3, int(w * 0.18)), max(2, int(h * 0.07))
    return width // 2, int(height * 0.62), max(3, width // 14), max(2, height // 28)


def moving_mouth(frames: Iterator[Frame], loudness: NDArray[np.float32]) -> Iterator[Frame]:
    """Draw a mouth that opens with `loudness` (one value per frame) over each frame."""
    box: tuple[int, int, int, int] | None = None
    for index, frame in enumerate(frames):
        if box is None:
            box = mouth_box(frame)
        cx, cy, half_w, half_h = box
        level = float(loudness[index]) if index < len(loudness) else 0.0
        opened = np.ascontiguousarray(frame).copy()
        axes = (half_w, max(1, int(half_h * (0.15 + 1.85 * level))))
        cv2.ellipse(opened, (cx, cy), (half_w + 2, axes[1] + 2), 0, 0, 360, (150, 60, 70), -1)
        cv2.ellipse(opened, (cx, cy), axes, 0, 0, 360, (45, 12, 20), -1)
        yield opened
