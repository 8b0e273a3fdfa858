"""Shared steps for the account tests: sign a user up through allauth and read the links the
emails carry."""

from __future__ import annotations

import re

from django.core import mail

PASSWORD = "correct horse battery staple 42"


def links_in(message) -> list[str]:
    return re.findall(r"https?://[^\s>\"']+", message.body)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def last_link(to: str, contains: str) -> str:
    """The path of the newest link containing ``contains`` in mail sent to ``to``."""
    for message in reversed(mail.outbox):
        if to in message.to:
            for link in links_in(message):
                if contains in link:
                    return path_of(link)
    raise AssertionError(f"no mail to {to} with a link containing {contains!r}: {[m.subject for m in mail.outbox]}")


def sign_up(client, email: str, password: str = PASSWORD):
    return client.post("/accounts/signup/", {"email": email, "password1": password, "password2": password})


def verify(client, email: str):
    path = last_link(email, "/accounts/confirm-email/")
    assert client.get(path).status_code == 200  # a page with a button: GET alone changes nothing
    return client.post(path)


def sign_up_verified(client, email: str, password: str = PASSWORD):
    """Sign up and verify; the client ends logged in as the new user."""
    sign_up(client, email, password)
    return verify(client, email)
