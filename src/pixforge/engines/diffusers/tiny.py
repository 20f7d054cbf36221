"""Tiny random-weight Wan pipelines built offline, for tests and demos (pixforge models make-tiny).

They produce noise-like videos, quickly, through the exact code path real checkpoints use
(`save_pretrained` here, `from_pretrained(local_dir)` in the engine). No hub access.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

WORDS = (
    *("a", "an", "the", "of", "in", "on", "with", "and", "at", "to"),
    *("red", "orange", "yellow", "green", "blue", "purple", "white", "black"),
    *("fox", "cat", "dog", "bird", "snow", "sky", "sea", "hills", "sun", "night", "day"),
    *("city", "forest", "river", "running", "flying", "slow", "fast", "camera"),
)
SPECIAL = {"pad_token": "<pad>", "eos_token": "</s>", "unk_token": "<unk>"}


def _library(name: str) -> Any:
    """diffusers / transformers / tokenizers ship no type information."""
    return importlib.import_module(name)


def _text_parts() -> tuple[Any, Any]:
    tokenizers = _library("tokenizers")
    transformers = _library("transformers")
    vocab = {word: index for index, word in enumerate([*SPECIAL.values(), *WORDS])}
    tokenizer_model = tokenizers.Tokenizer(
        tokenizers.models.WordLevel(vocab=vocab, unk_token=SPECIAL["unk_token"])
    )
    tokenizer_model.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_object=tokenizer_model, **SPECIAL)
    encoder = transformers.UMT5EncoderModel(
        transformers.UMT5Config(
            vocab_size=1000,
            d_model=32,
            d_kv=8,
            d_ff=64,
            num_layers=2,
            num_heads=4,
            relative_attention_num_buckets=8,
            pad_token_id=0,
            eos_token_id=1,
            decoder_start_token_id=0,
        )
    )
    return tokenizer, encoder


def _wan(in_channels: int) -> tuple[Any, Any, Any]:
    diffusers = _library("diffusers")
    vae = diffusers.AutoencoderKLWan(
        base_dim=3,
        z_dim=16,
        dim_mult=[1, 1, 1, 1],
        num_res_blocks=1,
        temperal_downsample=[False, True, True],
    )
    transformer = diffusers.WanTransformer3DModel(
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=in_channels,
        out_channels=16,
        text_dim=32,
        freq_dim=256,
        ffn_dim=32,
        num_layers=2,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32,
    )
    return vae, transformer, diffusers.FlowMatchEulerDiscreteScheduler(shift=7.0)


def make_tiny(folder: Path, seed: int = 0) -> Path:
    """Write tiny Wan text-to-video and image/transition pipelines plus a registry; return it."""
    import torch

    diffusers = _library("diffusers")
    torch.manual_seed(seed)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer, encoder = _text_parts()
    vae, transformer, scheduler = _wan(in_channels=16)
    diffusers.WanPipeline(
        tokenizer=tokenizer,
        text_encoder=encoder,
        vae=vae,
        transformer=transformer,
        scheduler=scheduler,
    ).save_pretrained(folder / "wan-t2v")
    # Wan 2.2-style image-to-video without a CLIP image encoder: the same checkpoint takes a
    # first image alone (image-to-video) or a first and a last image (transition).
    vae, transformer, scheduler = _wan(in_channels=36)
    diffusers.WanImageToVideoPipeline(
        tokenizer=tokenizer,
        text_encoder=encoder,
        vae=vae,
        transformer=transformer,
        scheduler=scheduler,
        image_processor=None,
        image_encoder=None,
    ).save_pretrained(folder / "wan-i2v")
    common = {"family": "wan", "steps": 2, "guidance": 1.0, "render_scale": 0.1, "max_frames": 9}
    registry = [
        {"name": name, "path": "wan-t2v", "modes": ["text"], **common}
        for name in ("v4.5", "v5", "v5.5", "v6")
    ] + [
        {"name": name, "path": "wan-i2v", "modes": ["image", "transition"], **common}
        for name in ("v4.5", "v5", "v5.5", "v6")
    ]
    target = folder / "models.json"
    target.write_text(json.dumps(registry, indent=2))
    return target
