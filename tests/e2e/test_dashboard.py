"""The dashboard in a real Chromium against a live server: sign up, verify the address from the
email, log in, invite a teammate, and make an API key that is shown once.

Skipped where /usr/bin/chromium is missing, except where SHOPREEL_TEST_REQUIRE_SERVICES=1
(scripts/test.sh, CI), which install Chromium: there a missing browser fails the test."""

from __future__ import annotations

from django.core import mail

from accounts.models import ApiKey, Invitation, Membership
from tests.accounts.helpers import last_link

PASSWORD = "a long enough passphrase 2026"


def _submit(page, form_selector: str = "main form") -> None:
    with page.expect_navigation():
        page.locator(f"{form_selector} button[type=submit]").first.click()


def test_sign_up_verify_log_in_invite_and_make_a_key(page, live_server):
    base = live_server.url
    email = "merchant@example.com"

    # sign up
    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    _submit(page)
    assert "/accounts/confirm-email/" in page.url
    assert "verify" in page.content().lower()

    # verify from the email
    page.goto(base + last_link(email, "/accounts/confirm-email/"))
    _submit(page)

    # log out, then log in by email
    page.goto(f"{base}/accounts/logout/")
    _submit(page)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    _submit(page)
    workspace = Membership.objects.get(user__email=email, role="owner").workspace
    assert page.url == f"{base}/app/w/{workspace.id}/"
    assert page.locator(".role").inner_text() == "owner"

    # invite a teammate
    page.click("text=Members")
    page.fill("#invite input[name=email]", "teammate@example.com")
    page.select_option("#invite select[name=role]", "editor")
    _submit(page, "#invite")
    assert "Invitation sent to teammate@example.com" in page.inner_text(".messages")
    assert page.locator("#invitations").inner_text().count("teammate@example.com") == 1
    invitation = Invitation.objects.get(email="teammate@example.com")
    assert invitation.workspace == workspace and invitation.role == "editor"
    assert last_link("teammate@example.com", "/app/invitations/")  # the email went out
    assert any(m.to == ["teammate@example.com"] for m in mail.outbox)

    # an API key, shown once
    page.click("text=API keys")
    page.fill("#create-key input[name=name]", "Shop sync")
    page.select_option("#create-key select[name=scope]", "write")
    _submit(page, "#create-key")
    plaintext = page.inner_text("#plaintext").strip()
    key = ApiKey.objects.get(workspace=workspace, name="Shop sync")
    assert plaintext.startswith(key.prefix) and key.scope == "write"
    page.goto(f"{base}/app/w/{workspace.id}/api-keys/")
    assert plaintext not in page.content()
    assert key.prefix in page.inner_text("#keys")
