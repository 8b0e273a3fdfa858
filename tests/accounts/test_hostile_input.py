"""The dashboard against a hostile user: ids of another workspace in a form's URL, forged
cross-site POSTs, open redirects after login and sign-up, a hand-over invitation accepted by
the wrong person, agency staff taken off the staff, and the owner's shared-training opt-in."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from accounts import services
from accounts.models import AgencyMembership, ApiKey, Invitation, Workspace
from core.errors import ApplicationError
from tests.accounts.conftest import role_of, verified_user
from tests.accounts.helpers import PASSWORD, last_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def victim_things(team):
    """An open invitation and a live key in the team's workspace (the victim)."""
    invitation = services.invitation_create(workspace=team.workspace, email="later@example.com", actor=team.users["owner"])
    key, _ = services.api_key_create(workspace=team.workspace, name="CI", scope="write", created_by=team.users["owner"])
    return invitation, key


def _unchanged(team, invitation, key) -> None:
    assert role_of(team.users["editor"], team.workspace) == "editor"
    assert role_of(team.users["owner"], team.workspace) == "owner"
    invitation.refresh_from_db()
    key.refresh_from_db()
    assert invitation.revoked_at is None and invitation.accepted_at is None and key.revoked_at is None


def test_another_workspaces_ids_in_my_own_workspaces_forms_are_404_and_change_nothing(client, team, victim_things):
    """The outsider owns their workspace, so every check but "is this id mine" passes."""
    invitation, key = victim_things
    team.login(client, "outsider")
    mine = f"/app/w/{team.outsider_workspace.id}"
    editor = team.members["editor"].public_id
    for url in (
        f"{mine}/members/{editor}/role/",
        f"{mine}/members/{editor}/remove/",
        f"{mine}/members/{team.members['owner'].public_id}/remove/",
        f"{mine}/invitations/{invitation.id}/resend/",
        f"{mine}/invitations/{invitation.id}/revoke/",
        f"{mine}/api-keys/{key.id}/revoke/",
    ):
        response = client.post(url, {"role": "viewer"})
        assert response.status_code == 404, url
        assert b"Northwind" not in response.content and b"later@example.com" not in response.content
    # The agency page of someone else's agency, and its client, the same.
    assert client.post(
        f"/app/agencies/{team.agency.id}/clients/{team.client_workspace.id}/hand-over/", {"email": "me@example.com"}
    ).status_code == 404
    _unchanged(team, invitation, key)
    assert team.client_workspace.agency_id == team.agency.id and not Invitation.objects.filter(email="me@example.com")


def test_every_dashboard_post_refuses_a_forged_cross_site_request(team, victim_things):
    """A logged-in owner's browser, tricked into POSTing without the CSRF token: 403, nothing
    changed (Django's CSRF middleware, on every form including the new training one)."""
    invitation, key = victim_things
    browser = Client(enforce_csrf_checks=True)
    team.login(browser, "owner")
    w = f"/app/w/{team.workspace.id}"
    editor = team.members["editor"].public_id
    for url, data in (
        (f"{w}/members/{editor}/role/", {"role": "owner"}),
        (f"{w}/members/{editor}/remove/", {}),
        (f"{w}/leave/", {}),
        (f"{w}/invitations/", {"email": "evil@example.com", "role": "owner"}),
        (f"{w}/invitations/{invitation.id}/resend/", {}),
        (f"{w}/invitations/{invitation.id}/revoke/", {}),
        (f"{w}/api-keys/", {"name": "stolen", "scope": "write"}),
        (f"{w}/api-keys/{key.id}/revoke/", {}),
        (f"{w}/training/", {"share_for_training": "on"}),
        ("/app/agencies/", {"name": "Evil"}),
    ):
        assert browser.post(url, data).status_code == 403, url
    _unchanged(team, invitation, key)
    assert ApiKey.objects.filter(workspace=team.workspace).count() == 1
    assert not Invitation.objects.filter(email="evil@example.com").exists()
    assert not Workspace.objects.get(pk=team.workspace.pk).share_for_training


