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
# A tiny T5-family text encoder (UMT5 for Wan, T5 for LTX; d_model is the transformers' text_dim).
TEXT_ENCODER: dict[str, int] = {
    "vocab_size": 1000,
    "d_model": 32,
    "d_kv": 8,
    "d_ff": 64,
    "num_layers": 2,
    "num_heads": 4,
    "relative_attention_num_buckets": 8,
    "pad_token_id": 0,
    "eos_token_id": 1,
    "decoder_start_token_id": 0,
}


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
    encoder = transformers.UMT5EncoderModel(transformers.UMT5Config(**TEXT_ENCODER))
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


def _ltx_parts() -> tuple[Any, Any, Any, Any]:
    """Tiny LTX-Video parts that keep the real 32x spatial / 8x temporal compression."""
    diffusers = _library("diffusers")
    transformers = _library("transformers")
    encoder = transformers.T5EncoderModel(transformers.T5Config(**TEXT_ENCODER))
    vae = diffusers.AutoencoderKLLTXVideo(
        in_channels=3,
        out_channels=3,
        latent_channels=8,
        block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8),
        layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, True, False),
        decoder_spatio_temporal_scaling=(True, True, True, False),
        decoder_inject_noise=(False,) * 5,
        upsample_residual=(False,) * 4,
        upsample_factor=(1,) * 4,
        timestep_conditioning=False,
        patch_size=4,
        patch_size_t=1,
        encoder_causal=True,
        decoder_causal=False,
    )
    transformer = diffusers.LTXVideoTransformer3DModel(
        in_channels=8,
        out_channels=8,
        patch_size=1,
        patch_size_t=1,
        num_attention_heads=2,
        attention_head_dim=8,
        cross_attention_dim=16,
        num_layers=1,
        caption_channels=32,
    )
    return encoder, vae, transformer, diffusers.FlowMatchEulerDiscreteScheduler()


def make_tiny(folder: Path, seed: int = 0) -> Path:
    """Write tiny Wan and LTX-Video pipelines (text, image, first+last frame) and a registry.

    Registry: v4.5, v5, v5.5 and v6 map to Wan; v5.6 and c1 map to LTX-Video.
    """
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
    ltx_encoder, ltx_vae, ltx_transformer, ltx_scheduler = _ltx_parts()
    for pipeline_class, name in (
        ("LTXPipeline", "ltx-t2v"),
        ("LTXImageToVideoPipeline", "ltx-i2v"),
    ):
        getattr(diffusers, pipeline_class)(
            scheduler=ltx_scheduler,
            vae=ltx_vae,
            text_encoder=ltx_encoder,
            tokenizer=tokenizer,
            transformer=ltx_transformer,
        ).save_pretrained(folder / name)
    common = {"steps": 2, "guidance": 1.0, "render_scale": 0.1, "max_frames": 9}
    wan_names, ltx_names = ("v4.5", "v5", "v5.5", "v6"), ("v5.6", "c1")
    registry = (
        [
            {"name": name, "family": "wan", "path": path, "modes": modes, **common}
            for name in wan_names
            for path, modes in (("wan-t2v", ["text"]), ("wan-i2v", ["image", "transition"]))
        ]
        + [
            {
                "name": name,
                "family": "ltx",
                "path": path,
                "modes": modes,
                **common,
                "render_scale": 0.15,
            }
            for name in ltx_names
            for path, modes in (("ltx-t2v", ["text"]), ("ltx-i2v", ["image"]))
        ]
        + [
            # The text checkpoint, loaded as LTXConditionPipeline, serves transitions.
            {
                "name": name,
                "family": "ltx",
                "path": "ltx-t2v",
                "modes": ["transition"],
                **common,
                "render_scale": 0.15,
                "pipeline": "LTXConditionPipeline",
            }
            for name in ltx_names
        ]
    )
    target = folder / "models.json"
    target.write_text(json.dumps(registry, indent=2))
    return target
