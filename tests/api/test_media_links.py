"""Private media: the API hands out signed links that expire (``/media-links/<token>/``) for a
rendered ad's video, poster and captions and for product photos; the link is the credential;
a changed link answers 404 like a missing file, an expired one 410; a link stops working when
the key it was handed to is revoked (or the member removed); /media/ is never served."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accounts import media_links

FILES = {"video": b"\x00\x00\x00\x18ftypmp42 not really a film", "poster": b"\xff\xd8\xff\xe0 a poster",
         "srt": b"1\n00:00:00,000 --> 00:00:02,000\nSoft as a cloud\n", "vtt": b"WEBVTT\n\n00:00.000 --> 00:02.000\nSoft\n"}
PHOTO = b"\xff\xd8\xff\xe0 the tee, photographed"


def _store(name: str, data: bytes) -> None:
    path = Path(django_settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture
def stored(api):
    """The real files behind home's and the outsider's rendered ad and first photo."""
    for tenant in (api.home, api.outsider):
        output = tenant.job.outputs.get()
        for kind, data in FILES.items():
            _store(getattr(output, kind).name, data + tenant.workspace.slug.encode())
        _store(tenant.product.images.get(position=0).file.name, PHOTO + tenant.workspace.slug.encode())
    return api


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _path(url: str) -> str:
    return urlsplit(url).path


def _token(url: str) -> str:
    return _path(url).removeprefix("/media-links/").removesuffix("/")


def test_a_members_answer_carries_links_that_download_the_real_files(stored):
    before = datetime.now(UTC)
    ad = stored.client("viewer").get(f"/api/v1/ads/{stored.home.ad.id}/").json()
    [files] = ad["outputs"]
    expires = datetime.fromisoformat(files["expires_at"].replace("Z", "+00:00"))
    assert before + timedelta(seconds=3595) <= expires <= datetime.now(UTC) + timedelta(seconds=3600)
    anonymous = Client()  # the link is the credential: no key, no session
    for kind, data in FILES.items():
        assert files[kind].startswith("http://testserver/media-links/") and "/media/" not in files[kind]
        response = anonymous.get(_path(files[kind]))
        assert response.status_code == 200 and _body(response) == data + b"northwind"
    assert anonymous.get(_path(files["video"]))["Content-Type"] == "video/mp4"
    assert anonymous.get(_path(files["vtt"]))["Content-Type"].startswith("text/vtt")
    download = anonymous.get(_path(files["video"]) + "?download=1")
    assert download["Content-Disposition"].startswith("attachment;")
    assert anonymous.head(_path(files["srt"])).status_code == 200
    assert anonymous.post(_path(files["srt"])).status_code == 405

    product = stored.client("viewer").get(f"/api/v1/products/{stored.home.product.id}/").json()
    photo = product["images"][0]
    assert photo["url"].startswith("http://testserver/media-links/") and photo["expires_at"]
    response = anonymous.get(_path(photo["url"]))
    assert response.status_code == 200 and _body(response) == PHOTO + b"northwind"
    assert response["Content-Type"] == "image/jpeg"


def test_the_job_answer_and_the_ad_answer_name_the_same_file(stored):
    ad = stored.client("viewer").get(f"/api/v1/ads/{stored.home.ad.id}/").json()
    job = stored.client("viewer").get(f"/api/v1/jobs/{stored.home.job.id}/").json()
    assert media_links.unsign(_token(job["outputs"][0]["video"])) == media_links.unsign(_token(ad["outputs"][0]["video"]))


def test_with_accel_redirect_the_web_server_sends_the_linked_file(stored, settings):
    settings.SHOPREEL_MEDIA_ACCEL_REDIRECT = "/protected-media/"
    [files] = stored.client("viewer").get(f"/api/v1/ads/{stored.home.ad.id}/").json()["outputs"]
    response = Client().get(_path(files["video"]))
    output = stored.home.job.outputs.get()
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected-media/{output.video.name}"
    assert response["Content-Type"] == "video/mp4"


def test_a_link_of_workspace_a_cannot_be_turned_into_one_of_workspace_b(stored):
    [files] = stored.client("viewer").get(f"/api/v1/ads/{stored.home.ad.id}/").json()["outputs"]
    token = _token(files["video"])
    home, rival = stored.home, stored.outsider
    rival_output = rival.job.outputs.get()
    anonymous = Client()
    assert anonymous.get(f"/media-links/{token}/").status_code == 200

    swapped = (token.replace(home.workspace.id.hex, rival.workspace.id.hex)
               .replace(home.job.outputs.get().id.hex, rival_output.id.hex))
    assert swapped != token
    other_kind = "poster" + token.removeprefix("video")
    cut = token[:-1] + ("A" if token[-1] != "A" else "B")
    for forged in (swapped, other_kind, cut, "video.nothing", "garbage", token.replace(".", "x", 1)):
        response = anonymous.get(f"/media-links/{forged}/")
        assert response.status_code == 404 and b"northwind" not in _body(response) and b"rival" not in _body(response)

    # Even a genuine signature naming a file of another workspace finds nothing.
    viewer = media_links.key_holder(stored.key_rows["viewer"].id)
    crossed = media_links.sign(workspace_id=home.workspace.id, object_id=rival_output.id, kind="video", holder=viewer)
    assert anonymous.get(f"/media-links/{crossed}/").status_code == 404
    # A genuine link to a deleted file answers exactly as a forged one.
    gone = media_links.sign(workspace_id=home.workspace.id, object_id=home.product.id, kind="image", holder=viewer)
    assert anonymous.get(f"/media-links/{gone}/").status_code == 404


def test_an_expired_link_is_refused_with_410(stored, settings):
    output = stored.home.job.outputs.get()
    made_long_ago = int(time.time()) - 3600 - 5
    old = media_links.sign(workspace_id=stored.home.workspace.id, object_id=output.id, kind="video",
                           holder=media_links.key_holder(stored.key_rows["viewer"].id), issued=made_long_ago)
    response = Client().get(f"/media-links/{old}/")
    assert response.status_code == 410 and b"expired" in response.content and b"ftyp" not in response.content

    # Expiry is told only to a genuine link: a changed expired one is still a plain 404.
    assert Client().get(f"/media-links/{old[:-1]}{'A' if old[-1] != 'A' else 'B'}/").status_code == 404

    # A short lifetime, end to end: the link from the API works, then stops.
    settings.SHOPREEL_MEDIA_LINK_SECONDS = 1
    [files] = stored.client("viewer").get(f"/api/v1/ads/{stored.home.ad.id}/").json()["outputs"]
    assert Client().get(_path(files["srt"])).status_code == 200
    time.sleep(2.1)  # timestamps are whole seconds: older than 1 s for sure
    assert Client().get(_path(files["srt"])).status_code == 410


def test_nothing_is_served_from_media_without_a_link(stored):
    output = stored.home.job.outputs.get()
    photo = stored.home.product.images.get(position=0)
    anonymous = Client()
    for name in (output.video.name, output.srt.name, photo.file.name):
        assert (Path(django_settings.MEDIA_ROOT) / name).exists()
        response = anonymous.get(f"/media/{name}")
        assert response.status_code == 404 and b"northwind" not in _body(response)
    assert anonymous.get("/media-links/").status_code == 404


# ------------------------------------------------------------------ the link's holder


def _video_link(world, who: str) -> str:
    [files] = world.client(who).get(f"/api/v1/ads/{world.home.ad.id}/").json()["outputs"]
    return _path(files["video"])


def test_a_revoked_keys_links_stop_working_and_other_keys_links_do_not(stored):
    from accounts.services import api_key_revoke

    viewer, editor = _video_link(stored, "viewer"), _video_link(stored, "editor")
    anonymous = Client()
    assert anonymous.get(viewer).status_code == 200 and anonymous.get(editor).status_code == 200
    assert media_links.unsign(_token(viewer)).holder == media_links.key_holder(stored.key_rows["viewer"].id)
    api_key_revoke(api_key=stored.key_rows["viewer"])
    response = anonymous.get(viewer)
    assert response.status_code == 404 and b"northwind" not in _body(response)  # as a forged link
    assert anonymous.get(editor).status_code == 200


def test_an_agency_keys_links_end_when_the_client_leaves_the_agency(stored):
    link = _video_link(stored, "agency")
    assert Client().get(link).status_code == 200
    type(stored.home.workspace).objects.filter(id=stored.home.workspace.id).update(agency=None)  # handed over
    assert Client().get(link).status_code == 404


def test_a_link_handed_to_a_member_ends_when_the_member_is_removed(stored):
    from accounts.models import Membership

    output = stored.home.job.outputs.get()
    membership = Membership.objects.get(workspace=stored.home.workspace, user__username="viewer")
    token = media_links.sign(workspace_id=stored.home.workspace.id, object_id=output.id, kind="srt",
                             holder=media_links.user_holder(membership.user_id))
    assert Client().get(f"/media-links/{token}/").status_code == 200
    membership.delete()
    assert Client().get(f"/media-links/{token}/").status_code == 404
    # An expired link is still told it has expired, whoever held it (checked before the holder).
    old = media_links.sign(workspace_id=stored.home.workspace.id, object_id=output.id, kind="srt",
                           holder=media_links.user_holder(membership.user_id), issued=int(time.time()) - 3605)
    assert Client().get(f"/media-links/{old}/").status_code == 410


def test_a_link_of_the_earlier_shape_without_a_holder_is_refused_as_forged(stored):
    output = stored.home.job.outputs.get()
    value = f"{stored.home.workspace.id.hex}.{output.id.hex}"
    unbound = "video." + media_links._Signer(kind="video").sign(value)  # as links were made before
    response = Client().get(f"/media-links/{unbound}/")
    assert response.status_code == 404 and b"ftyp" not in _body(response)


def test_an_events_links_are_the_events_and_work_until_they_expire(stored, settings):
    from generation.representations import job_representation

    settings.SHOPREEL_SITE_URL = "https://shopreel.example.com"
    payload = job_representation(job=stored.home.job)
    link = payload["ad"]["outputs"][0]["video"]
    assert link.startswith("https://shopreel.example.com/media-links/")
    assert media_links.unsign(_token(link)).holder == media_links.EVENT_HOLDER
    assert Client().get(_path(link)).status_code == 200


def test_a_link_is_never_made_for_nobody():
    with pytest.raises(ValueError):
        media_links.holder_for(type("Anonymous", (), {"user": None, "auth": None})())
