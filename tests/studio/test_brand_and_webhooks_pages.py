"""The brand kit page (``/app/w/<id>/brand/``) and the webhooks page (``/app/w/<id>/webhooks/``).

Brand kit: every member reads it; owners, admins and editors (who make the ads it dresses)
change it through ``brand_kit_update``; a refused logo is named on the page and the old logo
stays. Its preview is one end-card frame drawn by the real renderer.
Webhooks: every member reads the endpoints and their delivery log (as any API key may); owners
and admins add, test, rotate and delete (as a write key does). A signing secret is shown
once. Another workspace's page or endpoint is a 404."""

from __future__ import annotations

import functools
import io

import pytest
from PIL import Image

from accounts.models import BrandKit
from accounts.webhooks.models import WebhookDelivery, WebhookEndpoint
from accounts.webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db

GOOD_URL = "https://hooks.example.com/shopreel"


def _png(colour=(200, 30, 60), size=(120, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _upload(data: bytes, name="logo.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/png")


def _brand(team) -> str:
    return f"/app/w/{team.workspace.id}/brand/"


def _hooks(team) -> str:
    return f"/app/w/{team.workspace.id}/webhooks/"


BRAND = {
    "primary_color": "#123456", "accent_color": "#00aa00", "text_color": "#ffffff",
    "caption_style": "boxed", "cta_text": "Buy it today", "font": "Noto Sans",
}


# ------------------------------------------------------------------ brand kit


def test_the_nav_links_both_pages(client, team):
    team.login(client, "viewer")
    page = client.get(_brand(team)).text
    assert f'href="{_brand(team)}"' in page and f'href="{_hooks(team)}"' in page


@pytest.mark.parametrize("who", ["owner", "admin", "editor"])
def test_writers_save_the_brand_kit(client, team, who):
    team.login(client, who)
    response = client.post(_brand(team), {**BRAND, "logo": _upload(_png())})
    assert response.status_code == 302 and response["Location"] == _brand(team)
    kit = BrandKit.objects.get(workspace=team.workspace)
    assert (kit.primary_color, kit.accent_color, kit.caption_style, kit.cta_text) == (
        "#123456", "#00AA00", "boxed", "Buy it today",
    )
    assert kit.logo and kit.font and kit.font.name.endswith(".ttf")
    page = client.get(_brand(team)).text
    assert "Brand kit saved." in page and 'id="logo-now"' in page
    assert '<option value="Noto Sans" selected>' in page  # the chosen bundled font is recognised
    logo = client.get(_brand(team) + "logo/")
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    assert b"".join(logo.streaming_content).startswith(b"\x89PNG")


def test_the_logo_is_served_to_members_only(client, team):
    team.login(client, "owner")
    client.post(_brand(team), {**BRAND, "logo": _upload(_png())})
    team.login(client, "viewer")
    assert client.get(_brand(team) + "logo/").status_code == 200
    team.login(client, "outsider")
    assert client.get(_brand(team) + "logo/").status_code == 404
    client.logout()
    assert client.get(_brand(team) + "logo/").status_code == 302  # to sign-in


def test_a_viewer_reads_but_cannot_change(client, team):
    team.login(client, "viewer")
    page = client.get(_brand(team))
    assert page.status_code == 200 and "Save brand kit" not in page.text
    assert client.post(_brand(team), BRAND).status_code == 403
    assert not BrandKit.objects.filter(workspace=team.workspace).exists()


def test_brand_outsider_gets_404_and_a_wrong_method_405(client, team):
    team.login(client, "outsider")
    assert client.get(_brand(team)).status_code == 404
    assert client.post(_brand(team), BRAND).status_code == 404
    assert client.get(_brand(team) + "preview.png").status_code == 404
    team.login(client, "owner")
    assert client.put(_brand(team)).status_code == 405
    assert client.post(_brand(team) + "preview.png").status_code == 405


def test_a_bad_logo_is_named_on_the_page_and_the_old_one_stays(client, team):
    team.login(client, "owner")
    client.post(_brand(team), {**BRAND, "logo": _upload(_png())})
    old = BrandKit.objects.get(workspace=team.workspace).logo.name
    response = client.post(_brand(team), {**BRAND, "cta_text": "Changed", "logo": _upload(b"not an image at all", "evil.png")})
    assert response.status_code == 400
    assert 'role="alert"' in response.text and 'id="logo-error"' in response.text
    kit = BrandKit.objects.get(workspace=team.workspace)
    assert kit.logo.name == old and kit.cta_text == "Buy it today"  # nothing changed
    assert 'value="Changed"' in response.text  # what was typed is kept


def test_a_bad_colour_and_an_unknown_font_are_refused(client, team):
    team.login(client, "editor")
    response = client.post(_brand(team), {**BRAND, "primary_color": "red"})
    assert response.status_code == 400 and "The primary colour must be a hex colour" in response.text
    assert 'id="id_primary_color" name="primary_color" value="red" aria-invalid="true"' in response.text
    response = client.post(_brand(team), {**BRAND, "font": "../../etc/passwd"})
    assert response.status_code == 400 and "Choose one of the fonts listed" in response.text
    assert not BrandKit.objects.filter(workspace=team.workspace).exists()


def test_the_look_is_chosen_on_the_page_and_a_made_up_one_is_refused(client, team):
    team.login(client, "editor")
    response = client.post(_brand(team), {**BRAND, "style": "premium"})
    assert response.status_code == 302
    assert BrandKit.objects.get(workspace=team.workspace).style == "premium"
    assert '<option value="premium" selected>Premium</option>' in client.get(_brand(team)).text
    response = client.post(_brand(team), {**BRAND, "style": "neon"})
    assert response.status_code == 400
    assert 'id="id_style" name="style" aria-invalid="true"' in response.text
    assert BrandKit.objects.get(workspace=team.workspace).style == "premium"
    team.login(client, "viewer")
    assert "<dt>Look</dt><dd>Premium</dd>" in client.get(_brand(team)).text


def test_the_preview_is_a_frame_drawn_with_the_brand(client, team):
    team.login(client, "owner")
    client.post(_brand(team), {**BRAND, "cta_text": "Buy it today"})
    response = client.get(_brand(team) + "preview.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    frame = Image.open(io.BytesIO(response.content)).convert("RGB")
    assert frame.size == (540, 960)
    # The call-to-action button is painted in the accent colour (#00AA00).
    pixels = frame.getdata()
    assert sum(1 for r, g, b in pixels if r < 40 and 150 < g < 190 and b < 40) > 1000


def test_the_preview_shows_the_newest_products_photo(client, team, settings):
    from pathlib import Path

    from products.models import ProductImage
    from tests.factories import ProductFactory

    product = ProductFactory(workspace=team.workspace, title="Red Tee")
    photo = Path(settings.MEDIA_ROOT) / "p" / "red.png"
    photo.parent.mkdir(parents=True, exist_ok=True)
    photo.write_bytes(_png(colour=(220, 0, 0), size=(800, 800)))
    ProductImage.objects.create(workspace=team.workspace, product=product, position=0, file="p/red.png",
                                width=800, height=800)
    team.login(client, "viewer")  # every member sees the preview
    frame = Image.open(io.BytesIO(client.get(_brand(team) + "preview.png").content)).convert("RGB")
    assert sum(1 for r, g, b in frame.getdata() if r > 180 and g < 50 and b < 50) > 5000  # the red photo


# ------------------------------------------------------------------ webhooks


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_managers_add_an_endpoint_and_see_its_secret_once(client, team, who):
    team.login(client, who)
    response = client.post(_hooks(team), {"url": GOOD_URL, "events": ["ad.completed", "ad.failed"]})
    assert response.status_code == 302 and response["Location"] == _hooks(team)
    endpoint = WebhookEndpoint.objects.get(workspace=team.workspace)
    assert endpoint.url == GOOD_URL and endpoint.events == ["ad.completed", "ad.failed"]
    page = client.get(_hooks(team))
    assert page["Cache-Control"] == "no-store"
    assert 'id="secret"' in page.text and "shown this once" in page.text
    secret = page.text.split('id="secret">')[1].split("<")[0]
    assert secret.startswith("whsec_") and len(secret) > 30
    again = client.get(_hooks(team)).text
    assert secret not in again and 'id="secret"' not in again and GOOD_URL in again


def test_a_reload_of_the_add_never_makes_a_second_endpoint(client, team):
    team.login(client, "owner")
    client.post(_hooks(team), {"url": GOOD_URL, "events": ["ad.completed"]}, follow=True)
    client.get(_hooks(team))
    assert WebhookEndpoint.objects.filter(workspace=team.workspace).count() == 1


@pytest.mark.parametrize("url", ["http://10.0.0.5/hook", "http://127.0.0.1/hook", "http://169.254.169.254/latest/"])
def test_a_private_address_is_refused_with_a_clear_message(client, team, url):
    team.login(client, "owner")
    response = client.post(_hooks(team), {"url": url, "events": ["ad.completed"]})
    assert response.status_code == 400
    assert 'id="url-error"' in response.text and "This webhook URL is refused." in response.text
    assert f'value="{url}"' in response.text  # kept for correcting
    assert not WebhookEndpoint.objects.exists()


def test_no_events_is_refused_on_its_field(client, team):
    team.login(client, "owner")
    response = client.post(_hooks(team), {"url": GOOD_URL})
    assert response.status_code == 400 and 'id="events-error"' in response.text


def test_rotate_shows_the_new_secret_once(client, team):
    endpoint, first = webhook_endpoint_create(workspace=team.workspace, url=GOOD_URL, events=["ad.failed"])
    team.login(client, "admin")
    response = client.post(f"{_hooks(team)}{endpoint.id}/rotate/")
    assert response.status_code == 302
    page = client.get(_hooks(team)).text
    secret = page.split('id="secret">')[1].split("<")[0]
    assert secret and secret != first and "(rotated)" in page
    assert secret not in client.get(_hooks(team)).text


def test_ping_queues_a_test_delivery_shown_in_the_log(client, team):
    endpoint, _ = webhook_endpoint_create(workspace=team.workspace, url=GOOD_URL, events=["ad.failed"])
    team.login(client, "owner")
    response = client.post(f"{_hooks(team)}{endpoint.id}/test/", follow=True)
    assert response.status_code == 200 and "A test event (ping) is on its way" in response.text
    assert WebhookDelivery.objects.filter(endpoint=endpoint, event_type="ping").count() == 1
    assert "<td>ping</td>" in response.text
    again = client.post(f"{_hooks(team)}{endpoint.id}/test/", follow=True)  # too soon: refused in words
    assert again.status_code == 200 and "A test event was sent to this webhook less than" in again.text
    assert WebhookDelivery.objects.filter(endpoint=endpoint, event_type="ping").count() == 1


def test_delete_removes_the_endpoint(client, team):
    endpoint, _ = webhook_endpoint_create(workspace=team.workspace, url=GOOD_URL, events=["ad.failed"])
    team.login(client, "owner")
    response = client.post(f"{_hooks(team)}{endpoint.id}/delete/", follow=True)
    assert response.status_code == 200 and "was deleted" in response.text
    assert not WebhookEndpoint.objects.filter(id=endpoint.id).exists()


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_editors_and_viewers_read_but_cannot_manage(client, team, who):
    endpoint, _ = webhook_endpoint_create(workspace=team.workspace, url=GOOD_URL, events=["ad.failed"])
    team.login(client, who)
    page = client.get(_hooks(team))
    assert page.status_code == 200 and GOOD_URL in page.text and "Add endpoint" not in page.text
    assert "Rotate secret" not in page.text
    assert client.post(_hooks(team), {"url": "https://other.example.com/x", "events": ["ad.failed"]}).status_code == 403
    for action in ("rotate", "test", "delete"):
        assert client.post(f"{_hooks(team)}{endpoint.id}/{action}/").status_code == 403
    assert WebhookEndpoint.objects.filter(workspace=team.workspace).count() == 1
    assert not WebhookDelivery.objects.exists()


def test_webhooks_outsider_gets_404_and_a_wrong_method_405(client, team):
    endpoint, _ = webhook_endpoint_create(workspace=team.workspace, url=GOOD_URL, events=["ad.failed"])
    team.login(client, "outsider")
    assert client.get(_hooks(team)).status_code == 404
    assert client.post(_hooks(team), {"url": GOOD_URL, "events": ["ad.failed"]}).status_code == 404
    assert client.post(f"{_hooks(team)}{endpoint.id}/rotate/").status_code == 404
    # The outsider's own workspace does not reach this endpoint either.
    own = f"/app/w/{team.outsider_workspace.id}/webhooks/{endpoint.id}/delete/"
    assert client.post(own).status_code == 404
    assert WebhookEndpoint.objects.filter(id=endpoint.id).exists()
    team.login(client, "owner")
    assert client.put(_hooks(team)).status_code == 405
    assert client.get(f"{_hooks(team)}{endpoint.id}/rotate/").status_code == 405


# ------------------------------------------------------------------ editing an endpoint


def _edit(team, endpoint) -> str:
    return f"{_hooks(team)}{endpoint.id}/edit/"


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_managers_change_an_endpoints_url_and_events(client, team, who):
    endpoint, secret = webhook_endpoint_create(workspace=team.workspace, url=GOOD_URL, events=["ad.failed"])
    team.login(client, who)
    page = client.get(_hooks(team)).text
    assert f'action="{_edit(team, endpoint)}"' in page and f'value="{GOOD_URL}"' in page
    response = client.post(_edit(team, endpoint), {
        "url": "https://hooks.example.com/v2", "events": ["ad.completed", "ad.failed"], "description": "Shop sync",
    })
    assert response.status_code == 302 and response["Location"] == _hooks(team)  # POST-redirect-GET
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.description) == (
        "https://hooks.example.com/v2", ["ad.completed", "ad.failed"], "Shop sync",
    )
    page = client.get(_hooks(team)).text
    assert "was saved" in page and "<h3>https://hooks.example.com/v2</h3>" in page
    assert secret not in page  # an edit shows no secret


@pytest.mark.parametrize("url", ["http://10.0.0.5/hook", "http://127.0.0.1/hook", "http://[::1]/hook", "http://localhost/x"])
def test_an_edit_to_a_private_address_is_refused_on_its_field(client, team, url):
    endpoint, _ = webhook_endpoint_create(workspace=team.workspace, url=GOOD_URL, events=["ad.failed"])
    team.login(client, "owner")
    response = client.post(_edit(team, endpoint), {"url": url, "events": ["ad.completed"]})
    assert response.status_code == 400
    assert f'id="url-error-{endpoint.id}"' in response.text and "This webhook URL is refused." in response.text
    assert f'value="{url}"' in response.text  # kept for correcting, in the open form
    assert 'class="edit" open' in response.text
    assert 'id="url-error"' not in response.text  # not on the add form
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events) == (GOOD_URL, ["ad.failed"])  # nothing changed


def test_an_edit_with_no_events_is_refused_and_nothing_changes(client, team):
    endpoint, _ = webhook_endpoint_create(workspace=team.workspace, url=GOOD_URL, events=["ad.failed"])
    team.login(client, "admin")
    response = client.post(_edit(team, endpoint), {"url": "https://hooks.example.com/v2"})
    assert response.status_code == 400 and f'id="events-error-{endpoint.id}"' in response.text
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events) == (GOOD_URL, ["ad.failed"])


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_editors_and_viewers_cannot_edit_an_endpoint(client, team, who):
    endpoint, _ = webhook_endpoint_create(workspace=team.workspace, url=GOOD_URL, events=["ad.failed"])
    team.login(client, who)
    assert "Edit URL and events" not in client.get(_hooks(team)).text
    response = client.post(_edit(team, endpoint), {"url": "https://other.example.com/x", "events": ["ad.completed"]})
    assert response.status_code == 403
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events) == (GOOD_URL, ["ad.failed"])


