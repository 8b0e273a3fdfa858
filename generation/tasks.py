"""Celery tasks: thin wrappers that take ids and call a service.

The pipeline is a canvas: scrape → script → chord(group(one task per shot, or per batch of
gpu shots for one model) → render).
The shots are only known once the script exists, so ``build_script`` replaces itself with
the chord. Failures are recorded on the RenderJob by the services before the task fails.
"""

from __future__ import annotations

from celery import chain, chord, group, shared_task
from django.conf import settings


@shared_task(name="generation.scrape_product")
def scrape_product(job_id: str) -> None:
    from generation.services import job_scrape

    job_scrape(job_id=job_id)


@shared_task(bind=True, name="generation.build_script")
def build_script(self, job_id: str):
    from generation.models import RenderJob
    from generation.services import job_build_script

    job_build_script(job_id=job_id)
    job = RenderJob.objects.get(id=job_id)
    if job.is_finished or job.ad_id is None:
        return None
    return self.replace(shots_signature(job_id, job.ad_id))


def shots_signature(job_id: str, ad_id):
    """chord(one task per batch of shots → render_ad). A batch of several shots (same batching
    backend and model, see shots.shot_batches) is one generate_shots task on the gpu
    queue; a shot alone is a generate_shot task on its backend's queue."""
    from generation.models import Shot
    from generation.shots import shot_batches

    shots = {shot.id: shot for shot in Shot.objects.filter(ad_id=ad_id)}
    header = []
    for batch in shot_batches(ad_id=ad_id):
        if len(batch) > 1:
            ids = [str(shot_id) for shot_id in batch]
            header.append(generate_shots.si(job_id, ids).set(queue=settings.SHOPREEL_QUEUE_GPU))
        else:
            queue = _shot_queue(shots[batch[0]])
            header.append(generate_shot.si(job_id, str(batch[0])).set(queue=queue))
    return chord(group(header), render_ad.si(job_id).set(queue=settings.SHOPREEL_QUEUE_RENDER))


@shared_task(bind=True, name="generation.generate_shot")
def generate_shot(self, job_id: str, shot_id: str) -> None:
    from generation.services import job_shot_generate

    job_shot_generate(job_id=job_id, shot_id=shot_id, claimant=self.request.id or "")


@shared_task(bind=True, name="generation.generate_shots")
def generate_shots(self, job_id: str, shot_ids: list[str]) -> None:
    """A batch of one ad's shots for one model, made together on a gpu worker."""
    from generation.services import job_shots_generate

    job_shots_generate(job_id=job_id, shot_ids=shot_ids, claimant=self.request.id or "")


@shared_task(name="generation.render_ad")
def render_ad(job_id: str) -> None:
    from generation.services import job_render

    job_render(job_id=job_id)


def _shot_queue(shot) -> str:
    """Shots whose first backend needs a GPU go to the gpu queue; motion shots are CPU work."""
    from generation.backends.registry import GPU_BACKENDS, backend_names

    gpu = backend_names(shot.shot_type)[0] in GPU_BACKENDS
    return settings.SHOPREEL_QUEUE_GPU if gpu else settings.SHOPREEL_QUEUE_RENDER


def pipeline_signature(job_id: str):
    return chain(
        scrape_product.si(job_id).set(queue=settings.SHOPREEL_QUEUE_DEFAULT),
        build_script.si(job_id).set(queue=settings.SHOPREEL_QUEUE_DEFAULT),
    )


@shared_task(
    name="generation.finetune_adapter",
    soft_time_limit=settings.SHOPREEL_TRAINING_TIME_LIMIT,
    time_limit=settings.SHOPREEL_TRAINING_TIME_LIMIT + 60,
)
def finetune_adapter(
    vertical: str, workspace_id: str | None, steps: int, rank: int | None = None
) -> str:
    """Fine-tune and register a LoRA adapter (gpu queue); returns the ModelAdapter id. A
    failure is recorded on the row (state failed, plain message) before the task fails."""
    from accounts.models import Workspace
    from generation.training.services import model_adapter_train

    workspace = Workspace.objects.get(id=workspace_id) if workspace_id else None
    adapter = model_adapter_train(vertical=vertical, workspace=workspace, steps=steps, rank=rank)
    return str(adapter.id)
