"""Facts set by hand on the studio's product page (``product_facts_edit``): checked, recorded
as the merchant's, kept when the page is read again; the merchant's own photos
(``product_photos_upload``): checked like scraped ones, a bad file refused by name with nothing
lost, and kept when the page is read again."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from PIL import Image

from core.errors import InvalidInput
from products.models import Product, ProductImage
from products.scraping.types import ExtractedProduct
from products.services import product_apply_extracted
from products.services.manual import product_facts_edit, product_photos_upload
from products.services.photos import product_images_download
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _png(color=(200, 30, 30), size=(64, 64), pattern=0) -> bytes:
    """A small photo; another ``pattern`` draws another shape (photos that hash apart)."""
    image = Image.new("RGB", size, (255, 255, 255))
    box = [(16, 16, 48, 48), (0, 0, 32, 64), (0, 0, 64, 20)][pattern % 3]
    image.paste(color, box)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _page(**overrides) -> ExtractedProduct:
    data = {
        "url": "https://shop.example.com/p/1",
        "title": "Scraped title",
        "price": Decimal("30.00"),
        "currency": "USD",
        "features": ["Scraped feature"],
        "vertical": "home",
        "price_evidence": {"source": "markup", "confidence": 0.4, "rejected": []},
        "price_needs_confirmation": True,
    }
    return ExtractedProduct(**{**data, **overrides})


@pytest.fixture
def product(workspace) -> Product:
    return ProductFactory(
        workspace=workspace,
        title="Blue mug",
        price=Decimal("12.00"),
        currency="EUR",
        features=["Holds 300 ml"],
        vertical="home",
    )


def test_an_edit_changes_only_what_changed_and_records_it(product):
    product_facts_edit(
        product=product,
        by="lin@shop.example",
        title="Blue mug",
        price="14,50",
        features="Holds 300 ml\n  Dishwasher safe  \n\n",
    )
    product.refresh_from_db()
    assert product.price == Decimal("14.50")
    assert product.features == ["Holds 300 ml", "Dishwasher safe"]
    assert set(product.edited_fields) == {"price", "features"}  # the title did not change
    assert product.edited_fields["price"]["by"] == "lin@shop.example"


def test_a_price_set_by_hand_needs_no_confirming(product):
    Product.objects.filter(id=product.id).update(price_needs_confirmation=True)
    product.refresh_from_db()
    assert product.price_unconfirmed
    product_facts_edit(product=product, by="lin@shop.example", price="19.00")
    product.refresh_from_db()
    assert not product.price_unconfirmed and product.price_confirmed_by == "lin@shop.example"


def test_reading_the_page_again_keeps_the_facts_set_by_hand(product):
    product_facts_edit(product=product, by="lin", price="14.50", title="My own title")
    product.refresh_from_db()
    product_apply_extracted(product=product, extracted=_page())
    product.refresh_from_db()
    assert product.title == "My own title" and product.price == Decimal("14.50")
    assert not product.price_unconfirmed  # the merchant's price stays confirmed
    assert product.features == ["Scraped feature"]  # not edited: read again


def test_without_edits_reading_the_page_again_replaces_the_facts(product):
    product_apply_extracted(product=product, extracted=_page())
    product.refresh_from_db()
    assert (
        product.title == "Scraped title"
        and product.price == Decimal("30.00")
        and product.price_unconfirmed
    )


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({"price": "abc"}, "price"),
        ({"price": "-3"}, "price"),
        ({"price": "NaN"}, "price"),
        ({"price": "sNaN"}, "price"),
        ({"price": "Infinity"}, "price"),
        ({"regular_price": "-inf"}, "regular_price"),
        ({"price": ""}, "price"),
        ({"regular_price": "5.00"}, "regular_price"),  # not above the price
        ({"currency": "E1!"}, "currency"),
        ({"title": "   "}, "title"),
        ({"vertical": "weapons"}, "vertical"),
        ({"source_url": "javascript:alert(1)"}, "source_url"),
        ({"source_url": "file:///etc/passwd"}, "source_url"),
        ({"features": "\n".join(f"feature {i}" for i in range(9))}, "features"),
        ({"features": "x" * 201}, "features"),
        ({"brand": "b" * 121}, "brand"),
    ],
)
def test_a_bad_value_is_refused_on_its_field_and_nothing_changes(product, facts, field):
    with pytest.raises(InvalidInput) as caught:
        product_facts_edit(product=product, by="lin", **{"title": "Changed too", **facts})
    assert caught.value.detail["field"] == field
    product.refresh_from_db()
    assert (
        product.title == "Blue mug"
        and product.price == Decimal("12.00")
        and product.edited_fields == {}
    )


def test_nul_bytes_never_reach_the_database(product):
    product_facts_edit(product=product, by="lin", title="Blue\x00 mug\x00 XL", description="a\x00b")
    product.refresh_from_db()
    assert product.title == "Blue mug XL" and product.description == "ab"


def test_a_price_needs_its_currency(workspace):
    product = ProductFactory(workspace=workspace, title="Tray", price=None, currency="")
    with pytest.raises(InvalidInput) as caught:
        product_facts_edit(product=product, by="lin", price="39", currency="")
    assert caught.value.detail["field"] == "currency"
    product_facts_edit(product=product, by="lin", price="39", currency="eur")
    product.refresh_from_db()
    assert (product.price, product.currency) == (Decimal("39.00"), "EUR")


def test_a_product_being_read_is_not_edited(product):
    Product.objects.filter(id=product.id).update(status=Product.Status.PENDING)
    product.refresh_from_db()
    with pytest.raises(Exception, match="being read"):
        product_facts_edit(product=product, by="lin", title="x")


def test_completing_a_partial_product_by_hand_makes_it_ready(workspace):
    product = ProductFactory(
        workspace=workspace,
        title="",
        price=None,
        status=Product.Status.PARTIAL,
        error_code="incomplete",
        error="The product needs a title and a price.",
    )
    product_photos_upload(product=product, files=[("mug.png", _png())])
    product_facts_edit(product=product, by="lin", title="Blue mug", price="12", currency="eur")
    product.refresh_from_db()
    assert product.status == Product.Status.IMPORTED and product.error == ""
    assert product.currency == "EUR"


# ------------------------------------------------------------------ the merchant's own photos


def test_an_uploaded_photo_is_stored_after_the_others(product):
    assert product_photos_upload(product=product, files=[("a.png", _png())]) == 1
    assert (
        product_photos_upload(product=product, files=[("b.png", _png((20, 20, 200), pattern=1))])
        == 1
    )
    images = list(product.images.order_by("position"))
    assert [i.position for i in images] == [0, 1] and all(i.source_url == "" for i in images)


def test_the_same_photo_twice_is_kept_once(product):
    product_photos_upload(product=product, files=[("a.png", _png())])
    assert product_photos_upload(product=product, files=[("again.png", _png())]) == 0
    assert product.images.count() == 1


def _bomb() -> bytes:
    """A PNG whose header claims 30000 x 30000 pixels (900 megapixels)."""
    buffer = io.BytesIO()
    Image.new("1", (30000, 30000)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"%PDF-1.4 not a photo", "not an image"),
        (b"", "empty"),
        (b"GIF89a" + b"\x00" * 40, "not an image"),
        (_png()[:60], "damaged"),  # a truncated file
    ],
)
def test_a_bad_file_is_refused_by_name_and_nothing_is_lost(product, body, words):
    product_photos_upload(product=product, files=[("good.png", _png())])
    with pytest.raises(InvalidInput) as caught:
        product_photos_upload(
            product=product, files=[("fine.png", _png((0, 150, 0), pattern=1)), ("evil.jpg", body)]
        )
    assert "evil.jpg" in caught.value.message and words in caught.value.message.lower()
    assert product.images.count() == 1  # neither file of the refused upload was stored


def test_a_decompression_bomb_is_refused_before_decoding(product):
    with pytest.raises(InvalidInput) as caught:
        product_photos_upload(product=product, files=[("bomb.png", _bomb())])
    assert "bomb.png" in caught.value.message
    assert not product.images.exists()


def test_more_photos_than_a_product_keeps_are_refused(product, settings):
    settings.SHOPREEL_MAX_IMAGES = 1
    with pytest.raises(InvalidInput, match="at most 1"):
        product_photos_upload(
            product=product, files=[("a.png", _png()), ("b.png", _png((0, 0, 200), pattern=2))]
        )
    assert not product.images.exists()


def test_reading_the_page_again_keeps_the_merchants_own_photos(product):
    product_photos_upload(product=product, files=[("mine.png", _png())])
    ProductImage.objects.create(
        workspace=product.workspace,
        product=product,
        position=1,
        source_url="https://shop.example.com/old.jpg",
        file="p/old.jpg",
        width=9,
        height=9,
    )
    product_images_download(product=product, urls=[], fetcher=None)  # a re-read finding no photo
    assert list(product.images.values_list("source_url", flat=True)) == [""]


def test_a_real_re_read_of_the_page_keeps_the_edits_and_the_uploads(workspace):
    """Through the scraper: the page served on loopback, read, edited by hand, read again."""
    from products.services import fetcher_build, product_scrape
    from tests.servers import serve

    page = b"""<html><head><script type="application/ld+json">{"@type": "Product", "name": "Walnut Tray",
    "image": "/tray.png", "offers": {"@type": "Offer", "price": "39.00", "priceCurrency": "EUR"}}</script>
    </head><body><h1>Walnut Tray</h1></body></html>"""
    routes = {
        "/p": (200, "text/html", page),
        "/tray.png": (200, "image/png", _png((90, 60, 30), size=(200, 200))),
    }
    with serve(routes) as host:
        product = Product.objects.create(workspace=workspace, source_url=f"http://{host}/p")
        fetcher = fetcher_build(extra_allow_hosts=[host])
        product_scrape(product=product, fetcher=fetcher, browser=False)
        assert product.title == "Walnut Tray" and product.images.count() == 1
        product_facts_edit(product=product, by="lin", title="Oiled walnut tray", price="35.00")
        product_photos_upload(product=product, files=[("mine.png", _png((0, 0, 200), pattern=1))])
        product = Product.objects.get(id=product.id)
        product_scrape(product=product, fetcher=fetcher, browser=False)
    product.refresh_from_db()
    assert product.title == "Oiled walnut tray" and product.price == Decimal("35.00")
    assert product.status == Product.Status.IMPORTED
    assert sorted(bool(url) for url in product.images.values_list("source_url", flat=True)) == [
        False,
        True,
    ]
