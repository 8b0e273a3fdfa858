"""The manual path, completing a partial product, the browser fallback through the import,
and catalogue import (CSV of links, Google Merchant XML and TSV feeds)."""

from __future__ import annotations

import gzip
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from core.errors import ApplicationError
from products.models import ImportBatch, Product
from products.scraping.browser import CHROMIUM_PATH
from products.services import (
    catalog_import,
    product_complete,
    product_create_manual,
    product_import,
)
from tests.products.test_import import _jpeg, _page
from tests.servers import serve

pytestmark = pytest.mark.django_db


def test_manual_product_needs_no_page_and_validates_uploaded_photos(workspace):
    product = product_create_manual(
        workspace=workspace, title="  Desk Lamp  Arc ", price="49.9", currency="eur",
        images=[_jpeg((30, 30, 200), square=(200, 200, 600, 600)), b"not an image"],
    )
    assert product.status == Product.Status.IMPORTED and product.fetched_with == "manual"
    assert product.title == "Desk Lamp Arc" and product.price == Decimal("49.90") and product.currency == "EUR"
    assert product.images.count() == 1 and product.images.get().plain_background
    assert product.vertical == "home"


def test_manual_product_without_photo_is_partial_and_completed_by_hand(workspace, settings):
    product = product_create_manual(workspace=workspace, title="Wool Scarf", price=None, currency="")
    assert product.status == Product.Status.PARTIAL and "a price and a photo" in product.error
    routes = {}
    with serve(routes) as host:
        routes["/scarf.jpg"] = (200, "image/jpeg", _jpeg((160, 30, 30)))
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        product = product_complete(product=product, price="35", currency="GBP",
                                   images=[f"http://{host}/scarf.jpg", "http://127.0.0.1:1/private.jpg"])
    assert product.status == Product.Status.IMPORTED and product.error == ""
    assert product.price == Decimal("35.00") and product.images.count() == 1


def test_manual_photo_urls_still_pass_the_address_checks(workspace):
    product = product_create_manual(workspace=workspace, title="Mug", price="9", currency="USD",
                                    images=["http://169.254.169.254/latest/meta-data/x.jpg"])
    assert product.status == Product.Status.PARTIAL and product.error_code == "no_image"


def test_manual_refuses_bad_price_and_currency(workspace):
    with pytest.raises(ApplicationError, match="number"):
        product_create_manual(workspace=workspace, title="Mug", price="nine", currency="USD")
    with pytest.raises(ApplicationError, match="currency"):
        product_create_manual(workspace=workspace, title="Mug", price="9", currency="ZZZZ")


@pytest.mark.parametrize("vertical", ["../../etc", "Garden gnomes", "apparel/../x"])
def test_a_typed_vertical_must_be_a_known_one(workspace, vertical):
    """The vertical picks templates and names adapter folders: only the known ones pass."""
    with pytest.raises(ApplicationError, match="vertical must be one of apparel") as info:
        product_create_manual(workspace=workspace, title="Mug", price="9", currency="USD", vertical=vertical)
    assert info.value.detail == {"field": "vertical"}
    assert not Product.objects.filter(workspace=workspace).exists()
    product = product_create_manual(workspace=workspace, title="Mug", price="9", currency="USD", vertical=" Home ")
    assert product.vertical == "home"
    with pytest.raises(ApplicationError, match="vertical must be one of"):
        product_complete(product=product, vertical=vertical)
    product.refresh_from_db()
    assert product.vertical == "home"


def test_import_reading_a_partial_page_completes_by_hand(workspace, settings):
    routes = {}
    with serve(routes) as host:
        routes["/p"] = (200, "text/html", _page([f"http://{host}/missing.jpg"]))
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        with pytest.raises(ApplicationError):
            product_import(workspace=workspace, url=f"http://{host}/p")
        product = Product.objects.get(workspace=workspace)
        assert product.status == Product.Status.PARTIAL and product.fetched_with == "http"
        product = product_complete(product=product, images=[_jpeg((0, 120, 60))])
    assert product.status == Product.Status.IMPORTED


