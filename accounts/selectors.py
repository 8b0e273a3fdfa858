from __future__ import annotations

import hmac
import uuid

from django.db.models import Model, QuerySet

from accounts.models import Agency, ApiKey, BrandKit, Workspace
from config.errors import InvalidInput, NotFound


def workspace_for_user(*, user, workspace_id) -> Workspace:
    """A workspace the user is a member of; any other answers NotFound, never its data."""
    workspace = Workspace.objects.filter(id=workspace_id, memberships__user=user).first()
    if workspace is None:
        raise NotFound("Workspace not found.")
    return workspace


def workspace_by_slug(*, slug: str) -> Workspace:
    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        raise NotFound(f"No workspace with the slug {slug!r}.")
    return workspace


def brand_kit_for(*, workspace: Workspace) -> BrandKit | None:
    """The workspace's brand kit, or None when it has not made one."""
    return BrandKit.objects.filter(workspace=workspace).first()


def api_key_for_plaintext(plaintext: str) -> ApiKey | None:
    """The active key whose plaintext this is, or None (unknown, malformed or revoked). The
    row is found by its visible prefix; the hashes are compared in constant time."""
    from accounts.services import API_KEY_PREFIX, API_KEY_PREFIX_LENGTH, api_key_hash

    if not plaintext.startswith(API_KEY_PREFIX) or len(plaintext) > 200:
        return None
    key = (
        ApiKey.objects.select_related("workspace", "agency")
        .filter(prefix=plaintext[:API_KEY_PREFIX_LENGTH], revoked_at__isnull=True)
        .first()
    )
    if key is None or not hmac.compare_digest(key.secret_hash, api_key_hash(plaintext)):
        return None
    return key


def api_keys_for_workspace(*, workspace: Workspace):
    return ApiKey.objects.filter(workspace=workspace)


def agency_by_slug(*, slug: str) -> Agency:
    agency = Agency.objects.filter(slug=slug).first()
    if agency is None:
        raise NotFound(f"No agency with the slug {slug!r}.")
    return agency


def workspace_for_api_key(*, api_key: ApiKey, ref: str | None) -> Workspace:
    """The workspace a request works in. A workspace key: its own (``ref``, when sent, must
    name it). An agency key: the client workspace ``ref`` names (slug or id), which is
    required. Any other workspace answers NotFound, never whether it exists."""
    ref = (ref or "").strip()
    if api_key.workspace_id is not None:
        workspace = api_key.workspace
        if ref and ref not in (workspace.slug, str(workspace.id)):
            raise NotFound("Workspace not found.")
        return workspace
    if not ref:
        raise InvalidInput(
            "An agency key needs the client workspace: send its slug or id in the "
            "Shopreel-Workspace header.",
            code="workspace_required",
        )
    clients = Workspace.objects.filter(agency_id=api_key.agency_id)
    try:
        workspace = clients.filter(id=uuid.UUID(ref)).first()
    except ValueError:
        workspace = clients.filter(slug=ref).first()
    if workspace is None:
        raise NotFound("Workspace not found.")
    return workspace


def api_key_get(*, workspace: Workspace, key_id) -> ApiKey:
    key = api_keys_for_workspace(workspace=workspace).filter(id=key_id).first()
    if key is None:
        raise NotFound("API key not found.")
    return key


def scoped_get(queryset: QuerySet, *, object_id, label: str) -> Model:
    """One object of a queryset already scoped to the caller's workspace: another workspace's
    object and a missing one are the same NotFound."""
    obj = queryset.filter(id=object_id).first()
    if obj is None:
        raise NotFound(f"{label} not found.")
    return obj
