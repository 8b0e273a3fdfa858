"""The brand kit page (``/app/w/<id>/brand/``) and the webhooks page (``/app/w/<id>/webhooks/``).

Brand kit: every member reads it; owners, admins and editors (who make the ads it dresses)
change it through ``brand_kit_update``; a refused logo is named on the page and the old logo
stays. Its preview is one end-card frame drawn by the real renderer.
Webhooks: every member reads the endpoints and their delivery log (as any API key may); owners
and admins add, test, rotate and delete (as a write key does). A signing secret is shown
once. Another workspace's page or endpoint is a 404."""

from __future__ import annotations

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
