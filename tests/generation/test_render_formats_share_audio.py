"""A job rendering an ad in several formats builds its soundtrack once (issue 15)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from django.conf import settings

from generation import services
from generation.models import RenderJob
from generation.render import audio

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _audio(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=1)


def test_two_formats_one_soundtrack_the_same_sound(workspace, allow_demo_shop, monkeypatch):
    built: list[int] = []
    real = audio.soundtrack

    def counting(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(audio, "soundtrack", counting)
    url = next(iter(allow_demo_shop.product_urls.values()))
    job = services.job_create(
        workspace=workspace, url=url, options={"length": 6, "formats": ["9:16", "1:1"]}
    )
    job = services.job_run_inline(job_id=job.id)

    assert job.state == RenderJob.State.SUCCEEDED, job.error
    assert len(built) == 1
    media = Path(settings.MEDIA_ROOT)
    tall, square = (_audio(media / o.video.name) for o in job.outputs.order_by("format"))
    assert tall.shape == square.shape and np.abs(tall).max() > 0.05
    np.testing.assert_allclose(tall, square, atol=1e-4)
