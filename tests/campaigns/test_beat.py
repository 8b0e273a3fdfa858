"""The engine as deployed: a real ``celery beat -S django`` process and a real worker, against
the test's Redis and PostgreSQL; a one-off campaign a few seconds ahead runs exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import DomainEvent
from campaigns.beat import PERIODIC_TASK_NAME, periodic_task_ensure
from campaigns.models import CampaignRun
from campaigns.services import campaign_create
from products.models import Product
from tests.factories import ProductFactory
from tests.workers import ROOT, celery_workers

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _beat(*, redis_url: str, log_dir) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "-S",
            "django",
            "--loglevel",
            "INFO",
            "--max-interval",
            "1",
            "--pidfile",
            "",
        ],
        cwd=ROOT,
        env=env,
        stdout=(log_dir / "beat.log").open("w"),
        stderr=subprocess.STDOUT,
    )


def test_beat_and_a_worker_run_a_one_off_campaign_once(postgres, redis_url, workspace, tmp_path):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    periodic_task_ensure()
    every_second, _ = IntervalSchedule.objects.get_or_create(
        every=1, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.filter(name=PERIODIC_TASK_NAME).update(interval=every_second)
    # Out of stock: the run decides and completes without rendering anything.
    product = ProductFactory(
        workspace=workspace,
        price=Decimal("9.00"),
        currency="EUR",
        availability="OutOfStock",
        fetched_with=Product.FetchedWith.MANUAL,
    )
    at = (timezone.now() + timedelta(seconds=4)).replace(microsecond=0)
    campaign = campaign_create(
        workspace=workspace,
        data={
            "name": "One-off",
            "products": [str(product.id)],
            "formats": ["9:16"],
            "languages": ["en"],
            "length": 6,
            "schedule": {"at": at.isoformat(), "timezone": "UTC"},
        },
    )
    assert campaign.next_run_at == at

    with celery_workers(
        {"default": "default"}, redis_url=redis_url, allow_hosts="", log_dir=tmp_path
    ) as (_procs, logs):
        beat = _beat(redis_url=redis_url, log_dir=tmp_path)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if CampaignRun.objects.filter(
                    campaign=campaign, state=CampaignRun.State.COMPLETED
                ).exists():
                    break
                time.sleep(0.5)
            time.sleep(4)  # more ticks after the slot: none may start it again
        finally:
            beat.send_signal(signal.SIGTERM)
            beat.wait(timeout=20)
    beat_log = (tmp_path / "beat.log").read_text()
    worker_log = logs["default"].read_text()
    runs = list(CampaignRun.objects.filter(campaign=campaign))
    assert len(runs) == 1, (beat_log[-2000:], worker_log[-4000:])
    run = runs[0]
    assert run.slot == at and run.trigger == "schedule"
    assert run.state == CampaignRun.State.COMPLETED, worker_log[-4000:]
    assert run.counts == {"regenerated": 0, "unchanged": 0, "skipped": 1, "failed": 0}
    assert (
        beat_log.count("Sending due task campaigns: run what is due") >= 5
    )  # it ticked on after the run
    assert list(
        DomainEvent.objects.filter(subject_id=run.id)
        .order_by("created_at")
        .values_list("type", flat=True)
    ) == [
        "campaign.run.started",
        "campaign.run.completed",
    ]
    campaign.refresh_from_db()
    assert campaign.next_run_at is None  # a one-off has no next run
