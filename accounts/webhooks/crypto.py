"""Endpoint secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) with keys from
``SHOPREEL_WEBHOOK_SECRET_KEYS`` (first encrypts, all decrypt), or one key derived from
``SECRET_KEY`` when that is empty. Secrets must be recoverable: we sign with them."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from core.errors import ApplicationError


def _fernet() -> MultiFernet:
    keys = list(settings.SHOPREEL_WEBHOOK_SECRET_KEYS)
    if not keys:
        digest = hashlib.sha256(f"shopreel-webhook-secrets:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise ApplicationError(
            "SHOPREEL_WEBHOOK_SECRET_KEYS must hold Fernet keys (32 url-safe base64 bytes each).",
            code="webhook_keys_invalid",
        ) from None


def secret_encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def secret_decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ApplicationError(
            "The endpoint's secret cannot be read with this server's keys (SHOPREEL_WEBHOOK_SECRET_KEYS "
            "or SECRET_KEY changed); rotate the secret.",
            code="webhook_secret_unreadable",
        ) from None
