"""API keys: made (shown once), revoked, and their last use recorded."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.keys import API_KEY_PREFIX, api_key_hash
from accounts.models import Agency, ApiKey, Membership, Workspace
from core.errors import ApplicationError, InvalidInput, NotFound

# last_used_at is written at most this often per key (not one UPDATE per request).
API_KEY_TOUCH_SECONDS = 60


def api_key_create(
    *,
    workspace: Workspace | None = None,
    agency: Agency | None = None,
    name: str,
    scope: str = ApiKey.Scope.READ,
    created_by=None,
) -> tuple[ApiKey, str]:
    """Make a key for the workspace and return it with its plaintext, which is not stored and
    cannot be shown again: ``sr_live_<8 hex>_<43 characters of a 256-bit secret>``.

    ``created_by`` (None from the command line) must reach the workspace (a member, or the
    staff of its agency, who act as admins); a viewer may only make
    read-scope keys. With ``agency`` instead of ``workspace`` the key reaches every client
    workspace of the agency (the command line makes those; members of agencies come later)."""
    if (workspace is None) == (agency is None):
        raise InvalidInput("A key belongs to one workspace or to one agency.")
    if agency is not None and created_by is not None:
        raise InvalidInput("Agency keys are made from the command line for now.")
    if scope not in ApiKey.Scope.values:
        raise InvalidInput(
            f"The scope must be {' or '.join(ApiKey.Scope.values)}, not {scope!r}.", detail={"field": "scope"}
        )
    if created_by is not None:
        from accounts.selectors import workspace_role

        role = workspace_role(workspace=workspace, user=created_by)
        if role is None:
            raise NotFound("Workspace not found.")
        if scope == ApiKey.Scope.WRITE and role == Membership.Role.VIEWER:
            raise ApplicationError(
                "Viewers may only make read-scope keys.", code="permission_denied", detail={"field": "scope"}
            )
    name = " ".join((name or "").split())[:100] or "API key"
    for _ in range(5):  # the 32-bit visible prefix is unique; a clash is retried
        prefix = API_KEY_PREFIX + secrets.token_hex(4)
        plaintext = f"{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(
                    workspace=workspace, agency=agency, name=name, prefix=prefix, secret_hash=api_key_hash(plaintext),
                    scope=scope, created_by=created_by,
                )
        except IntegrityError:
            continue
        return key, plaintext
    raise ApplicationError("Could not make a unique key; try again.", code="api_key_failed")


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revoke the key for good; requests with it answer 401 from now on."""
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    api_key.refresh_from_db(fields=["revoked_at"])
    return api_key


def api_key_touch(*, api_key: ApiKey) -> None:
    """Record that the key was used, at most once a minute per key."""
    now = timezone.now()
    if api_key.last_used_at and now - api_key.last_used_at < timedelta(seconds=API_KEY_TOUCH_SECONDS):
        return
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now
