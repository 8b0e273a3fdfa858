"""Members and invitations, in the dashboard, the services and the API: who may do what, the
"at least one owner" rule (also under concurrency on PostgreSQL), invitation links that work
once, for the invited address only, until revoked, re-sent or expired; and 404 for outsiders."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiKey, Invitation, Membership
from core.errors import ApplicationError
from tests.accounts.conftest import role_of, verified_user
from tests.accounts.helpers import PASSWORD, last_link, verify

pytestmark = pytest.mark.django_db


def _invite(client, team, email, role="editor"):
    return client.post(f"/app/w/{team.workspace.id}/invitations/", {"email": email, "role": role})


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def _page_urls(team, workspace, member, invitation, key):
    w = f"/app/w/{workspace.id}"
    return {
        "get": [f"{w}/", f"{w}/members/", f"{w}/api-keys/"],
        "post": [
            f"{w}/members/{member.public_id}/role/", f"{w}/members/{member.public_id}/remove/", f"{w}/leave/",
            f"{w}/invitations/", f"{w}/invitations/{invitation.id}/resend/", f"{w}/invitations/{invitation.id}/revoke/",
            f"{w}/api-keys/", f"{w}/api-keys/{key.id}/revoke/",
        ],
    }


@pytest.fixture
def things(team):
    invitation = services.invitation_create(workspace=team.workspace, email="later@example.com", actor=team.users["owner"])
    key, _ = services.api_key_create(workspace=team.workspace, name="CI", scope="write", created_by=team.users["owner"])
    return invitation, key


# ------------------------------------------------------------------ tenancy


def test_every_workspace_page_answers_404_to_an_outsider_and_changes_nothing(client, team, things):
    invitation, key = things
    team.login(client, "outsider")
    urls = _page_urls(team, team.workspace, team.members["editor"], invitation, key)
    for url in urls["get"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Northwind" not in response.content
    for url in urls["post"]:
        response = client.post(url, {"role": "viewer", "email": "x@example.com", "name": "k", "scope": "write"})
        assert response.status_code == 404, url
    assert role_of(team.users["editor"], team.workspace) == "editor"
    invitation.refresh_from_db()
    key.refresh_from_db()
    assert invitation.revoked_at is None and key.revoked_at is None
    assert not Invitation.objects.filter(email="x@example.com").exists()
    # an unknown workspace is the same 404
    assert client.get(f"/app/w/{uuid.uuid4()}/members/").status_code == 404


def test_the_agency_pages_answer_404_to_non_staff(client, team):
    team.login(client, "owner")
    base = f"/app/agencies/{team.agency.id}"
    assert client.get(f"{base}/").status_code == 404
    assert client.post(f"{base}/clients/", {"name": "Sneaky"}).status_code == 404
    assert client.post(f"{base}/clients/{team.client_workspace.id}/hand-over/", {"email": "o@example.com"}).status_code == 404
    assert client.get(f"/app/w/{team.client_workspace.id}/").status_code == 404
    assert not Invitation.objects.filter(email="o@example.com").exists()


def test_pages_need_a_login(client, team):
    for url in (f"/app/w/{team.workspace.id}/members/", "/app/", "/app/agencies/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_the_switcher_lists_every_workspace_the_user_reaches_and_no_other(client, team):
    team.login(client, "owner")
    body = client.get(f"/app/w/{team.workspace.id}/").content.decode()
    assert "Northwind" in body and "Rival" not in body and "Client Co" not in body
    team.login(client, "staff")
    body = client.get(f"/app/w/{team.client_workspace.id}/").content.decode()
    assert "Client Co" in body and "Northwind" not in body


# ------------------------------------------------------------------ roles


@pytest.mark.parametrize("who", ["viewer", "editor"])
def test_viewers_and_editors_read_members_but_cannot_change_anything(client, team, things, who):
    invitation, key = things
    team.login(client, who)
    page = client.get(f"/app/w/{team.workspace.id}/members/")
    assert page.status_code == 200 and b"admin@example.com" in page.content
    assert b'id="invite"' not in page.content  # no forms they could not use
    urls = _page_urls(team, team.workspace, team.members["admin"], invitation, key)["post"]
    for url in urls:
        if url.endswith("/leave/"):
            continue  # anyone may leave (tested below)
        response = client.post(url, {"role": "viewer", "email": "x@example.com", "name": "k", "scope": "read"})
        assert response.status_code == 403, url
    assert role_of(team.users["admin"], team.workspace) == "admin"
    invitation.refresh_from_db()
    key.refresh_from_db()
    assert invitation.revoked_at is None and key.revoked_at is None
    assert not Invitation.objects.filter(email="x@example.com").exists()
    assert ApiKey.objects.filter(workspace=team.workspace).count() == 1


def test_an_admin_manages_members_but_not_owners(client, team):
    team.login(client, "admin")
    w = f"/app/w/{team.workspace.id}"
    response = client.post(f"{w}/members/{team.members['editor'].public_id}/role/", {"role": "viewer"}, follow=True)
    assert "is now viewer" in _messages(response)
    assert role_of(team.users["editor"], team.workspace) == "viewer"
    assert client.post(f"{w}/members/{team.members['viewer'].public_id}/role/", {"role": "owner"}).status_code == 403
    assert client.post(f"{w}/members/{team.members['owner'].public_id}/role/", {"role": "admin"}).status_code == 403
    assert client.post(f"{w}/members/{team.members['owner'].public_id}/remove/").status_code == 403
    assert client.post(f"{w}/invitations/", {"email": "boss@example.com", "role": "owner"}).status_code == 403
    assert role_of(team.users["owner"], team.workspace) == "owner"
    assert role_of(team.users["viewer"], team.workspace) == "viewer"
    response = client.post(f"{w}/members/{team.members['viewer'].public_id}/remove/", follow=True)
    assert "was removed" in _messages(response)
    assert role_of(team.users["viewer"], team.workspace) is None
    # a bad role is a clear message, not an error page
    response = client.post(f"{w}/members/{team.members['editor'].public_id}/role/", {"role": "god"}, follow=True)
    assert "role must be one of" in _messages(response)


def test_the_last_owner_cannot_leave_be_demoted_or_be_removed(client, team):
    owner = team.login(client, "owner")
    w = f"/app/w/{team.workspace.id}"
    mine = team.members["owner"].public_id
    for url, data in ((f"{w}/leave/", {}), (f"{w}/members/{mine}/role/", {"role": "admin"}), (f"{w}/members/{mine}/remove/", {})):
        response = client.post(url, data, follow=True)
        assert "last owner" in _messages(response), url
        assert role_of(owner, team.workspace) == "owner"
    # with a second owner, the first may step down and leave
    response = client.post(f"{w}/members/{team.members['admin'].public_id}/role/", {"role": "owner"}, follow=True)
    assert role_of(team.users["admin"], team.workspace) == "owner"
    client.post(f"{w}/members/{mine}/role/", {"role": "admin"})
    assert role_of(owner, team.workspace) == "admin"
    response = client.post(f"{w}/leave/", follow=True)
    assert "You left Northwind" in _messages(response)
    assert role_of(owner, team.workspace) is None
    assert client.get(f"{w}/").status_code == 404


def test_anyone_may_leave_and_their_keys_go_with_them(client, team):
    key, plaintext = services.api_key_create(workspace=team.workspace, name="mine", scope="read", created_by=team.users["viewer"])
    team.login(client, "viewer")
    client.post(f"/app/w/{team.workspace.id}/leave/")
    assert role_of(team.users["viewer"], team.workspace) is None
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert APIClient().get("/api/v1/members/", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 401


def test_only_owners_promote_or_remove_owners_in_the_services(team):
    services.membership_role_change(
        workspace=team.workspace, member_id=team.members["admin"].public_id, role="owner", actor=team.users["owner"]
    )
    with pytest.raises(ApplicationError) as refused:
        services.membership_remove(workspace=team.workspace, member_id=team.members["owner"].public_id, actor=None)
    assert refused.value.code == "permission_denied"
    services.membership_remove(
        workspace=team.workspace, member_id=team.members["admin"].public_id, actor=team.users["owner"]
    )
    assert role_of(team.users["admin"], team.workspace) is None


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner(postgres):
    from tests.accounts.conftest import verified_user as make_user
    from tests.factories import MembershipFactory, WorkspaceFactory

    workspace = WorkspaceFactory()
    a, b = make_user("race-a"), make_user("race-b")
    ma = MembershipFactory(workspace=workspace, user=a, role="owner")
    mb = MembershipFactory(workspace=workspace, user=b, role="owner")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(actor, target):
        try:
            barrier.wait()
            services.membership_role_change(workspace=workspace, member_id=target.public_id, role="viewer", actor=actor)
            outcomes.append("ok")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    for _ in range(5):
        Membership.objects.filter(workspace=workspace).update(role="owner")
        outcomes.clear()
        threads = [threading.Thread(target=demote, args=(a, mb)), threading.Thread(target=demote, args=(b, ma))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        owners = Membership.objects.filter(workspace=workspace, role="owner").count()
        # the loser either finds itself demoted (no longer an owner: refused) or the last owner
        assert owners == 1, outcomes
        assert sorted(outcomes) in (["last_owner", "ok"], ["ok", "permission_denied"]), outcomes


# ------------------------------------------------------------------ invitations


def test_an_invitation_is_emailed_and_accepted_once_by_the_invited_address(
    client, team, django_capture_on_commit_callbacks
):
    team.login(client, "owner")
    joiner = verified_user("joiner")
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, team, "Joiner@Example.com", role="admin")
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["joiner@example.com"]
    assert "Northwind" in mail.outbox[0].subject
    link = last_link("joiner@example.com", "/app/invitations/")
    page = client.get(f"/app/w/{team.workspace.id}/members/").content.decode()
    assert "joiner@example.com" in page

    # someone else, logged in, cannot use it
    team.login(client, "outsider")
    response = client.post(link)
    assert response.status_code == 400 and b"log in with that address" in response.content
    assert role_of(team.outsider, team.workspace) is None

    client.force_login(joiner)
    assert b"Accept invitation" in client.get(link).content
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == f"/app/w/{team.workspace.id}/"
    assert role_of(joiner, team.workspace) == "admin"
    # single use
    response = client.post(link)
    assert response.status_code == 400 and b"already accepted" in response.content


def test_a_new_user_signs_up_from_the_invitation_and_joins(client, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(workspace=team.workspace, email="newbie@example.com", role="viewer", actor=team.users["owner"])
    link = last_link("newbie@example.com", "/app/invitations/")
    page = client.get(link)
    assert b"sign up" in page.content and b"newbie@example.com" in page.content
    assert client.post(link).status_code == 200  # not logged in: the page again, nothing joined
    signup = client.get(f"/accounts/signup/?next={link}")
    assert f'value="{link}"' in signup.content.decode()  # the form carries the way back
    client.post("/accounts/signup/", {"email": "newbie@example.com", "password1": PASSWORD, "password2": PASSWORD,
                                      "next": link})
    response = verify(client, "newbie@example.com")
    assert response["Location"] == link  # verified, logged in, and back on the invitation
    client.post(link)
    user = Membership.objects.get(workspace=team.workspace, user__email="newbie@example.com")
    assert user.role == "viewer"
    # invited, so no empty workspace of their own besides the one they joined
    assert list(Membership.objects.filter(user__email="newbie@example.com").values_list("workspace", flat=True)) == [
        team.workspace.id
    ]


def test_revoked_resent_and_expired_links_stop_working(client, team, django_capture_on_commit_callbacks):
    invitee = verified_user("invitee")
    owner = team.users["owner"]
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(workspace=team.workspace, email="invitee@example.com", actor=owner)
    first = last_link("invitee@example.com", "/app/invitations/")
    team.login(client, "admin")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/app/w/{team.workspace.id}/invitations/{invitation.id}/resend/")
    second = last_link("invitee@example.com", "/app/invitations/")
    assert first != second and len(mail.outbox) == 2
    client.force_login(invitee)
    assert client.post(first).status_code == 404  # the old link is gone
    # expired
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.post(second)
    assert response.status_code == 400 and b"expired" in response.content
    # re-sending renews it
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_resend(workspace=team.workspace, invitation_id=invitation.id, actor=owner)
    third = last_link("invitee@example.com", "/app/invitations/")
    team.login(client, "admin")
    client.post(f"/app/w/{team.workspace.id}/invitations/{invitation.id}/revoke/")
    client.force_login(invitee)
    response = client.post(third)
    assert response.status_code == 400 and b"revoked" in response.content
    assert role_of(invitee, team.workspace) is None


def test_invitations_are_refused_for_members_twice_and_bad_addresses(client, team):
    team.login(client, "owner")
    for email, text in (("editor@example.com", "already a member"), ("not-an-address", "not an email address"),
                        ("a" * 250 + "@example.com", "not an email address")):
        response = client.post(f"/app/w/{team.workspace.id}/invitations/", {"email": email, "role": "editor"}, follow=True)
        assert text in _messages(response), email
    client.post(f"/app/w/{team.workspace.id}/invitations/", {"email": "twice@example.com", "role": "editor"})
    response = client.post(f"/app/w/{team.workspace.id}/invitations/", {"email": "TWICE@example.com", "role": "viewer"}, follow=True)
    assert "already has an open invitation" in _messages(response)
    assert Invitation.objects.filter(email="twice@example.com").count() == 1


def test_an_expired_invitation_can_be_replaced(team):
    owner = team.users["owner"]
    old = services.invitation_create(workspace=team.workspace, email="late@example.com", actor=owner)
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=1))
    new = services.invitation_create(workspace=team.workspace, email="late@example.com", actor=owner)
    old.refresh_from_db()
    assert old.revoked_at is not None and new.state == "open"


def test_an_accepting_member_keeps_the_higher_role(client, team, django_capture_on_commit_callbacks):
    # the editor also holds an invitation as viewer (sent before they joined)
    with django_capture_on_commit_callbacks(execute=True):
        Membership.objects.filter(pk=team.members["editor"].pk).delete()
        services.invitation_create(workspace=team.workspace, email="editor@example.com", role="viewer", actor=team.users["owner"])
        Membership.objects.create(workspace=team.workspace, user=team.users["editor"], role="editor")
    link = last_link("editor@example.com", "/app/invitations/")
    team.login(client, "editor")
    client.post(link)
    assert role_of(team.users["editor"], team.workspace) == "editor"


# ------------------------------------------------------------------ API keys page


def test_the_api_keys_page_shows_a_new_key_once(client, team):
    team.login(client, "admin")
    url = f"/app/w/{team.workspace.id}/api-keys/"
    made = client.post(url, {"name": "Zapier", "scope": "write"})
    assert made.status_code == 302 and made["Location"] == url  # POST-redirect-GET: a reload makes no second key
    response = client.get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    plaintext = response.context["plaintext"]
    assert plaintext.startswith("sr_live_") and plaintext in response.content.decode()
    key = ApiKey.objects.get(name="Zapier")
    assert key.scope == "write" and key.created_by == team.users["admin"]
    listing = client.get(url).content.decode()
    assert plaintext not in listing and key.prefix in listing and "never" in listing
    assert ApiKey.objects.filter(name="Zapier").count() == 1
    # the key works, and its last use shows
    api = APIClient()
    assert api.get("/api/v1/members/", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 200
    assert "never" not in client.get(url).content.decode().split(key.prefix)[1].split("</tr>")[0]
    client.post(f"{url}{key.id}/revoke/")
    assert api.get("/api/v1/members/", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 401
    assert "revoked" in client.get(url).content.decode()


def test_a_bad_scope_is_a_message_on_the_keys_page(client, team):
    team.login(client, "owner")
    response = client.post(f"/app/w/{team.workspace.id}/api-keys/", {"name": "x", "scope": "admin"}, follow=True)
    assert response.request["PATH_INFO"].endswith("/api-keys/") and "scope must be" in _messages(response)
    assert not ApiKey.objects.filter(name="x").exists()


# ------------------------------------------------------------------ API


@pytest.fixture
def write_key(team):
    return services.api_key_create(workspace=team.workspace, name="w", scope="write", created_by=team.users["owner"])[1]


def _api(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_api_lists_members_and_changes_roles_but_never_touches_owners(team, write_key):
    api = _api(write_key)
    listed = {m["email"]: m["role"] for m in api.get("/api/v1/members/").json()["results"]}
    assert listed == {"owner@example.com": "owner", "admin@example.com": "admin", "editor@example.com": "editor",
                      "viewer@example.com": "viewer"}
    owner_id = team.members["owner"].public_id
    for response in (
        api.post(f"/api/v1/members/{owner_id}/role/", {"role": "viewer"}, format="json"),
        api.post(f"/api/v1/members/{owner_id}/remove/"),
        api.post(f"/api/v1/members/{team.members['admin'].public_id}/role/", {"role": "owner"}, format="json"),
        api.post("/api/v1/invitations/", {"email": "boss@example.com", "role": "owner"}, format="json"),
    ):
        assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    assert role_of(team.users["owner"], team.workspace) == "owner"
    response = api.post(f"/api/v1/members/{team.members['editor'].public_id}/role/", {"role": "admin"}, format="json")
    assert response.status_code == 200 and response.json()["role"] == "admin"
    response = api.post(f"/api/v1/members/{team.members['viewer'].public_id}/remove/")
    assert response.status_code == 200 and role_of(team.users["viewer"], team.workspace) is None
    assert api.post(f"/api/v1/members/{uuid.uuid4()}/remove/").status_code == 404


def test_api_invitations_are_idempotent_and_emailed_once(team, write_key, django_capture_on_commit_callbacks):
    api = _api(write_key)
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post("/api/v1/invitations/", {"email": "api@example.com", "role": "viewer"}, format="json",
                         HTTP_IDEMPOTENCY_KEY="inv-1")
        again = api.post("/api/v1/invitations/", {"email": "api@example.com", "role": "viewer"}, format="json",
                         HTTP_IDEMPOTENCY_KEY="inv-1")
    assert first.status_code == 201 and again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert first.json() == again.json() and first.json()["state"] == "open"
    assert len(mail.outbox) == 1
    duplicate = api.post("/api/v1/invitations/", {"email": "api@example.com"}, format="json")
    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "already_invited"
    assert [i["email"] for i in api.get("/api/v1/invitations/").json()["results"]] == ["api@example.com"]
    revoked = api.post(f"/api/v1/invitations/{first.json()['id']}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    twice = api.post(f"/api/v1/invitations/{first.json()['id']}/revoke/")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "invitation_revoked"
    bad = api.post("/api/v1/invitations/", {"email": "nope"}, format="json")
    assert bad.status_code == 400 and "email" in bad.json()["error"]["detail"]


def test_a_read_key_cannot_manage_members(team):
    _, plaintext = services.api_key_create(workspace=team.workspace, name="r", scope="read")
    api = _api(plaintext)
    assert api.get("/api/v1/members/").status_code == 200
    response = api.post(f"/api/v1/members/{team.members['editor'].public_id}/remove/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "read_only_key"
    assert api.post("/api/v1/invitations/", {"email": "r@example.com"}, format="json").status_code == 403
    assert role_of(team.users["editor"], team.workspace) == "editor"


def test_without_a_site_url_an_invitation_says_what_is_missing(team, settings):
    settings.SHOPREEL_SITE_URL = ""
    with pytest.raises(ApplicationError, match="SHOPREEL_SITE_URL"):
        services.invitation_create(workspace=team.workspace, email="x@example.com", actor=team.users["owner"])
    assert not Invitation.objects.filter(email="x@example.com").exists()
