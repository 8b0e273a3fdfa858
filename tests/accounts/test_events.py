"""Domain events: recorded once in the transaction that finished the work, handed to every
consumer, and a consumer's failure never fails the work that emitted the event."""

from __future__ import annotations

import pytest
from django.db import transaction

from accounts import events
from accounts.models import DomainEvent
from accounts.webhooks.models import WebhookDelivery
from accounts.webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def consumers(monkeypatch):
    """Registrations made in a test are dropped after it (the webhook consumer stays)."""
    registry = {key: list(value) for key, value in events._consumers.items()}
    monkeypatch.setattr(events, "_consumers", registry)
    return registry


def test_every_consumer_gets_the_event_and_a_failing_one_is_rolled_back_alone(workspace, consumers, caplog):
    seen = []

    def broken(event):
        DomainEvent.objects.create(workspace=workspace, type="written.by.broken", data={})
        raise RuntimeError("consumer bug")

    events.event_consumer_register(broken, types=("thing.done",))
    events.event_consumer_register(lambda event: seen.append((event.type, event.data)), types=("*",))
    with transaction.atomic():
        event = events.event_record(workspace_id=workspace.id, type="thing.done", data={"n": 1})

    assert seen == [("thing.done", {"n": 1})]
    assert DomainEvent.objects.get(id=event.id).data == {"n": 1}
    assert not DomainEvent.objects.filter(type="written.by.broken").exists()  # its savepoint rolled back
    assert "event consumer failed" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_an_event_outside_a_transaction_is_refused(workspace):
    with pytest.raises(RuntimeError, match="outside a transaction"):
        events.event_record(workspace_id=workspace.id, type="thing.done", data={})
    assert not DomainEvent.objects.exists()


def test_a_job_failed_twice_records_one_event_and_its_delivery_carries_the_events_id(
    workspace, django_capture_on_commit_callbacks
):
    from generation import services as generation

    webhook_endpoint_create(workspace=workspace, url="https://hooks.example.com/in", events=["ad.failed"])
    job = generation.job_create(workspace=workspace, url="https://shop.example.com/products/x")
    with django_capture_on_commit_callbacks(execute=False):
        generation.job_fail(job_id=job.id, code="fetch_failed", message="The shop did not answer.")
        generation.job_fail(job_id=job.id, code="again", message="a redelivered task fails it again")

    [event] = DomainEvent.objects.filter(workspace=workspace)
    assert (event.type, event.subject_id) == ("ad.failed", job.id)
    assert event.data["job"]["error"] == "The shop did not answer." and event.data["ad"] is None
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.event_id == event.id and delivery.payload["data"] == event.data


def test_another_workspaces_endpoints_get_nothing(workspace, other_workspace, django_capture_on_commit_callbacks):
    webhook_endpoint_create(workspace=other_workspace, url="https://hooks.example.com/in", events=["ad.failed"])
    with transaction.atomic(), django_capture_on_commit_callbacks(execute=False):
        events.event_record(workspace_id=workspace.id, type="ad.failed", data={})
    assert not WebhookDelivery.objects.exists()
