"""The main job, in-process: a product link to a finished, decodable ad."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import OutboxMessage
from core.errors import ApplicationError, InvalidInput
from generation import services
from generation.models import RenderJob, RenderOutput, Shot
from tests.media import probe

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SHORT = {"length": 6}


def _first_demo_url(shop) -> str:
    return next(iter(shop.product_urls.values()))


def test_product_link_becomes_a_captioned_voiced_ad(workspace, allow_demo_shop):
    job = services.job_create(workspace=workspace, url=_first_demo_url(allow_demo_shop), options=SHORT)
    job = services.job_run_inline(job_id=job.id)

    assert job.state == RenderJob.State.SUCCEEDED, job.error
    assert job.progress == 100 and job.stage == RenderJob.Stage.DONE
    assert job.product.title and job.product.images.count() >= 1
    output = job.outputs.get()
    media = Path(settings.MEDIA_ROOT)
    facts = probe(media / output.video.name)
    assert (facts.width, facts.height) == (1080, 1920)
    assert facts.fps == pytest.approx(30)
    assert abs(facts.duration - job.ad.script["length"]) <= 1 / 30 + 1e-6
    assert facts.audio_duration == pytest.approx(job.ad.script["length"], abs=0.1)
    assert facts.audio_peak > 0.05  # voice and music are audible, not silence
    assert (media / output.poster.name).stat().st_size > 10_000
    srt = (media / output.srt.name).read_text()
    first_caption = next(s["caption"] for s in job.ad.script["scenes"] if s["caption"])
    assert first_caption.splitlines()[0] in srt
    assert all(shot.backend == "motion" for shot in job.ad.shots.all())
    assert not OutboxMessage.objects.exists(), "in-process: nothing is queued for a broker"


def test_a_stage_run_again_does_its_work_once(workspace, allow_demo_shop):
    """A task redelivered after its worker died finds the work done and changes nothing."""
    job = services.job_create(workspace=workspace, url=_first_demo_url(allow_demo_shop), options=SHORT)
    job = services.job_run_inline(job_id=job.id)
    video = Path(settings.MEDIA_ROOT) / job.outputs.get().video.name
    mtime = video.stat().st_mtime_ns
    attempts = list(job.ad.shots.values_list("attempts", flat=True))

    services.job_scrape(job_id=job.id)
    services.job_build_script(job_id=job.id)
    for shot in job.ad.shots.all():
        services.shot_generate(shot_id=shot.id)
    services.job_render(job_id=job.id)

    job.refresh_from_db()
    assert job.state == RenderJob.State.SUCCEEDED
    assert RenderOutput.objects.filter(job=job).count() == 1
    assert video.stat().st_mtime_ns == mtime
    assert list(job.ad.shots.values_list("attempts", flat=True)) == attempts
    assert job.product.images.count() == len({image.phash for image in job.product.images.all()})


def test_render_interrupted_midway_is_redone_into_place(workspace, allow_demo_shop):
    """A worker that died while rendering left the job in the render stage: running the
    stage again finishes it, with one output per format."""
    job = services.job_create(
        workspace=workspace, url=_first_demo_url(allow_demo_shop), options={**SHORT, "formats": ["1:1"]}
    )
    services.job_scrape(job_id=job.id)
    services.job_build_script(job_id=job.id)
    services.job_generate_shots(job_id=job.id)
    RenderJob.objects.filter(id=job.id).update(stage=RenderJob.Stage.RENDER, progress=40)

    services.job_render(job_id=job.id)

    job.refresh_from_db()
    assert job.state == RenderJob.State.SUCCEEDED
    output = job.outputs.get()
    assert (output.width, output.height) == (1080, 1080)


def test_unreachable_page_fails_the_job_in_plain_words(workspace, settings):
    settings.SHOPREEL_FETCH_ALLOW_HOSTS = ["127.0.0.1:9"]
    job = services.job_create(workspace=workspace, url="http://127.0.0.1:9/products/x")
    with pytest.raises(ApplicationError):
        services.job_run_inline(job_id=job.id)
    job.refresh_from_db()
    assert job.state == RenderJob.State.FAILED
    assert job.error and "Traceback" not in job.error
    assert job.product.status == job.product.Status.FAILED
    assert job.product.error == job.error


def test_private_address_is_refused_before_any_fetch(workspace):
    job = services.job_create(workspace=workspace, url="http://127.0.0.1:8000/admin/")
    with pytest.raises(ApplicationError):
        services.job_run_inline(job_id=job.id)
    job.refresh_from_db()
    assert job.state == RenderJob.State.FAILED
    assert job.error_code == "url_blocked"


def test_cancelled_job_stops_and_leaves_no_video(workspace, allow_demo_shop):
    job = services.job_create(workspace=workspace, url=_first_demo_url(allow_demo_shop), options=SHORT)
    services.job_scrape(job_id=job.id)
    services.job_build_script(job_id=job.id)
    services.job_generate_shots(job_id=job.id)
    services.job_cancel(job=job)

    services.job_render(job_id=job.id)

    job.refresh_from_db()
    assert job.state == RenderJob.State.CANCELLED
    assert not job.outputs.exists()
    assert all(shot.state == Shot.State.DONE for shot in job.ad.shots.all())  # nothing made is lost


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"formats": ["3:2"]}, "Unknown format"),
        ({"length": 600}, "between 3 and 60"),
        ({"template": "no-such-template"}, "no-such-template"),
        ({"colour": "red"}, "Unknown option"),
    ],
)
def test_bad_options_are_refused_before_any_work(workspace, options, message):
    with pytest.raises(InvalidInput, match=message):
        services.job_create(workspace=workspace, url="https://shop.example.com/p/1", options=options)
    assert not RenderJob.objects.exists()
