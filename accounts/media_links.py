"""Signed links that expire, for private files: a rendered output's video, poster, SRT and VTT,
and a product's photos. The API hands these out instead of ``/media/`` addresses (which are not
served outside DEBUG); ``GET /media-links/<token>/`` (generation/api/media_links.py) sends the file.

A token is ``<kind>.<workspace id>.<object id>:<timestamp>:<signature>``: Django's
``TimestampSigner`` (HMAC with SECRET_KEY), with one salt per kind, so a poster's link cannot be
turned into the video's and no id can be changed without breaking the signature. The ids are
readable (signed, not encrypted): they are the public UUIDs the API shows anyway. A link is good
for ``SHOPREEL_MEDIA_LINK_SECONDS`` (as set when it is checked) after it was made, whoever holds
it; rotating SECRET_KEY ends every link at once.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.signing import BadSignature, SignatureExpired, TimestampSigner, b62_encode
from django.urls import reverse

# kind -> what it names: the field of a RenderOutput, or a ProductImage's file.
OUTPUT_KINDS = ("video", "poster", "srt", "vtt")
IMAGE_KIND = "image"
KINDS = (*OUTPUT_KINDS, IMAGE_KIND)
ISSUED_KEY = "media_links_issued"  # serializer context: one issue time per answer


class LinkInvalid(Exception):
    """Not a link we made, or one that was changed: the view answers 404."""


class LinkExpired(Exception):
    """A link we made, now older than SHOPREEL_MEDIA_LINK_SECONDS: the view answers 410."""


@dataclass(frozen=True)
class MediaTarget:
    workspace_id: uuid.UUID
    object_id: uuid.UUID
    kind: str


class _Signer(TimestampSigner):
    """A TimestampSigner whose timestamp is the given issue time (the representation's
    ``expires_at`` is then exact, and tests can make links in the past)."""

    def __init__(self, *, kind: str, issued: int | None = None) -> None:
        super().__init__(salt=f"shopreel.media-link.{kind}")
        self._issued = issued

    def timestamp(self) -> str:
        return b62_encode(self._issued) if self._issued is not None else super().timestamp()


def lifetime() -> int:
    return settings.SHOPREEL_MEDIA_LINK_SECONDS


def issue_time(context: dict | None = None) -> int:
    """Now, in whole seconds; with a serializer ``context``, the first call's time for the whole
    answer (every link of one answer expires together)."""
    if context is None:
        return int(time.time())
    return context.setdefault(ISSUED_KEY, int(time.time()))


def expires_at(issued: int) -> datetime:
    return datetime.fromtimestamp(issued + lifetime(), tz=UTC)


def sign(*, workspace_id, object_id, kind: str, issued: int | None = None) -> str:
    """The token for one file; ``issued``: seconds since the epoch (default now)."""
    if kind not in KINDS:
        raise ValueError(f"unknown media link kind {kind!r}")
    value = f"{uuid.UUID(str(workspace_id)).hex}.{uuid.UUID(str(object_id)).hex}"
    return f"{kind}.{_Signer(kind=kind, issued=issued).sign(value)}"


def unsign(token: str) -> MediaTarget:
    """What a token names. Raises LinkInvalid (not ours, or changed) before LinkExpired, so
    only a genuine link is ever told it has expired."""
    kind, _, signed = token.partition(".")
    if kind not in KINDS:
        raise LinkInvalid
    try:
        value = _Signer(kind=kind).unsign(signed, max_age=lifetime())
    except SignatureExpired:
        raise LinkExpired from None
    except BadSignature:
        raise LinkInvalid from None
    workspace_hex, _, object_hex = value.partition(".")
    try:
        return MediaTarget(uuid.UUID(hex=workspace_hex), uuid.UUID(hex=object_hex), kind)
    except ValueError:
        raise LinkInvalid from None


def link(*, request, workspace_id, object_id, kind: str, issued: int) -> str:
    """The link's URL: absolute when there is a request (or SHOPREEL_SITE_URL's stand-in),
    else a path on the site."""
    path = reverse("media-link", kwargs={"token": sign(
        workspace_id=workspace_id, object_id=object_id, kind=kind, issued=issued)})
    return request.build_absolute_uri(path) if request else path
