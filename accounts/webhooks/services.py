"""Webhook writes: endpoints (create, update, delete, rotate the secret), events (one delivery
per subscribed endpoint, queued after commit) and delivery attempts (signed POST through the
SSRF-safe client, retried with backoff, logged on the delivery)."""

from __future__ import annotations

import json
import logging
import random
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from celery import signature
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import DomainEvent, Workspace
from accounts.webhooks import signing
from accounts.webhooks.crypto import secret_decrypt, secret_encrypt
from accounts.webhooks.models import PING_EVENT, WebhookDelivery, WebhookEndpoint, WebhookEvent
from accounts.webhooks.selectors import webhook_deliveries_due, webhook_endpoints_for_workspace
from accounts.webhooks.sender import WebhookSender, sender_build
from core.errors import ApplicationError, BlockedURL, FetchFailed, InvalidInput, TooSoon
from core.fetch import check_url

logger = logging.getLogger(__name__)

MAX_ENDPOINTS_PER_WORKSPACE = 20
MAX_URL_LENGTH = 2000
SECRET_PREFIX = "whsec_"  # noqa: S105 (a visible prefix, not a secret)
# An attempt holds its delivery this long beyond the POST timeout (then another may claim it).
CLAIM_MARGIN_SECONDS = 30
# A task may run this early (clocks of different hosts); earlier, it is queued again.
EARLY_SLACK = timedelta(seconds=5)
OPEN_STATES = (WebhookDelivery.State.PENDING, WebhookDelivery.State.RETRYING)
_UNSET = object()


# ------------------------------------------------------------------ endpoints


def _allowed(host: str, port: int, allow_hosts: frozenset[str]) -> bool:
    return host in allow_hosts or f"{host}:{port}" in allow_hosts


def webhook_url_clean(url) -> str:
    """The URL, checked as the scraper checks product links (http(s) only, no credentials,
    no private/loopback/link-local/metadata address in any spelling, no ``localhost``), and
    https-only where SHOPREEL_WEBHOOK_REQUIRE_HTTPS. Names are resolved and their addresses
    checked again at every delivery (DNS can change after registration)."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidInput("Give the URL that should receive the events.", detail={"field": "url"})
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput(f"The URL must be {MAX_URL_LENGTH} characters or fewer.", detail={"field": "url"})
    allow_hosts = frozenset(h.lower() for h in settings.SHOPREEL_FETCH_ALLOW_HOSTS)
    try:
        url = check_url(url, allow_hosts=allow_hosts)
    except BlockedURL as exc:
        raise InvalidInput(
            f"This webhook URL is refused. {exc.message}", code="webhook_url_refused", detail={"field": "url"}
        ) from None
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    if settings.SHOPREEL_WEBHOOK_REQUIRE_HTTPS and parts.scheme.lower() != "https" and not _allowed(host, port, allow_hosts):
        raise InvalidInput(
            "Webhook URLs must use https://, so events are not readable on the way.",
            code="webhook_url_refused", detail={"field": "url"},
        )
    return url


def _events_clean(events) -> list[str]:
    names = ", ".join(WebhookEvent.values)
    if not isinstance(events, list | tuple) or not events:
        raise InvalidInput(f"Subscribe to at least one event: {names}.", detail={"field": "events"})
    for event in events:
        if event not in WebhookEvent.values:
            raise InvalidInput(
                f"Unknown event {str(event)[:60]!r}; the events are {names}.", detail={"field": "events"}
            )
    return [event for event in WebhookEvent.values if event in events]


def _description_clean(description) -> str:
    return " ".join(str(description or "").split())[:200]


def _secret_new() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def webhook_endpoint_create(
    *, workspace: Workspace, url: str, events: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its signing secret, shown to the caller once."""
    url = webhook_url_clean(url)
    events = _events_clean(events)
    if webhook_endpoints_for_workspace(workspace=workspace).count() >= MAX_ENDPOINTS_PER_WORKSPACE:
        raise ApplicationError(
            f"A workspace may have {MAX_ENDPOINTS_PER_WORKSPACE} webhooks at most; delete one first.",
            code="webhook_limit",
        )
    secret = _secret_new()
    endpoint = WebhookEndpoint.objects.create(
        workspace=workspace, url=url, events=events, description=_description_clean(description),
        secret_encrypted=secret_encrypt(secret),
    )
    logger.info("webhook endpoint created", extra={"endpoint_id": str(endpoint.id), "workspace_id": str(workspace.id)})
    return endpoint, secret


