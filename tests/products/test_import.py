"""Importing a product from its page: what the merchant sees on the product afterwards."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from core.errors import ApplicationError
from products.models import Product
from products.services import product_import
from tests.servers import serve

pytestmark = pytest.mark.django_db


def _page(images: list[str], title="Trail Bottle 750 ml", price="24.90") -> bytes:
    ld = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": title,
        "brand": {"@type": "Brand", "name": "Northpeak"},
        "image": images,
        "offers": {"@type": "Offer", "price": price, "priceCurrency": "EUR", "availability": "https://schema.org/InStock"},
    }
    return f"""<html lang="en"><head><title>{title}</title>
<script type="application/ld+json">{json.dumps(ld)}</script></head>
<body><h1>{title}</h1></body></html>""".encode()


def _jpeg(colour, size=(800, 800), square=None) -> bytes:
    image = Image.new("RGB", size, (255, 255, 255))
    if square:
        image.paste(colour, square)
    else:
        image.paste(colour, (0, 0, *size))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def test_import_reads_the_page_and_keeps_distinct_photos_main_first(workspace, settings):
    packshot = _jpeg((200, 30, 30), square=(250, 200, 550, 600))
    lifestyle = _jpeg((40, 90, 160))
    routes = {
        "/p": None,
        "/a.jpg": (200, "image/jpeg", packshot),
        "/a-copy.jpg": (200, "image/jpeg", packshot),  # the same photo again
        "/b.jpg": (200, "image/jpeg", lifestyle),
        "/not-an-image.jpg": (200, "image/jpeg", b"<html>oops</html>"),
    }
    with serve(routes) as host:
        base = f"http://{host}"
        routes["/p"] = (200, "text/html; charset=utf-8", _page([f"{base}/a.jpg", f"{base}/a-copy.jpg", f"{base}/not-an-image.jpg", f"{base}/b.jpg"]))
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        product = product_import(workspace=workspace, url=f"{base}/p")

    assert product.status == Product.Status.IMPORTED
    assert product.title == "Trail Bottle 750 ml"
    assert product.brand == "Northpeak"
    assert product.price == Decimal("24.90") and product.currency == "EUR"
    images = list(product.images.order_by("position"))
    assert [image.source_url.rsplit("/", 1)[1] for image in images] == ["a.jpg", "b.jpg"]
    main = images[0]
    assert main.plain_background and main.cutout
    cutout = Image.open(Path(settings.MEDIA_ROOT) / main.cutout.name)
    assert cutout.mode == "RGBA"
    assert cutout.getpixel((5, 5))[3] == 0 and cutout.getpixel((400, 400))[3] == 255
    assert not images[1].plain_background and not images[1].cutout
    assert all(image.workspace_id == workspace.id for image in images)


def test_page_not_found_is_recorded_on_the_product(workspace, settings):
    with serve({}) as host:
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        with pytest.raises(ApplicationError) as caught:
            product_import(workspace=workspace, url=f"http://{host}/gone")
    product = Product.objects.get(workspace=workspace)
    assert product.status == Product.Status.FAILED
    assert "404" in product.error and product.error == caught.value.message


def test_page_without_usable_photo_keeps_what_was_read(workspace, settings):
    routes = {}
    with serve(routes) as host:
        routes["/p"] = (200, "text/html", _page([f"http://{host}/missing.jpg"]))
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        with pytest.raises(ApplicationError, match="No usable product photo"):
            product_import(workspace=workspace, url=f"http://{host}/p")
    product = Product.objects.get(workspace=workspace)
    assert product.status == Product.Status.PARTIAL
    assert product.title == "Trail Bottle 750 ml" and product.price == Decimal("24.90")


def test_a_busy_shop_is_tried_again_but_a_missing_page_is_not(workspace, settings):
    answers = {"/busy": [(503, "text/plain", b"busy"), (503, "text/plain", b"busy")], "/gone": []}
    hits: list[str] = []

    class Routes(dict):
        def get(self, path, default=None):
            hits.append(path)
            queue = answers.get(path)
            if queue:
                return queue.pop(0)
            return super().get(path, default)

    routes = Routes()
    with serve(routes) as host:
        routes["/busy"] = (200, "text/html", _page([f"http://{host}/a.jpg"]))
        routes["/a.jpg"] = (200, "image/jpeg", _jpeg((10, 120, 60), square=(200, 200, 600, 600)))
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        product = product_import(workspace=workspace, url=f"http://{host}/busy")
        assert product.status == Product.Status.IMPORTED
        assert hits.count("/busy") == 3

        with pytest.raises(ApplicationError, match="404"):
            product_import(workspace=workspace, url=f"http://{host}/gone")
        assert hits.count("/gone") == 1


def test_a_page_that_crashes_the_reader_fails_the_product_in_plain_words(workspace, settings, monkeypatch, caplog):
    """Fault injection: a reader bug on some page (e.g. RecursionError from a hostile block) must
    not leave the product pending forever (rescrape would then answer product_busy)."""
    from products.services import importing

    def crash(**_kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    routes = {}
    with serve(routes) as host:
        routes["/p"] = (200, "text/html", _page([f"http://{host}/a.jpg"]))
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        monkeypatch.setattr(importing, "page_extract", crash)
        with pytest.raises(ApplicationError) as caught:
            product_import(workspace=workspace, url=f"http://{host}/p")
    product = Product.objects.get(workspace=workspace)
    assert product.status == Product.Status.FAILED
    assert product.error_code == "scrape_crashed" == caught.value.code
    assert "Enter the product by hand" in product.error and "Recursion" not in product.error
    assert any(record.exc_info for record in caplog.records if record.message == "product read crashed")