@pytest.mark.skipif(not Path(CHROMIUM_PATH).exists(), reason="no Chromium")
def test_import_falls_back_to_the_browser_only_when_the_page_lacks_the_product(workspace, settings):
    shell = b"<html><head><title>Shop</title></head><body><div id=app></div><script src=/app.js></script></body></html>"
    script = b"""document.getElementById('app').innerHTML = '<h1>Glass Vase</h1>' +
      '<div class="product-price">$24.00</div><img class="product-image" src="/vase.jpg">';"""
    routes = {"/shell": (200, "text/html", shell), "/app.js": (200, "application/javascript", script),
              "/vase.jpg": (200, "image/jpeg", _jpeg((20, 140, 200), square=(250, 150, 550, 650)))}
    with serve(routes) as host:
        routes["/static"] = (200, "text/html", _page([f"http://{host}/vase.jpg"]))
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        rendered = product_import(workspace=workspace, url=f"http://{host}/shell")
        static = product_import(workspace=workspace, url=f"http://{host}/static")
    assert rendered.fetched_with == "browser" and rendered.title == "Glass Vase"
    assert rendered.price == Decimal("24.00") and rendered.images.count() == 1
    assert static.fetched_with == "http"


def _feed_xml(host: str) -> bytes:
    return f"""<?xml version="1.0"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel><title>Shop</title>
<item><g:id>SKU-1</g:id><title>Cotton Tee</title><link>https://shop.example/tee</link>
<g:price>25.00 EUR</g:price><g:sale_price>19.00 EUR</g:sale_price>
<g:image_link>http://{host}/tee.jpg</g:image_link><g:brand>Basics</g:brand>
<g:availability>in stock</g:availability><g:size>M</g:size><g:color>White</g:color>
<g:product_type>Apparel &gt; Tops</g:product_type></item>
<item><g:id>SKU-2</g:id><title>No Photo Candle</title><g:price>12.00 EUR</g:price></item>
<item><g:id>SKU-3</g:id><g:price>1 EUR</g:price></item>
</channel></rss>""".encode()


def test_merchant_xml_feed_creates_products_and_reports_each_row(workspace, settings):
    routes = {}
    with serve(routes) as host:
        routes["/tee.jpg"] = (200, "image/jpeg", _jpeg((240, 240, 240), square=(300, 200, 500, 600)))
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        outcomes = catalog_import(workspace=workspace, data=_feed_xml(host))
    assert [(o.row, o.status) for o in outcomes] == [(1, "imported"), (2, "partial"), (3, "skipped")]
    tee = Product.objects.get(id=outcomes[0].product_id)
    assert (tee.title, tee.price, tee.regular_price, tee.currency, tee.brand, tee.sku) == (
        "Cotton Tee", Decimal("19.00"), Decimal("25.00"), "EUR", "Basics", "SKU-1")
    assert tee.vertical == "apparel" and tee.variants[0]["options"] == {"size": "M", "color": "White"}
    assert outcomes[1].code == "no_image" and "photo" in outcomes[1].message


def test_hostile_xml_feed_is_refused(workspace):
    bomb = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>
<rss><channel><item><title>&b;</title></item></channel></rss>"""
    xxe = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss><channel><item><title>&x;</title></item></channel></rss>"""
    for data in (bomb, xxe):
        with pytest.raises(ApplicationError, match="XML"):
            catalog_import(workspace=workspace, data=data)
    assert not Product.objects.exists()


def test_merchant_tsv_feed(workspace):
    tsv = "id\ttitle\tprice\timage_link\tavailability\nA1\tRunning Cap\t15.00 USD\t\tout of stock\n"
    outcomes = catalog_import(workspace=workspace, data=tsv.encode())
    product = Product.objects.get(id=outcomes[0].product_id)
    assert (product.title, product.price, product.currency, product.availability) == (
        "Running Cap", Decimal("15.00"), "USD", "OutOfStock")
    assert outcomes[0].status == "partial"


def test_the_command_line_import_is_the_api_batch_run_in_process(workspace, django_capture_on_commit_callbacks):
    """One "import many" path: catalog_import stores the API's ImportBatch (repeated items
    imported once) and runs it here; nothing is queued for a worker."""
    tsv = "id\ttitle\tprice\timage_link\nA1\tRunning Cap\t15.00 USD\t\nA1\tRunning Cap again\t15.00 USD\t\n"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        outcomes = catalog_import(workspace=workspace, data=tsv.encode())
    assert callbacks == []
    assert [(o.row, o.status) for o in outcomes] == [(1, "partial"), (2, "duplicate")]
    assert outcomes[1].product_id == outcomes[0].product_id and "row 1" in outcomes[1].message
    batch = ImportBatch.objects.get(workspace=workspace)
    assert (batch.source, batch.state, batch.total, batch.done) == ("file", "done", 2, 2)


