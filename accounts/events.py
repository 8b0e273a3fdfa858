"""Domain events: how a lower layer tells higher ones that something finished, without
importing them.

A service that finishes something others care about calls :func:`event_record` inside the
transaction whose conditional UPDATE finished it (so a redelivered task, whose UPDATE changes
no row, records nothing). The event row is written, then every consumer registered for its
type runs in the same transaction, in a savepoint of its own: a consumer that fails is logged
and rolled back alone, never failing the work that emitted the event.

Consumers register from their app's ``AppConfig.ready`` (``event_consumer_register``): the
emitting app never imports them. Webhooks are one (``accounts.webhooks``); billing, campaigns
and the studio's live updates subscribe the same way.

Types are ``<subject>.<verb>`` strings; the emitting app owns its types and builds ``data``
from its own representation (``products.representations``, ``generation.representations``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from urllib.parse import urljoin

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from accounts.media_links import EVENT_HOLDER
from accounts.models import DomainEvent

logger = logging.getLogger(__name__)

Consumer = Callable[[DomainEvent], None]

# type → consumers; "*" receives every type.
_consumers: dict[str, list[Consumer]] = {}
# Consumers whose failure must fail the work that emitted (money): see event_consumer_register.
_critical: set[Consumer] = set()


def event_consumer_register(consumer: Consumer, *, types: tuple[str, ...] = ("*",), critical: bool = False) -> None:
    """Call ``consumer(event)`` for each recorded event of ``types`` (once per consumer).

    ``critical``: the consumer's exception is not swallowed: it propagates to the service that
    recorded the event and rolls back the UPDATE that finished the work, so the work and its
    consequence (a job's credits settled) commit together or not at all; the service's own
    failure path then runs (a render whose settlement fails ends failed, its credits released).
    For everything else (webhooks) a failing consumer is logged and rolled back alone."""
    for event_type in types:
        registered = _consumers.setdefault(event_type, [])
        if consumer not in registered:
            registered.append(consumer)
    if critical:
        _critical.add(consumer)


def event_record(*, workspace_id, type: str, data: dict, subject_id=None) -> DomainEvent:
    """Record ``type`` for the workspace and hand it to its consumers. Must run inside the
    transaction that finished the work (``transaction.atomic``); refuses to run outside one,
    where exactly-once could not hold."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            f"event_record({type!r}) outside a transaction: record the event in the transaction "
            "whose conditional UPDATE finished the work"
        )
    event = DomainEvent.objects.create(workspace_id=workspace_id, type=type, subject_id=subject_id, data=data)
    for consumer in [*_consumers.get(type, ()), *_consumers.get("*", ())]:
        if consumer in _critical:
            consumer(event)
            continue
        try:
            with transaction.atomic():
                consumer(event)
        except Exception:
            logger.exception(
                "event consumer failed",
                extra={"event_id": str(event.id), "event_type": type, "consumer": consumer.__qualname__},
            )
    return event


# ------------------------------------------------------------------ helpers for emitters


class _SiteRequest:
    """Just enough of a request for a serializer's ``build_absolute_uri`` outside a request.
    Its file links are the event's: no key, no member."""

    media_link_holder = EVENT_HOLDER

    def __init__(self, base: str):
        self.base = base.rstrip("/") + "/"

    def build_absolute_uri(self, location: str) -> str:
        return urljoin(self.base, location.lstrip("/"))


def site_context() -> dict:
    """Serializer context for an event's payload: absolute file links when
    SHOPREEL_SITE_URL is set, the site-relative ones otherwise."""
    return {"request": _SiteRequest(settings.SHOPREEL_SITE_URL)} if settings.SHOPREEL_SITE_URL else {}


def json_safe(data) -> dict:
    """UUIDs, decimals and dates as strings, as the API renders them."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))
