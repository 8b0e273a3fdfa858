"""A job's files, to the workspace's members only: one file (``job_file``), or every file of
every format as one zip streamed as it is written (``job_zip``), never held whole in memory."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import PurePosixPath

from django.http import Http404, StreamingHttpResponse
from django.views.decorators.http import require_GET

from accounts import selectors as account_selectors
from accounts.media import send_stored
from generation import selectors
from generation.models import RenderJob
from generation.studio.views.common import refusals

FILE_KINDS = {
    "video": "video/mp4",
    "poster": None,
    "srt": "text/plain; charset=utf-8",
    "vtt": "text/vtt; charset=utf-8",
}
CHUNK = 256 * 1024


@require_GET
@refusals
def job_file(request, workspace_id, job_id, format_name, kind):
    """One rendered file of one format (``kind``: video, poster, srt, vtt), to members only;
    ``?download=1`` as an attachment. With ``SHOPREEL_MEDIA_ACCEL_REDIRECT`` set the web server
    sends it (``X-Accel-Redirect``), with its support for Range requests."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    job = selectors.job_get(workspace=access.workspace, job_id=job_id)
    output = next((o for o in job.outputs.all() if o.format == format_name), None)
    if kind not in FILE_KINDS or output is None or not getattr(output, kind):
        raise Http404("File not found.")
    stored = getattr(output, kind)
    name = PurePosixPath(stored.name).name
    return send_stored(
        stored,
        content_type=FILE_KINDS[kind],
        download=request.GET.get("download") == "1",
        filename=f"shopreel-{format_name.replace(':', 'x')}-{name}",
    )


class _Pipe:
    """A write-only file whose bytes the zip writer leaves for the response to take."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.written = 0

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.written += len(data)
        return len(data)

    def tell(self) -> int:
        return self.written

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def zip_members(job: RenderJob) -> list[tuple[str, object]]:
    """(name in the zip, stored file) for every file of the job: MP4, poster, SRT and VTT of
    each format; a file missing from storage is left out."""
    members = []
    for output in sorted(job.outputs.all(), key=lambda o: o.format):
        base = output.format.replace(":", "x")
        for kind in ("video", "poster", "srt", "vtt"):
            stored = getattr(output, kind)
            if stored and stored.storage.exists(stored.name):
                members.append((f"{base}/{PurePosixPath(stored.name).name}", stored))
    return members


def _zip_stream(members: list[tuple[str, object]]) -> Iterator[bytes]:
    """The zip, chunk by chunk: stored, not compressed (MP4 and JPEG are compressed already)."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for name, stored in members:
            with (
                stored.open("rb") as source,
                archive.open(name, mode="w", force_zip64=True) as target,
            ):
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    yield pipe.take()
            yield pipe.take()
    yield pipe.take()


@require_GET
@refusals
def job_zip(request, workspace_id, job_id):
    """Every file of the finished job as one zip, to members only."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    job = selectors.job_get(workspace=access.workspace, job_id=job_id)
    members = zip_members(job)
    if job.state != RenderJob.State.SUCCEEDED or not members:
        raise Http404("This ad has no files yet.")
    response = StreamingHttpResponse(
        (c for c in _zip_stream(members) if c), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="shopreel-ad-{job.id}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response
