"""The server stack for real: a Celery worker against Redis and PostgreSQL sends a webhook,
gets a 500, schedules its retry through the broker (apply_async countdown) and succeeds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection, transaction

from accounts.webhooks.models import WebhookDelivery
from accounts.webhooks.services import webhook_endpoint_create, webhook_event_emit
from accounts.webhooks.signing import verify_signature

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_retries_through_the_broker_and_logs_both_attempts(
    redis_url, postgres, workspace, receiver, tmp_path
):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "SHOPREEL_FETCH_ALLOW_HOSTS": receiver.host_port,
        "SHOPREEL_WEBHOOK_RETRY_DELAYS": "1",
    }
    log = tmp_path / "worker.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "default", "-c", "1",
         "-n", f"test-{uuid.uuid4().hex[:8]}@%h", "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    try:
        receiver.script = [(500, {}, b"not yet")]
        _endpoint, secret = webhook_endpoint_create(workspace=workspace, url=receiver.url(), events=["ad.completed"])
        with transaction.atomic():
            [delivery] = webhook_event_emit(workspace=workspace, event="ad.completed", data={"ad": None})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            delivery.refresh_from_db()
            if delivery.state in ("succeeded", "failed"):
                break
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    worker_log = log.read_text()
    assert delivery.state == WebhookDelivery.State.SUCCEEDED, worker_log[-3000:]
    assert [a["status"] for a in delivery.attempt_log] == [500, 200]
    assert "accounts.deliver_webhook" in worker_log
    assert len(receiver.requests) == 2
    for request in receiver.requests:
        verify_signature(body=request.body, header=request.headers["Shopreel-Signature"], secret=secret)
