"""/healthz answers while the process lives; /readyz says which of the database, cache, broker
and media store fail, with 503, and never leaks their addresses."""

from __future__ import annotations

import shutil

import pytest

from tests.servers import free_port, redis_server


@pytest.mark.django_db
def test_liveness_answers_without_checking_anything(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_ready_when_database_cache_and_media_answer(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["checks"] == {"database": "ok", "cache": "ok", "media": "ok"}
    assert body["outbox"] == {"unsent": 0, "oldest_seconds": None} and "queues" not in body
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_an_unreachable_broker_is_named_but_its_address_is_not(client, settings):
    port = free_port()
    settings.CELERY_BROKER_URL = f"redis://:s3cret@127.0.0.1:{port}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "media": "ok", "broker": "failing"}
    assert str(port) not in response.content.decode() and "s3cret" not in response.content.decode()


@pytest.mark.django_db
def test_a_media_store_that_cannot_be_written_is_not_ready(client, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.MEDIA_ROOT = str(blocker / "media")  # cannot exist, whoever runs the test
    settings.CELERY_BROKER_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["checks"]["media"] == "failing"


@pytest.mark.services
@pytest.mark.django_db
@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")
def test_readiness_follows_a_real_redis_going_down(client, settings):
    with redis_server(free_port()) as url:
        settings.CELERY_BROKER_URL = url
        assert client.get("/readyz").status_code == 200
    response = client.get("/readyz")  # the server is gone now
    assert response.status_code == 503 and response.json()["checks"]["broker"] == "failing"


@pytest.mark.django_db
def test_an_outbox_message_waiting_too_long_makes_it_degraded_but_still_ready(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import OutboxMessage

    settings.CELERY_BROKER_URL = ""
    settings.SHOPREEL_OUTBOX_AGE_WARN = 300
    message = OutboxMessage.objects.create(signature={"task": "products.import_product"}, next_attempt_at=timezone.now())
    OutboxMessage.objects.filter(id=message.id).update(created_at=timezone.now() - timedelta(minutes=10))
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and body["outbox"]["unsent"] == 1
    assert 595 <= body["outbox"]["oldest_seconds"] <= 660
    assert body["warnings"] == [
        f"outbox: a task has waited {body['outbox']['oldest_seconds']} s to be sent (more than 300): "
        "is the broker down, or beat not running?"
    ]


@pytest.mark.services
@pytest.mark.django_db
@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")
def test_queue_depths_count_the_celery_messages_waiting_and_warn_over_the_threshold(client, settings):
    from celery import signature

    from config.celery_app import app
    from tests.accounts.test_outbox import _use_broker

    previous = app.conf.broker_url
    with redis_server(free_port()) as url:
        settings.CELERY_BROKER_URL = url
        _use_broker(app, url)
        try:
            for _ in range(3):
                signature("products.import_product", args=["p"], queue=settings.SHOPREEL_QUEUE_DEFAULT).apply_async()
            signature("generation.render_ad", args=["j"], queue=settings.SHOPREEL_QUEUE_RENDER).apply_async(priority=5)
        finally:
            _use_broker(app, previous)
        body = client.get("/readyz").json()
        assert body["status"] == "ok" and "warnings" not in body
        assert body["queues"] == {settings.SHOPREEL_QUEUE_DEFAULT: 3, settings.SHOPREEL_QUEUE_RENDER: 1,
                                  settings.SHOPREEL_QUEUE_GPU: 0}
        settings.SHOPREEL_QUEUE_DEPTH_WARN = 2
        response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["warnings"] == [f"queue {settings.SHOPREEL_QUEUE_DEFAULT}: 3 messages waiting (more than 2)"]


def test_the_worker_probe_exits_1_when_the_broker_cannot_be_reached():
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "CELERY_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0"}
    done = subprocess.run([sys.executable, "manage.py", "worker_health", "--timeout", "1"],
                          cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "no worker reached" in done.stderr and not done.stdout


@pytest.mark.services
@pytest.mark.django_db
def test_the_worker_probe_passes_while_a_worker_of_the_queue_answers(settings, redis_url, postgres, tmp_path):
    import io
    import json

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from tests.workers import celery_workers, wait_for

    render, gpu = settings.SHOPREEL_QUEUE_RENDER, settings.SHOPREEL_QUEUE_GPU

    def probe(*args) -> dict:
        out = io.StringIO()
        call_command("worker_health", *args, stdout=out)
        return json.loads(out.getvalue())

    def answers(*args) -> bool:
        try:
            return bool(probe(*args))
        except CommandError:
            return False

    with celery_workers({"render": render}, redis_url=redis_url, allow_hosts="", log_dir=tmp_path) as (_p, logs):
        wait_for(lambda: answers("--timeout", "1"), timeout=60, what="the worker answering", log=logs["render"])
        [name] = probe("--queue", render, "--timeout", "2")["workers"]
        assert name.startswith("render-")
        assert probe("--worker", name, "--timeout", "2")["workers"] == [name]
        with pytest.raises(CommandError, match=f"consuming queue {gpu}"):
            probe("--queue", gpu, "--timeout", "1")
        with pytest.raises(CommandError, match="no worker nobody@nowhere"):
            probe("--worker", "nobody@nowhere", "--timeout", "1")
    with pytest.raises(CommandError, match="answered within 1 s"):  # the worker stopped
        probe("--timeout", "1")
