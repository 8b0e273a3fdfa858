"""Signed links that expire, for private files: a rendered output's video, poster, SRT and VTT,
a product's photos, and a brand kit's logo and font. The API hands these out instead of
``/media/`` addresses (which are not served outside DEBUG); ``GET /media-links/<token>/``
(generation/api/media_links.py) sends the file.

A token is ``<kind>.<workspace id>.<object id>.<holder>:<timestamp>:<signature>``: Django's
``TimestampSigner`` (HMAC with SECRET_KEY), with one salt per kind, so a poster's link cannot be
turned into the video's and no id can be changed without breaking the signature. The ids are
readable (signed, not encrypted): they are the public UUIDs the API shows anyway.

``<holder>`` is who the link was handed to: ``k<id>`` an API key, ``u<id>`` a signed-in user,
``e`` an event's payload (webhook receivers: no member, no key). A link is good for
``SHOPREEL_MEDIA_LINK_SECONDS`` (as set when it is checked) after it was made, and only while
its key is active and still reaches the workspace, or its user is still a member (or on the
staff of the workspace's agency): revoking the key or removing the member ends the links
already handed out. An event's links end only when they expire. Rotating SECRET_KEY ends every
link at once. Links of the earlier shape (no holder) are refused like forged ones: they were
good for an hour at most, and the API gives fresh ones on the next read.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.signing import BadSignature, SignatureExpired, TimestampSigner, b62_encode
from django.urls import reverse

from accounts.models import ApiKey

# kind -> what it names: the field of a RenderOutput, a ProductImage's file, or the field of a
# BrandKit (the kit's id is the object: a replaced logo's link sends the new one).
OUTPUT_KINDS = ("video", "poster", "srt", "vtt")
IMAGE_KIND = "image"
BRAND_KINDS = ("logo", "font")
KINDS = (*OUTPUT_KINDS, IMAGE_KIND, *BRAND_KINDS)
ISSUED_KEY = "media_links_issued"  # serializer context: one issue time per answer
EVENT_HOLDER = "e"  # an event's payload: no key, no member


class LinkInvalid(Exception):
    """Not a link we made, or one that was changed: the view answers 404."""


class LinkExpired(Exception):
    """A link we made, now older than SHOPREEL_MEDIA_LINK_SECONDS: the view answers 410."""


@dataclass(frozen=True)
class MediaTarget:
    workspace_id: uuid.UUID
    object_id: uuid.UUID
    kind: str
    holder: str = EVENT_HOLDER  # who it was handed to: "k<key id hex>", "u<user id>" or "e"


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


def key_holder(key_id) -> str:
    return f"k{uuid.UUID(str(key_id)).hex}"


def user_holder(user_id) -> str:
    return f"u{int(user_id)}"


def holder_for(request) -> str:
    """Who the links made for ``request`` are handed to: its API key, else its signed-in user;
    an event's payload (no request, or ``site_context()``'s stand-in) holds them as the event.
    A request with neither key nor user gets no link (ValueError): a link must name its holder."""
    if request is None:
        return EVENT_HOLDER
    holder = getattr(request, "media_link_holder", None)
    if holder is not None:
        return holder
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiKey):
        return key_holder(auth.pk)
    user = getattr(request, "user", None)
    if getattr(user, "is_authenticated", False) and getattr(user, "pk", None) is not None:
        return user_holder(user.pk)
    raise ValueError("a media link is made for an API key, a signed-in user or an event")


def _holder_valid(holder: str) -> bool:
    if holder == EVENT_HOLDER:
        return True
    try:
        if holder.startswith("k"):
            return uuid.UUID(hex=holder[1:]).hex == holder[1:]
        if holder.startswith("u"):
            return str(int(holder[1:])) == holder[1:]
    except ValueError:
        return False
    return False


def sign(*, workspace_id, object_id, kind: str, holder: str, issued: int | None = None) -> str:
    """The token for one file, handed to ``holder`` (``key_holder``, ``user_holder`` or
    EVENT_HOLDER); ``issued``: seconds since the epoch (default now)."""
    if kind not in KINDS:
        raise ValueError(f"unknown media link kind {kind!r}")
    if not _holder_valid(holder):
        raise ValueError(f"unknown media link holder {holder!r}")
    value = f"{uuid.UUID(str(workspace_id)).hex}.{uuid.UUID(str(object_id)).hex}.{holder}"
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
    parts = value.split(".")
    if len(parts) != 3 or not _holder_valid(parts[2]):  # the earlier shape had no holder: refused
        raise LinkInvalid
    workspace_hex, object_hex, holder = parts
    try:
        return MediaTarget(uuid.UUID(hex=workspace_hex), uuid.UUID(hex=object_hex), kind, holder)
    except ValueError:
        raise LinkInvalid from None


def link(*, request, workspace_id, object_id, kind: str, issued: int) -> str:
    """The link's URL, handed to the request's holder (``holder_for``): absolute when there is
    a request (or SHOPREEL_SITE_URL's stand-in), else a path on the site."""
    path = reverse("media-link", kwargs={"token": sign(
        workspace_id=workspace_id, object_id=object_id, kind=kind, holder=holder_for(request), issued=issued)})
    return request.build_absolute_uri(path) if request else path
