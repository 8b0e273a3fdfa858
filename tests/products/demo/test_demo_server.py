"""The demo shop serves catalogued pages and photos on loopback, and nothing else."""

from __future__ import annotations

import http.client
import json
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from products.demo.catalog import PRODUCTS, DemoProduct
from products.demo.pages import render_product_page


def get(shop, path: str) -> tuple[int, str, bytes]:
    host, port = shop.host_port.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        conn.request("GET", path)  # raw path: no client-side normalisation of "../"
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type", ""), resp.read()
    finally:
        conn.close()


def ld_json(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "page has JSON-LD"
    return json.loads(match.group(1))


def test_addresses(shop):
    assert re.fullmatch(r"127\.0\.0\.1:\d+", shop.host_port)
    assert shop.base_url == f"http://{shop.host_port}"
    assert set(shop.product_urls) == {p.slug for p in PRODUCTS}


@pytest.mark.parametrize("product", PRODUCTS, ids=lambda p: p.slug)
def test_product_page_has_json_ld_matching_the_catalogue(shop, product):
    status, ctype, body = get(shop, urlsplit(shop.product_urls[product.slug]).path)
    assert status == 200 and ctype == "text/html; charset=utf-8"
    html = body.decode()
    data = ld_json(html)
    assert data["@type"] == "Product"
    assert data["name"] == product.title
    assert data["brand"]["name"] == product.brand
    assert data["sku"] == product.sku
    assert Decimal(data["offers"]["price"]) == Decimal(product.price)
    assert data["offers"]["priceCurrency"] == product.currency
    assert data["offers"]["availability"].endswith(product.availability)
    assert [urlsplit(u).path for u in data["image"]] == [f"/images/{n}" for n in product.images]
    assert f"<h1>{product.title}</h1>" in html.replace("&amp;", "&")
    assert 'property="og:title"' in html and 'property="og:image"' in html
    assert html.count("<li>") >= len(product.features) + len(product.breadcrumbs)
    assert "Add to cart" in html


def test_sale_price_is_shown_struck_through(shop):
    on_sale = next(p for p in PRODUCTS if p.regular_price)
    _, _, body = get(shop, f"/products/{on_sale.slug}")
    assert "<s>$32.00</s>" in body.decode()
    assert any(p.currency == "EUR" for p in PRODUCTS)


@pytest.mark.parametrize("name", sorted({n for p in PRODUCTS for n in p.images}))
def test_images_are_served_as_jpeg(shop, name, photos):
    status, ctype, body = get(shop, f"/images/{name}")
    assert status == 200 and ctype == "image/jpeg"
    assert body[:3] == b"\xff\xd8\xff"


def test_index_lists_every_product(shop):
    status, _, body = get(shop, "/")
    assert status == 200
    for p in PRODUCTS:
        assert f'href="/products/{p.slug}"' in body.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/nope", "/products/unknown", "/images/missing.jpg", "/images/../catalog.py",
        "/images/..%2f..%2fetc%2fpasswd", "/../../etc/passwd", "/images//etc/passwd",
        "/products/../images/aurora-tee-white.jpg", "/images/", "/products/aurora-organic-tee/../../x",
    ],
)
def test_unknown_and_traversal_paths_are_404(shop, path):
    status, _, _ = get(shop, path)
    assert status == 404


def test_text_is_escaped_in_html_and_json_ld():
    nasty = DemoProduct(
        slug="x", title='Evil </script><script>alert(1)</script> & "quotes"', brand="<b>",
        price="1.00", currency="USD", description="a < b", features=("<i>f</i>",), breadcrumbs=("H",),
        availability="InStock", sku="S", vertical="other", images=("a.jpg",),
    )
    html = render_product_page(nasty, "http://127.0.0.1:1")
    assert "<script>alert(1)" not in html
    assert html.count("</script>") == 1  # only the JSON-LD block's own end tag
    assert ld_json(html)["name"] == nasty.title
    assert "<i>f</i>" not in html


def test_shop_stops_cleanly(photo_cache, photos):
    from products.demo.server import DemoShop

    with DemoShop(cache_dir=photo_cache) as shop:
        host_port = shop.host_port
        assert get(shop, "/")[0] == 200
    host, port = host_port.split(":")
    with pytest.raises(OSError):
        http.client.HTTPConnection(host, int(port), timeout=1).request("GET", "/")
    with pytest.raises(RuntimeError):
        _ = shop.base_url
