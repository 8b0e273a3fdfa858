"""The Celery canvases: a job's pipeline and a fine-tuning run, built by task name.

Signatures name their task (``"generation.render_ad"``) instead of importing
``generation.tasks``: the services that queue work import this module, the tasks import the
services and this module, and nothing imports back. The task names are defined here once and
``generation.tasks`` registers its functions under them. Queue names come from settings.

The pipeline: scrape → script → chord(group(one task per shot, or per batch of gpu shots for
one model) → render). The shots are only known once the script exists, so the script's service
queues ``shots_signature`` through the task outbox (accounts/outbox.py) in the transaction that
moves the job to its shots stage.
"""

from __future__ import annotations

from celery import chain, chord, group, signature
from celery.canvas import Signature
from django.conf import settings

from generation.backends.registry import GPU_BACKENDS, backend_names
from generation.models import Shot
from generation.shots import shot_batches

SCRAPE_PRODUCT = "generation.scrape_product"
BUILD_SCRIPT = "generation.build_script"
GENERATE_SHOT = "generation.generate_shot"
GENERATE_SHOTS = "generation.generate_shots"
RENDER_AD = "generation.render_ad"
FINETUNE_ADAPTER = "generation.finetune_adapter"


def _step(name: str, *args, queue: str) -> Signature:
    """An immutable signature of the task ``name`` (it ignores its parent's result)."""
    return signature(name, args=list(args), queue=queue, immutable=True)


def pipeline_signature(job_id: str) -> Signature:
    """scrape → script; the script's service then queues ``shots_signature``."""
    return chain(
        _step(SCRAPE_PRODUCT, job_id, queue=settings.SHOPREEL_QUEUE_DEFAULT),
        _step(BUILD_SCRIPT, job_id, queue=settings.SHOPREEL_QUEUE_DEFAULT),
    )


def shots_signature(job_id: str, ad_id) -> Signature:
    """chord(one task per batch of shots → render_ad). A batch of several shots (same batching
    backend and model, see shots.shot_batches) is one generate_shots task on the gpu
    queue; a shot alone is a generate_shot task on its backend's queue."""
    shots = {shot.id: shot for shot in Shot.objects.filter(ad_id=ad_id)}
    header = []
    for batch in shot_batches(ad_id=ad_id):
        if len(batch) > 1:
            ids = [str(shot_id) for shot_id in batch]
            header.append(_step(GENERATE_SHOTS, job_id, ids, queue=settings.SHOPREEL_QUEUE_GPU))
        else:
            header.append(_step(GENERATE_SHOT, job_id, str(batch[0]), queue=shot_queue(shots[batch[0]])))
    return chord(group(header), _step(RENDER_AD, job_id, queue=settings.SHOPREEL_QUEUE_RENDER))


def shot_queue(shot: Shot) -> str:
    """Shots whose first backend needs a GPU go to the gpu queue; motion shots are CPU work."""
    gpu = backend_names(shot.shot_type, generative=shot.ad.generative)[0] in GPU_BACKENDS
    return settings.SHOPREEL_QUEUE_GPU if gpu else settings.SHOPREEL_QUEUE_RENDER


def finetune_signature(adapter_id: str) -> Signature:
    """Train the queued ModelAdapter row ``adapter_id`` on a gpu worker."""
    return _step(FINETUNE_ADAPTER, adapter_id, queue=settings.SHOPREEL_QUEUE_GPU)


def stage_signature(job_id: str, stage: str, ad_id) -> Signature:
    """What carries a job on from ``stage`` (the watchdog resends it for a lost job)."""
    if stage == "scrape":
        return pipeline_signature(job_id)
    if stage == "script":
        return _step(BUILD_SCRIPT, job_id, queue=settings.SHOPREEL_QUEUE_DEFAULT)
    if stage == "shots":
        return shots_signature(job_id, ad_id)
    if stage == "render":
        return _step(RENDER_AD, job_id, queue=settings.SHOPREEL_QUEUE_RENDER)
    raise ValueError(f"a job at stage {stage!r} has nothing left to run")
