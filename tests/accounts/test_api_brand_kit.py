"""``/api/v1/brand-kit/``: an agency or a merchant reads and sets a workspace's brand kit through
the API, checked as the studio and the admin check it, with signed links to its files; read-only
keys, outsiders and other agencies' clients are refused as everywhere else in the API."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from accounts.api.brand_kit import MAX_UPLOAD_BYTES
from accounts.brand import MAX_LOGO_BYTES
from accounts.models import BrandKit
from accounts.services import api_key_create, api_key_revoke
from generation.models import Ad, Shot
from generation.render.fonts import brand_font_choices
from generation.specs import render_spec_for
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/brand-kit/"


def _png(size=(64, 32), colour=(20, 120, 220, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, colour).save(out, "PNG")
    return out.getvalue()


def _font_bytes() -> bytes:
    """A real TrueType font with Latin letters: the smallest face the studio offers on this
    machine, else one built here with fontTools (so the test never depends on the system)."""
    choices = sorted(brand_font_choices().values(), key=lambda p: p.stat().st_size)
    if choices:
        return Path(choices[0]).read_bytes()
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    letters = "AaBbEeRrSs0123456789"
    names = [".notdef", *(f"g{ord(c)}" for c in letters)]
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({ord(c): f"g{ord(c)}" for c in letters})
    glyph = TTGlyphPen(None).glyph()
    fb.setupGlyf({name: glyph for name in names})
    fb.setupHorizontalMetrics({name: (500, 0) for name in names})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "Tiny", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    out = io.BytesIO()
    fb.save(out)
    return out.getvalue()


def _file(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


class Keys:
    """Keys fitting each caller of the shared ``team``: the owner's and the editor's write keys,
    the viewer's read key, the outsider's key to its own workspace, and an agency write key."""

    def __init__(self, team):
        self.team = team
        self.rows, self.plain = {}, {}
        for who, scope in (("owner", "write"), ("editor", "write"), ("viewer", "read")):
            self.rows[who], self.plain[who] = api_key_create(
                workspace=team.workspace, name=f"{who}'s key", scope=scope, created_by=team.users[who]
            )
        self.rows["outsider"], self.plain["outsider"] = api_key_create(
            workspace=team.outsider_workspace, name="rival", scope="write", created_by=team.outsider
        )
        self.rows["agency"], self.plain["agency"] = api_key_create(agency=team.agency, name="agency", scope="write")

    def client(self, who: str, *, workspace: str | None = None) -> APIClient:
        client = APIClient()
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.plain[who]}"}
        if workspace is not None:
            headers["HTTP_SHOPREEL_WORKSPACE"] = workspace
        client.credentials(**headers)
        return client


@pytest.fixture
def keys(team) -> Keys:
    return Keys(team)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "detail"}
    assert body["error"]["code"] == code, body
    return body["error"]


def _fetch(link: str) -> bytes:
    """A signed link's file, fetched with no key and no session (the link is the credential)."""
    assert link.startswith("http://testserver/media-links/")
    response = APIClient().get(link.removeprefix("http://testserver"))
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def _kit(team) -> BrandKit:
    return BrandKit.objects.get(workspace=team.workspace)


# ------------------------------------------------------------------ reading and plain fields


def test_a_workspace_without_a_kit_gets_the_defaults_and_none_is_made(team, keys):
    response = keys.client("owner").get(URL)
    assert response.status_code == 200
    assert response.json() == {
        "configured": False, "primary_color": "#111111", "accent_color": "#FF3B5C", "text_color": "#FFFFFF",
        "caption_style": "outline", "style": "", "cta_text": "", "logo": None, "font": None,
        "expires_at": None, "updated_at": None,
    }
    assert not BrandKit.objects.exists()


