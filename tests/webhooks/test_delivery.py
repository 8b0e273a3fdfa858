"""Delivering events to a real receiver on loopback: signed as documented, retried with
backoff and logged, refused for hostile addresses at delivery time, and sent once per
endpoint however often a task is redelivered."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts import media_links
from accounts.webhooks.models import WebhookDelivery, WebhookEndpoint
from accounts.webhooks.services import (
    webhook_endpoint_create,
    webhook_endpoint_ping,
    webhook_event_emit,
)
from accounts.webhooks.signing import verify_signature
from accounts.webhooks.tasks import deliver_webhook
from products.services import product_import, product_scrape
from tests.servers import trickling_server

pytestmark = pytest.mark.django_db

ALL = ["product.imported", "ad.completed", "ad.failed"]


def _endpoint(workspace, receiver, *, path="/hook", events=ALL):
    return webhook_endpoint_create(workspace=workspace, url=receiver.url(path), events=events)


def _deliver_open() -> list[WebhookDelivery]:
    """What the workers would do: run the task for every delivery still to send."""
    for delivery_id in WebhookDelivery.objects.filter(state="pending").order_by("created_at").values_list("id", flat=True):
        deliver_webhook(str(delivery_id))
    return list(WebhookDelivery.objects.order_by("created_at"))


def _verified(request, secret) -> dict:
    """The receiver's side, as docs/API.md tells it: verify, then parse."""
    verify_signature(body=request.body, header=request.headers["Shopreel-Signature"], secret=secret)
    return json.loads(request.body)