@pytest.mark.parametrize("hostile", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"])
def test_login_and_sign_up_never_redirect_off_site(client, team, hostile):
    response = client.post(f"/accounts/login/?next={hostile}", {"login": "owner@example.com", "password": "pw"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"] and not response["Location"].startswith("javascript")
    client.logout()
    response = client.post(
        f"/accounts/signup/?next={hostile}",
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD, "next": hostile},
    )
    assert response.status_code == 302 and "evil.example" not in response["Location"]
    path = last_link("new@example.com", "/accounts/confirm-email/")
    response = client.post(path)
    assert response.status_code == 302 and "evil.example" not in response["Location"]


def test_an_invitation_is_refused_to_another_address_and_to_an_unverified_one(
    client, team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(workspace=team.workspace, email="invited@example.com", actor=team.users["owner"])
    link = last_link("invited@example.com", "/app/invitations/")
    team.login(client, "outsider")  # verified, but not the invited address
    response = client.post(link)
    assert response.status_code == 400 and "This invitation is for invited@example.com" in response.text
    assert role_of(team.outsider, team.workspace) is None
    # Claiming the address without verifying it does not help either.
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=team.outsider, email="invited@example.com", verified=False)
    assert client.post(link).status_code == 400 and role_of(team.outsider, team.workspace) is None


def test_a_guessed_token_is_the_same_404_as_an_unknown_one(client, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(workspace=team.workspace, email="invited@example.com", actor=team.users["owner"])
    team.login(client, "outsider")
    for token in ("x", "A" * 43, "%00", "a" * 300):
        response = client.post(f"/app/invitations/{token}/")
        assert response.status_code == 404 and b"Northwind" not in response.content
    # Only the hash is stored: the token in the mail appears nowhere in the database row.
    token = last_link("invited@example.com", "/app/invitations/").rstrip("/").rsplit("/", 1)[-1]
    row = Invitation.objects.get(email="invited@example.com")
    assert token not in str(row.__dict__) and row.token_hash == services.api_key_hash(token)


def test_a_hand_over_accepted_once_makes_every_other_open_invitation_useless(client, team, django_capture_on_commit_callbacks):
    """The agency sent two hand-overs (a mistake, or a spare for itself) and invited one of its
    own people as admin. The merchant accepts; neither the second hand-over nor the agency's
    invitation may then bring a stranger in as owner, or the agency back in."""
    workspace = team.client_workspace
    merchant, stranger, agent = verified_user("merchant"), verified_user("stranger"), verified_user("agent")
    with django_capture_on_commit_callbacks(execute=True):
        for email in ("merchant@example.com", "stranger@example.com"):
            services.agency_hand_over_start(agency=team.agency, workspace=workspace, email=email, actor=team.staff)
        services.invitation_create(workspace=workspace, email="agent@example.com", role="admin", actor=team.staff)
    links = {who: last_link(f"{who}@example.com", "/app/invitations/") for who in ("merchant", "stranger", "agent")}

    client.force_login(merchant)
    assert client.post(links["merchant"]).status_code == 302
    workspace.refresh_from_db()
    assert workspace.agency_id is None and role_of(merchant, workspace) == "owner"

    for who, user in (("stranger", stranger), ("agent", agent)):
        client.force_login(user)
        response = client.post(links[who])
        assert response.status_code == 400 and "revoked" in response.text, who
        assert role_of(user, workspace) is None
    assert [m.user for m in workspace.memberships.all()] == [merchant]


def test_a_hand_over_still_open_after_another_was_accepted_is_refused(team, django_capture_on_commit_callbacks):
    """The service's own guard (also covers a hand-over row left open by older code)."""
    workspace = team.client_workspace
    stranger = verified_user("stranger")
    with django_capture_on_commit_callbacks(execute=True):
        services.agency_hand_over_start(agency=team.agency, workspace=workspace, email="stranger@example.com", actor=team.staff)
    token = last_link("stranger@example.com", "/app/invitations/").rstrip("/").rsplit("/", 1)[-1]
    services.workspace_hand_over(workspace=workspace)  # handed over some other way meanwhile
    with pytest.raises(ApplicationError, match="already handed over"):
        services.invitation_accept(token=token, user=stranger)
    assert role_of(stranger, workspace) is None


def test_staff_taken_off_the_agency_lose_the_dashboard_and_their_keys_at_once(client, team):
    workspace = team.client_workspace
    _, staff_key = services.api_key_create(workspace=workspace, name="by staff", scope="write", created_by=team.staff)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {staff_key}")
    team.login(client, "staff")
    assert client.get(f"/app/w/{workspace.id}/").status_code == 200
    assert api.get("/api/v1/members/").status_code == 200

    assert services.agency_staff_remove(agency=team.agency, user=team.staff) is True
    assert client.get(f"/app/w/{workspace.id}/").status_code == 404  # the same session, next request
    assert client.get(f"/app/agencies/{team.agency.id}/").status_code == 404
    assert api.get("/api/v1/members/").status_code == 401
    assert services.agency_staff_remove(agency=team.agency, user=team.staff) is False


def test_the_admins_delete_of_agency_staff_revokes_their_keys(client, team):
    from django.urls import reverse

    from tests.factories import UserFactory

    services.api_key_create(workspace=team.client_workspace, name="by staff", scope="write", created_by=team.staff)
    row = AgencyMembership.objects.get(agency=team.agency, user=team.staff)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(reverse("admin:accounts_agencymembership_delete", args=[row.pk]), {"post": "yes"})
    assert response.status_code == 302 and not AgencyMembership.objects.filter(pk=row.pk).exists()
    assert ApiKey.objects.get(created_by=team.staff).revoked_at is not None


# ------------------------------------------------------------------ shared-training opt-in


def test_an_owner_opts_in_and_out_of_shared_training_on_the_workspace_page(client, team):
    w = f"/app/w/{team.workspace.id}"
    team.login(client, "owner")
    page = client.get(f"{w}/")
    assert 'name="share_for_training">' in page.text  # off by default (no " checked" after the name)
    response = client.post(f"{w}/training/", {"share_for_training": "on"}, follow=True)
    assert "may now train the shared adapters" in response.text
    assert Workspace.objects.get(pk=team.workspace.pk).share_for_training is True
    assert 'name="share_for_training" checked' in client.get(f"{w}/").text
    response = client.post(f"{w}/training/", {}, follow=True)  # the box unticked
    assert "left out of every shared adapter trained from now on" in response.text
    assert Workspace.objects.get(pk=team.workspace.pk).share_for_training is False


@pytest.mark.parametrize("who", ["admin", "editor", "viewer", "staff"])
def test_only_owners_decide_on_shared_training(client, team, who):
    workspace = team.client_workspace if who == "staff" else team.workspace
    team.login(client, who)
    assert 'name="share_for_training"' not in client.get(f"/app/w/{workspace.id}/").text
    assert client.post(f"/app/w/{workspace.id}/training/", {"share_for_training": "on"}).status_code == 403
    assert Workspace.objects.get(pk=workspace.pk).share_for_training is False


def test_an_outsider_cannot_opt_a_workspace_in(client, team):
    team.login(client, "outsider")
    response = client.post(f"/app/w/{team.workspace.id}/training/", {"share_for_training": "on"})
    assert response.status_code == 404 and b"Northwind" not in response.content
    assert Workspace.objects.get(pk=team.workspace.pk).share_for_training is False
    assert client.get(f"/app/w/{team.workspace.id}/training/").status_code == 405  # a form target, not a page


def test_the_mail_with_a_token_is_not_sent_before_commit(team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.invitation_create(workspace=team.workspace, email="x@example.com", actor=team.users["owner"])
    assert len(callbacks) == 1 and not [m for m in mail.outbox if "x@example.com" in m.to]


def test_an_invitation_link_takes_the_sites_address_not_the_requests_host(client, team, settings, django_capture_on_commit_callbacks):
    """A forged Host header (on a server that accepts several names) must not put a secret
    link to someone else's host in the invitee's inbox."""
    settings.SHOPREEL_SITE_URL = "https://app.shopreel.example"
    settings.ALLOWED_HOSTS = ["testserver", ".shopreel-mirror.example"]
    team.login(client, "owner")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/app/w/{team.workspace.id}/invitations/", {"email": "hosted@example.com", "role": "viewer"},
            HTTP_HOST="evil.shopreel-mirror.example",
        )
    assert response.status_code == 302
    [message] = [m for m in mail.outbox if "hosted@example.com" in m.to]
    assert "https://app.shopreel.example/app/invitations/" in message.body and "evil" not in message.body


def test_a_member_deleted_in_the_admin_loses_their_keys_too(client, team):
    from django.urls import reverse

    from tests.factories import UserFactory

    _, plaintext = services.api_key_create(
        workspace=team.workspace, name="editor's", scope="write", created_by=team.users["editor"]
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert api.get("/api/v1/members/").status_code == 200
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    member = team.members["editor"]
    response = client.post(reverse("admin:accounts_membership_delete", args=[member.pk]), {"post": "yes"})
    assert response.status_code == 302 and role_of(team.users["editor"], team.workspace) is None
    assert api.get("/api/v1/members/").status_code == 401