def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, url=_UNSET, events=_UNSET, description=_UNSET, active=_UNSET
) -> WebhookEndpoint:
    """Change what is given. Turning an endpoint back on clears its failure count."""
    changed = ["updated_at"]  # only these: the failure count is written concurrently by deliveries
    if url is not _UNSET:
        endpoint.url = webhook_url_clean(url)
        changed.append("url")
    if events is not _UNSET:
        endpoint.events = _events_clean(events)
        changed.append("events")
    if description is not _UNSET:
        endpoint.description = _description_clean(description)
        changed.append("description")
    if active is not _UNSET:
        if not isinstance(active, bool):
            raise InvalidInput("active must be true or false.", detail={"field": "active"})
        if active and not endpoint.active:
            endpoint.consecutive_failures = 0
            endpoint.disabled_reason = ""
            changed += ["consecutive_failures", "disabled_reason"]
        endpoint.active = active
        changed.append("active")
    endpoint.save(update_fields=changed)
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint and its log; its queued deliveries find nothing to send."""
    endpoint.delete()


def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> tuple[WebhookEndpoint, str]:
    """A new secret, effective at once (retries of older events are signed with it too)."""
    secret = _secret_new()
    endpoint.secret_encrypted = secret_encrypt(secret)
    endpoint.save(update_fields=["secret_encrypted", "updated_at"])
    return endpoint, secret


# ------------------------------------------------------------------ events


def _deliveries_create(
    *, endpoints: list[WebhookEndpoint], event: str, data: dict, event_id: uuid.UUID | None = None,
    created=None,
) -> list[WebhookDelivery]:
    event_id = event_id or uuid.uuid4()
    now = timezone.now()
    created = created or now
    payload = {"id": str(event_id), "type": event, "created": created.isoformat().replace("+00:00", "Z"), "data": data}
    deliveries = WebhookDelivery.objects.bulk_create([
        WebhookDelivery(
            workspace_id=endpoint.workspace_id, endpoint=endpoint, event_id=event_id, event_type=event,
            payload=payload, next_attempt_at=now,
        )
        for endpoint in endpoints
    ])
    for delivery in deliveries:
        _queue(delivery_id=delivery.id, countdown=0)
    return deliveries


def _subscribed(*, workspace_id, event: str) -> list[WebhookEndpoint]:
    endpoints = webhook_endpoints_for_workspace(workspace=Workspace(id=workspace_id)).filter(active=True)
    return [e for e in endpoints if event in e.events]


def webhook_event_emit(*, workspace: Workspace, event: str, data: dict) -> list[WebhookDelivery]:
    """One delivery per active endpoint of the workspace subscribed to ``event``, each sent by
    the ``accounts.deliver_webhook`` task once the caller's transaction commits."""
    if event not in WebhookEvent.values:
        raise ValueError(f"unknown webhook event {event!r}")
    endpoints = _subscribed(workspace_id=workspace.id, event=event)
    return _deliveries_create(endpoints=endpoints, event=event, data=data) if endpoints else []


def webhook_event_consume(event: DomainEvent) -> None:
    """The domain-event consumer (registered in ``AccountsConfig.ready``): a delivery per
    subscribed endpoint, in the transaction that recorded the event, so an event is delivered
    exactly once. The delivery's event id is the domain event's id."""
    endpoints = _subscribed(workspace_id=event.workspace_id, event=event.type)
    if endpoints:
        _deliveries_create(
            endpoints=endpoints, event=event.type, data=event.data, event_id=event.id, created=event.created_at
        )


# A test event is one POST, at most one per endpoint in this many seconds: the test endpoint
# must not turn Shopreel into a request cannon aimed at a registered URL.
PING_INTERVAL_SECONDS = 60