def test_patch_sets_colours_caption_style_style_and_cta_and_get_shows_them(team, keys):
    client = keys.client("editor")  # editors dress the ads they make, as in the studio
    response = client.patch(URL, {
        "primary_color": "#1e3a8a", "accent_color": "#22AA55", "text_color": "#000000",
        "caption_style": "boxed", "style": "premium", "cta_text": "  Shop  at acme ",
    }, format="json")
    assert response.status_code == 200, response.content
    expected = {"configured": True, "primary_color": "#1E3A8A", "accent_color": "#22AA55", "text_color": "#000000",
                "caption_style": "boxed", "style": "premium", "cta_text": "Shop at acme", "logo": None, "font": None}
    assert expected.items() <= response.json().items()
    assert expected.items() <= keys.client("viewer").get(URL).json().items()
    kit = _kit(team)
    assert (kit.primary_color, kit.style, kit.cta_text) == ("#1E3A8A", "premium", "Shop at acme")

    # only the fields sent change; "" puts the style back on auto
    body = client.patch(URL, {"caption_style": "highlight", "style": ""}, format="json").json()
    assert (body["caption_style"], body["style"], body["accent_color"], body["cta_text"]) == (
        "highlight", "", "#22AA55", "Shop at acme")
    assert BrandKit.objects.filter(workspace=team.workspace).count() == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"primary_color": "red"}, "primary_color"),
    ({"accent_color": "#12345"}, "accent_color"),
    ({"text_color": ""}, "text_color"),
    ({"style": "grunge"}, "style"),
    ({"caption_style": "wavy"}, "caption_style"),
    ({"cta_text": "x" * 61}, "cta_text"),
    ({"logo": "https://example.com/logo.png"}, "logo"),  # a link is not an upload
])
def test_a_bad_value_is_refused_on_its_field_and_nothing_changes(team, keys, body, field):
    client = keys.client("owner")
    assert client.patch(URL, {"primary_color": "#000000", "style": "bold"}, format="json").status_code == 200
    error = assert_error(client.patch(URL, {"accent_color": "#ABCDEF", **body}, format="json"), 400, "invalid_input")
    assert set(error["detail"]) == {field} and error["detail"][field][0]
    kit = _kit(team)
    assert (kit.primary_color, kit.accent_color, kit.style) == ("#000000", "#FF3B5C", "bold")


# ------------------------------------------------------------------ logo and font


def test_a_logo_and_a_font_are_uploaded_and_come_back_through_their_signed_links(team, keys):
    logo, font = _png(), _font_bytes()
    response = keys.client("owner").patch(
        URL, {"logo": _file("acme.png", logo, "image/png"), "font": _file("Brand.ttf", font), "style": "playful"},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["style"] == "playful" and body["expires_at"]
    assert _fetch(body["logo"]) == logo and _fetch(body["font"]) == font
    kit = _kit(team)
    assert kit.logo.name.endswith(".png") and kit.font.name.endswith((".ttf", ".otf"))

    again = keys.client("viewer").get(URL).json()  # any key of the workspace reads them
    assert _fetch(again["logo"]) == logo
    # a link is handed to the key that asked: revoking that key ends it
    api_key_revoke(api_key=keys.rows["viewer"])
    assert APIClient().get(again["logo"].removeprefix("http://testserver")).status_code == 404
    assert _fetch(body["logo"]) == logo  # the owner's key still holds its own


def _bmp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (255, 0, 0)).save(out, "BMP")
    return out.getvalue()


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (255, 0, 0)).save(out, "GIF")
    return out.getvalue()


@pytest.mark.parametrize(("field", "name", "data", "words"), [
    ("logo", "logo.png", b"%PDF-1.7 not an image", "not an image"),
    ("logo", "logo.bmp", _bmp(), "not an image"),  # a real image, of a kind not taken
    ("logo", "logo.gif", _gif(), "JPEG, PNG or WebP"),  # a photo may be a GIF; a logo not
    ("logo", "big.png", _png() + b"\0" * MAX_LOGO_BYTES, "larger than 5 MB"),
    ("font", "font.ttf", b"not a font at all", "not a font"),
    ("font", "font.ttf", _png(), "not a font"),
])
def test_a_bad_upload_is_refused_on_its_field_and_the_stored_files_are_kept(team, keys, field, name, data, words):
    upload = _file(name, data)
    client = keys.client("owner")
    logo, font = _png(colour=(200, 10, 10, 255)), _font_bytes()
    assert client.patch(URL, {"logo": _file("old.png", logo), "font": _file("old.ttf", font)},
                        format="multipart").status_code == 200
    before = _kit(team)
    error = assert_error(client.patch(URL, {field: upload, "cta_text": "Never saved"}, format="multipart"),
                         400, "invalid_input")
    assert set(error["detail"]) == {field} and words in error["detail"][field][0]
    kit = _kit(team)
    assert (kit.logo.name, kit.font.name, kit.cta_text) == (before.logo.name, before.font.name, "")
    body = client.get(URL).json()
    assert _fetch(body["logo"]) == logo and _fetch(body["font"]) == font


def test_an_upload_larger_than_both_limits_is_refused_before_it_is_read(team, keys):
    response = keys.client("owner").patch(URL, {"font": _file("huge.ttf", b"\0" * MAX_UPLOAD_BYTES)},
                                          format="multipart")
    assert_error(response, 413, "payload_too_large")
    assert not BrandKit.objects.exists()


