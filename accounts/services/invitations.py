"""Invitations by email: 7 days, single use, only the token's hash stored."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.keys import api_key_hash
from accounts.models import ApiKey, Membership, Workspace
from accounts.roles import check_role, require_manager, require_owner_for
from accounts.services.members import _lock_members
from accounts.services.workspaces import acting_role, workspace_hand_over
from core.errors import ApplicationError, Conflict, InvalidInput, NotFound


def _used_up(invitation) -> type[ApplicationError]:
    """Accepted or revoked: a conflict with what happened (409); expired: just too old (400)."""
    return Conflict if invitation.state in ("accepted", "revoked") else ApplicationError

def _invitation_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, api_key_hash(token)


def _invitation_send(invitation, token: str, site_url: str | None) -> None:
    """Send the invitation's email once the transaction that made the token commits. The link
    starts with ``SHOPREEL_SITE_URL`` where it is set, else ``site_url`` (the request's own,
    from the dashboard and the API): a secret link never takes its host from a request header
    when the site's address is known."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.urls import reverse

    site_url = (settings.SHOPREEL_SITE_URL or site_url or "").rstrip("/")
    if not site_url:
        raise ApplicationError(
            "Set SHOPREEL_SITE_URL (https://app.example.com) so invitation emails can link to the dashboard.",
            code="site_url_missing",
        )
    context = {
        "invitation": invitation,
        "workspace": invitation.workspace,
        "inviter": invitation.invited_by,
        "accept_url": site_url + reverse("dashboard:invitation-accept", args=[token]),
        "days": settings.SHOPREEL_INVITATION_DAYS,
    }
    subject = " ".join(render_to_string("accounts/email/invitation_subject.txt", context).split())
    body = render_to_string("accounts/email/invitation_message.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [invitation.email]))


def _check_email(email: str) -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email = (email or "").strip().lower()
    try:
        if len(email) > 254:  # the column's length (RFC 5321's limit)
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise InvalidInput(f"{email!r} is not an email address.", detail={"field": "email"}) from None
    return email


def invitation_create(
    *,
    workspace: Workspace,
    email: str,
    role: str = Membership.Role.EDITOR,
    actor=None,
    hand_over: bool = False,
    site_url: str | None = None,
):
    """Invite ``email`` to the workspace with ``role``; the link goes out by email after commit
    and works for ``SHOPREEL_INVITATION_DAYS`` days, once."""
    from accounts.models import Invitation

    email = _check_email(email)
    role = check_role(role)
    if not hand_over:
        actor_role = acting_role(workspace=workspace, actor=actor)
        require_manager(actor_role)
        require_owner_for(actor_role, role)
    if Membership.objects.filter(workspace=workspace, user__email__iexact=email).exists():
        raise Conflict(f"{email} is already a member of this workspace.", code="already_member")
    now = timezone.now()
    token, token_hash = _invitation_token()
    try:
        with transaction.atomic():
            # An expired invitation to the same address no longer counts as open.
            Invitation.objects.filter(
                workspace=workspace, email=email, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lte=now
            ).update(revoked_at=now)
            invitation = Invitation.objects.create(
                workspace=workspace, email=email, role=role, token_hash=token_hash, invited_by=actor,
                hand_over=hand_over, sent_at=now, expires_at=now + timedelta(days=settings.SHOPREEL_INVITATION_DAYS),
            )
            _invitation_send(invitation, token, site_url)
    except IntegrityError:
        raise Conflict(
            f"{email} already has an open invitation to this workspace; re-send or revoke it.",
            code="already_invited",
        ) from None
    return invitation


def _lock_open_invitation(*, workspace: Workspace, invitation_id, actor):
    """The open invitation, locked, once ``actor`` may manage it (a manager; an owner for an
    owner's invitation, unless it hands the workspace over)."""
    from accounts.models import Invitation

    invitation = (
        Invitation.objects.select_for_update().select_related("workspace").filter(workspace=workspace, id=invitation_id).first()
    )
    if invitation is None:
        raise NotFound("Invitation not found.")
    if invitation.accepted_at or invitation.revoked_at:
        raise _used_up(invitation)(f"This invitation was already {invitation.state}.", code=f"invitation_{invitation.state}")
    actor_role = acting_role(workspace=workspace, actor=actor)
    require_manager(actor_role)
    if not invitation.hand_over:
        require_owner_for(actor_role, invitation.role)
    return invitation


def invitation_resend(*, workspace: Workspace, invitation_id, actor=None, site_url: str | None = None):
    """Send the invitation again with a new link (the old one stops working) and a new expiry."""
    with transaction.atomic():
        invitation = _lock_open_invitation(workspace=workspace, invitation_id=invitation_id, actor=actor)
        token, invitation.token_hash = _invitation_token()
        invitation.sent_at = timezone.now()
        invitation.expires_at = invitation.sent_at + timedelta(days=settings.SHOPREEL_INVITATION_DAYS)
        invitation.save(update_fields=["token_hash", "sent_at", "expires_at", "updated_at"])
        _invitation_send(invitation, token, site_url)
    return invitation


def invitation_revoke(*, workspace: Workspace, invitation_id, actor=None):
    with transaction.atomic():
        invitation = _lock_open_invitation(workspace=workspace, invitation_id=invitation_id, actor=actor)
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
    return invitation


def invitation_accept(*, token: str, user) -> Membership:
    """Accept the invitation the link's token names, as ``user``, who must have verified the
    address it was sent to. Single use: the row is locked and marked accepted. A member keeps
    the higher of their role and the invited one. A hand-over makes them an owner and takes
    the workspace out of its agency."""
    from allauth.account.models import EmailAddress

    from accounts.models import AgencyMembership, Invitation

    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().select_related("workspace").filter(token_hash=api_key_hash(token or "")).first()
        )
        if invitation is None:
            raise NotFound("This invitation link is not valid: it was re-sent, or mistyped. Ask for a new one.")
        if invitation.state != "open":
            raise _used_up(invitation)(
                f"This invitation was already {invitation.state}. Ask the workspace's owner for a new one.",
                code=f"invitation_{invitation.state}",
            )
        if not EmailAddress.objects.filter(user=user, email__iexact=invitation.email, verified=True).exists():
            raise ApplicationError(
                f"This invitation is for {invitation.email}: log in with that address (or sign up with it).",
                code="invitation_other_email",
            )
        workspace = Workspace.objects.select_for_update().get(pk=invitation.workspace_id)
        if invitation.hand_over and workspace.agency_id is None:
            # Another hand-over of the same workspace was accepted first: this one hands
            # nothing over, and must not make a second stranger an owner.
            raise Conflict(
                "This workspace was already handed over to someone else; this invitation no longer works.",
                code="invitation_revoked",
            )
        members = _lock_members(workspace)
        membership = next((m for m in members if m.user_id == user.pk), None)
        if membership is None:
            membership = Membership.objects.create(workspace=workspace, user=user, role=invitation.role)
        elif Membership.RANK[invitation.role] > Membership.RANK[membership.role]:
            membership.role = invitation.role
            membership.save(update_fields=["role"])
        if invitation.hand_over and workspace.agency_id is not None:
            staff = AgencyMembership.objects.filter(agency_id=workspace.agency_id).values("user_id")
            # Keys agency staff made in the workspace go with the agency, unless they are members.
            ApiKey.objects.filter(workspace=workspace, created_by__in=staff, revoked_at__isnull=True).exclude(
                created_by__in=Membership.objects.filter(workspace=workspace).values("user_id")
            ).update(revoked_at=timezone.now())
            workspace_hand_over(workspace=workspace)
            # Every other open invitation was sent while the agency ran the workspace (by its
            # staff, its keys, or for another hand-over): none may let the agency, or anyone
            # else it invited, back in. The new owner invites afresh.
            Invitation.objects.filter(workspace=workspace, accepted_at__isnull=True, revoked_at__isnull=True).exclude(
                pk=invitation.pk
            ).update(revoked_at=timezone.now())
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return membership
