"""The signature receivers check (the helper in docs/API.md, "Webhooks")."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from accounts.webhooks.signing import SignatureError, sign, verify_signature

SECRET = "whsec_test-secret"
BODY = b'{"id":"e1","type":"ad.completed","data":{}}'


def test_a_signed_body_verifies_and_the_signature_is_plain_hmac_sha256():
    header = sign(secret=SECRET, body=BODY, timestamp=1_800_000_000)
    expected = hmac.new(SECRET.encode(), b"1800000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1800000000,v1={expected}"
    assert verify_signature(body=BODY, header=header, secret=SECRET, now=1_800_000_100) == 1_800_000_000


@pytest.mark.parametrize(
    ("body", "secret", "now", "message"),
    [
        (BODY.replace(b"ad.completed", b"ad.failed"), SECRET, 1_800_000_000, "No signature matches"),
        (BODY, "whsec_another", 1_800_000_000, "No signature matches"),
        (BODY, SECRET, 1_800_000_301, "tolerance"),  # replayed too late
        (BODY, SECRET, 1_799_999_699, "tolerance"),  # from the future
    ],
)
def test_a_changed_body_another_secret_or_an_old_timestamp_is_refused(body, secret, now, message):
    header = sign(secret=SECRET, body=BODY, timestamp=1_800_000_000)
    with pytest.raises(SignatureError, match=message):
        verify_signature(body=body, header=header, secret=secret, now=now)


@pytest.mark.parametrize("header", ["", "v1=abc", "t=1800000000", "t=soon,v1=abc", "garbage"])
def test_a_malformed_header_is_refused(header):
    with pytest.raises(SignatureError):
        verify_signature(body=BODY, header=header, secret=SECRET, now=1_800_000_000)


def test_any_of_several_v1_signatures_may_match():
    good = sign(secret=SECRET, body=BODY, timestamp=1_800_000_000).split("v1=")[1]
    header = f"t=1800000000,v1={'0' * 64},v1={good}"
    assert verify_signature(body=BODY, header=header, secret=SECRET, now=1_800_000_000)


def test_the_snippet_in_the_api_doc_verifies_what_we_send():
    """The receiver-side snippet in docs/API.md ("Webhooks") is the one they copy."""
    import re
    import time
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "API.md").read_text()
    section = doc.split("## Webhooks", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec("\n".join(line[2:] for line in code.splitlines()), namespace)  # our own doc
    verify = namespace["verify"]
    now = int(time.time())
    header = sign(secret=SECRET, body=BODY, timestamp=now)
    assert verify(BODY, header, SECRET)
    assert not verify(BODY + b" ", header, SECRET)
    assert not verify(BODY, header, "whsec_other")
    assert not verify(BODY, sign(secret=SECRET, body=BODY, timestamp=now - 301), SECRET)
    assert not verify(BODY, "garbage", SECRET)