def test_csv_of_links_through_the_command(workspace, settings, tmp_path):
    routes = {}
    with serve(routes) as host:
        routes["/p"] = (200, "text/html", _page([f"http://{host}/a.jpg"]))
        routes["/a.jpg"] = (200, "image/jpeg", _jpeg((10, 120, 60), square=(200, 200, 600, 600)))
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        settings.SHOPREEL_BROWSER_FALLBACK = False
        path = tmp_path / "links.csv"
        path.write_text(f"url,note\nhttp://{host}/p,ok\nhttp://{host}/gone,404\nnot a link,x\n"
                        "http://10.0.0.1/p,private\n")
        out = io.StringIO()
        call_command("import_catalog", str(path), "--workspace", workspace.slug, "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert [(r["row"], r["status"], r["code"]) for r in report["rows"]] == [
        (1, "imported", ""), (2, "failed", "http_404"), (3, "skipped", "invalid_row"), (4, "failed", "url_blocked"),
    ]
    assert report["counts"] == {"imported": 1, "failed": 2, "skipped": 1}


def test_scrape_command_reads_gzipped_html(tmp_path):
    ld = {"@type": "Product", "name": "Trail Bottle", "offers": {"price": "24.90", "priceCurrency": "EUR"},
          "image": "/b.jpg"}
    html = f'<html lang="fr"><script type="application/ld+json">{json.dumps(ld)}</script><h1>Trail Bottle</h1></html>'
    path = tmp_path / "page.html.gz"
    path.write_bytes(gzip.compress(html.encode()))
    out = io.StringIO()
    call_command("scrape", "--html", str(path), "--url", "https://s.example/p", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert list(data)[:14] == ["title", "brand", "price", "currency", "regular_price", "images", "description",
                               "features", "variants", "availability", "sku", "language", "vertical", "fetched_with"]
    assert (data["price"], data["language"], data["fetched_with"]) == ("24.90", "fr", "http")
    assert data["images"] == ["https://s.example/b.jpg"]


def test_scrape_command_refuses_a_local_file_larger_than_a_fetched_page_may_be(tmp_path):
    """200 MB of HTML once drove the command to 3.4 GB and an XPath traceback; a local file
    now has the fetched page's limit and is refused before it is read."""
    from products.management.commands.scrape import MAX_HTML_BYTES

    path = tmp_path / "huge.html"
    with path.open("wb") as f:
        f.truncate(MAX_HTML_BYTES + 1)  # sparse: no disk used
    with pytest.raises(CommandError, match="larger than 20 MB"):
        call_command("scrape", "--html", str(path), "--url", "https://s.example/p", stdout=io.StringIO())


def test_apparel_photos_worn_by_a_model_are_flagged(workspace):
    person = Image.new("RGB", (600, 800), (70, 90, 110))  # a street background
    person.paste((224, 172, 140), (220, 80, 380, 300))  # face and neck in a skin tone
    person.paste((30, 30, 30), (180, 300, 420, 780))  # the garment
    buffer = io.BytesIO()
    person.save(buffer, format="JPEG")
    packshot = _jpeg((30, 30, 30), square=(250, 150, 550, 650))
    product = product_create_manual(workspace=workspace, title="Black Cotton T-Shirt", price="20",
                                    currency="EUR", images=[packshot, buffer.getvalue()])
    assert product.vertical == "apparel"
    assert [i.on_model for i in product.images.order_by("position")] == [False, True]


def test_shopify_page_import_reads_the_platform_endpoint_through_the_safe_fetcher(workspace, settings):
    from tests.products.scraping.test_scrape_platforms import SHOPIFY_JS, SHOPIFY_PAGE

    routes = {}
    with serve(routes) as host:
        data = json.loads(json.dumps(SHOPIFY_JS))
        data["images"] = [f"http://{host}/front.jpg"]
        routes["/products/linen-shirt"] = (200, "text/html", SHOPIFY_PAGE.encode())
        routes["/products/linen-shirt.js"] = (200, "application/javascript", json.dumps(data).encode())
        routes["/front.jpg"] = (200, "image/jpeg", _jpeg((200, 180, 140), square=(250, 150, 550, 650)))
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        product = product_import(workspace=workspace, url=f"http://{host}/products/linen-shirt")
    assert product.fetched_with == "platform-api" and product.status == Product.Status.IMPORTED
    assert product.price == Decimal("49.00") and product.sku == "LS-M-NA"  # first available variant
    assert [v["sku"] for v in product.variants] == ["LS-S-SA", "LS-M-NA"]
    assert product.as_script_input()["variants"][1]["options"] == {"size": "M", "color": "Navy"}
