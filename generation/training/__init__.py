"""LoRA fine-tuning of the video model's denoiser from a vertical's (or a workspace's) products.

- ``dataset``: training items (photo + caption + optional clip) into tensors; no Django.
- ``loop``: the training loop (accelerate + peft) and the atomic adapter save; no Django.
- ``fingerprint``: the identity of a base weights directory; no Django.
- ``data``: gathers the items from the database; ``services``: ``model_adapter_train``;
  ``selectors``: the adapter the diffusion backend picks for a shot.
"""
