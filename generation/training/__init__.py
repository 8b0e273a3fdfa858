"""LoRA fine-tuning of the video model's denoiser from a vertical's (or a workspace's) products.

- ``dataset``: training items (photo + caption + optional clip) into tensors; no Django.
- ``loop``: the training loop (accelerate + peft) and the atomic adapter save; no Django.
- ``fingerprint``: the identity of a base weights directory; no Django.
- ``data``: gathers the items from the database; ``services``: ``model_adapter_train``;
  ``selectors``: the adapter the diffusion backend picks for a shot.

An adapter is vertical-wide (trained on the vertical's products of every workspace that opted
in, used for all of them) or a workspace's own (its products in the vertical). The
``diffusion`` backend picks it up (``generation.backends``: ``adapter_for``).

Running a training
------------------
- ``python manage.py finetune --vertical V [--workspace SLUG] --steps N [--out DIR] [--rank R]
  [--learning-rate LR] [--seed S] [--json]`` trains in this process (the loss per step, or one
  JSON object; a failure is one ``CommandError`` line and status 1). With ``--queue`` (which
  takes only ``--vertical``, ``--workspace``, ``--steps`` and ``--rank``) it hands the run to a
  gpu worker and prints the adapter's id, which is also the task's id.
- Services: ``model_adapter_create`` checks the arguments and makes the ``ModelAdapter`` row
  (state ``queued``); ``model_adapter_run`` claims it (queued -> training, one conditional
  UPDATE, so a redelivered task or a second worker trains nothing) and trains, stores and
  registers the adapter. ``model_adapter_train`` does both in this process (the command);
  ``model_adapter_train_start`` makes the row and, after commit, queues the
  ``generation.finetune_adapter(adapter_id)`` task on the ``gpu`` queue (soft time limit
  ``SHOPREEL_TRAINING_TIME_LIMIT``, 6 h). ``model_adapter_cancel`` (or staff setting
  ``cancel_requested`` in the admin) stops a queued or running one at its next step; the run
  reads the flag at most every 2 s.
- A failure leaves the row ``failed`` with a plain ``error`` (never a traceback): ``no_weights``,
  ``no_ml`` (torch, diffusers, peft or accelerate missing), ``no_gpu``, ``no_products``,
  ``no_photos``, ``consent_withdrawn``, ``cancelled``, or out of GPU memory with what to lower.

Base model
----------
The diffusion settings (``SHOPREEL_DIFFUSION_PIPELINE``, ``_WEIGHTS_DIR``, ``_DEVICE``), read on
the worker that trains. The base is loaded with ``from_pretrained(local_files_only=True)`` in a
copy of its own (the worker's cached inference pipeline is never trained on). An adapter fits
only the weights it was trained on: the row records the directory and its fingerprint
(``fingerprint.py``: sha256 of ``model_index.json``, the denoiser's config and each denoiser
weight file's name, size, first and last MiB; cached per size and modification time).

Dataset (data.py, dataset.py)
-----------------------------
Imported products (not pending or failed) of the vertical (and workspace). Per product: up to
``SHOPREEL_TRAINING_PHOTOS_PER_PRODUCT`` (3) readable photos, each a *static clip* target (the
photo repeated: it teaches the product's look, not motion; the cut-out laid on a plain
background where there is one), and up to 3 existing videos conditioned on the main photo: the
product's ``diffusion`` shot clips, then its rendered ads (their opening frames). Caption: the
newest ad's scene captions and voice-overs, else the title and features (LTX's prompt; SVD has
none). Unreadable, missing or out-of-``MEDIA_ROOT`` files are left out; with nothing left,
``no_products`` / ``no_photos`` name the vertical and workspace. The row's ``dataset`` records
``products``, ``product_ids``, ``workspaces``, ``workspace_ids``, ``images``, ``clips``, ``items``.

Consent
-------
A vertical-wide adapter shapes every merchant's shots, so it learns only from workspaces whose
owner opted in (``Workspace.share_for_training``, off by default; the owner's checkbox on the
dashboard's workspace page, ``workspace_training_share_set``). With none opted in,
``no_products`` says so. A workspace's own adapter always learns from its own products. A
workspace that opts out is left out of every adapter trained afterwards, and a vertical-wide
training running when a contributor opts out fails (``consent_withdrawn``) before anything is
stored. Adapters already trained with it stay in use: the owner's page says how many
(``selectors.adapters_trained_with``), and the admin lists them (search by the workspace id;
column "trained on") so staff retire them (delete the row) and retrain.

Loop (loop.py)
--------------
``accelerate.Accelerator`` (mixed precision ``SHOPREEL_TRAINING_MIXED_PRECISION`` bf16, fp16 or
no; gradient accumulation ``_GRAD_ACCUM``), a peft LoRA (rank ``_RANK`` 16, alpha = rank, on
``to_q``/``to_k``/``to_v``/``to_out.0``, B = 0 at the start), AdamW (``_LEARNING_RATE`` 1e-4),
grad-norm clip 1. The frozen base is in the mixed-precision dtype, the LoRA weights in float32;
conditioning is encoded once, then the encoders leave the GPU. The objective follows the
pipeline class (SVD: EDM sigmas and v-prediction; LTX: flow matching with the first latent
frame kept as the photo's; details in ``loop``). Seeded; ``on_step(step, loss)`` and the
cancel flag each step. Training size ``_WIDTH`` x ``_HEIGHT`` (256 x 448), ``_NUM_FRAMES`` (9:
SVD any, LTX-Video 8k+1).

Storage and the row
-------------------
``<--out, or SHOPREEL_TRAINING_DIR/<vertical>/<workspace slug | _vertical>>/<row id hex>/``
holds ``adapter_config.json`` and ``adapter_model.safetensors`` (peft format) and
``shopreel.json`` (losses, dataset), written to a temporary folder beside it and renamed into
place, never over an existing folder. ``--out`` must be inside ``SHOPREEL_TRAINING_DIR``
(default ``var/adapters``, outside ``MEDIA_ROOT``: adapters are never served), and the backend
loads a row's ``path`` only when it resolves inside it, so a stored path never loads any folder.

``ModelAdapter`` (generation/models.py) holds the workspace (null: vertical-wide), vertical,
pipeline, base directory and fingerprint, rank, steps, learning rate, losses and the final loss
(mean of the last 5 steps), dataset, path, state (queued -> training -> ready | failed),
``error``, ``cancel_requested`` and seconds. It is not ``WorkspaceOwned`` because of the
vertical-wide rows. Only operators make adapters (the command, or staff code queuing the task):
there is no merchant API, and the admin page is read-only but for ``cancel_requested`` and
delete.

Left out
--------
A dashboard or API to order a workspace's adapter (and billing for it); a row left ``training``
by a worker that died is not reaped; every adapter a worker has used stays injected in its
cached denoiser until the pipeline is reloaded; LTX trains on the products' captions but shots
are still prompted with ``SHOPREEL_DIFFUSION_PROMPT``.

Tests (``tests/generation/training/``, with the ``ml`` extra, skipped without it) fine-tune the
tiny random-weight SVD and LTX pipelines on the CPU: the loss falls on a fixed seeded batch,
the trained adapter changes the clip and is picked for its own workspace and vertical only,
and the command and task run.
"""
