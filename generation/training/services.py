"""Fine-tuning runs: a queued ModelAdapter row (``model_adapter_create``), its run, claimed
once (``model_adapter_run``), and the stored adapter; in this process (``model_adapter_train``)
or on a gpu worker (``model_adapter_train_start``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from accounts import storage as media_storage
from accounts.outbox import outbox_send_on_commit
from core.errors import ApplicationError, InvalidInput
from core.vocabulary import VERTICALS
from generation import workflow
from generation.models import ModelAdapter
from generation.training.loop import TrainingCancelled

logger = logging.getLogger(__name__)

CANCEL_POLL_SECONDS = 2.0
# Failures whose message is plain enough for the row (checks, files, a diverging loss).
_PLAIN_ERRORS = (ValueError, OSError, FloatingPointError, TrainingCancelled)


def model_adapter_create(
    *,
    vertical: str,
    workspace=None,
    steps: int,
    rank: int | None = None,
    learning_rate: float | None = None,
    out_dir: Path | str | None = None,
) -> ModelAdapter:
    """A queued ModelAdapter row for a fine-tuning run, after checking its arguments (an
    InvalidInput names what is wrong; no row is made then). ``out_dir`` is only checked here:
    it must be inside SHOPREEL_TRAINING_DIR."""
    if vertical not in VERTICALS:
        raise InvalidInput(
            f"vertical must be one of {', '.join(VERTICALS)}, got {vertical!r}", detail={"field": "vertical"}
        )
    if steps < 1:
        raise InvalidInput(f"steps must be at least 1, got {steps}")
    root = Path(settings.SHOPREEL_TRAINING_DIR).resolve()
    if out_dir and not Path(out_dir).resolve().is_relative_to(root):
        # The diffusion backend only loads adapters under SHOPREEL_TRAINING_DIR.
        raise InvalidInput(f"The adapter folder must be inside SHOPREEL_TRAINING_DIR ({root}), got {out_dir}.")
    return ModelAdapter.objects.create(
        workspace=workspace,
        vertical=vertical,
        pipeline=settings.SHOPREEL_DIFFUSION_PIPELINE,
        base_weights_dir=settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR or "",
        base_fingerprint="",
        rank=rank if rank is not None else settings.SHOPREEL_TRAINING_RANK,
        steps=steps,
        learning_rate=learning_rate if learning_rate is not None else settings.SHOPREEL_TRAINING_LEARNING_RATE,
        state=ModelAdapter.State.QUEUED,
    )


def model_adapter_train(
    *,
    vertical: str,
    workspace=None,
    steps: int,
    out_dir: Path | str | None = None,
    rank: int | None = None,
    learning_rate: float | None = None,
    seed: int = 0,
    on_step: Callable[[int, float], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> ModelAdapter:
    """Fine-tune a LoRA adapter on ``vertical``'s products (``workspace``'s only, or every
    workspace's for a vertical-wide adapter) in this process and register it: the row
    (``model_adapter_create``) and its run (``model_adapter_run``), which ends it ready, or
    failed with a plain message (an ApplicationError with that message is raised)."""
    adapter = model_adapter_create(
        vertical=vertical, workspace=workspace, steps=steps, rank=rank, learning_rate=learning_rate, out_dir=out_dir
    )
    trained = model_adapter_run(
        adapter_id=adapter.id, out_dir=out_dir, seed=seed, on_step=on_step, should_cancel=should_cancel
    )
    if trained is None:  # only a caller holding the new row's id could have claimed it first
        raise ApplicationError("The adapter's run was claimed by another worker.", code="adapter_claimed")
    return trained


def model_adapter_run(
    *,
    adapter_id,
    out_dir: Path | str | None = None,
    seed: int = 0,
    on_step: Callable[[int, float], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> ModelAdapter | None:
    """Train the queued row ``adapter_id`` and register the adapter. The row is claimed first
    (queued → training, a conditional UPDATE): when it is not queued any more (a redelivered
    task, a second worker) nothing is done and None is returned. The row ends ready, or
    failed with a plain message; on failure an ApplicationError with that message is raised.
    The adapter folder is ``<out_dir or SHOPREEL_TRAINING_DIR/<vertical>/<workspace slug |
    _vertical>>/<row id>``.

    A vertical-wide adapter learns only from workspaces that opted in
    (``Workspace.share_for_training``); one that opted out while it trained fails it
    (``consent_withdrawn``) instead of being registered."""
    # The base model is this worker's (its weights directory is local to it).
    claimed = ModelAdapter.objects.filter(id=adapter_id, state=ModelAdapter.State.QUEUED).update(
        state=ModelAdapter.State.TRAINING,
        pipeline=settings.SHOPREEL_DIFFUSION_PIPELINE,
        base_weights_dir=settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR or "",
        updated_at=timezone.now(),
    )
    if claimed != 1:
        logger.info("training: adapter not queued, nothing to do", extra={"adapter": str(adapter_id)})
        return None
    adapter = ModelAdapter.objects.select_related("workspace").get(id=adapter_id)
    workspace = adapter.workspace
    started = time.monotonic()
    try:
        result, summary = _train(
            adapter, weights_dir=adapter.base_weights_dir, seed=seed, on_step=on_step, should_cancel=should_cancel
        )
        if workspace is None:
            _check_consent_kept(summary)
        parent = Path(out_dir) if out_dir else (
            Path(settings.SHOPREEL_TRAINING_DIR) / adapter.vertical / (workspace.slug if workspace else "_vertical")
        )
        from generation.training.loop import save_adapter

        path = save_adapter(
            result,
            parent.resolve() / adapter.id.hex,
            metadata={
                "adapter": str(adapter.id),
                "vertical": adapter.vertical,
                "workspace": str(adapter.workspace_id or ""),
                "pipeline": adapter.pipeline,
                "base_fingerprint": adapter.base_fingerprint,
                "steps": adapter.steps,
                "rank": adapter.rank,
                "losses": result.losses,
                "dataset": summary.as_dict(),
            },
        )
    except Exception as exc:
        message = _plain(exc)
        ModelAdapter.objects.filter(id=adapter.id).update(
            state=ModelAdapter.State.FAILED,
            error=message,
            finished_at=timezone.now(),
            seconds=time.monotonic() - started,
        )
        logger.warning("training: adapter failed", extra={"adapter": str(adapter.id), "error": message})
        if isinstance(exc, ApplicationError):
            raise
        if isinstance(exc, _PLAIN_ERRORS) or type(exc).__name__ == "OutOfMemoryError":
            code = "cancelled" if isinstance(exc, TrainingCancelled) else "training_failed"
            raise ApplicationError(message, code=code) from exc
        raise
    ModelAdapter.objects.filter(id=adapter.id).update(
        state=ModelAdapter.State.READY,
        path=str(path),
        final_loss=result.final_loss,
        losses=result.losses,
        dataset=summary.as_dict(),
        finished_at=timezone.now(),
        seconds=time.monotonic() - started,
    )
    adapter.refresh_from_db()
    logger.info(
        "training: adapter ready",
        extra={"adapter": str(adapter.id), "path": str(path), "final_loss": result.final_loss},
    )
    return adapter


def model_adapter_train_start(
    *, vertical: str, workspace=None, steps: int, rank: int | None = None
) -> ModelAdapter:
    """Hand a fine-tuning run to a gpu worker (queue ``SHOPREEL_QUEUE_GPU``): the row is made
    here (state queued) and the task, which takes its id, is sent once the caller's
    transaction commits. The task's id is the row's id."""
    adapter = model_adapter_create(vertical=vertical, workspace=workspace, steps=steps, rank=rank)
    adapter_id = str(adapter.id)
    outbox_send_on_commit(workflow.finetune_signature(adapter_id).set(task_id=adapter_id))
    return adapter


def model_adapter_cancel(*, adapter_id) -> bool:
    """Ask a queued or running training to stop at its next step; False when it is neither."""
    return bool(
        ModelAdapter.objects.filter(
            id=adapter_id, state__in=[ModelAdapter.State.QUEUED, ModelAdapter.State.TRAINING]
        ).update(cancel_requested=True)
    )


def _train(adapter: ModelAdapter, *, weights_dir: str, seed: int, on_step, should_cancel):
    import importlib.util

    if not weights_dir:
        raise ApplicationError(
            "No base weights configured: set SHOPREEL_DIFFUSION_WEIGHTS_DIR to a diffusers weights directory.",
            code="no_weights",
        )
    if not (Path(weights_dir) / "model_index.json").is_file():
        raise ApplicationError(
            f"The base weights directory {weights_dir} has no model_index.json.", code="no_weights"
        )
    for module in ("torch", "diffusers", "peft", "accelerate"):
        if importlib.util.find_spec(module) is None:
            raise ApplicationError(
                f"{module} is not installed on this worker (the `ml` extra).", code="no_ml"
            )
    device = settings.SHOPREEL_DIFFUSION_DEVICE
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise ApplicationError("No CUDA GPU on this worker (SHOPREEL_DIFFUSION_DEVICE=cuda).", code="no_gpu")
    from generation.training.fingerprint import weights_fingerprint

    adapter.base_fingerprint = weights_fingerprint(weights_dir)
    ModelAdapter.objects.filter(id=adapter.id).update(base_fingerprint=adapter.base_fingerprint)
    # Photos and clips as local files for the whole run (downloads, with media in a bucket).
    with media_storage.downloads():
        return _train_items(adapter, weights_dir=weights_dir, seed=seed, device=device,
                            on_step=on_step, should_cancel=should_cancel)


def _train_items(adapter: ModelAdapter, *, weights_dir: str, seed: int, device: str, on_step, should_cancel):
    from generation.training.data import training_items_for
    from generation.training.loop import TrainConfig, train_lora

    items, summary = training_items_for(
        vertical=adapter.vertical,
        workspace=adapter.workspace,
        photos=settings.SHOPREEL_TRAINING_PHOTOS_PER_PRODUCT,
    )
    ModelAdapter.objects.filter(id=adapter.id).update(dataset=summary.as_dict())
    config = TrainConfig(
        pipeline=adapter.pipeline,
        weights_dir=weights_dir,
        steps=adapter.steps,
        rank=adapter.rank,
        learning_rate=adapter.learning_rate,
        grad_accum=settings.SHOPREEL_TRAINING_GRAD_ACCUM,
        mixed_precision=settings.SHOPREEL_TRAINING_MIXED_PRECISION,
        device=device,
        width=settings.SHOPREEL_TRAINING_WIDTH,
        height=settings.SHOPREEL_TRAINING_HEIGHT,
        num_frames=settings.SHOPREEL_TRAINING_NUM_FRAMES,
        seed=seed,
    )
    result = train_lora(config, items, on_step=on_step, should_cancel=_cancel_check(adapter.id, should_cancel))
    return result, summary


def _check_consent_kept(summary) -> None:
    """Refuse to register a vertical-wide adapter when a workspace it learnt from opted out of
    shared training while it trained (checked before anything is stored)."""
    from accounts.models import Workspace

    withdrawn = Workspace.objects.filter(id__in=summary.workspace_ids, share_for_training=False).count()
    if withdrawn:
        raise ApplicationError(
            f"{withdrawn} of the workspaces this adapter learnt from stopped sharing their products "
            "for training while it trained: it was not stored or registered; train it again.",
            code="consent_withdrawn",
        )


def _cancel_check(adapter_id, should_cancel):
    """The caller's flag, and the row's ``cancel_requested`` read at most every 2 s."""
    last = {"at": 0.0, "value": False}

    def check() -> bool:
        if should_cancel is not None and should_cancel():
            return True
        now = time.monotonic()
        if now - last["at"] >= CANCEL_POLL_SECONDS:
            last["at"] = now
            last["value"] = ModelAdapter.objects.filter(id=adapter_id, cancel_requested=True).exists()
        return last["value"]

    return check


def _plain(exc: BaseException) -> str:
    """The failure in words for the row: our own messages as they are, others by kind."""
    if isinstance(exc, ApplicationError):
        return exc.message
    if isinstance(exc, TrainingCancelled):
        return f"Cancelled: {exc}."
    if type(exc).__name__ == "OutOfMemoryError":
        return "Training ran out of GPU memory: lower SHOPREEL_TRAINING_WIDTH/HEIGHT/NUM_FRAMES or the rank."
    if isinstance(exc, _PLAIN_ERRORS):
        return f"Training failed: {exc}"
    return f"Training failed ({type(exc).__name__}); see the worker log."
