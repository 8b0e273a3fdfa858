"""Media in an S3-compatible bucket (SHOPREEL_MEDIA_STORAGE=s3), against a real S3 server on
loopback (moto's server mode): the scraper's photos and a rendered ad end as private objects,
a member's download is a redirect to a presigned URL that expires, an outsider gets 404."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.conf import settings as django_settings

from generation import services
from generation.models import RenderJob
from tests import s3
from tests.accounts.conftest import team  # noqa: F401  (the shared fixture)
from tests.s3 import BUCKET, URL_SECONDS

pytestmark = [pytest.mark.django_db]

@pytest.fixture(scope="module")
def s3_server():
    with s3.s3_server() as server:
        yield server


@pytest.fixture
def s3_media(settings, s3_server):
    endpoint, _ = s3_server
    s3.s3_media_use(settings, endpoint)
    return s3_server


def _object(client, name: str) -> bytes:
    return client.get_object(Bucket=BUCKET, Key=name)["Body"].read()


@pytest.mark.slow
def test_an_ad_rendered_with_s3_media_is_a_private_object_members_get_by_presigned_link(
    client, team, s3_media, allow_demo_shop  # noqa: F811
):
    endpoint, bucket = s3_media
    url = next(iter(allow_demo_shop.product_urls.values()))
    job = services.job_create(workspace=team.workspace, url=url, options={"length": 6})
    job = services.job_run_inline(job_id=job.id)
    assert job.state == RenderJob.State.SUCCEEDED, job.error

    # The scraper's photos and the finished files are objects in the bucket, not files on disk.
    photo = job.product.images.order_by("position").first()
    assert _object(bucket, photo.file.name)[:3] == b"\xff\xd8\xff"  # a JPEG
    output = job.outputs.get()
    video = _object(bucket, output.video.name)
    assert video[4:8] == b"ftyp" and len(video) == output.size_bytes
    assert b"-->" in _object(bucket, output.srt.name)
    assert not (Path(django_settings.MEDIA_ROOT) / output.video.name).exists()
    # Private: the object's plain address is refused to anyone without a signature.
    assert httpx.get(f"{endpoint}/{BUCKET}/{output.video.name}").status_code == 403

    files = f"/app/w/{team.workspace.id}/jobs/{job.id}/files/9:16/video/"
    team.login(client, "viewer")
    answer = client.get(f"{files}?download=1")
    assert answer.status_code == 302
    assert answer["Cache-Control"] == "private, no-store"
    signed = answer["Location"]
    query = parse_qs(urlsplit(signed).query)
    # Short-lived, from now. (moto checks neither a query signature nor its expiry, so the refusal
    # of a link past X-Amz-Expires, or of a changed one, is the store's, not tested here.)
    assert query["X-Amz-Expires"] == [str(URL_SECONDS)]
    issued = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - issued).total_seconds()) < 60
    download = httpx.get(signed)
    assert download.status_code == 200
    assert download.content == video
    assert download.headers["content-type"] == "video/mp4"
    assert download.headers["content-disposition"].startswith('attachment; filename="shopreel-9x16-')

    # The storyboard's scene frame is cut from the stored video and kept in the bucket too.
    scene = job.ad.script["scenes"][0]["id"]
    frame = client.get(f"/app/w/{team.workspace.id}/ads/{job.ad_id}/frame/?scene={scene}")
    assert frame.status_code == 200
    assert b"".join(frame.streaming_content)[:3] == b"\xff\xd8\xff"
    stored = bucket.list_objects_v2(Bucket=BUCKET, Prefix=f"{Path(output.video.name).parent}/frames/")
    assert stored["KeyCount"] == 1

    team.login(client, "outsider")
    assert client.get(files).status_code == 404


def test_s3_media_switched_on_without_its_settings_stops_start_up():
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "SHOPREEL_MEDIA_STORAGE": "s3",
        "SHOPREEL_MEDIA_S3_BUCKET": BUCKET, "SHOPREEL_MEDIA_S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "SHOPREEL_MEDIA_S3_REGION": "", "SHOPREEL_MEDIA_S3_ACCESS_KEY_ID": "",
    }
    env.pop("SHOPREEL_MEDIA_S3_SECRET_ACCESS_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=Path(__file__).resolve().parents[2],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert (
        "SHOPREEL_MEDIA_STORAGE=s3 needs SHOPREEL_MEDIA_S3_REGION, SHOPREEL_MEDIA_S3_ACCESS_KEY_ID, "
        "SHOPREEL_MEDIA_S3_SECRET_ACCESS_KEY" in result.stderr
    )


def test_a_public_store_address_that_is_not_a_url_stops_start_up():
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "SHOPREEL_MEDIA_S3_PUBLIC_URL": "media.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=Path(__file__).resolve().parents[2],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "SHOPREEL_MEDIA_S3_PUBLIC_URL must be an http(s) URL, got 'media.example.com'" in result.stderr