def webhook_endpoint_ping(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A ``ping`` event to this endpoint only (whatever it subscribes to, and even when it is
    turned off), to check the receiver and its signature code. Sent once, never retried; a
    second test within PING_INTERVAL_SECONDS is refused (``webhook_test_too_soon``, 429)."""
    with transaction.atomic():
        WebhookEndpoint.objects.select_for_update().filter(pk=endpoint.pk).first()  # one test at a time
        since = timezone.now() - timedelta(seconds=PING_INTERVAL_SECONDS)
        if WebhookDelivery.objects.filter(endpoint=endpoint, event_type=PING_EVENT, created_at__gte=since).exists():
            raise TooSoon(
                f"A test event was sent to this webhook less than {PING_INTERVAL_SECONDS} s ago; "
                "see its result in the delivery log, then try again.",
                code="webhook_test_too_soon",
            )
        data = {"webhook": {"id": str(endpoint.id), "url": endpoint.url}, "message": "A test event from Shopreel."}
        return _deliveries_create(endpoints=[endpoint], event=PING_EVENT, data=data)[0]


DELIVER_TASK = "accounts.deliver_webhook"


def _queue(*, delivery_id, countdown: float) -> None:
    """After commit: the task on the default queue. Without a broker (the command line) the
    first attempt runs in this process after commit; retries wait for ``manage.py deliver_webhooks``.
    ``robust``: a broker or receiver problem is logged and never fails the work that emitted;
    the delivery stays due, and ``deliver_webhooks`` sends it. The task is named, not imported
    (``accounts.webhooks.tasks`` imports this module)."""
    if settings.CELERY_BROKER_URL:
        transaction.on_commit(lambda: signature(
            DELIVER_TASK, args=[str(delivery_id)], countdown=max(0, round(countdown)),
            queue=settings.SHOPREEL_QUEUE_DEFAULT,
        ).apply_async(), robust=True)
    elif countdown <= 0:
        transaction.on_commit(lambda: webhook_delivery_attempt(delivery_id=delivery_id), robust=True)


# ------------------------------------------------------------------ delivery attempts


@dataclass
class _Outcome:
    ok: bool = False
    permanent: bool = False  # no retry: the URL is refused, the endpoint is off, ...
    sent: bool = True  # a request was made (counts towards the endpoint's failures)
    status: int | None = None
    excerpt: str = ""
    duration_ms: int | None = None
    error: str = ""


def _printable(text: str) -> str:
    """The receiver's words, safe to store and show: no NUL or other control characters
    (PostgreSQL refuses NUL in text and JSON)."""
    return "".join(c if c.isprintable() or c in "\n\t" else "\ufffd" for c in text)


def webhook_payload_body(payload: dict) -> bytes:
    """The exact bytes sent (and signed)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def _send(*, delivery: WebhookDelivery, sender: WebhookSender | None) -> _Outcome:
    endpoint = delivery.endpoint
    if not endpoint.active and delivery.event_type != PING_EVENT:
        return _Outcome(permanent=True, sent=False, error="Not sent: the endpoint is turned off.")
    try:
        secret = secret_decrypt(endpoint.secret_encrypted)
    except ApplicationError as exc:
        return _Outcome(permanent=True, sent=False, error=exc.message)
    body = webhook_payload_body(delivery.payload)
    headers = {
        signing.SIGNATURE_HEADER: signing.sign(secret=secret, body=body, timestamp=int(time.time())),
        signing.EVENT_HEADER: delivery.event_type,
        signing.DELIVERY_HEADER: str(delivery.event_id),
    }
    own = sender is None
    sender = sender or sender_build()
    started = time.monotonic()
    try:
        response = sender.post(endpoint.url, body=body, headers=headers)
    except BlockedURL as exc:
        return _Outcome(permanent=True, error=f"Not sent: this webhook URL is refused. {exc.message}")
    except FetchFailed as exc:
        return _Outcome(error=exc.message, duration_ms=int((time.monotonic() - started) * 1000))
    except Exception:  # a bug in the client (as an invalid host once was): log it, record the attempt
        logger.exception("webhook send crashed", extra={"delivery_id": str(delivery.id)})
        return _Outcome(error="Not sent: Shopreel had an internal error sending it; it will try again.",
                        duration_ms=int((time.monotonic() - started) * 1000))
    finally:
        if own:
            sender.close()
    outcome = _Outcome(
        status=response.status, excerpt=_printable(response.body.decode("utf-8", "replace")[:500]),
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    if 200 <= response.status < 300:
        outcome.ok = True
    elif 300 <= response.status < 400:
        target = f" to {_printable(response.location[:200])}" if response.location else ""
        outcome.error = (f"The endpoint answered {response.status} (a redirect{target}). Redirects are not "
                         "followed: register the final URL.")
    else:
        outcome.error = f"The endpoint answered {response.status}."
    return outcome


def _retry_delay(attempt: int) -> float:
    """Seconds before the attempt after ``attempt`` (1-based): the schedule plus ≤10 % jitter."""
    delays = settings.SHOPREEL_WEBHOOK_RETRY_DELAYS
    base = delays[min(attempt, len(delays)) - 1]
    return base + random.uniform(0, base * 0.1)  # noqa: S311 (spreading load, not secrecy)


def webhook_delivery_attempt(*, delivery_id, sender: WebhookSender | None = None) -> WebhookDelivery | None:
    """Make the delivery's next attempt, if it is due and no other attempt holds it.

    Claimed with one conditional UPDATE (attempts + 1 and a hold until the POST's timeout has
    surely passed), so a redelivered task never posts the same delivery twice at once.
    A 2xx answer succeeds; anything else (an error, a timeout, a redirect) is retried after
    SHOPREEL_WEBHOOK_RETRY_DELAYS until SHOPREEL_WEBHOOK_MAX_ATTEMPTS, then the delivery
    fails. A refused address fails at once. Returns the delivery, or None when there was
    nothing to do."""
    now = timezone.now()
    hold = now + timedelta(seconds=settings.SHOPREEL_WEBHOOK_TIMEOUT + CLAIM_MARGIN_SECONDS)
    free = WebhookDelivery.objects.filter(id=delivery_id, state__in=OPEN_STATES).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )
    claimed = free.filter(next_attempt_at__lte=now + EARLY_SLACK).update(
        claimed_until=hold, attempts=F("attempts") + 1, updated_at=now
    )
    if not claimed:
        due = free.values_list("next_attempt_at", flat=True).first()
        if due is not None and settings.CELERY_BROKER_URL:  # came too early: wait again
            _queue(delivery_id=delivery_id, countdown=(due - now).total_seconds())
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(id=delivery_id).first()
    if delivery is None:  # its endpoint was deleted meanwhile
        return None
    attempt = delivery.attempts
    outcome = _send(delivery=delivery, sender=sender)
    return _record(delivery=delivery, attempt=attempt, outcome=outcome)


def _record(*, delivery: WebhookDelivery, attempt: int, outcome: _Outcome) -> WebhookDelivery | None:
    now = timezone.now()
    max_attempts = max(1, settings.SHOPREEL_WEBHOOK_MAX_ATTEMPTS)
    entry = {
        "attempt": attempt, "at": now.isoformat().replace("+00:00", "Z"), "status": outcome.status,
        "duration_ms": outcome.duration_ms, "error": outcome.error[:500], "response_excerpt": outcome.excerpt[:200],
    }
    fields = {
        "claimed_until": None, "last_status": outcome.status, "response_excerpt": outcome.excerpt[:500],
        "duration_ms": outcome.duration_ms, "error": outcome.error[:500], "updated_at": now,
        "attempt_log": [*delivery.attempt_log, entry][-max_attempts:],
    }
    delay = None
    if outcome.ok:
        fields.update(state=WebhookDelivery.State.SUCCEEDED, next_attempt_at=None)
    elif not outcome.permanent and attempt < max_attempts and delivery.event_type != PING_EVENT:
        delay = _retry_delay(attempt)
        fields.update(state=WebhookDelivery.State.RETRYING, next_attempt_at=now + timedelta(seconds=delay))
    else:
        fields.update(state=WebhookDelivery.State.FAILED, next_attempt_at=None)
    endpoints = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id)
    with transaction.atomic():
        if not WebhookDelivery.objects.filter(id=delivery.id, attempts=attempt).update(**fields):
            return WebhookDelivery.objects.filter(id=delivery.id).first()  # deleted or overtaken meanwhile
        if outcome.ok:
            endpoints.filter(consecutive_failures__gt=0).update(consecutive_failures=0, updated_at=now)
        elif delay is not None:
            _queue(delivery_id=delivery.id, countdown=delay)
        elif outcome.sent:
            _endpoint_count_failure(endpoints=endpoints, now=now)
    logger.info("webhook attempt", extra={
        "delivery_id": str(delivery.id), "endpoint_id": str(delivery.endpoint_id), "attempt": attempt,
        "status": outcome.status, "state": fields["state"],
    })
    return WebhookDelivery.objects.filter(id=delivery.id).first()


