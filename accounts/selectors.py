from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet

from accounts.models import (
    Agency,
    AgencyMembership,
    ApiKey,
    BrandKit,
    Invitation,
    Membership,
    Workspace,
)
from core.errors import InvalidInput, NotFound


def workspaces_for_user(*, user) -> QuerySet:
    """Every workspace the user reaches: those they are a member of, and the client
    workspaces of the agencies they work for (until each is handed over)."""
    if not getattr(user, "is_authenticated", False):
        return Workspace.objects.none()
    return Workspace.objects.filter(
        Q(memberships__user=user) | Q(agency__isnull=False, agency__staff__user=user)
    ).distinct()


def workspace_for_user(*, user, workspace_id) -> Workspace:
    """A workspace the user reaches; any other answers NotFound, never its data."""
    try:
        workspace = workspaces_for_user(user=user).filter(id=workspace_id).first()
    except (ValueError, ValidationError):
        workspace = None
    if workspace is None:
        raise NotFound("Workspace not found.")
    return workspace


def workspace_role(*, workspace: Workspace, user) -> str | None:
    """The user's role in the workspace: their membership's, or admin for the staff of the
    agency whose client it is (the higher of the two), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    roles = list(Membership.objects.filter(workspace=workspace, user=user).values_list("role", flat=True))
    if workspace.agency_id and AgencyMembership.objects.filter(agency_id=workspace.agency_id, user=user).exists():
        roles.append(Membership.Role.ADMIN)
    return max(roles, key=Membership.RANK.__getitem__) if roles else None


@dataclass(frozen=True)
class WorkspaceAccess:
    """A workspace a dashboard user reaches, with their role in it."""

    workspace: Workspace
    role: str

    @property
    def can_manage(self) -> bool:
        return self.role in Membership.MANAGERS

    @property
    def can_write(self) -> bool:
        return self.role in Membership.WRITERS

    @property
    def is_owner(self) -> bool:
        return self.role == Membership.Role.OWNER

    def require_manager(self) -> None:
        from accounts.roles import require_manager

        require_manager(self.role)


def workspace_access(*, user, workspace_id) -> WorkspaceAccess:
    workspace = workspace_for_user(user=user, workspace_id=workspace_id)
    role = workspace_role(workspace=workspace, user=user)
    if role is None:  # pragma: no cover - workspace_for_user found it through the same rows
        raise NotFound("Workspace not found.")
    return WorkspaceAccess(workspace=workspace, role=role)


def members_for_workspace(*, workspace: Workspace) -> QuerySet:
    return Membership.objects.filter(workspace=workspace).select_related("user").order_by("created_at", "pk")


def membership_get(*, workspace: Workspace, member_id) -> Membership:
    try:
        member = members_for_workspace(workspace=workspace).filter(public_id=member_id).first()
    except (ValueError, ValidationError):
        member = None
    if member is None:
        raise NotFound("Member not found.")
    return member


def invitations_for_workspace(*, workspace: Workspace, open_only: bool = False) -> QuerySet:
    invitations = Invitation.objects.filter(workspace=workspace).select_related("invited_by")
    if open_only:
        invitations = invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    return invitations


def invitation_get(*, workspace: Workspace, invitation_id) -> Invitation:
    return scoped_get(invitations_for_workspace(workspace=workspace), object_id=invitation_id, label="Invitation")


def invitation_for_token(*, token: str) -> Invitation:
    """The invitation a link's token names (any state), or NotFound."""
    from accounts.keys import api_key_hash

    invitation = Invitation.objects.select_related("workspace", "invited_by").filter(token_hash=api_key_hash(token)).first()
    if invitation is None:
        raise NotFound("This invitation link is not valid: it was re-sent, or mistyped. Ask for a new one.")
    return invitation


def agencies_for_user(*, user) -> QuerySet:
    return Agency.objects.filter(staff__user=user).distinct()


def agency_for_user(*, user, agency_id) -> Agency:
    try:
        agency = agencies_for_user(user=user).filter(id=agency_id).first()
    except (ValueError, ValidationError):
        agency = None
    if agency is None:
        raise NotFound("Agency not found.")
    return agency


def agency_clients(*, agency: Agency) -> QuerySet:
    return Workspace.objects.filter(agency=agency)


def workspace_by_slug(*, slug: str) -> Workspace:
    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        raise NotFound(f"No workspace with the slug {slug!r}.")
    return workspace


def brand_kit_for(*, workspace: Workspace) -> BrandKit | None:
    """The workspace's brand kit, or None when it has not made one."""
    return BrandKit.objects.filter(workspace=workspace).first()


def brand_kit_or_default(*, workspace: Workspace) -> BrandKit:
    """The workspace's brand kit, or an unsaved one holding the defaults its ads use (its
    ``created_at`` is None) when it has not made one."""
    return brand_kit_for(workspace=workspace) or BrandKit(workspace=workspace)


def brand_kit_for_link(*, workspace_id, kit_id) -> BrandKit | None:
    """The brand kit a signed media link names (accounts/media_links.py), or None when it is
    gone or belongs to another workspace."""
    return BrandKit.objects.filter(workspace_id=workspace_id, id=kit_id).first()


def api_key_for_plaintext(plaintext: str) -> ApiKey | None:
    """The active key whose plaintext this is, or None (unknown, malformed or revoked). The
    row is found by its visible prefix; the hashes are compared in constant time."""
    from accounts.keys import API_KEY_PREFIX, API_KEY_PREFIX_LENGTH, api_key_hash

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
    return scoped_get(api_keys_for_workspace(workspace=workspace), object_id=key_id, label="API key")


def scoped_get(queryset: QuerySet, *, object_id, label: str) -> Model:
    """One object of a queryset already scoped to the caller's workspace: another workspace's
    object and a missing one are the same NotFound."""
    obj = queryset.filter(id=object_id).first()
    if obj is None:
        raise NotFound(f"{label} not found.")
    return obj


def media_link_holder_reaches(*, workspace_id, holder: str) -> bool:
    """Whether the holder a signed media link was handed to (accounts/media_links.py) still
    reaches the workspace: ``k<id>`` an unrevoked key of the workspace or of its agency;
    ``u<id>`` an active user who is a member, or on the staff of the workspace's agency;
    ``e`` an event's payload, always (its links end when they expire)."""
    if holder == "e":
        return True
    workspace = Workspace.objects.filter(id=workspace_id).values("agency_id").first()
    if workspace is None:
        return False
    agency_id = workspace["agency_id"]
    if holder.startswith("k"):
        reach = Q(workspace_id=workspace_id) | (Q(agency_id=agency_id) if agency_id else Q(pk__in=[]))
        return ApiKey.objects.filter(reach, id=uuid.UUID(hex=holder[1:]), revoked_at__isnull=True).exists()
    if holder.startswith("u"):
        user_id = int(holder[1:])
        if Membership.objects.filter(workspace_id=workspace_id, user_id=user_id, user__is_active=True).exists():
            return True
        return bool(agency_id) and AgencyMembership.objects.filter(
            agency_id=agency_id, user_id=user_id, user__is_active=True
        ).exists()
    return False
