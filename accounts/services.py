from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.brand import check_font, check_hex_color, check_logo
from accounts.models import Agency, ApiKey, BrandKit, IdempotencyRecord, Membership, Workspace
from config.errors import ApplicationError, InvalidInput, NotFound

_UNSET = object()
_LOGO_EXT = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def agency_create(*, name: str, slug: str | None = None) -> Agency:
    return Agency.objects.create(name=name, slug=slug or slugify(name)[:60])


def workspace_hand_over(*, workspace: Workspace) -> Workspace:
    """The agency gives the workspace to its merchant: the agency's keys stop reaching it."""
    Workspace.objects.filter(pk=workspace.pk).update(agency=None)
    workspace.agency = None
    return workspace


def workspace_create(*, name: str, slug: str | None = None, owner=None, agency: Agency | None = None) -> Workspace:
    with transaction.atomic():
        workspace = Workspace.objects.create(name=name, slug=slug or slugify(name)[:60], agency=agency)
        if owner is not None:
            Membership.objects.create(workspace=workspace, user=owner, role=Membership.Role.OWNER)
    return workspace


def workspace_get_or_create_default() -> Workspace:
    """The workspace the command line works in (settings.SHOPREEL_DEFAULT_WORKSPACE)."""
    slug = settings.SHOPREEL_DEFAULT_WORKSPACE
    workspace, _ = Workspace.objects.get_or_create(slug=slug, defaults={"name": slug.title()})
    return workspace


def _read(upload) -> bytes:
    """Bytes of an upload (a Django ``File``/``UploadedFile``, a binary file object, or bytes)."""
    if isinstance(upload, bytes | bytearray):
        return bytes(upload)
    if hasattr(upload, "seek"):
        upload.seek(0)
    return upload.read()


def brand_kit_update(
    *,
    workspace: Workspace,
    logo=_UNSET,
    font=_UNSET,
    primary_color: str | None = None,
    accent_color: str | None = None,
    text_color: str | None = None,
    caption_style: str | None = None,
    cta_text: str | None = None,
) -> BrandKit:
    """Create or change the workspace's brand kit; only the arguments given change.

    ``logo``/``font``: the new file (bytes or a file object), or None to remove it. Every
    value is checked before anything is written (logo: JPEG/PNG/WebP within limits; font: a
    .ttf/.otf with Latin letters; colours: ``#RRGGBB``); a bad one raises ``InvalidInput``
    naming the field, and the kit is left as it was.
    """
    changes: dict[str, object] = {}
    for field, value in (
        ("primary_color", primary_color),
        ("accent_color", accent_color),
        ("text_color", text_color),
    ):
        if value is not None:
            changes[field] = check_hex_color(value, field=field.replace("_color", " colour"))
    if caption_style is not None:
        if caption_style not in BrandKit.CaptionStyle.values:
            raise InvalidInput(
                f"Caption style must be one of {', '.join(BrandKit.CaptionStyle.values)}, "
                f"not {caption_style!r}.",
                detail={"field": "caption_style"},
            )
        changes["caption_style"] = caption_style
    if cta_text is not None:
        cta = " ".join(cta_text.split())
        if len(cta) > 60:
            raise InvalidInput(
                "The call to action must be 60 characters or fewer.", detail={"field": "cta_text"}
            )
        changes["cta_text"] = cta
    files: dict[str, ContentFile | None] = {}
    if logo is not _UNSET:
        if logo is None:
            files["logo"] = None
        else:
            data = _read(logo)
            info = check_logo(data)
            files["logo"] = ContentFile(data, name=f"logo.{_LOGO_EXT.get(info.format, 'png')}")
    if font is not _UNSET:
        if font is None:
            files["font"] = None
        else:
            data = _read(font)
            files["font"] = ContentFile(data, name=f"font.{check_font(data)}")

    with transaction.atomic():
        kit, _ = BrandKit.objects.select_for_update().get_or_create(workspace=workspace)
        for field, value in changes.items():
            setattr(kit, field, value)
        old_files = []
        for field, content in files.items():
            current = getattr(kit, field)
            if current:
                old_files.append((current.storage, current.name))
            if content is None:
                setattr(kit, field, "")
            else:
                current.save(content.name, content, save=False)
        kit.save()
        # Replaced files are deleted only once the new row is committed.
        for storage, name in old_files:
            transaction.on_commit(lambda s=storage, n=name: s.delete(n))
    return kit


# ------------------------------------------------------------------ API keys

API_KEY_PREFIX = "sr_live_"
API_KEY_PREFIX_LENGTH = len(API_KEY_PREFIX) + 8  # "sr_live_" + 8 hex characters
# last_used_at is written at most this often per key (not one UPDATE per request).
API_KEY_TOUCH_SECONDS = 60


def api_key_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


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

    ``created_by`` (None from the command line) must be a member; a viewer may only make
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
        role = Membership.objects.filter(workspace=workspace, user=created_by).values_list("role", flat=True).first()
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


# ------------------------------------------------------------------ Idempotency-Key

IDEMPOTENCY_KEY_MAX_LENGTH = 255
# A key may be reused for another request once its record is this old.
IDEMPOTENCY_TTL = timedelta(hours=24)


class IdempotencyConflict(ApplicationError):
    code = "idempotency_conflict"


def idempotency_begin(*, workspace: Workspace, key: str, fingerprint: str) -> tuple[IdempotencyRecord, bool]:
    """Claim ``key`` for this request. Returns ``(record, replay)``: ``replay`` is True when the
    same request (same fingerprint) already finished and ``record`` holds its response.

    Raises ``IdempotencyConflict`` when the key was used with another method, path or body
    (``idempotency_key_reused``) or the first request is still running
    (``idempotency_in_progress``)."""
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
        raise IdempotencyConflict(
            "This Idempotency-Key was already used with another request body; use a new key.",
            code="idempotency_key_reused",
        )
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
