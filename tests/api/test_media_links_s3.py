"""The API's signed file links with media in an S3 bucket (SHOPREEL_MEDIA_STORAGE=s3, moto on
loopback): a link answers 302 to a presigned URL of the private object; a file the bucket lacks
answers 404 like any other missing file."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.test import Client

from tests import s3
from tests.s3 import BUCKET, URL_SECONDS

FILM = b"\x00\x00\x00\x18ftypmp42 a film in a bucket"


@pytest.fixture(scope="module")
def s3_server():
    with s3.s3_server() as server:
        yield server


def _film_by_link(client: Client, path: str, signed_prefix: str) -> httpx.Response:
    """Follow an API file link (its path): a 302 to a presigned URL starting with
    ``signed_prefix`` and good for URL_SECONDS, which serves the film."""
    response = client.get(path)
    assert response.status_code == 302
    signed = response["Location"]
    assert signed.startswith(signed_prefix)
    assert parse_qs(urlsplit(signed).query)["X-Amz-Expires"] == [str(URL_SECONDS)]
    film = httpx.get(signed)
    assert film.status_code == 200 and film.content == FILM
    return film


def test_with_media_in_s3_a_link_redirects_to_a_presigned_url_of_the_private_object(api, s3_server, settings):
    endpoint, bucket = s3_server
    s3.s3_media_use(settings, endpoint)
    output = api.home.job.outputs.get()
    bucket.put_object(Bucket=BUCKET, Key=output.video.name, Body=FILM)
    assert httpx.get(f"{endpoint}/{BUCKET}/{output.video.name}").status_code == 403  # private

    [files] = api.client("viewer").get(f"/api/v1/ads/{api.home.ad.id}/").json()["outputs"]
    anonymous = Client()  # the link is the credential
    video = urlsplit(files["video"]).path + "?download=1"
    film = _film_by_link(anonymous, video, f"{endpoint}/{BUCKET}/{output.video.name}?")
    assert film.headers["content-type"] == "video/mp4"
    assert film.headers["content-disposition"].startswith("attachment;")

    # The poster was never stored: its link is a plain 404, no redirect to a missing object.
    assert anonymous.get(urlsplit(files["poster"]).path).status_code == 404


def test_links_are_signed_for_the_stores_public_address_when_it_has_one(api, s3_server, settings):
    """The hosts reach the store at one address, the users' browsers at another
    (SHOPREEL_MEDIA_S3_PUBLIC_URL): the link is signed for the public one and works there."""
    endpoint, bucket = s3_server
    s3.s3_media_use(settings, endpoint)
    public = endpoint.replace("127.0.0.1", "localhost")
    settings.SHOPREEL_MEDIA_S3_PUBLIC_URL = public
    output = api.home.job.outputs.get()
    bucket.put_object(Bucket=BUCKET, Key=output.video.name, Body=FILM)

    [files] = api.client("viewer").get(f"/api/v1/ads/{api.home.ad.id}/").json()["outputs"]
    film = _film_by_link(Client(), urlsplit(files["video"]).path, f"{public}/{BUCKET}/{output.video.name}?")
    assert film.headers["content-disposition"].startswith("inline;")
