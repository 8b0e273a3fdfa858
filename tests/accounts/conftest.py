"""A workspace with one member of each role (each with a verified address), an outsider with a
workspace of their own, and an agency with a client workspace and a staff member."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache

from accounts.models import Agency, AgencyMembership, Membership, Workspace
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory


def verified_user(name: str):
    user = UserFactory(username=name, email=f"{name}@example.com")
    user.set_password("pw")
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@dataclass
class Team:
    workspace: Workspace
    users: dict  # role -> user
    members: dict  # role -> Membership
    outsider: object
    outsider_workspace: Workspace
    agency: Agency
    client_workspace: Workspace  # the agency's client
    staff: object  # on the agency's staff

    def login(self, client, who: str):
        user = self.users.get(who) or {"outsider": self.outsider, "staff": self.staff}[who]
        client.force_login(user)
        return user


@pytest.fixture
def team(db, settings) -> Team:
    cache.clear()
    settings.SHOPREEL_SITE_URL = "http://testserver"  # the links in emails, for services called directly
    workspace = WorkspaceFactory(name="Northwind", slug="northwind")
    users, members = {}, {}
    for role in ("owner", "admin", "editor", "viewer"):
        users[role] = verified_user(role)
        members[role] = MembershipFactory(workspace=workspace, user=users[role], role=role)
    outsider = verified_user("outsider")
    outsider_workspace = WorkspaceFactory(name="Rival", slug="rival")
    MembershipFactory(workspace=outsider_workspace, user=outsider, role="owner")
    agency = Agency.objects.create(name="Loud Agency", slug="loud")
    client_workspace = WorkspaceFactory(name="Client Co", slug="client-co", agency=agency)
    staff = verified_user("staff")
    AgencyMembership.objects.create(agency=agency, user=staff)
    return Team(workspace, users, members, outsider, outsider_workspace, agency, client_workspace, staff)


def role_of(user, workspace) -> str | None:
    return Membership.objects.filter(user=user, workspace=workspace).values_list("role", flat=True).first()