def test_editing_an_endpoint_outsider_404_and_wrong_method_405(client, team):
    endpoint, _ = webhook_endpoint_create(workspace=team.workspace, url=GOOD_URL, events=["ad.failed"])
    body = {"url": "https://other.example.com/x", "events": ["ad.completed"]}
    team.login(client, "outsider")
    assert client.post(_edit(team, endpoint), body).status_code == 404
    own = f"/app/w/{team.outsider_workspace.id}/webhooks/{endpoint.id}/edit/"  # through their own workspace
    assert client.post(own, body).status_code == 404
    client.logout()
    assert client.post(_edit(team, endpoint), body).status_code == 302  # to sign-in
    team.login(client, "owner")
    assert client.get(_edit(team, endpoint)).status_code == 405
    endpoint.refresh_from_db()
    assert endpoint.url == GOOD_URL


# ------------------------------------------------------------------ uploading a font


@functools.cache  # one file per set of arguments: the builder stamps the time into each
def _box_font(chars: tuple[str, ...] | None = None, *, family="Boxes") -> bytes:
    """A real TrueType font whose every printable ASCII letter is a solid box: whatever it
    draws is unmistakably its own."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    chars = chars if chars is not None else tuple(chr(c) for c in range(0x21, 0x7F))
    names = [f"g{ord(ch):04X}" for ch in chars]
    pen = TTGlyphPen(None)
    pen.moveTo((40, 0))
    pen.lineTo((40, 720))
    pen.lineTo((560, 720))
    pen.lineTo((560, 0))
    pen.closePath()
    box = pen.glyph()
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef", "space", *names])
    fb.setupCharacterMap({0x20: "space", **{ord(ch): name for ch, name in zip(chars, names, strict=True)}})
    fb.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "space": TTGlyphPen(None).glyph(), **dict.fromkeys(names, box)})
    fb.setupHorizontalMetrics({".notdef": (600, 0), "space": (300, 0), **{n: (600, 40) for n in names}})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": family, "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    fb.setupPost()
    out = io.BytesIO()
    fb.save(out)
    return out.getvalue()


def _font_upload(data: bytes, name="brand.ttf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="font/ttf")


def _ink_pixels(client, team) -> int:
    """White pixels in the preview's lower third, where the call-to-action button's white
    letters are (the backdrop is grey, the button green): how much ink the letters take."""
    frame = Image.open(io.BytesIO(client.get(_brand(team) + "preview.png").content)).convert("RGB")
    lower = frame.crop((0, frame.height * 2 // 3, frame.width, frame.height))
    return sum(1 for r, g, b in lower.getdata() if min(r, g, b) > 245)


@pytest.mark.parametrize("who", ["owner", "admin", "editor"])
def test_writers_upload_their_own_font_and_the_preview_draws_with_it(client, team, who):
    team.login(client, who)
    plain = {**BRAND, "font": "default"}
    assert client.post(_brand(team), plain).status_code == 302
    with_default = _ink_pixels(client, team)
    response = client.post(_brand(team), {**plain, "font_file": _font_upload(_box_font())})
    assert response.status_code == 302 and response["Location"] == _brand(team)
    kit = BrandKit.objects.get(workspace=team.workspace)
    assert kit.font.name.endswith(".ttf")
    with kit.font.open("rb") as stored:
        assert stored.read() == _box_font()
    page = client.get(_brand(team)).text
    assert '<option value="keep" selected>Your uploaded font</option>' in page  # selectable, and chosen
    # Solid boxes for letters: the renderer drew the captions with the uploaded font.
    assert with_default > 500 and _ink_pixels(client, team) > with_default * 1.5
    # Saving again with the uploaded font kept changes nothing about the font.
    client.post(_brand(team), {**plain, "font": "keep", "cta_text": "Again"})
    kit.refresh_from_db()
    with kit.font.open("rb") as stored:
        assert stored.read() == _box_font()


def _no_latin_font() -> bytes:
    return _box_font(("\u4e00", "\u4e8c"), family="Han")


@pytest.mark.parametrize("data, name, says", [
    (b"MZ\x90\x00 an executable, named like a font", "evil.ttf", "not a font Shopreel can read"),
    (b"", "empty.ttf", "empty"),
    ("no-latin", "han.ttf", "no Latin letters"),
    ("too-big", "huge.ttf", "larger than 10 MB"),
])
def test_a_hostile_font_is_refused_on_its_field_and_nothing_changes(client, team, data, name, says):
    data = {"no-latin": _no_latin_font, "too-big": lambda: _box_font() + b"\0" * 10_000_000}.get(data, lambda: data)()
    team.login(client, "owner")
    client.post(_brand(team), {**BRAND, "font_file": _font_upload(_box_font())})
    before = BrandKit.objects.get(workspace=team.workspace)
    response = client.post(_brand(team), {**BRAND, "cta_text": "Changed", "font_file": _font_upload(data, name)})
    assert response.status_code == 400
    assert 'id="font-file-error"' in response.text and says in response.text
    assert 'id="id_font_file" name="font_file"' in response.text and 'aria-describedby="font-file-error"' in response.text
    assert 'value="Changed"' in response.text  # what was typed is kept
    kit = BrandKit.objects.get(workspace=team.workspace)
    assert (kit.font.name, kit.cta_text) == (before.font.name, "Buy it today")
    with kit.font.open("rb") as stored:
        assert stored.read() == _box_font()  # the uploaded font stays


def test_a_viewer_sees_the_font_but_cannot_upload_one(client, team):
    team.login(client, "owner")
    client.post(_brand(team), {**BRAND, "font_file": _font_upload(_box_font())})
    team.login(client, "viewer")
    page = client.get(_brand(team)).text
    assert 'name="font_file"' not in page and "The workspace's uploaded font" in page
    response = client.post(_brand(team), {**BRAND, "font": "keep", "font_file": _font_upload(_no_latin_font())})
    assert response.status_code == 403
    team.login(client, "outsider")
    response = client.post(_brand(team), {**BRAND, "font": "keep", "font_file": _font_upload(_box_font(family="X"))})
    assert response.status_code == 404
    with BrandKit.objects.get(workspace=team.workspace).font.open("rb") as stored:
        assert stored.read() == _box_font()
