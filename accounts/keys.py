"""Secrets shown once and stored hashed: API keys and invitation tokens."""

from __future__ import annotations

import hashlib

API_KEY_PREFIX = "sr_live_"
API_KEY_PREFIX_LENGTH = len(API_KEY_PREFIX) + 8  # "sr_live_" + 8 hex characters


def api_key_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()
