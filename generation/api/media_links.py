"""``GET /media-links/<token>/``: the file a signed link from the API names (a rendered output's
video, poster, SRT or VTT, a product photo, or a brand kit's logo or font), to whoever holds
the link until it expires, while the key or member it was handed to still reaches the workspace.

Public by design (the link is the credential; no key, no session). Answers:

- the file, sent as the studio sends it (``send_stored``: FileResponse, or ``X-Accel-Redirect``
  with ``SHOPREEL_MEDIA_ACCEL_REDIRECT``); ``?download=1`` as an attachment;
- 410 Gone for a genuine link older than ``SHOPREEL_MEDIA_LINK_SECONDS`` (checked before any
  lookup, so it says nothing about whether the file still exists);
- 404 for everything else, alike: a changed or foreign token, a link of the earlier shape
  (no holder), a revoked key's or a removed member's link, a deleted object or file, an empty
  field.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from accounts import media_links
from accounts.media import send_stored
from accounts.selectors import brand_kit_for_link, media_link_holder_reaches
from generation import selectors
from generation.studio.views.downloads import FILE_KINDS
from products import selectors as product_selectors

EXPIRED = "This link has expired. Ask the API for the ad or product again for a fresh link.\n"


def _stored_file(target: media_links.MediaTarget):
    if target.kind == media_links.IMAGE_KIND:
        image = product_selectors.product_image_for_link(
            workspace_id=target.workspace_id, image_id=target.object_id
        )
        return image.file if image else None
    if target.kind in media_links.BRAND_KINDS:
        kit = brand_kit_for_link(workspace_id=target.workspace_id, kit_id=target.object_id)
        return getattr(kit, target.kind) if kit else None
    output = selectors.output_for_link(workspace_id=target.workspace_id, output_id=target.object_id)
    return getattr(output, target.kind) if output else None


@require_safe
def media_link(request, token: str):
    try:
        target = media_links.unsign(token)
    except media_links.LinkExpired:
        response = HttpResponse(EXPIRED, status=410, content_type="text/plain; charset=utf-8")
        response["Cache-Control"] = "no-store"
        return response
    except media_links.LinkInvalid:
        raise Http404("Not found.") from None
    if not media_link_holder_reaches(workspace_id=target.workspace_id, holder=target.holder):
        raise Http404("Not found.")
    stored = _stored_file(target)
    if not stored:
        raise Http404("Not found.")
    return send_stored(
        stored,
        content_type=FILE_KINDS.get(target.kind),
        download=request.GET.get("download") == "1",
        filename=f"shopreel-{PurePosixPath(stored.name).name}",
        cache_control="private, max-age=300",
    )
