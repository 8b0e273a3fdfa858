"""Agencies: their staff, their client workspaces and hand-over to the merchant."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import Agency, ApiKey, Membership, Workspace
from accounts.services.invitations import invitation_create
from accounts.services.workspaces import _unique_slug, agency_create, workspace_create
from core.errors import InvalidInput, NotFound


def agency_create_for_user(*, name: str, user) -> Agency:
    """A new agency with ``user`` on its staff."""
    from accounts.models import AgencyMembership

    name = " ".join((name or "").split())[:120]
    if not name:
        raise InvalidInput("The agency needs a name.", detail={"field": "name"})
    with transaction.atomic():
        agency = agency_create(name=name, slug=_unique_slug(name))
        AgencyMembership.objects.create(agency=agency, user=user)
    return agency


def agency_staff_remove(*, agency: Agency, user) -> bool:
    """Take ``user`` off the agency's staff: from the next request they reach none of its
    client workspaces, and the API keys they made in those workspaces are revoked (unless they
    are also a member there, whose keys go with that membership). False when they were not on
    the staff. The admin's delete goes through here too."""
    from accounts.models import AgencyMembership

    with transaction.atomic():
        deleted, _ = AgencyMembership.objects.filter(agency=agency, user=user).delete()
        if not deleted:
            return False
        ApiKey.objects.filter(
            workspace__agency=agency, created_by=user, revoked_at__isnull=True
        ).exclude(workspace__memberships__user=user).update(revoked_at=timezone.now())
    return True


def _require_staff(*, agency: Agency, user) -> None:
    from accounts.models import AgencyMembership

    if not AgencyMembership.objects.filter(agency=agency, user=user).exists():
        raise NotFound("Agency not found.")


def agency_client_create(*, agency: Agency, name: str, actor) -> Workspace:
    """A client workspace run by the agency (its staff reach it until it is handed over)."""
    _require_staff(agency=agency, user=actor)
    name = " ".join((name or "").split())[:120]
    if not name:
        raise InvalidInput("The workspace needs a name.", detail={"field": "name"})
    return workspace_create(name=name, slug=_unique_slug(name), agency=agency)


def agency_hand_over_start(*, agency: Agency, workspace: Workspace, email: str, actor, site_url: str | None = None):
    """Invite the merchant as the workspace's owner; when they accept, the agency's access
    (its staff and its keys) ends."""
    _require_staff(agency=agency, user=actor)
    if workspace.agency_id != agency.pk:
        raise NotFound("Workspace not found.")
    return invitation_create(
        workspace=workspace, email=email, role=Membership.Role.OWNER, actor=actor, hand_over=True, site_url=site_url
    )
