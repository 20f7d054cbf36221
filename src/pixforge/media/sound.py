"""Deterministic sound for `sound_effect_switch`: keyword families steer noise, tones and rhythm.

Not a sound model: a small synthesiser so that clients get a real AAC track whose character
follows `sound_effect_content` (rain, wind, fire, birds, drums, music...) and the seed.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
from numpy.typing import NDArray

from pixforge.media.encode import AUDIO_RATE_HZ

Samples = NDArray[np.float32]

FAMILIES: dict[str, tuple[str, ...]] = {
    "water": ("rain", "water", "sea", "ocean", "wave", "waves", "river", "stream", "splash"),
    "wind": ("wind", "breeze", "storm", "air", "whoosh"),
    "fire": ("fire", "crackle", "flame", "campfire", "burning"),
    "birds": ("bird", "birds", "chirp", "forest", "morning", "nature"),
    "drums": ("drum", "drums", "beat", "rhythm", "dance", "techno", "percussion"),
    "music": ("music", "piano", "melody", "song", "guitar", "orchestra", "calm", "ambient"),
}


def family_for(content: str) -> str:
    words = set(re.findall(r"[a-z]+", content.lower()))
    for family, keywords in FAMILIES.items():
        if words & set(keywords):
            return family
    return "ambient"


def _noise(rng: np.random.Generator, count: int) -> Samples:
    return rng.standard_normal(count).astype(np.float32)


def _lowpass(signal: Samples, strength: float) -> Samples:
    """Exponential smoothing as a short convolution (`strength` near 1 = darker sound)."""
    taps = int(min(2000, 6.0 / (1.0 - strength)))
    kernel = (strength ** np.arange(taps, dtype=np.float64)).astype(np.float32)
    kernel /= kernel.sum()
    return np.convolve(signal, kernel, mode="full")[: len(signal)].astype(np.float32)


def synthesize(content: str, seed: int, duration_s: float) -> Samples:
    """Mono samples at AUDIO_RATE_HZ, exactly `duration_s` long, peak about 0.5."""
    digest = hashlib.sha256(f"{content}\x00{seed}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
    count = round(duration_s * AUDIO_RATE_HZ)
    t = np.arange(count, dtype=np.float32) / AUDIO_RATE_HZ
    family = family_for(content)
    signal: Samples
    if family == "water":
        waves = 0.7 + 0.3 * np.sin(2 * np.pi * 0.15 * t)
        signal = (_lowpass(_noise(rng, count), 0.6) * waves).astype(np.float32)
    elif family == "wind":
        swell = 0.5 + 0.5 * np.sin(2 * np.pi * (0.08 + rng.random() * 0.1) * t)
        signal = (_lowpass(_noise(rng, count), 0.97) * 6.0 * swell).astype(np.float32)
    elif family == "fire":
        signal = _lowpass(_noise(rng, count), 0.85) * 2.0
        crackles = rng.random(count) < 25 / AUDIO_RATE_HZ
        signal += (
            np.convolve(crackles.astype(np.float32), np.hanning(200).astype(np.float32), "same")
            * 0.8
        )
    elif family == "birds":
        signal = _lowpass(_noise(rng, count), 0.9) * 0.5
        for _ in range(max(1, int(duration_s * 2))):
            start = int(rng.random() * max(1, count - AUDIO_RATE_HZ // 5))
            length = AUDIO_RATE_HZ // 8
            tt = np.arange(length, dtype=np.float32) / AUDIO_RATE_HZ
            freq = 2500 + 1500 * rng.random() + 2000 * tt * 8
            chirp = np.sin(2 * np.pi * freq * tt) * np.hanning(length)
            signal[start : start + length] += chirp.astype(np.float32) * 0.8
    elif family == "drums":
        bpm = 90 + int(rng.random() * 50)
        beat = 60.0 / bpm
        phase = (t % beat) / beat
        kick = np.sin(2 * np.pi * 55 * t) * np.exp(-phase * 18)
        hat = _noise(rng, count) * np.exp(-((t + beat / 2) % beat) / beat * 40) * 0.3
        signal = (kick + hat).astype(np.float32)
    elif family == "music":
        root = 220 * 2 ** (int(rng.integers(0, 12)) / 12)
        steps = [0, 4, 7, 12, 7, 4]
        note_s = 0.3
        index = (t / note_s).astype(int) % len(steps)
        freq = root * 2 ** (np.array(steps)[index] / 12)
        envelope = np.exp(-(t % note_s) * 6)
        signal = (np.sin(2 * np.pi * freq * t) * envelope).astype(np.float32)
    else:
        root = 110 * 2 ** (int(rng.integers(0, 12)) / 12)
        chord = sum(np.sin(2 * np.pi * root * r * t) for r in (1.0, 1.26, 1.5, 2.0))
        signal = (chord * (0.6 + 0.4 * np.sin(2 * np.pi * 0.2 * t))).astype(np.float32)
    fade = min(count // 2, AUDIO_RATE_HZ // 20)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        signal[:fade] *= ramp
        signal[-fade:] *= ramp[::-1]
    peak = float(np.max(np.abs(signal))) or 1.0
    return (signal / peak * 0.5).astype(np.float32)