def _time_passes(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(id=delivery.id).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


# ------------------------------------------------------------------ events end to end


def test_a_product_import_sends_product_imported_signed_in_the_apis_shape(
    api, allow_demo_shop, receiver, settings, django_capture_on_commit_callbacks
):
    settings.SHOPREEL_SITE_URL = "http://testserver"  # the API test client's host: the same absolute links
    workspace = api.home.workspace
    endpoint, secret = _endpoint(workspace, receiver)
    webhook_endpoint_create(workspace=workspace, url=receiver.url("/ads-only"), events=["ad.completed"])
    url = next(iter(allow_demo_shop.product_urls.values()))

    with django_capture_on_commit_callbacks(execute=False):
        product = product_import(workspace=workspace, url=url)
    [delivery] = _deliver_open()

    assert delivery.state == "succeeded" and delivery.attempts == 1 and delivery.last_status == 200
    [request] = receiver.requests
    assert request.path == "/hook"  # the endpoint not subscribed to product.imported got nothing
    payload = _verified(request, secret)
    assert request.headers["Shopreel-Event"] == "product.imported"
    assert request.headers["Shopreel-Delivery"] == payload["id"] == str(delivery.event_id)
    assert request.headers["Content-Type"] == "application/json"
    assert payload["type"] == "product.imported" and payload["created"].endswith("Z")
    assert _files_named(payload["data"]) == _files_named(api.client("owner").get(f"/api/v1/products/{product.id}/").json())
    assert payload["data"]["status"] == "imported" and payload["data"]["images"]
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_importing_the_same_product_again_in_a_redelivered_task_emits_once(
    workspace, allow_demo_shop, receiver, django_capture_on_commit_callbacks
):
    _endpoint(workspace, receiver)
    url = next(iter(allow_demo_shop.product_urls.values()))
    with django_capture_on_commit_callbacks(execute=False):
        product = product_import(workspace=workspace, url=url)
        product_scrape(product=product)  # the task ran again after the first finished
    assert WebhookDelivery.objects.filter(event_type="product.imported").count() == 1


def test_a_failed_import_sends_nothing(workspace, receiver, settings, django_capture_on_commit_callbacks):
    from tests.servers import serve

    _endpoint(workspace, receiver)
    with serve({}) as host, django_capture_on_commit_callbacks(execute=False):
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [*settings.SHOPREEL_FETCH_ALLOW_HOSTS, host]
        with pytest.raises(Exception, match="not found"):
            product_import(workspace=workspace, url=f"http://{host}/gone")
    assert not WebhookDelivery.objects.exists()


@pytest.mark.slow
def test_an_ad_render_sends_product_imported_then_ad_completed(
    api, allow_demo_shop, receiver, settings, django_capture_on_commit_callbacks
):
    from generation import services as generation

    settings.SHOPREEL_SITE_URL = "http://testserver"
    workspace = api.home.workspace
    _, secret = _endpoint(workspace, receiver)
    url = next(iter(allow_demo_shop.product_urls.values()))
    with django_capture_on_commit_callbacks(execute=False):
        job = generation.job_create(workspace=workspace, url=url, options={"length": 6})
        job = generation.job_run_inline(job_id=job.id)
        generation.job_render(job_id=job.id)  # the render task redelivered: nothing more
    assert job.state == "succeeded", job.error
    _deliver_open()

    events = [_verified(r, secret) for r in receiver.requests]
    assert [e["type"] for e in events] == ["product.imported", "ad.completed"]
    done = events[1]["data"]
    client = api.client("owner")
    assert _files_named(done["job"]) == _files_named(client.get(f"/api/v1/jobs/{job.id}/").json())
    assert _files_named(done["ad"]) == _files_named(client.get(f"/api/v1/ads/{job.ad_id}/").json())
    link = done["job"]["outputs"][0]["video"]
    assert done["job"]["state"] == "succeeded" and link.startswith("http://testserver/media-links/")
    assert client.get(link.removeprefix("http://testserver")).status_code == 200


def _files_named(body):
    """The body with each signed file link as the file it names, and no ``expires_at``: links
    made a second apart differ only in their timestamp, and the payload's links are the event's
    where the API's are its key's (the holder)."""
    if isinstance(body, dict):
        return {k: _files_named(v) for k, v in body.items() if k != "expires_at"}
    if isinstance(body, list):
        return [_files_named(v) for v in body]
    if isinstance(body, str) and "/media-links/" in body:
        target = media_links.unsign(body.rsplit("/media-links/", 1)[1].rstrip("/"))
        return (target.workspace_id, target.object_id, target.kind)
    return body


def test_a_failed_job_sends_ad_failed_once(workspace, receiver, settings, django_capture_on_commit_callbacks):
    from generation import services as generation

    _, secret = _endpoint(workspace, receiver)
    settings.SHOPREEL_FETCH_ALLOW_HOSTS = [*settings.SHOPREEL_FETCH_ALLOW_HOSTS, "127.0.0.1:9"]
    with django_capture_on_commit_callbacks(execute=False):
        job = generation.job_create(workspace=workspace, url="http://127.0.0.1:9/products/x")
        with pytest.raises(Exception):  # noqa: B017 (the job's error is what is checked)
            generation.job_run_inline(job_id=job.id)
        generation.job_fail(job_id=job.id, code="again", message="a redelivered task fails it again")
    _deliver_open()
    [request] = receiver.requests
    event = _verified(request, secret)
    job.refresh_from_db()
    assert event["type"] == "ad.failed" and event["data"]["ad"] is None
    assert event["data"]["job"]["state"] == "failed" and event["data"]["job"]["error"] == job.error
    assert "redelivered task" not in json.dumps(event) and job.error_code != "again"


def test_inactive_or_unsubscribed_endpoints_get_nothing(workspace, receiver):
    off, _ = _endpoint(workspace, receiver)
    WebhookEndpoint.objects.filter(id=off.id).update(active=False)
    _endpoint(workspace, receiver, events=["ad.failed"])
    assert webhook_event_emit(workspace=workspace, event="ad.completed", data={"x": 1}) == []
    assert not WebhookDelivery.objects.exists()


# ------------------------------------------------------------------ retries and the log


def test_a_500_is_retried_with_backoff_and_the_log_shows_both_attempts(api, receiver, django_capture_on_commit_callbacks):
    receiver.script = [(500, {"Content-Type": "text/plain"}, b"database down " + b"x" * 5000)]
    endpoint, secret = _endpoint(api.home.workspace, receiver)
    with django_capture_on_commit_callbacks(execute=False):
        webhook_event_emit(workspace=api.home.workspace, event="ad.completed", data={"n": 1})
    [delivery] = _deliver_open()

    assert delivery.state == "retrying" and delivery.attempts == 1 and delivery.last_status == 500
    wait = (delivery.next_attempt_at - delivery.updated_at).total_seconds()
    assert 30 <= wait <= 33.1  # 30 s plus at most 10 % jitter
    assert delivery.response_excerpt.startswith("database down") and len(delivery.response_excerpt) == 500
    deliver_webhook(str(delivery.id))  # a task that comes before its time does nothing
    assert len(receiver.requests) == 1

    _time_passes(delivery)
    deliver_webhook(str(delivery.id))
    delivery.refresh_from_db()
    assert delivery.state == "succeeded" and delivery.attempts == 2 and delivery.next_attempt_at is None
    first, second = receiver.requests
    assert first.body == second.body and first.headers["Shopreel-Delivery"] == second.headers["Shopreel-Delivery"]
    _verified(second, secret)

    log = api.client("viewer").get(f"/api/v1/webhooks/{endpoint.id}/deliveries/").json()["results"]
    assert [(a["attempt"], a["status"]) for a in log[0]["attempt_log"]] == [(1, 500), (2, 200)]
    assert log[0]["attempt_log"][0]["error"] == "The endpoint answered 500."
    assert log[0]["state"] == "succeeded" and log[0]["payload"]["data"] == {"n": 1}


def test_out_of_attempts_the_delivery_fails_and_a_dead_endpoint_is_turned_off(workspace, receiver, settings):
    settings.SHOPREEL_WEBHOOK_MAX_ATTEMPTS = 2
    settings.SHOPREEL_WEBHOOK_DISABLE_AFTER = 2
    receiver.script = [(503, {}, b"")] * 10
    endpoint, _ = _endpoint(workspace, receiver)
    for expected_failures in (1, 2):
        webhook_event_emit(workspace=workspace, event="ad.failed", data={})
        delivery = _deliver_open()[-1]
        assert delivery.state == "retrying"
        _time_passes(delivery)
        deliver_webhook(str(delivery.id))
        delivery.refresh_from_db()
        assert delivery.state == "failed" and delivery.attempts == 2
        endpoint.refresh_from_db()
        assert endpoint.consecutive_failures == expected_failures
    assert not endpoint.active and "2 deliveries in a row failed" in endpoint.disabled_reason
    assert webhook_event_emit(workspace=workspace, event="ad.failed", data={}) == []
    assert len(receiver.requests) == 4


def test_a_test_ping_reaches_even_an_endpoint_that_is_off(api, receiver):
    endpoint, secret = _endpoint(api.home.workspace, receiver, events=["ad.failed"])
    WebhookEndpoint.objects.filter(id=endpoint.id).update(active=False)
    response = api.client("owner").post(f"/api/v1/webhooks/{endpoint.id}/test/")
    assert response.status_code == 202 and response.json()["event_type"] == "ping"
    _deliver_open()
    event = _verified(receiver.requests[0], secret)
    assert event["type"] == "ping" and event["data"]["webhook"]["id"] == str(endpoint.id)


# ------------------------------------------------------------------ hostile addresses at delivery


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://10.0.0.5/hook", "private network"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://127.0.0.1:1/hook", "server itself"),
        ("http://hooks.example.com/hook", "private network"),  # a name that now resolves to 10.x
    ],
)
def test_a_hostile_address_is_refused_at_delivery_too(workspace, monkeypatch, url, words):
    # An endpoint saved before the rules (or its DNS) changed: every attempt checks again.
    monkeypatch.setattr("core.fetch.system_resolver", lambda host, port: ["10.9.8.7"])
    endpoint, _ = webhook_endpoint_create(workspace=workspace, url="https://hooks.example.com/x", events=ALL)
    WebhookEndpoint.objects.filter(id=endpoint.id).update(url=url)
    delivery = webhook_endpoint_ping(endpoint=endpoint)
    deliver_webhook(str(delivery.id))
    delivery.refresh_from_db()
    assert delivery.state == "failed" and delivery.attempts == 1 and delivery.last_status is None
    assert words in delivery.error and "refused" in delivery.error


