"""Random-weight video pipeline components built from configs, never downloaded.

``tiny`` (~2.3 M parameters) is what the tests run on the CPU in under a second a shot;
``full`` has the architecture of Stable Video Diffusion img2vid-xt (UNet 1.5 B, temporal VAE,
CLIP ViT-H/14 image encoder), for ``bench/diffusion.py``: random weights cost the same time
and memory as trained ones. Both are saved with ``save_pretrained`` and loaded by the
backend's own loading code, like real weights.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

SIZES = ("tiny", "full")


def _scheduler():
    from diffusers import EulerDiscreteScheduler

    return EulerDiscreteScheduler(
        beta_schedule="scaled_linear",
        beta_start=0.00085,
        beta_end=0.012,
        interpolation_type="linear",
        num_train_timesteps=1000,
        prediction_type="v_prediction",
        sigma_max=700.0,
        sigma_min=0.002,
        steps_offset=1,
        timestep_spacing="leading",
        timestep_type="continuous",
        use_karras_sigmas=True,
    )


def svd_components(size: str = "tiny", *, seed: int = 0) -> dict:
    """Seeded components of a StableVideoDiffusionPipeline (diffusers' get_dummy_components)."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size!r}")
    import torch
    from diffusers import AutoencoderKLTemporalDecoder, UNetSpatioTemporalConditionModel
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(seed)
    if size == "tiny":
        unet = UNetSpatioTemporalConditionModel(
            block_out_channels=(32, 64),
            layers_per_block=2,
            sample_size=8,
            in_channels=8,
            out_channels=4,
            down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
            up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
            cross_attention_dim=32,
            num_attention_heads=8,
            projection_class_embeddings_input_dim=96,  # 3 micro-conditions x addition_time_embed_dim
            addition_time_embed_dim=32,
        )
        # Four blocks: the real 8x spatial factor, so 64x64 frames are 8x8 latents.
        vae_channels, vae_layers = [32, 32, 32, 32], 1
        # The pipeline resizes its CLIP input to 224 whatever the encoder says: 224 / 32 = 7x7 patches.
        clip = CLIPVisionConfig(
            hidden_size=32,
            projection_dim=32,
            num_hidden_layers=2,
            num_attention_heads=4,
            image_size=224,
            intermediate_size=37,
            patch_size=32,
        )
    else:
        unet = UNetSpatioTemporalConditionModel(sample_size=96)  # the defaults are SVD's
        vae_channels, vae_layers = [128, 256, 512, 512], 2
        clip = CLIPVisionConfig(
            hidden_size=1280,
            projection_dim=1024,
            num_hidden_layers=32,
            num_attention_heads=16,
            image_size=224,
            intermediate_size=5120,
            patch_size=14,
            hidden_act="gelu",
        )
    torch.manual_seed(seed)
    vae = AutoencoderKLTemporalDecoder(
        block_out_channels=vae_channels,
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D"] * 4,
        layers_per_block=vae_layers,
        latent_channels=4,
    )
    torch.manual_seed(seed)
    image_encoder = CLIPVisionModelWithProjection(clip)
    return {
        "unet": unet,
        "scheduler": _scheduler(),
        "vae": vae,
        "image_encoder": image_encoder,
        "feature_extractor": CLIPImageProcessor(crop_size=224, size=224),
    }


def ltx_components(size: str = "tiny", *, seed: int = 0) -> dict:
    """Seeded tiny LTXImageToVideoPipeline components: a one-layer transformer, a small causal
    video VAE (4x in time, 4x in space), a one-layer T5 and a Unigram tokenizer built offline.
    (No ``full`` size: the full T5-XXL text encoder alone needs ~19 GB to build in float32.)"""
    if size != "tiny":
        raise ValueError(f"size must be 'tiny' for LTX, got {size!r}")
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXVideoTransformer3DModel,
    )
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import T5Config, T5EncoderModel, T5TokenizerFast

    torch.manual_seed(seed)
    transformer = LTXVideoTransformer3DModel(
        in_channels=8,
        out_channels=8,
        patch_size=1,
        patch_size_t=1,
        num_attention_heads=4,
        attention_head_dim=8,
        cross_attention_dim=32,
        num_layers=1,
        caption_channels=32,
    )
    torch.manual_seed(seed)
    # The decoder_* arguments too: left out, the decoder takes its full-size defaults (MACHINE-NOTES).
    vae = AutoencoderKLLTXVideo(
        in_channels=3,
        out_channels=3,
        latent_channels=8,
        block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8),
        layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, False, False),
        decoder_spatio_temporal_scaling=(True, True, False, False),
        decoder_inject_noise=(False, False, False, False, False),
        upsample_residual=(False, False, False, False),
        upsample_factor=(1, 1, 1, 1),
        timestep_conditioning=False,
        patch_size=1,
        patch_size_t=1,
        encoder_causal=True,
        decoder_causal=False,
    )
    torch.manual_seed(seed)
    text_encoder = T5EncoderModel(
        T5Config(vocab_size=64, d_model=32, d_kv=8, d_ff=37, num_layers=1, num_heads=4)
    )
    # transformers 5's T5 tokenizer rebuilds a Unigram model from the saved vocabulary.
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("\u2581", -2.0)]
    words = ["the", "a", "product", "photo", "video", "camera", "light"]
    vocab += [(f"\u2581{word}", -1.0) for word in words]
    backend = Tokenizer(models.Unigram(vocab, unk_id=2))
    backend.pre_tokenizer = pre_tokenizers.Metaspace()
    specials = {"pad_token": "<pad>", "eos_token": "</s>", "unk_token": "<unk>"}
    tokenizer = T5TokenizerFast(tokenizer_object=backend, extra_ids=0, **specials)
    return {
        "transformer": transformer,
        "vae": vae,
        "scheduler": FlowMatchEulerDiscreteScheduler(),
        "text_encoder": text_encoder,
        "tokenizer": tokenizer,
    }


def save_random_pipeline(
    path: Path,
    size: str = "tiny",
    *,
    dtype: str = "float32",
    pipeline: str = "StableVideoDiffusionPipeline",
) -> Path:
    """Build the components and save them as a diffusers weights directory at ``path``."""
    builders = {
        "StableVideoDiffusionPipeline": svd_components,
        "LTXImageToVideoPipeline": ltx_components,
    }
    return save_built_pipeline(path, builders, size=size, dtype=dtype, pipeline=pipeline)


def save_built_pipeline(
    path: Path, builders: dict[str, Callable[[str], dict]], *, size: str, dtype: str, pipeline: str
) -> Path:
    """Build ``pipeline``'s components with its builder and save them at ``path`` (the video
    models here and the try-on still models of tryon_models.py)."""
    import diffusers
    import torch

    if pipeline not in builders:
        raise ValueError(f"pipeline must be one of {sorted(builders)}, got {pipeline!r}")
    pipe = getattr(diffusers, pipeline)(**builders[pipeline](size))
    if dtype != "float32":
        pipe.to(dtype=getattr(torch, dtype))  # halves the directory; loading casts anyway
    pipe.save_pretrained(path)
    return path
