"""Each scene's poster frame for the storyboard: the rendered ad's picture in the middle of the
scene, cut once with ffmpeg and kept next to the video.

A frame is only true of the script that was rendered: ``frames_valid`` says whether the ad's
script is unchanged since its newest finished render (the Ad row not saved after the job
ended). After an edit the storyboard shows each scene's photo instead, until the next render.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path, PurePosixPath

from django.core.files.base import ContentFile

from accounts import storage as media_storage
from generation.models import Ad, RenderJob, RenderOutput

FRAME_WIDTH = 360
FFMPEG_SECONDS = 20
# The format the frames are cut from, in order of preference (the storyboard's cards are tall).
PREFERRED = ("9:16", "4:5", "1:1", "16:9")


class FrameUnavailable(Exception):
    """No frame for this scene (no current render, or the file cannot be read)."""


def _ffmpeg() -> str:
    """``FFMPEG_BINARY`` when set (as moviepy reads it), else imageio-ffmpeg's."""
    configured = os.environ.get("FFMPEG_BINARY", "")
    if configured and configured != "ffmpeg-imageio":
        return configured
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def frames_source(ad: Ad) -> RenderOutput | None:
    """The output the frames come from: the newest succeeded job's, if the script has not been
    saved since that job ended; else None."""
    job = (
        RenderJob.objects.filter(ad=ad, state=RenderJob.State.SUCCEEDED, finished_at__isnull=False)
        .order_by("-finished_at")
        .first()
    )
    if job is None or ad.updated_at > job.finished_at:
        return None
    outputs = {o.format: o for o in job.outputs.all()}
    return next((outputs[f] for f in PREFERRED if f in outputs), None)


def scene_midpoint(script: dict, index: int) -> float:
    """Seconds from the start of the ad to the middle of scene ``index``."""
    scenes = script["scenes"]
    start = sum(float(s["duration"]) for s in scenes[:index])
    return start + float(scenes[index]["duration"]) / 2


def scene_frame(*, ad: Ad, output: RenderOutput, index: int):
    """The stored JPEG of scene ``index``'s middle frame (cut on first use), as a file of the
    output's storage. ``FrameUnavailable`` when it cannot be made."""
    scenes = ad.script.get("scenes") or []
    if not 0 <= index < len(scenes):
        raise FrameUnavailable("no such scene")
    storage = output.video.storage
    folder = PurePosixPath(output.video.name).parent
    name = str(
        folder
        / "frames"
        / f"{output.format.replace(':', 'x')}-scene-{index}-{scenes[index]['id']}.jpg"
    )
    if not storage.exists(name):
        at = min(scene_midpoint(ad.script, index), max(output.duration - 0.05, 0))
        # The video as a local file (a download while this runs, when media are in an object store).
        with tempfile.TemporaryDirectory(prefix="shopreel-frame-") as tmp, \
                media_storage.local_path(output.video.name) as source:
            target = Path(tmp) / "frame.jpg"
            command = [
                _ffmpeg(), "-nostdin", "-v", "error", "-ss", f"{at:.3f}", "-i", str(source),
                "-frames:v", "1", "-vf", f"scale={FRAME_WIDTH}:-2", "-q:v", "4", "-y", str(target),
            ]  # fmt: skip
            try:
                subprocess.run(command, check=True, capture_output=True, timeout=FFMPEG_SECONDS)
            except (OSError, subprocess.SubprocessError) as exc:
                raise FrameUnavailable("ffmpeg could not cut the frame") from exc
            if not target.exists() or target.stat().st_size == 0:
                raise FrameUnavailable("ffmpeg wrote no frame")
            if not storage.exists(name):
                name = storage.save(name, ContentFile(target.read_bytes()))
    return storage.open(name, "rb")