def test_a_redirect_is_not_followed(workspace, make_receiver):
    trap = make_receiver()  # reachable (allow-listed) and must still see nothing
    receiver = make_receiver()
    receiver.script = [(302, {"Location": trap.url("/steal")}, b"")]
    _endpoint(workspace, receiver)
    [delivery] = webhook_event_emit(workspace=workspace, event="ad.completed", data={})
    deliver_webhook(str(delivery.id))
    delivery.refresh_from_db()
    assert len(receiver.requests) == 1 and trap.requests == []
    assert delivery.state == "retrying" and delivery.last_status == 302
    assert "not followed" in delivery.error and "/steal" in delivery.error


def test_a_dead_port_is_a_retried_connection_failure(workspace, settings):
    settings.SHOPREEL_FETCH_ALLOW_HOSTS = ["127.0.0.1:9"]
    webhook_endpoint_create(workspace=workspace, url="http://127.0.0.1:9/hook", events=ALL)
    [delivery] = webhook_event_emit(workspace=workspace, event="ad.completed", data={})
    deliver_webhook(str(delivery.id))
    delivery.refresh_from_db()
    assert delivery.state == "retrying" and delivery.last_status is None and "connect" in delivery.error


def test_the_test_event_is_one_post_and_at_most_one_a_minute_per_endpoint(api, receiver):
    """The test button must not make Shopreel a request cannon aimed at a registered URL:
    a failed ping is not retried, and a second one inside the interval is refused (429)."""
    from accounts.webhooks.services import PING_INTERVAL_SECONDS

    receiver.script = [(500, {}, b"down")]
    endpoint, _ = _endpoint(api.home.workspace, receiver)
    client = api.client("owner")
    assert client.post(f"/api/v1/webhooks/{endpoint.id}/test/").status_code == 202
    [delivery] = _deliver_open()
    assert delivery.state == "failed" and delivery.attempts == 1 and delivery.next_attempt_at is None
    for _ in range(3):
        response = client.post(f"/api/v1/webhooks/{endpoint.id}/test/")
        assert response.status_code == 429 and response.json()["error"]["code"] == "webhook_test_too_soon"
    assert len(receiver.requests) == 1 and WebhookDelivery.objects.count() == 1
    WebhookDelivery.objects.update(created_at=timezone.now() - timedelta(seconds=PING_INTERVAL_SECONDS + 1))
    assert client.post(f"/api/v1/webhooks/{endpoint.id}/test/").status_code == 202


