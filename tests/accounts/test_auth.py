"""Sign-up, email verification, login by email, password reset and the login rate limit, through
django-allauth's real views and Django's in-memory mail."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache

from accounts.models import Membership
from tests.accounts.helpers import PASSWORD, last_link, sign_up, sign_up_verified, verify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_sign_up_verify_then_log_in(client):
    response = sign_up(client, "Ana@Example.com")
    assert response.status_code == 302 and response["Location"] == "/accounts/confirm-email/"
    assert not _logged_in(client)  # nothing before the address is proven
    user = get_user_model().objects.get(email__iexact="ana@example.com")
    # the new user owns a workspace of their own
    membership = Membership.objects.get(user=user)
    assert membership.role == "owner" and "ana's shop" in membership.workspace.name.lower()
    assert len(mail.outbox) == 1 and "confirm" in mail.outbox[0].subject.lower()

    response = verify(client, "ana@example.com")
    assert response.status_code == 302
    assert _logged_in(client)  # verified: logged in by the confirmation
    assert client.get("/app/", follow=True).request["PATH_INFO"] == f"/app/w/{membership.workspace.id}/"

    client.post("/accounts/logout/")
    assert not _logged_in(client)
    response = client.post("/accounts/login/", {"login": "ana@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/app/"
    assert _logged_in(client)


def test_an_unverified_address_cannot_log_in(client):
    sign_up(client, "ben@example.com")
    client.logout()
    response = client.post("/accounts/login/", {"login": "ben@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/confirm-email/"
    assert not _logged_in(client)
    assert client.get("/app/")["Location"].startswith("/accounts/login/")


def test_a_wrong_password_is_refused_and_the_account_is_not_told_apart(client):
    sign_up_verified(client, "cleo@example.com")
    client.logout()
    wrong = client.post("/accounts/login/", {"login": "cleo@example.com", "password": "not it"})
    unknown = client.post("/accounts/login/", {"login": "nobody@example.com", "password": "not it"})
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert b"not correct" in response.content
    assert not _logged_in(client)


def test_repeated_wrong_passwords_are_rate_limited(client):
    sign_up_verified(client, "dan@example.com")
    client.logout()
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": "dan@example.com", "password": "guess"})
        assert b"Too many failed login attempts" not in response.content
    # the sixth try is refused even with the right password
    response = client.post("/accounts/login/", {"login": "dan@example.com", "password": PASSWORD})
    assert b"Too many failed login attempts" in response.content
    assert not _logged_in(client)
    # another address from the same client is not locked by the per-address limit
    sign_up_verified(client, "eve@example.com")
    client.logout()
    response = client.post("/accounts/login/", {"login": "eve@example.com", "password": PASSWORD})
    assert response.status_code == 302 and _logged_in(client)


def test_password_reset(client):
    sign_up_verified(client, "fay@example.com")
    client.logout()
    mail.outbox.clear()
    response = client.post("/accounts/password/reset/", {"email": "fay@example.com"})
    assert response.status_code == 302
    link = last_link("fay@example.com", "/accounts/password/reset/key/")
    response = client.get(link)  # allauth moves the key into the session and redirects
    assert response.status_code == 302
    form_url = response["Location"]
    new = "a brand new passphrase 77"
    response = client.post(form_url, {"password1": new, "password2": new})
    assert response.status_code == 302
    assert client.post("/accounts/login/", {"login": "fay@example.com", "password": PASSWORD}).status_code == 200
    assert not _logged_in(client)
    assert client.post("/accounts/login/", {"login": "fay@example.com", "password": new}).status_code == 302
    assert _logged_in(client)
    # the link works once
    client.logout()
    assert b"invalid" in client.get(link, follow=True).content.lower()


def test_an_unknown_address_gets_no_reset_link_and_the_answer_is_the_same(client):
    response = client.post("/accounts/password/reset/", {"email": "ghost@example.com"})
    assert response.status_code == 302
    assert not any("/accounts/password/reset/key/" in m.body for m in mail.outbox)


def test_pages_use_our_layout_and_no_outside_assets(client):
    body = client.get("/accounts/login/").content.decode()
    assert "Shopreel" in body and "<style>" in body
    for outside in ("http://", "https://", "//cdn"):
        assert f'src="{outside}' not in body and f'href="{outside}' not in body


def test_the_landing_page_greets_visitors_and_sends_members_to_the_studio(client):
    from tests.factories import UserFactory

    page = client.get("/")
    assert page.status_code == 200 and b"Paste a product link" in page.content
    assert b'href="/accounts/signup/"' in page.content
    client.force_login(UserFactory())
    assert client.get("/")["Location"] == "/app/"


def test_signing_out_lands_on_a_page_not_a_404(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.post("/accounts/logout/", follow=True)
    assert response.status_code == 200 and b"Paste a product link" in response.content
