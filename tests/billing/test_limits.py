"""Seats: a plan's members and open invitations, checked before an invitation goes out."""

from __future__ import annotations

import pytest

from accounts.models import Invitation
from billing.ledger import account_for_workspace
from billing.models import Plan
from tests.factories import MembershipFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def starter_shop(settings, plans):
    settings.SHOPREEL_BILLING = True
    workspace = WorkspaceFactory()
    owner = MembershipFactory(workspace=workspace, role="owner").user
    account = account_for_workspace(workspace=workspace)
    account.plan, account.status = Plan.objects.get(slug="starter"), "active"  # 2 seats
    account.save()
    return workspace, owner


def test_the_dashboard_refuses_an_invitation_past_the_plans_seats(client, starter_shop, mailoutbox, django_capture_on_commit_callbacks):
    workspace, owner = starter_shop
    client.force_login(owner)
    url = f"/app/w/{workspace.id}/invitations/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"email": "first@example.com", "role": "editor"})
        response = client.post(url, {"email": "second@example.com", "role": "editor"}, follow=True)
    assert "The Starter plan has 2 seats, all taken" in response.content.decode()
    assert list(Invitation.objects.values_list("email", flat=True)) == ["first@example.com"]
    assert [m.to for m in mailoutbox] == [["first@example.com"]]


def test_with_billing_off_seats_are_not_limited(client, settings, starter_shop):
    settings.SHOPREEL_BILLING = False
    workspace, owner = starter_shop
    client.force_login(owner)
    for n in range(3):
        client.post(f"/app/w/{workspace.id}/invitations/", {"email": f"p{n}@example.com", "role": "viewer"})
    assert Invitation.objects.count() == 3