# ------------------------------------------------------------------ once per endpoint


def test_a_redelivered_task_does_not_post_again(workspace, receiver):
    _endpoint(workspace, receiver)
    _endpoint(workspace, receiver, path="/other")
    webhook_event_emit(workspace=workspace, event="ad.completed", data={})
    deliveries = _deliver_open()
    for delivery in deliveries:  # the broker hands each task out again
        deliver_webhook(str(delivery.id))
    assert sorted(r.path for r in receiver.requests) == ["/hook", "/other"]
    assert {d.event_id for d in deliveries} == {deliveries[0].event_id}  # one event, one id for dedupe


def test_an_attempt_in_flight_holds_the_delivery(workspace, receiver):
    endpoint, _ = _endpoint(workspace, receiver)
    delivery = webhook_endpoint_ping(endpoint=endpoint)
    # Another worker claimed it a moment ago and is posting now.
    WebhookDelivery.objects.filter(id=delivery.id).update(claimed_until=timezone.now() + timedelta(seconds=30), attempts=1)
    deliver_webhook(str(delivery.id))
    assert receiver.requests == []
    # That worker died: once its hold has passed, the delivery is free again.
    WebhookDelivery.objects.filter(id=delivery.id).update(claimed_until=timezone.now() - timedelta(seconds=1))
    deliver_webhook(str(delivery.id))
    delivery.refresh_from_db()
    assert len(receiver.requests) == 1 and delivery.state == "succeeded" and delivery.attempts == 2


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_redelivered_tasks_post_once(postgres, workspace, receiver):
    import threading

    from django.db import connection

    receiver.delay = 0.5  # the first POST is in flight while the duplicate arrives
    endpoint, _ = _endpoint(workspace, receiver)
    delivery = webhook_endpoint_ping(endpoint=endpoint)

    def run():
        try:
            deliver_webhook(str(delivery.id))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    delivery.refresh_from_db()
    assert len(receiver.requests) == 1 and delivery.state == "succeeded" and delivery.attempts == 1


