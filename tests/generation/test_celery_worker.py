"""The server stack for real: a Celery worker process against Redis and PostgreSQL runs the
canvas scrape → script → shots in parallel → render."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from generation import services
from generation.models import RenderJob
from tests.media import probe
from tests.workers import celery_workers

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.fixture
def worker(redis_url, postgres, allow_demo_shop, settings, tmp_path):
    with celery_workers(
        {"test": "default,gpu,render"}, redis_url=redis_url, allow_hosts=allow_demo_shop.host_port,
        log_dir=tmp_path, concurrency=2,
    ) as (processes, logs):
        yield processes[0], logs["test"]


@pytest.mark.django_db(transaction=True)
def test_real_worker_renders_an_ad_through_the_canvas(worker, workspace, allow_demo_shop, settings):
    process, log = worker
    url = next(iter(allow_demo_shop.product_urls.values()))

    job = services.job_start(workspace=workspace, url=url, options={"length": 6, "formats": ["9:16", "1:1"]})

    deadline = time.monotonic() + 240
    seen_progress = set()
    while time.monotonic() < deadline:
        job.refresh_from_db()
        seen_progress.add(job.progress)
        if job.is_finished or process.poll() is not None:
            break
        time.sleep(0.5)
    assert job.state == RenderJob.State.SUCCEEDED, f"{job.state}: {job.error}\n{log.read_text()[-3000:]}"
    assert job.progress == 100
    assert len(seen_progress) > 2  # the dashboard sees the bar move
    shots = list(job.ad.shots.all())
    assert shots and all(shot.state == "done" and shot.attempts == 1 for shot in shots)
    worker_log = log.read_text()
    for task in ("generation.scrape_product", "generation.build_script", "generation.generate_shot", "generation.render_ad"):
        assert task in worker_log
    outputs = {output.format: output for output in job.outputs.all()}
    assert set(outputs) == {"9:16", "1:1"}
    facts = probe(Path(settings.MEDIA_ROOT) / outputs["1:1"].video.name)
    assert (facts.width, facts.height) == (1080, 1080)
    assert abs(facts.duration - 6) <= 1 / 30 + 1e-6
