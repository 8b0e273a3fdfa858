"""The server stack for real: a Celery worker against Redis and PostgreSQL sends a webhook,
gets a 500, schedules its retry through the broker (apply_async countdown) and succeeds."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from accounts.webhooks.models import WebhookDelivery
from accounts.webhooks.services import webhook_endpoint_create, webhook_event_emit
from accounts.webhooks.signing import verify_signature
from tests.workers import celery_workers

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_retries_through_the_broker_and_logs_both_attempts(
    redis_url, postgres, workspace, receiver, tmp_path
):
    with celery_workers(
        {"test": "default"}, redis_url=redis_url, allow_hosts=receiver.host_port, log_dir=tmp_path,
        env={"SHOPREEL_WEBHOOK_RETRY_DELAYS": "1"},
    ) as (processes, logs):
        process, log = processes[0], logs["test"]
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
    worker_log = log.read_text()
    assert delivery.state == WebhookDelivery.State.SUCCEEDED, worker_log[-3000:]
    assert [a["status"] for a in delivery.attempt_log] == [500, 200]
    assert "accounts.deliver_webhook" in worker_log
    assert len(receiver.requests) == 2
    for request in receiver.requests:
        verify_signature(body=request.body, header=request.headers["Shopreel-Signature"], secret=secret)
