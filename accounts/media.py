"""Sending a private stored file (rendered ads, product photos, logos) once a view has checked
who may have it. Media are never served from a public ``/media/`` outside DEBUG."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect

from accounts import storage as media_storage


def send_stored(stored, *, content_type: str | None, download: bool, filename: str,
                cache_control: str = "private, max-age=3600") -> HttpResponse:
    """A stored file as the answer: with media in an object store (``SHOPREEL_MEDIA_STORAGE=s3``)
    a 302 to a presigned URL of the private object, good for ``SHOPREEL_MEDIA_S3_URL_SECONDS``;
    else ``X-Accel-Redirect`` to ``SHOPREEL_MEDIA_ACCEL_REDIRECT`` when set (the web server
    sends it, with Range requests), else a FileResponse; 404 when the file is gone. Every view
    that hands out private media sends it this way, once it has checked who may have it: the
    studio's job files, product photos and brand logo, and the API's signed links."""
    name = PurePosixPath(stored.name).name
    content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    if media_storage.is_remote():
        if not stored.storage.exists(stored.name):
            raise Http404("File not found.")
        response = HttpResponseRedirect(media_storage.signed_url(
            stored, content_type=content_type, download=download, filename=filename))
        response["Cache-Control"] = "private, no-store"  # the presigned URL expires soon
        return response
    prefix = settings.SHOPREEL_MEDIA_ACCEL_REDIRECT
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{stored.name}"
        if download:
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404("File not found.") from exc
    response = FileResponse(
        handle, as_attachment=download, filename=filename, content_type=content_type
    )
    response["Cache-Control"] = cache_control
    return response
