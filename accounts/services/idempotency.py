"""``Idempotency-Key``: a retried POST gets the first response again."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import IdempotencyRecord, Workspace
from core.errors import Conflict, InvalidInput, Unprocessable

IDEMPOTENCY_KEY_MAX_LENGTH = 255


# A key may be reused for another request once its record is this old.
IDEMPOTENCY_TTL = timedelta(hours=24)


class IdempotencyConflict(Conflict):
    code = "idempotency_in_progress"


class IdempotencyKeyReused(Unprocessable):
    code = "idempotency_key_reused"


def idempotency_begin(*, workspace: Workspace, key: str, fingerprint: str) -> tuple[IdempotencyRecord, bool]:
    """Claim ``key`` for this request. Returns ``(record, replay)``: ``replay`` is True when the
    same request (same fingerprint) already finished and ``record`` holds its response.

    Raises ``IdempotencyKeyReused`` when the key was used with another method, path or body
    (422), ``IdempotencyConflict`` while the first request is still running (409)."""
    if not key or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise InvalidInput(
            f"The Idempotency-Key header must be 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} characters.",
            code="invalid_idempotency_key",
        )
    IdempotencyRecord.objects.filter(
        workspace=workspace, key=key, created_at__lt=timezone.now() - IDEMPOTENCY_TTL
    ).delete()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(workspace=workspace, key=key, fingerprint=fingerprint), False
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.filter(workspace=workspace, key=key).first()
    if record is None:  # the other request gave the key up in between
        raise IdempotencyConflict(
            "A request with this Idempotency-Key is still being processed; try again.",
            code="idempotency_in_progress",
        )
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused("This Idempotency-Key was already used with another request body; use a new key.")
    if record.response_status is None:
        raise IdempotencyConflict(
            "A request with this Idempotency-Key is still being processed; try again.",
            code="idempotency_in_progress",
        )
    return record, True


def idempotency_finish(*, record: IdempotencyRecord, status: int, body) -> None:
    record.response_status = status
    record.response_body = body
    record.save(update_fields=["response_status", "response_body"])


def idempotency_abandon(*, record: IdempotencyRecord) -> None:
    """The request failed before answering: free the key so the client may try again."""
    IdempotencyRecord.objects.filter(pk=record.pk, response_status__isnull=True).delete()
