"""Webhook URLs and receivers that break the HTTP client: a host name that is not valid IDNA
(at registration, at delivery, in a redirect's Location) and a body encoded twice. Each ends
in a refusal or a logged attempt, never a crashed task and a delivery stuck pending."""

from __future__ import annotations

import gzip
import tracemalloc

import pytest

from accounts.webhooks.models import WebhookDelivery, WebhookEndpoint
from accounts.webhooks.services import (
    webhook_delivery_attempt,
    webhook_endpoint_create,
    webhook_endpoint_ping,
    webhook_event_emit,
)
from accounts.webhooks.tasks import deliver_webhook
from core.errors import InvalidInput
from tests.api.test_matrix import assert_error

pytestmark = pytest.mark.django_db

BAD_IDNA = "https://xn--lcalhost-1of/hook"
ALL = ["product.imported", "ad.completed", "ad.failed"]


def test_registration_refuses_an_invalid_idna_host(api, workspace):
    with pytest.raises(InvalidInput, match="not a valid host name") as info:
        webhook_endpoint_create(workspace=workspace, url=BAD_IDNA, events=ALL)
    assert info.value.code == "webhook_url_refused"
    response = api.client("owner").post("/api/v1/webhooks/", {"url": BAD_IDNA, "events": ALL}, format="json")
    assert "not a valid host name" in assert_error(response, 400, "webhook_url_refused")["message"]
    assert not WebhookEndpoint.objects.exists()


def test_a_delivery_to_an_invalid_idna_host_fails_with_a_logged_attempt(workspace):
    endpoint, _ = webhook_endpoint_create(workspace=workspace, url="https://hooks.example.com/x", events=ALL)
    WebhookEndpoint.objects.filter(id=endpoint.id).update(url=BAD_IDNA)  # saved before the rule
    [delivery] = webhook_event_emit(workspace=workspace, event="ad.completed", data={})
    deliver_webhook(str(delivery.id))
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.FAILED and delivery.attempts == 1
    assert "not a valid host name" in delivery.error and "refused" in delivery.error
    [entry] = delivery.attempt_log
    assert entry["attempt"] == 1 and "not a valid host name" in entry["error"]
    assert delivery.claimed_until is None


def test_a_redirect_to_an_invalid_idna_host_is_a_logged_attempt(workspace, receiver):
    receiver.script = [(302, {"Location": BAD_IDNA}, b"")]
    endpoint, _ = webhook_endpoint_create(workspace=workspace, url=receiver.url(), events=ALL)
    delivery = webhook_endpoint_ping(endpoint=endpoint)
    deliver_webhook(str(delivery.id))
    delivery.refresh_from_db()
    assert len(receiver.requests) == 1
    assert delivery.state == WebhookDelivery.State.FAILED  # a ping is tried once
    assert "not a valid host name" in delivery.error and len(delivery.attempt_log) == 1


def test_an_answer_encoded_twice_is_not_inflated(workspace, receiver):
    bomb = gzip.compress(gzip.compress(b"\0" * 100_000_000, 9), 9)
    receiver.script = [(200, {"Content-Encoding": "gzip, gzip"}, bomb)]
    endpoint, _ = webhook_endpoint_create(workspace=workspace, url=receiver.url(), events=ALL)
    delivery = webhook_endpoint_ping(endpoint=endpoint)
    tracemalloc.start()
    try:
        deliver_webhook(str(delivery.id))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.SUCCEEDED and delivery.response_excerpt == ""
    assert peak < 20_000_000, f"peak {peak / 1e6:.1f} MB"


def test_a_crash_inside_the_client_is_a_logged_attempt_not_a_stuck_delivery(workspace, caplog):
    class Broken:
        def post(self, url, **kwargs):
            raise UnicodeError("a client bug")

        def close(self):
            pass

    webhook_endpoint_create(workspace=workspace, url="https://hooks.example.com/x", events=ALL)
    [delivery] = webhook_event_emit(workspace=workspace, event="ad.completed", data={})
    delivery = webhook_delivery_attempt(delivery_id=delivery.id, sender=Broken())
    assert delivery.state == WebhookDelivery.State.RETRYING and len(delivery.attempt_log) == 1
    assert "internal error" in delivery.error and delivery.claimed_until is None
    assert "webhook send crashed" in caplog.text
