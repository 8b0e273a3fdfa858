"""Celery tasks: thin wrappers that take ids and call a service.

The pipeline is a canvas: scrape → script → chord(group(one task per shot) → render).
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
    from generation.models import RenderJob, Shot
    from generation.services import job_build_script

    job_build_script(job_id=job_id)
    job = RenderJob.objects.get(id=job_id)
    if job.is_finished or job.ad_id is None:
        return None
    shots = Shot.objects.filter(ad_id=job.ad_id).order_by("index")
    header = group(
        generate_shot.si(job_id, str(shot.id)).set(queue=_shot_queue(shot)) for shot in shots
    )
    return self.replace(chord(header, render_ad.si(job_id).set(queue=settings.SHOPREEL_QUEUE_RENDER)))


@shared_task(name="generation.generate_shot")
def generate_shot(job_id: str, shot_id: str) -> None:
    from generation.services import job_shot_generate

    job_shot_generate(job_id=job_id, shot_id=shot_id)


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
