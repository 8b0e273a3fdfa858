"""Plan limits other than an ad's own (those are in billing/jobs.py): seats.

Accounts sits below billing, so the surfaces that invite people (the dashboard, the API) ask
here first. With billing off there is no limit."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from accounts.models import Invitation, Membership
from billing.ledger import account_for_workspace
from core.errors import PaymentRequired


def seat_check(*, workspace) -> None:
    """Refuse (402 ``seat_limit``) a new invitation when the plan's seats are taken by the
    workspace's members and its open invitations."""
    if not settings.SHOPREEL_BILLING:
        return
    plan = account_for_workspace(workspace=workspace).plan
    if plan is None:
        return
    members = Membership.objects.filter(workspace=workspace).count()
    invited = Invitation.objects.filter(
        workspace=workspace, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).count()
    if members + invited >= plan.seats:
        raise PaymentRequired(
            f"The {plan.name} plan has {plan.seats} seat{'s' if plan.seats != 1 else ''}, all taken by members and "
            "open invitations: revoke an invitation, remove a member or choose a bigger plan.",
            code="seat_limit", detail={"seats": plan.seats, "members": members, "invited": invited},
        )
