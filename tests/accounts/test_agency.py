"""Agencies in the dashboard: staff create client workspaces, switch between them, act in them
as admins, and hand one over to its merchant, after which neither the agency's staff nor its
keys reach it."""

from __future__ import annotations

import pytest
from django.core import mail
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Agency, AgencyMembership, Workspace
from tests.accounts.conftest import role_of, verified_user
from tests.accounts.helpers import last_link

pytestmark = pytest.mark.django_db


def test_a_user_starts_an_agency_and_makes_client_workspaces(client, team):
    team.login(client, "owner")
    response = client.post("/app/agencies/", {"name": "Pixel & Co"})
    agency = Agency.objects.get(name="Pixel & Co")
    assert response["Location"] == f"/app/agencies/{agency.id}/"
    assert AgencyMembership.objects.filter(agency=agency, user=team.users["owner"]).exists()
    response = client.post(f"/app/agencies/{agency.id}/clients/", {"name": "Brew Bros"})
    workspace = Workspace.objects.get(name="Brew Bros")
    assert workspace.agency == agency and response["Location"] == f"/app/w/{workspace.id}/"
    page = client.get(response["Location"]).content.decode()
    assert 'class="role">admin<' in page and "run by the agency Pixel &amp; Co" in page
    assert "Brew Bros" in client.get(f"/app/agencies/{agency.id}/").content.decode()
    # an empty name is a message, not a workspace
    response = client.post(f"/app/agencies/{agency.id}/clients/", {"name": "  "}, follow=True)
    assert "needs a name" in " ".join(str(m) for m in response.context["messages"])


def test_staff_switch_between_clients_and_home_remembers_the_last(client, team):
    other = services.agency_client_create(agency=team.agency, name="Second Client", actor=team.staff)
    team.login(client, "staff")
    for workspace in (team.client_workspace, other, team.client_workspace):
        assert client.get(f"/app/w/{workspace.id}/").status_code == 200
        assert client.get("/app/")["Location"] == f"/app/w/{workspace.id}/"
    switcher = client.get("/app/agencies/").content.decode()
    assert "Client Co" in switcher and "Second Client" in switcher and "Northwind" not in switcher


def test_staff_act_as_admins_in_client_workspaces(client, team, django_capture_on_commit_callbacks):
    team.login(client, "staff")
    w = f"/app/w/{team.client_workspace.id}"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{w}/invitations/", {"email": "helper@example.com", "role": "editor"}).status_code == 302
    assert client.post(f"{w}/invitations/", {"email": "boss@example.com", "role": "owner"}).status_code == 403
    response = client.post(f"{w}/leave/", follow=True)
    assert "through your agency" in " ".join(str(m) for m in response.context["messages"])
    key_page = client.post(f"{w}/api-keys/", {"name": "agency-made", "scope": "write"}, follow=True)
    assert key_page.status_code == 200 and key_page.context["plaintext"].startswith("sr_live_")


def test_hand_over_ends_the_agencys_access(client, team, django_capture_on_commit_callbacks):
    workspace = team.client_workspace
    merchant = verified_user("merchant")
    _, agency_key = services.api_key_create(agency=team.agency, name="agency", scope="write")
    _, staff_key = services.api_key_create(workspace=workspace, name="by staff", scope="write", created_by=team.staff)
    agency_api, staff_api = APIClient(), APIClient()
    agency_api.credentials(HTTP_AUTHORIZATION=f"Bearer {agency_key}", HTTP_SHOPREEL_WORKSPACE=workspace.slug)
    staff_api.credentials(HTTP_AUTHORIZATION=f"Bearer {staff_key}")
    assert agency_api.get("/api/v1/members/").status_code == 200
    assert staff_api.get("/api/v1/members/").status_code == 200

    team.login(client, "staff")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/app/agencies/{team.agency.id}/clients/{workspace.id}/hand-over/", {"email": "merchant@example.com"}
        )
    assert response.status_code == 302
    assert "handed over" in mail.outbox[-1].subject
    link = last_link("merchant@example.com", "/app/invitations/")
    # until the merchant accepts, nothing changes
    assert client.get(f"/app/w/{workspace.id}/").status_code == 200

    client.force_login(merchant)
    client.post(link)
    workspace.refresh_from_db()
    assert workspace.agency is None and role_of(merchant, workspace) == "owner"
    assert client.get(f"/app/w/{workspace.id}/members/").status_code == 200

    team.login(client, "staff")
    assert client.get(f"/app/w/{workspace.id}/").status_code == 404
    assert client.post(f"/app/w/{workspace.id}/invitations/", {"email": "x@example.com", "role": "viewer"}).status_code == 404
    assert "Client Co" not in client.get(f"/app/agencies/{team.agency.id}/").content.decode()
    response = agency_api.get("/api/v1/members/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert staff_api.get("/api/v1/members/").status_code == 401  # the staff's key went with the agency


def test_only_the_agencys_own_clients_can_be_handed_over(client, team):
    team.login(client, "staff")
    response = client.post(
        f"/app/agencies/{team.agency.id}/clients/{team.workspace.id}/hand-over/", {"email": "thief@example.com"}
    )
    assert response.status_code == 404
    assert team.workspace.agency is None and role_of(team.users["owner"], team.workspace) == "owner"
