"""Webhook signatures, with no Django imports (receivers may copy ``verify_signature``).

Header: ``Shopreel-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}." + body)>``.
The timestamp is signed with the body, so a captured request cannot be replayed later than
the receiver's tolerance window.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Shopreel-Signature"
EVENT_HEADER = "Shopreel-Event"
DELIVERY_HEADER = "Shopreel-Delivery"  # the event id: the same on every retry, for dedupe
DEFAULT_TOLERANCE = 300  # seconds


def sign(*, secret: str, body: bytes, timestamp: int) -> str:
    """The ``Shopreel-Signature`` header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class SignatureError(ValueError):
    pass


def verify_signature(
    *, body: bytes, header: str, secret: str, tolerance: int = DEFAULT_TOLERANCE, now: float | None = None
) -> int:
    """Check a received webhook; return its timestamp or raise ``SignatureError``.

    ``body`` must be the raw request body (before any JSON parsing), ``header`` the
    ``Shopreel-Signature`` value. Any ``v1`` entry may match (several are allowed so a
    secret can be changed without a gap); the timestamp must be within ``tolerance`` seconds.
    """
    timestamp, signatures = None, []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError("The signature header has no timestamp or no v1 signature.")
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        raise SignatureError("The signature's timestamp is outside the tolerance window.")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise SignatureError("No signature matches the body and the secret.")
    return timestamp