# ------------------------------------------------------------------ without a broker


def test_without_a_broker_the_first_attempt_runs_after_commit_and_the_command_sends_retries(
    workspace, receiver, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_BROKER_URL = ""
    receiver.script = [(500, {}, b"")]
    _endpoint(workspace, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(workspace=workspace, event="ad.completed", data={})
        assert receiver.requests == []  # nothing before commit
    delivery = WebhookDelivery.objects.get()
    assert len(receiver.requests) == 1 and delivery.state == "retrying"
    call_command("deliver_webhooks")  # not due yet
    assert len(receiver.requests) == 1
    _time_passes(delivery)
    call_command("deliver_webhooks")
    delivery.refresh_from_db()
    assert len(receiver.requests) == 2 and delivery.state == "succeeded"


def test_a_hostile_answer_is_stored_bounded_and_clean(workspace, receiver):
    receiver.script = [(500, {"Content-Type": "application/octet-stream"}, b"\x00\x01\xff<script>" + b"A" * 100_000)]
    endpoint, _ = _endpoint(workspace, receiver)
    delivery = webhook_endpoint_ping(endpoint=endpoint)
    deliver_webhook(str(delivery.id))
    delivery.refresh_from_db()
    assert delivery.state == "failed" and delivery.last_status == 500  # a test event is never retried
    assert len(delivery.response_excerpt) == 500 and "\x00" not in delivery.response_excerpt
    assert "<script>" in delivery.response_excerpt  # shown as text by the API (JSON), never as HTML
    assert len(delivery.attempt_log[0]["response_excerpt"]) == 200


def test_the_command_prunes_finished_deliveries_past_the_retention_but_keeps_open_ones(workspace, receiver, settings):
    settings.SHOPREEL_WEBHOOK_LOG_DAYS = 30
    _endpoint(workspace, receiver)
    old_done, old_open, recent = (
        webhook_event_emit(workspace=workspace, event="ad.completed", data={})[0] for _ in range(3)
    )
    WebhookDelivery.objects.filter(id=old_done.id).update(state="succeeded", created_at=timezone.now() - timedelta(days=31))
    WebhookDelivery.objects.filter(id=old_open.id).update(
        state="retrying", created_at=timezone.now() - timedelta(days=31), next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    WebhookDelivery.objects.filter(id=recent.id).update(state="failed")
    call_command("deliver_webhooks")
    assert set(WebhookDelivery.objects.values_list("id", flat=True)) == {old_open.id, recent.id}
    assert receiver.requests == []


def test_a_receiver_that_trickles_its_answer_is_cut_off_at_the_timeout(workspace, settings):
    """httpx's timeouts are per read: a receiver sending a header byte every half second
    would hold a worker for as long as it likes. One attempt lasts the timeout, then is a
    retried timeout."""
    import time

    settings.SHOPREEL_WEBHOOK_TIMEOUT = 2
    with trickling_server(every=0.5) as host:
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        webhook_endpoint_create(workspace=workspace, url=f"http://{host}/hook", events=ALL)
        [delivery] = webhook_event_emit(workspace=workspace, event="ad.completed", data={})
        started = time.monotonic()
        deliver_webhook(str(delivery.id))
        took = time.monotonic() - started
    delivery.refresh_from_db()
    assert took < 5, took
    assert delivery.state == "retrying" and delivery.last_status is None and "within 2 s" in delivery.error