def test_null_removes_the_logo_and_an_empty_part_the_font(team, keys, django_capture_on_commit_callbacks):
    client = keys.client("owner")
    client.patch(URL, {"logo": _file("l.png", _png()), "font": _file("f.ttf", _font_bytes())}, format="multipart")
    kit = _kit(team)
    storage, logo_name, font_name = kit.logo.storage, kit.logo.name, kit.font.name
    with django_capture_on_commit_callbacks(execute=True):
        body = client.patch(URL, {"logo": None}, format="json").json()
    assert body["logo"] is None and body["font"] is not None
    assert not storage.exists(logo_name)  # the old file goes once the change is committed
    with django_capture_on_commit_callbacks(execute=True):
        body = client.patch(URL, {"font": ""}, format="multipart").json()
    assert (body["logo"], body["font"], body["expires_at"]) == (None, None, None)
    assert not storage.exists(font_name)
    assert not _kit(team).logo and not _kit(team).font


# ------------------------------------------------------------------ who may


def test_a_read_only_key_reads_but_cannot_write(team, keys):
    client = keys.client("viewer")
    assert client.get(URL).status_code == 200
    assert_error(client.patch(URL, {"accent_color": "#00FF00"}, format="json"), 403, "read_only_key")
    assert_error(client.patch(URL, {"logo": _file("l.png", _png())}, format="multipart"), 403, "read_only_key")
    assert not BrandKit.objects.exists()


def test_an_outsiders_key_never_sees_or_changes_the_kit(team, keys):
    keys.client("owner").patch(URL, {"accent_color": "#22AA55", "cta_text": "Northwind only"}, format="json")
    for ref in (team.workspace.slug, str(team.workspace.id)):
        outsider = keys.client("outsider", workspace=ref)
        assert_error(outsider.get(URL), 404, "not_found")
        error = assert_error(outsider.patch(URL, {"accent_color": "#000000"}, format="json"), 404, "not_found")
        assert "Northwind" not in str(error)
    # its own key answers its own workspace's kit: the defaults, not Northwind's
    own = keys.client("outsider").get(URL).json()
    assert own["configured"] is False and own["accent_color"] == "#FF3B5C"
    assert _kit(team).accent_color == "#22AA55"


def test_an_agency_key_sets_the_kit_of_the_client_it_names_and_no_one_elses(team, keys):
    client = keys.client("agency", workspace=team.client_workspace.slug)
    assert client.patch(URL, {"style": "bold", "accent_color": "#123456"}, format="json").status_code == 200
    assert BrandKit.objects.get(workspace=team.client_workspace).style == "bold"
    body = keys.client("agency", workspace=str(team.client_workspace.id)).get(URL).json()
    assert (body["configured"], body["style"], body["accent_color"]) == (True, "bold", "#123456")
    # not a client of the agency: 404, as for every other endpoint
    assert_error(keys.client("agency", workspace=team.workspace.slug).patch(URL, {"style": "clean"}, format="json"),
                 404, "not_found")
    assert_error(keys.client("agency").get(URL), 400, "workspace_required")
    assert not BrandKit.objects.filter(workspace=team.workspace).exists()


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_a_wrong_method_gets_405(team, keys, method):
    assert_error(getattr(keys.client("owner"), method)(URL), 405, "method_not_allowed")
    assert not BrandKit.objects.exists()


def test_the_schema_documents_both_operations(team, keys):
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    path = schema["paths"]["/api/v1/brand-kit/"]
    assert path["get"]["operationId"] == "brand_kit_retrieve"
    assert path["patch"]["operationId"] == "brand_kit_update"
    assert {"application/json", "multipart/form-data"} <= set(path["patch"]["requestBody"]["content"])


# ------------------------------------------------------------------ renders


def test_a_render_uses_the_kit_set_through_the_api(team, keys, settings):
    settings.SHOPREEL_VIDEO_ENCODER = "libx264"
    product = ProductFactory(workspace=team.workspace)
    script = {"template": "t", "vertical": "generic", "structure": "s", "length": 4.0, "tone": "energetic",
              "scenes": [{"id": "s1", "shot_type": "hero", "duration": 2.0, "caption": "Cold all day"},
                         {"id": "s2", "shot_type": "cta", "duration": 2.0, "caption": "Shop now"}]}
    ad = Ad.objects.create(workspace=team.workspace, product=product, template="t", script=script)
    shots = [Shot(scene_id=sid, asset={"kind": "motion", "images": ["p.jpg"]}) for sid in ("s1", "s2")]
    assert render_spec_for(ad=ad, shots=shots, format_name="9:16").brand.style == "bold"  # the tone's

    response = keys.client("owner").patch(
        URL, {"style": "premium", "accent_color": "#22aa55", "caption_style": "boxed", "cta_text": "Order now",
              "logo": _file("l.png", _png())}, format="multipart")
    assert response.status_code == 200, response.content
    brand = render_spec_for(ad=ad, shots=shots, format_name="9:16").brand
    assert (brand.style, brand.accent, brand.caption_style, brand.cta) == ("premium", "#22AA55", "boxed", "Order now")
    assert brand.logo is not None and brand.logo.is_file()