def _endpoint_count_failure(*, endpoints, now) -> None:
    endpoints.update(consecutive_failures=F("consecutive_failures") + 1, updated_at=now)
    limit = settings.SHOPREEL_WEBHOOK_DISABLE_AFTER
    if limit > 0:
        endpoints.filter(active=True, consecutive_failures__gte=limit).update(
            active=False, updated_at=now,
            disabled_reason=f"Turned off after {limit} deliveries in a row failed. Fix the receiver, then turn it on.",
        )


def webhook_deliveries_send_due(*, limit: int = 100) -> int:
    """Attempt deliveries that are due and unclaimed (retries without a broker, and any whose
    task was lost); ``manage.py deliver_webhooks`` runs it. Returns how many were tried."""
    ids = list(webhook_deliveries_due().values_list("id", flat=True)[:limit])
    for delivery_id in ids:
        webhook_delivery_attempt(delivery_id=delivery_id)
    return len(ids)


def webhook_deliveries_prune(*, older_than_days: int | None = None) -> int:
    """Delete finished deliveries older than SHOPREEL_WEBHOOK_LOG_DAYS (the log's retention);
    ones still to be sent are kept. Returns how many were deleted."""
    days = settings.SHOPREEL_WEBHOOK_LOG_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - timedelta(days=days)
    finished = [WebhookDelivery.State.SUCCEEDED, WebhookDelivery.State.FAILED]
    deleted, _ = WebhookDelivery.objects.filter(created_at__lt=cutoff, state__in=finished).delete()
    return deleted
