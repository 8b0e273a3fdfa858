"""Random-weight try-on (image inpainting) components built from configs, never downloaded.

``inpaint_components("tiny")`` is a StableDiffusionInpaintPipeline of ~1.4 M parameters: a
9-channel UNet (4 noise + 4 masked-image latents + 1 mask), an 8x AutoencoderKL, a two-layer
CLIP text encoder and a byte-level BPE CLIP tokenizer built offline (every byte is a token, no
merges); the tests run it on the CPU. ``"full"`` has the architecture of Stable Diffusion 1.5
inpainting (UNet 860 M, VAE 84 M, CLIP ViT-L/14 text encoder; only the vocabulary is the tiny
one), for ``bench/tryon.py``: random weights cost the same time and memory as trained ones.
Saved with ``save_pretrained`` and loaded by the try-on backend's own loading code, like real
weights (diffusion_models.py does the same for the video pipelines).
"""

from __future__ import annotations

from pathlib import Path

from generation.backends.diffusion_models import save_built_pipeline

TOKENIZER_MAX_LENGTH = 77  # CLIP's context, as the real tokenizer says it


def _clip_tokenizer():
    """A CLIP tokenizer whose vocabulary is the 256 byte-level symbols (and their end-of-word
    forms): it encodes any prompt, without a vocabulary file from the hub."""
    from tokenizers import pre_tokenizers
    from transformers import CLIPTokenizer

    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for symbol in sorted(pre_tokenizers.ByteLevel.alphabet()):
        vocab[symbol] = len(vocab)
        vocab[f"{symbol}</w>"] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=TOKENIZER_MAX_LENGTH)


def inpaint_components(size: str = "tiny", *, seed: int = 0) -> dict:
    """Seeded StableDiffusionInpaintPipeline components: ``tiny`` (diffusers'
    get_dummy_components for the inpainting pipeline, with an 8x VAE like the real one) or
    ``full`` (SD 1.5 inpainting's architecture)."""
    if size not in ("tiny", "full"):
        raise ValueError(f"size must be 'tiny' or 'full', got {size!r}")
    if size == "full":
        return _full_inpaint_components(seed)
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(seed)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=8,
        in_channels=9,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=(2, 4),
    )
    torch.manual_seed(seed)
    vae = AutoencoderKL(
        block_out_channels=[32, 32, 32, 32],  # four blocks: the real 8x spatial factor
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D"] * 4,
        up_block_types=["UpDecoderBlock2D"] * 4,
        layers_per_block=1,
        latent_channels=4,
        sample_size=64,
    )
    torch.manual_seed(seed)
    tokenizer = _clip_tokenizer()
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
            hidden_size=32,
            intermediate_size=37,
            num_attention_heads=4,
            num_hidden_layers=2,
            max_position_embeddings=TOKENIZER_MAX_LENGTH,
            vocab_size=len(tokenizer),
        )
    )
    return _inpaint_pipeline(unet=unet, vae=vae, text_encoder=text_encoder, tokenizer=tokenizer)


def _full_inpaint_components(seed: int) -> dict:
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(seed)
    # The defaults are SD 1.5's but for the cross-attention width (ViT-L: 768).
    unet = UNet2DConditionModel(in_channels=9, sample_size=64, cross_attention_dim=768)
    vae = AutoencoderKL(
        block_out_channels=[128, 256, 512, 512],
        down_block_types=["DownEncoderBlock2D"] * 4,
        up_block_types=["UpDecoderBlock2D"] * 4,
        layers_per_block=2,
        latent_channels=4,
        sample_size=512,
    )
    tokenizer = _clip_tokenizer()
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
            hidden_size=768,
            intermediate_size=3072,
            num_attention_heads=12,
            num_hidden_layers=12,
            max_position_embeddings=TOKENIZER_MAX_LENGTH,
            vocab_size=len(tokenizer),
            hidden_act="quick_gelu",
        )
    )
    return _inpaint_pipeline(unet=unet, vae=vae, text_encoder=text_encoder, tokenizer=tokenizer)


def _inpaint_pipeline(*, unet, vae, text_encoder, tokenizer) -> dict:
    """The inpainting pipeline's components around its networks: SD 1.5's DDIM scheduler, no
    safety checker (tiny and full sizes differ only in the networks)."""
    from diffusers import DDIMScheduler

    scheduler = DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
    )
    return {
        "unet": unet,
        "vae": vae,
        "text_encoder": text_encoder,
        "tokenizer": tokenizer,
        "scheduler": scheduler,
        "safety_checker": None,
        "feature_extractor": None,
        "image_encoder": None,
        "requires_safety_checker": False,
    }


def save_random_tryon_pipeline(
    path: Path,
    size: str = "tiny",
    *,
    dtype: str = "float32",
    pipeline: str = "StableDiffusionInpaintPipeline",
) -> Path:
    """Build the components and save them as a diffusers weights directory at ``path``."""
    builders = {"StableDiffusionInpaintPipeline": inpaint_components}
    return save_built_pipeline(path, builders, size=size, dtype=dtype, pipeline=pipeline)
