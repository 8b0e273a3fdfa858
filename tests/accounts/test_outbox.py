"""The task outbox: a job or import started while the broker is down is kept, the merchant's
request still succeeds, and the work is sent once the broker is back (accounts/outbox.py)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import outbox
from accounts.models import OutboxMessage
from generation import workflow
from generation.models import RenderJob
from generation.services import job_start
from tests.servers import free_port, redis_server


def _use_broker(app, url: str) -> None:
    """Point the Celery app's producer at ``url``, dropping its pooled connections."""
    from kombu import pools

    app.conf.broker_url = url
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(settings):
    """Celery's producer pointed at a port nothing listens on: Redis is down."""
    from config.celery_app import app

    url = f"redis://127.0.0.1:{free_port()}/0"
    previous = app.conf.broker_url
    _use_broker(app, url)
    settings.CELERY_BROKER_URL = url
    yield url
    _use_broker(app, previous)


@pytest.mark.django_db(transaction=True)
def test_a_job_started_while_the_broker_is_down_is_kept_not_lost(workspace, broker_down):
    job = job_start(workspace=workspace, url="https://shop.example/p/1")  # returns: nothing raised
    assert RenderJob.objects.get(id=job.id).state == RenderJob.State.QUEUED
    kept = OutboxMessage.objects.get()
    assert kept.attempts == 1 and kept.last_error
    assert json.dumps(kept.signature).count(str(job.id)) >= 2
    assert kept.next_attempt_at > timezone.now()


@pytest.mark.django_db
def test_a_flush_sends_what_is_due_and_backs_off_on_what_still_fails(workspace, monkeypatch):
    sent = []
    monkeypatch.setattr(outbox, "publish", lambda sig: sent.append(sig.tasks[0].args[0]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(outbox, "publish", lambda sig: (_ for _ in ()).throw(ConnectionError("refused")))
        message = outbox.outbox_send_on_commit(workflow.pipeline_signature("job-1"))
        assert not outbox.outbox_send(message_id=message.id)
    message.refresh_from_db()
    first_delay = message.next_attempt_at - timezone.now()
    assert timedelta(seconds=20) < first_delay <= timedelta(seconds=31)
    assert outbox.outbox_flush() == {"sent": 0, "kept": 0}, "not due yet"

    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    assert outbox.outbox_flush() == {"sent": 1, "kept": 0}
    assert sent == ["job-1"] and not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_backoff_grows_and_is_capped(workspace, monkeypatch):
    monkeypatch.setattr(outbox, "publish", lambda sig: (_ for _ in ()).throw(ConnectionError("refused")))
    message = outbox.outbox_send_on_commit(workflow.pipeline_signature("job-2"))
    delays = []
    for _ in range(10):
        OutboxMessage.objects.filter(id=message.id).update(next_attempt_at=timezone.now())
        outbox.outbox_flush()
        message.refresh_from_db()
        delays.append(round((message.next_attempt_at - timezone.now()).total_seconds()))
    assert delays == sorted(delays) and delays[-1] == outbox.BACKOFF_MAX_SECONDS
    assert message.attempts == 10


def _canvas(sig) -> tuple[list, tuple]:
    """A chord's header and body as (task name, arguments, queue)."""
    def step(task):
        return (task.task, list(task.args), task.options["queue"])

    return [step(task) for task in sig.tasks], step(sig.body)


@pytest.mark.django_db
def test_the_script_step_writes_the_shots_chord_with_the_shots_and_it_is_sent_whole(
    workspace, allow_demo_shop, monkeypatch
):
    """build_script's chord goes through the outbox: its row is written in the transaction that
    moves the job to its shots stage (no on-commit send in this test, so the row stays), and the
    stored JSON rebuilds the same chord: every shot task, then the render."""
    from celery import signature as celery_signature

    from generation import services, tasks

    sent = []
    monkeypatch.setattr(outbox, "publish", sent.append)
    job = services.job_create(workspace=workspace, url=next(iter(allow_demo_shop.product_urls.values())),
                              options={"length": 6})
    services.job_scrape(job_id=job.id)
    tasks.build_script(str(job.id))

    job.refresh_from_db()
    assert job.stage == RenderJob.Stage.SHOTS
    kept = [m for m in OutboxMessage.objects.all() if m.signature["task"] == "celery.chord"]
    assert len(kept) == 1
    expected = _canvas(workflow.shots_signature(str(job.id), job.ad_id))
    assert len(expected[0]) == job.ad.shots.count() >= 3
    assert _canvas(celery_signature(kept[0].signature)) == expected

    tasks.build_script(str(job.id))  # redelivered: the job is past its script, nothing queued again
    assert OutboxMessage.objects.filter(id=kept[0].id).count() == 1
    assert len([m for m in OutboxMessage.objects.all() if m.signature["task"] == "celery.chord"]) == 1

    assert outbox.outbox_send(message_id=kept[0].id)
    assert [_canvas(sig) for sig in sent] == [expected]
    assert not OutboxMessage.objects.filter(id=kept[0].id).exists()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_work_kept_during_an_outage_reaches_a_real_redis_once_it_is_back(workspace, settings):
    import redis

    from config.celery_app import app

    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    previous = app.conf.broker_url
    settings.CELERY_BROKER_URL = url
    _use_broker(app, url)
    try:
        job = job_start(workspace=workspace, url="https://shop.example/p/3")  # Redis is down
        assert OutboxMessage.objects.count() == 1

        with redis_server(port):
            _use_broker(app, url)
            OutboxMessage.objects.update(next_attempt_at=timezone.now())
            assert outbox.outbox_flush() == {"sent": 1, "kept": 0}, OutboxMessage.objects.get().last_error

            client = redis.Redis.from_url(url)
            waiting = [json.loads(raw) for raw in client.lrange(settings.SHOPREEL_QUEUE_DEFAULT, 0, -1)]
            client.close()
        assert [m["headers"]["task"] for m in waiting] == [workflow.SCRAPE_PRODUCT]
        assert str(job.id) in waiting[0]["headers"]["argsrepr"]
        assert not OutboxMessage.objects.exists()
    finally:
        _use_broker(app, previous)
