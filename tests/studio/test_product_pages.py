"""The studio's product pages with Django's test client: the tenant matrix of every view (owner
and editor work, a viewer reads but cannot write, an outsider gets 404, a wrong method 405),
pasting links, the live import rows, editing facts (errors on the field, nothing lost), the
price check, photo uploads (hostile files refused by name), and private photos."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from products.models import ImportBatch, Product, ProductImage
from products.services import queueing
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

EVIDENCE = {
    "source": "visible text",
    "layer": "heuristics",
    "confidence": 0.55,
    "rejected": [
        {
            "amount": "29.00",
            "text": "$29.00",
            "why": "the markup's price; the page shows another as the price",
        },
        {"amount": "5.00", "text": "Save $5.00", "why": "a saving, not a price"},
    ],
}


def _png(color=(200, 30, 30)) -> bytes:
    image = Image.new("RGB", (64, 64), (255, 255, 255))
    image.paste(color, (16, 16, 48, 48))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def queued(monkeypatch) -> list[tuple[str, str]]:
    """Product tasks queued on commit (no broker here: recorded)."""
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        queueing,
        "task_queue_on_commit",
        lambda *, name, object_id: sent.append((name, str(object_id))),
    )
    import products.services.batches as batches
    import products.services.importing as importing

    monkeypatch.setattr(batches, "task_queue_on_commit", queueing.task_queue_on_commit)
    monkeypatch.setattr(importing, "task_queue_on_commit", queueing.task_queue_on_commit)
    return sent


@pytest.fixture
def product(team) -> Product:
    product = ProductFactory(
        workspace=team.workspace,
        title="Blue mug",
        price=Decimal("24.00"),
        currency="USD",
        features=["Holds 300 ml"],
        vertical="home",
        price_evidence=EVIDENCE,
        price_needs_confirmation=True,
    )
    image = ProductImage(workspace=team.workspace, product=product, position=0, width=64, height=64)
    image.file.save("image-00.jpg", io.BytesIO(_png()), save=False)
    image.save()
    return product


HX = {"HX-Request": "true"}  # what htmx sends with each of its requests


def _w(team) -> str:
    return f"/app/w/{team.workspace.id}"


def _p(team, product) -> str:
    return f"{_w(team)}/products/{product.id}"


# ------------------------------------------------------------------ the tenant matrix


@pytest.mark.parametrize("who", ["owner", "editor", "viewer"])
def test_members_see_the_list_and_the_product_page(client, team, product, who):
    team.login(client, who)
    listing = client.get(f"{_w(team)}/products/")
    assert listing.status_code == 200
    assert (
        "Blue mug" in listing.text and "24.00 USD" in listing.text and "Check price" in listing.text
    )
    assert f"/products/{product.id}/photos/{product.images.get().id}/" in listing.text
    page = client.get(f"{_p(team, product)}/")
    assert page.status_code == 200
    assert (
        "Holds 300 ml" in page.text and "Check the price" in page.text and "55% sure" in page.text
    )
    assert ("Confirm price</button>" in page.text) == (who != "viewer")
    assert ("Product links</label>" in listing.text) == (who != "viewer")
    assert ("Upload photos</button>" in page.text) == (who != "viewer")


def test_photo_links_that_could_not_be_used_are_listed_with_why(client, team, product):
    team.login(client, "viewer")
    assert 'id="photo-errors"' not in client.get(f"{_p(team, product)}/").text
    product.photo_errors = [
        {"url": "https://cdn.example/<b>big</b>.jpg", "error": "The image is larger than 15 MB."},
    ]
    product.save(update_fields=["photo_errors"])
    page = client.get(f"{_p(team, product)}/").text
    assert 'id="photo-errors"' in page and "The image is larger than 15 MB." in page
    assert "https://cdn.example/&lt;b&gt;big&lt;/b&gt;.jpg" in page  # a hostile link stays text


def test_a_viewer_cannot_write(client, team, product, queued):
    team.login(client, "viewer")
    base = _p(team, product)
    assert (
        client.post(
            f"{_w(team)}/products/import/", {"links": "https://shop.example.com/p"}
        ).status_code
        == 403
    )
    assert client.post(f"{base}/edit/", {"title": "Hacked"}).status_code == 403
    assert client.post(f"{base}/price/", {"choice": "29.00"}).status_code == 403
    photo = SimpleUploadedFile("a.png", _png((0, 0, 200)), content_type="image/png")
    assert client.post(f"{base}/photos/", {"photos": [photo]}).status_code == 403
    assert client.post(f"{base}/read-again/").status_code == 403
    product.refresh_from_db()
    assert product.title == "Blue mug" and product.price_unconfirmed and product.images.count() == 1
    assert not ImportBatch.objects.exists() and not queued


def test_an_outsider_gets_404_everywhere(client, team, product):
    team.login(client, "outsider")
    base = _p(team, product)
    image = product.images.get()
    for url in (f"{_w(team)}/products/", f"{base}/", f"{base}/photos/{image.id}/"):
        assert client.get(url).status_code == 404, url
    for url in (
        f"{base}/edit/",
        f"{base}/price/",
        f"{base}/photos/",
        f"{base}/read-again/",
        f"{_w(team)}/products/import/",
    ):
        assert (
            client.post(
                url, {"title": "x", "choice": "shown", "links": "https://a.example/"}
            ).status_code
            == 404
        ), url
    product.refresh_from_db()
    assert product.title == "Blue mug" and product.price_unconfirmed


def test_another_workspaces_product_is_404_from_my_own_workspace(client, team):
    theirs = ProductFactory(workspace=team.outsider_workspace, title="Rival mug")
    team.login(client, "owner")
    assert client.get(f"{_w(team)}/products/{theirs.id}/").status_code == 404
    assert client.post(f"{_w(team)}/products/{theirs.id}/edit/", {"title": "x"}).status_code == 404
    assert "Rival mug" not in client.get(f"{_w(team)}/products/").text


def test_wrong_methods_are_refused(client, team, product):
    team.login(client, "owner")
    base = _p(team, product)
    assert client.post(f"{_w(team)}/products/").status_code == 405
    assert client.get(f"{_w(team)}/products/import/").status_code == 405
    assert client.post(f"{base}/").status_code == 405
    assert client.post(f"{base}/status/").status_code == 405
    for url in (f"{base}/edit/", f"{base}/price/", f"{base}/photos/", f"{base}/read-again/"):
        assert client.get(url).status_code == 405, url
    assert client.post(f"{base}/photos/{product.images.get().id}/").status_code == 405


def test_anonymous_visitors_are_sent_to_sign_in(client, team, product):
    for url in (
        f"{_w(team)}/products/",
        f"{_p(team, product)}/",
        f"{_p(team, product)}/photos/{product.images.get().id}/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# ------------------------------------------------------------------ pasting links


def test_pasting_links_makes_one_import_and_shows_each_row(client, team, queued):
    team.login(client, "editor")
    links = "https://shop.example.com/a\n\n  https://shop.example.com/b  \nnot a link\n"
    response = client.post(f"{_w(team)}/products/import/", {"links": links})
    batch = ImportBatch.objects.get(workspace=team.workspace)
    assert (
        response.status_code == 302
        and response["Location"] == f"{_w(team)}/products/imports/{batch.id}/"
    )
    assert [r.url for r in batch.rows.order_by("position")] == [
        "https://shop.example.com/a",
        "https://shop.example.com/b",
        "not a link",
    ]
    page = client.get(response["Location"])
    assert (
        page.status_code == 200 and "Reading 1 of 3" in page.text
    )  # the bad link is skipped at once
    assert "Not a web link" in page.text
    assert "HX-Request" in page["Vary"] and ">Refresh</a>" in page.text
    # htmx's poll of the page gets the rows alone, never cached, polling on while it runs
    fragment = client.get(response["Location"], headers=HX)
    assert fragment.status_code == 200 and fragment["Cache-Control"] == "no-store"
    assert fragment.text.lstrip().startswith('<div id="import-rows"')
    assert 'data-finished="0"' in fragment.text and "<html" not in fragment.text
    assert f'hx-get="{response["Location"]}" hx-trigger="every 2.5s' in fragment.text
    assert "HX-Trigger" not in fragment  # the list refreshes itself only once the import ends


def test_pasting_nothing_says_what_to_do(client, team, queued):
    team.login(client, "owner")
    response = client.post(f"{_w(team)}/products/import/", {"links": "  \n "}, follow=True)
    assert "Paste at least one product link" in response.text and not ImportBatch.objects.exists()


def test_a_failed_import_row_links_to_complete_by_hand(client, team, queued):
    from products.models import ImportBatchRow

    team.login(client, "owner")
    client.post(f"{_w(team)}/products/import/", {"links": "https://shop.example.com/a"})
    batch = ImportBatch.objects.get()
    failed = ProductFactory(
        workspace=team.workspace,
        title="",
        status=Product.Status.FAILED,
        error="The page could not be found (404).",
    )
    ImportBatchRow.objects.filter(batch=batch).update(
        state="done", outcome="failed", product=failed, message="The page could not be found (404)."
    )
    ImportBatch.objects.filter(id=batch.id).update(state="done", done=1, failed=1)
    ended = client.get(f"{_w(team)}/products/imports/{batch.id}/", headers=HX)
    fragment = ended.text
    assert 'data-finished="1"' in fragment and "Complete by hand" in fragment
    # the end state carries no poll (and no Refresh link), and tells the page it has ended
    assert (
        "hx-trigger" not in fragment and "hx-get" not in fragment and "Refresh</a>" not in fragment
    )
    assert ended["HX-Trigger"] == "products-imported"
    assert f"/products/{failed.id}/#complete" in fragment
    page = client.get(f"{_w(team)}/products/{failed.id}/").text
    assert "Complete by hand</h2>" in page and "404" in page


# ------------------------------------------------------------------ editing facts


def test_editing_a_fact_saves_it_and_marks_it_set_by_hand(client, team, product):
    team.login(client, "editor")
    form = {
        "title": "Blue mug",
        "price": "26.50",
        "regular_price": "",
        "currency": "USD",
        "brand": "",
        "vertical": "home",
        "features": "Holds 300 ml\nDishwasher safe",
        "description": "",
        "source_url": product.source_url,
    }
    response = client.post(f"{_p(team, product)}/edit/", form)
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.price == Decimal("26.50") and product.features == [
        "Holds 300 ml",
        "Dishwasher safe",
    ]
    assert set(product.edited_fields) == {"price", "features"}
    page = client.get(f"{_p(team, product)}/").text
    assert page.count("set by you</span></dt>") == 2 and "Check the price" not in page
    assert "Price confirmed by editor@example.com" in page


def test_a_bad_value_comes_back_on_its_field_with_everything_typed_kept(client, team, product):
    team.login(client, "owner")
    form = {"title": "A better title", "price": "twelve", "features": "Typed feature"}
    response = client.post(f"{_p(team, product)}/edit/", form)
    assert response.status_code == 400
    assert (
        'id="price-error"' in response.text
        and 'aria-invalid="true" aria-describedby="price-error"' in response.text
    )
    assert 'value="A better title"' in response.text and "Typed feature</textarea>" in response.text
    product.refresh_from_db()
    assert product.title == "Blue mug" and product.price == Decimal("24.00")


def test_make_ad_links_to_the_studio_with_the_product_once_its_price_is_sure(client, team, product):
    team.login(client, "owner")
    link = f'href="/app/w/{team.workspace.id}/?product={product.id}"'
    page = client.get(f"{_p(team, product)}/").text
    assert link not in page and "Confirm the price below to make an ad." in page
    Product.objects.filter(id=product.id).update(price_needs_confirmation=False)
    assert link in client.get(f"{_p(team, product)}/").text


# ------------------------------------------------------------------ the price check


def test_confirming_a_candidate_sets_that_price(client, team, product):
    team.login(client, "editor")
    page = client.get(f"{_p(team, product)}/").text
    assert "29.00 USD" in page and "the markup&#x27;s price" in page and "Save $5.00" in page
    response = client.post(f"{_p(team, product)}/price/", {"choice": "29.00"})
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.price == Decimal("29.00") and not product.price_unconfirmed
    assert product.price_confirmed_by == "editor@example.com"


def test_confirming_the_shown_price_or_typing_one(client, team, product):
    team.login(client, "owner")
    client.post(f"{_p(team, product)}/price/", {"choice": "shown"})
    product.refresh_from_db()
    assert product.price == Decimal("24.00") and not product.price_unconfirmed
    Product.objects.filter(id=product.id).update(price_confirmed_at=None)
    client.post(f"{_p(team, product)}/price/", {"choice": "other", "other": "22,90"})
    product.refresh_from_db()
    assert product.price == Decimal("22.90") and not product.price_unconfirmed


@pytest.mark.parametrize(
    "form",
    [
        {"choice": "other", "other": "abc"},
        {"choice": "other", "other": ""},
        {"choice": "-5"},
        {"choice": "NaN"},
        {"choice": "sNaN"},
        {"choice": "other", "other": "Infinity"},
        {"choice": "1e40"},
        {},
    ],
)
def test_a_bad_price_is_refused_with_a_message(client, team, product, form):
    team.login(client, "owner")
    response = client.post(f"{_p(team, product)}/price/", form, follow=True)
    assert response.status_code == 200
    assert any(
        word in response.text
        for word in ("must be a number", "out of range", "Choose the right price")
    )
    product.refresh_from_db()
    assert product.price == Decimal("24.00") and product.price_unconfirmed


# ------------------------------------------------------------------ photos


def test_uploading_a_photo_adds_it(client, team, product):
    team.login(client, "editor")
    photo = SimpleUploadedFile("mine.png", _png((0, 0, 200)), content_type="image/png")
    response = client.post(f"{_p(team, product)}/photos/", {"photos": [photo]}, follow=True)
    assert "1 photo added." in response.text
    assert product.images.count() == 2


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("evil.png", b"<script>alert(1)</script>"),
        ("bomb.png", None),
        ("empty.jpg", b""),
    ],
)
def test_a_hostile_upload_is_refused_by_name_and_nothing_is_lost(client, team, product, name, body):
    if body is None:
        buffer = io.BytesIO()
        Image.new("1", (30000, 30000)).save(buffer, format="PNG")
        body = buffer.getvalue()
    team.login(client, "owner")
    photo = SimpleUploadedFile(name, body, content_type="image/png")
    response = client.post(f"{_p(team, product)}/photos/", {"photos": [photo]}, follow=True)
    assert response.status_code == 200 and name in response.text
    assert product.images.count() == 1


def test_a_too_large_upload_is_refused_before_it_is_read(client, team, product, monkeypatch):
    import products.views as views

    monkeypatch.setattr(views, "MAX_IMAGE_BYTES", 100)
    team.login(client, "owner")
    photo = SimpleUploadedFile("huge.png", _png() + b"\x00" * 200, content_type="image/png")
    response = client.post(f"{_p(team, product)}/photos/", {"photos": [photo]}, follow=True)
    assert "huge.png is larger than" in response.text and product.images.count() == 1


def test_a_photo_is_served_to_members_privately(client, team, product):
    team.login(client, "viewer")
    response = client.get(f"{_p(team, product)}/photos/{product.images.get().id}/")
    assert response.status_code == 200 and response["Cache-Control"] == "private, max-age=3600"
    assert b"".join(response.streaming_content)[:4] == b"\x89PNG"


# ------------------------------------------------------------------ reading the page again


def test_read_again_queues_the_import(client, team, product, queued):
    team.login(client, "owner")
    response = client.post(f"{_p(team, product)}/read-again/")
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.status == Product.Status.PENDING and queued == [
        ("products.import_product", str(product.id))
    ]


def test_a_product_read_without_a_price_asks_to_be_completed(client, team, queued):
    from products.models import ImportBatchRow

    team.login(client, "owner")
    client.post(f"{_w(team)}/products/import/", {"links": "https://shop.example.com/a"})
    batch = ImportBatch.objects.get()
    read = ProductFactory(workspace=team.workspace, title="Lamp", price=None)
    ImportBatchRow.objects.filter(batch=batch).update(
        state="done", outcome="imported", product=read
    )
    ImportBatch.objects.filter(id=batch.id).update(state="done", done=1)
    fragment = client.get(f"{_w(team)}/products/imports/{batch.id}/", headers=HX).text
    assert "Needs completing" in fragment and f"/products/{read.id}/#complete" in fragment
    page = client.get(f"{_w(team)}/products/{read.id}/").text
    assert "The page did not give a price or a photo" in page and "Complete by hand</h2>" in page
    assert f"?product={read.id}" not in page  # no "Make ad" before it is complete
    assert "Ready</span>" not in page and "Needs completing</span>" in page


def test_a_product_being_read_polls_its_state_until_done(client, team, product):
    team.login(client, "viewer")
    Product.objects.filter(id=product.id).update(status=Product.Status.PENDING)
    page = client.get(f"{_p(team, product)}/").text
    assert f"{_p(team, product)}/status/" in page and "being read" in page
    fragment = client.get(f"{_p(team, product)}/status/", headers=HX)
    assert fragment.status_code == 200 and 'data-pending="1"' in fragment.text
    assert fragment["Cache-Control"] == "no-store" and 'hx-trigger="every 2.5s' in fragment.text
    assert "HX-Refresh" not in fragment
    Product.objects.filter(id=product.id).update(status=Product.Status.IMPORTED)
    read = client.get(f"{_p(team, product)}/status/", headers=HX)
    # read: no poll any more, and htmx reloads the page (everything on it changed)
    assert 'data-pending="0"' in read.text and "hx-trigger" not in read.text
    assert read["HX-Refresh"] == "true"
    assert 'data-pending="0"' in client.get(f"{_p(team, product)}/status/").text
    assert f"{_p(team, product)}/status/" not in client.get(f"{_p(team, product)}/").text
    team.login(client, "outsider")
    assert client.get(f"{_p(team, product)}/status/").status_code == 404


def test_behind_the_web_server_a_photo_is_handed_over_with_x_accel_redirect(
    client, team, product, settings
):
    settings.SHOPREEL_MEDIA_ACCEL_REDIRECT = "/protected/"
    team.login(client, "owner")
    image = product.images.get()
    response = client.get(f"{_p(team, product)}/photos/{image.id}/")
    assert (
        response.status_code == 200
        and response["X-Accel-Redirect"] == f"/protected/{image.file.name}"
    )


def test_completing_a_failed_product_by_hand_with_its_photo_in_one_form(client, team):
    failed = ProductFactory(
        workspace=team.workspace,
        title="",
        status=Product.Status.FAILED,
        error="The page could not be found (404).",
    )
    team.login(client, "editor")
    page = client.get(f"{_w(team)}/products/{failed.id}/").text
    assert 'enctype="multipart/form-data"' in page and 'id="id_complete_photos"' in page
    form = {
        "title": "Walnut tray",
        "price": "39",
        "currency": "EUR",
        "vertical": "home",
        "features": "Oiled walnut",
    }
    bad = SimpleUploadedFile("tray.png", b"not a picture", content_type="image/png")
    response = client.post(f"{_w(team)}/products/{failed.id}/edit/", {**form, "photos": [bad]})
    assert (
        response.status_code == 400
        and 'id="photos-error"' in response.text
        and "tray.png" in response.text
    )
    assert 'value="Walnut tray"' in response.text  # what was typed is kept
    failed.refresh_from_db()
    assert failed.status == Product.Status.FAILED and failed.title == ""
    good = SimpleUploadedFile("tray.png", _png((120, 80, 40)), content_type="image/png")
    response = client.post(f"{_w(team)}/products/{failed.id}/edit/", {**form, "photos": [good]})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == Product.Status.IMPORTED, failed.error
    assert failed.title == "Walnut tray" and failed.images.count() == 1
    assert {"title", "price", "currency", "features"} <= set(failed.edited_fields)


def test_times_read_in_the_workspaces_time_zone(client, team, product):
    import datetime

    confirmed = datetime.datetime(2026, 12, 6, 23, 30, tzinfo=datetime.UTC)
    Product.objects.filter(id=product.id).update(
        price_confirmed_at=confirmed, price_confirmed_by="lin"
    )
    team.workspace.timezone = "Asia/Tokyo"
    team.workspace.save()
    team.login(client, "owner")
    assert "on 7 Dec 2026, 08:30" in client.get(f"{_p(team, product)}/").text


def test_an_amount_typed_wins_over_the_preselected_choice(client, team, product):
    """Without JavaScript, typing an amount does not move the radio off "the price we picked"."""
    team.login(client, "owner")
    client.post(f"{_p(team, product)}/price/", {"choice": "shown", "other": "21.00"})
    product.refresh_from_db()
    assert product.price == Decimal("21.00") and not product.price_unconfirmed


# ------------------------------------------------------------------ the list: search, state, pages


def _many(team, count: int, **fields) -> list[Product]:
    made = []
    for _ in range(count):
        product = ProductFactory(workspace=team.workspace, price=Decimal("9.00"), **fields)
        image = ProductImage(
            workspace=team.workspace, product=product, position=0, width=64, height=64
        )
        image.file.save("image-00.jpg", io.BytesIO(_png()), save=False)
        image.save()
        made.append(product)
    return made


def test_the_list_is_paged_and_the_page_links_keep_the_search(client, team):
    _many(team, 30, brand="Northwind")
    ProductFactory(workspace=team.outsider_workspace, title="Rival 1", brand="Northwind")
    team.login(client, "viewer")
    first = client.get(f"{_w(team)}/products/").text
    assert "30 products" in first and first.count('<tr data-product="') == 24
    assert "Page 1 of 2" in first and 'href="?page=2"' in first and "Rival" not in first
    found = client.get(f"{_w(team)}/products/", {"q": "northwind", "page": "2"}).text
    assert found.count('<tr data-product="') == 6 and "Page 2 of 2" in found
    assert 'href="?q=northwind&amp;page=1"' in found and "Rival" not in found
    # a page out of range shows the last one; a bad one the first
    assert "Page 2 of 2" in client.get(f"{_w(team)}/products/", {"page": "99"}).text
    assert "Page 1 of 2" in client.get(f"{_w(team)}/products/", {"page": "x"}).text


def test_the_search_reads_title_brand_and_link_and_the_state_filter(client, team, product):
    ProductFactory(workspace=team.workspace, title="Lamp", brand="Aurora", price=Decimal("5"))
    ProductFactory(
        workspace=team.workspace, title="Vase", source_url="https://pots.example/tall-vase"
    )
    ProductFactory(workspace=team.workspace, title="", status=Product.Status.FAILED)
    ProductFactory(workspace=team.workspace, title="Chair", status=Product.Status.PENDING)
    team.login(client, "editor")

    def titles(**query) -> list[str]:
        from html import unescape
        from re import findall

        text = client.get(f"{_w(team)}/products/", query).text
        return sorted(unescape(t) for t in findall(r'<td class="title"><a [^>]+>([^<]+)</a>', text))

    assert titles(q="AURORA") == ["Lamp"]  # the brand, any case
    assert titles(q="pots.example") == ["Vase"]  # the link
    assert titles(q="blue") == ["Blue mug"]  # the title
    assert titles(state="ready") == ["Blue mug", "Lamp"]
    assert titles(state="incomplete") == ["Vase"]  # read without a price
    assert titles(state="failed") == ["Untitled product"]
    assert titles(state="reading") == ["Chair"]
    assert titles(state="nonsense") == titles()  # an unknown state filters nothing
    assert titles(q="lamp", state="failed") == []
    assert "No products match." in client.get(f"{_w(team)}/products/", {"q": "zebra"}).text


def test_an_htmx_search_gets_the_results_alone_and_a_plain_one_the_page(client, team, product):
    team.login(client, "viewer")
    page = client.get(f"{_w(team)}/products/", {"q": "mug"})
    assert "<html" in page.text and 'role="search"' in page.text and "HX-Request" in page["Vary"]
    assert 'hx-get="/app/w/' in page.text and 'hx-target="#product-results"' in page.text
    results = client.get(f"{_w(team)}/products/", {"q": "mug"}, headers=HX)
    assert results.status_code == 200 and "<html" not in results.text
    assert results.text.lstrip().startswith('<div id="product-results"')
    assert "Blue mug" in results.text and 'role="search"' not in results.text
    assert "HX-Request" in results["Vary"] and results["Cache-Control"] == "no-store"
    # the results fetch themselves again (this same search) when an import ends
    assert (
        f'hx-get="{_w(team)}/products/?q=mug" hx-trigger="products-imported from:body"'
        in results.text
    )
    assert 'value="mug"' in page.text


def test_the_list_and_its_results_are_scoped_and_get_only(client, team, product):
    team.login(client, "outsider")
    assert client.get(f"{_w(team)}/products/", {"q": "mug"}, headers=HX).status_code == 404
    team.login(client, "owner")
    assert client.post(f"{_w(team)}/products/", {"q": "mug"}, headers=HX).status_code == 405
    mine = client.get(f"/app/w/{team.outsider_workspace.id}/products/", headers=HX)
    assert mine.status_code == 404


def test_the_list_reads_a_fixed_number_of_queries(client, team, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _many(team, 2)
    team.login(client, "viewer")
    client.get(f"{_w(team)}/products/")  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"{_w(team)}/products/").text.count('<tr data-product="') == 2
    _many(team, 40)
    with django_assert_num_queries(len(few.captured_queries)):
        text = client.get(f"{_w(team)}/products/", {"q": "Product"}).text
    assert text.count('<tr data-product="') == 24
    with django_assert_num_queries(len(few.captured_queries)):
        assert (
            client.get(f"{_w(team)}/products/", {"page": "2"}).text.count('<tr data-product="')
            == 18
        )


# ------------------------------------------------------------------ pasting links in place (htmx)


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_links_pasted_in_place_answer_the_form_and_the_live_rows(client, team, queued, who):
    team.login(client, who)
    response = client.post(
        f"{_w(team)}/products/import/", {"links": "https://shop.example.com/a"}, headers=HX
    )
    batch = ImportBatch.objects.get(workspace=team.workspace)
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.lstrip().startswith('<div id="import-box"')
    assert (
        "Product links</label>" in response.text
        and "https://shop.example.com/a</textarea>" not in response.text
    )
    assert 'id="import-rows"' in response.text and "Waiting" in response.text
    assert (
        f'hx-get="{_w(team)}/products/imports/{batch.id}/" hx-trigger="every 2.5s' in response.text
    )
    assert [r.url for r in batch.rows.all()] == ["https://shop.example.com/a"]


def test_nothing_pasted_in_place_comes_back_on_the_field(client, team, queued):
    team.login(client, "editor")
    response = client.post(f"{_w(team)}/products/import/", {"links": "  \n "}, headers=HX)
    assert response.status_code == 400 and "<html" not in response.text
    assert 'aria-invalid="true"' in response.text and 'id="links-error"' in response.text
    assert "Paste at least one product link" in response.text
    assert not ImportBatch.objects.exists() and not queued


def test_too_many_links_pasted_in_place_come_back_on_the_field(client, team, queued, settings):
    settings.SHOPREEL_CATALOG_MAX_ROWS = 2
    team.login(client, "owner")
    links = "https://a.example/1\nhttps://a.example/2\nhttps://a.example/3"
    response = client.post(f"{_w(team)}/products/import/", {"links": links}, headers=HX)
    assert response.status_code == 400 and "<html" not in response.text
    assert "Send between 1 and 2 links." in response.text and 'aria-invalid="true"' in response.text
    assert "https://a.example/3</textarea>" in response.text  # what was pasted is kept
    assert not ImportBatch.objects.exists() and not queued


def test_links_pasted_in_place_keep_the_tenant_rules(client, team, queued):
    url = f"{_w(team)}/products/import/"
    team.login(client, "viewer")
    assert client.post(url, {"links": "https://a.example/"}, headers=HX).status_code == 403
    team.login(client, "outsider")
    assert client.post(url, {"links": "https://a.example/"}, headers=HX).status_code == 404
    team.login(client, "owner")
    assert client.get(url, headers=HX).status_code == 405
    assert not ImportBatch.objects.exists() and not queued
