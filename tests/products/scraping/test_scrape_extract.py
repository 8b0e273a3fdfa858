"""extract_product on small handwritten pages, one per layer and per tricky markup shape."""

from __future__ import annotations

from decimal import Decimal

import pytest

from products.scraping.extract import extract_product
from products.scraping.types import NotAProduct

URL = "https://shop.example/p/blue-mug?variant=2"

JSONLD_GRAPH = """<!doctype html><html lang="de-DE"><head>
<script type="application/ld+json">
{"@context": "https://schema.org", "@graph": [
  {"@type": "WebSite", "name": "Shop"},
  {"@type": "BreadcrumbList", "itemListElement": [
     {"@type": "ListItem", "position": 2, "name": "Küche", "item": "https://shop.example/k"},
     {"@type": "ListItem", "position": 1, "name": "Home", "item": "https://shop.example/"}]},
  {"@type": ["product"], "name": "Blaue Tasse",
   "brand": {"@type": "Brand", "name": "Tassenwerk"},
   "sku": "TW-1",
   "image": [{"@type": "ImageObject", "url": "/img/mug-front.jpg"}, "https://cdn.shop.example/mug-side.jpg"],
   "description": "Eine Tasse.",
   "offers": [
     {"@type": "Offer", "url": "https://shop.example/p/blue-mug?variant=1", "price": "19.00",
      "priceCurrency": "EUR", "availability": "https://schema.org/OutOfStock"},
     {"@type": "Offer", "url": "https://shop.example/p/blue-mug?variant=2", "price": "14.90",
      "priceCurrency": "EUR", "availability": "http://schema.org/InStock",
      "priceSpecification": [{"@type": "UnitPriceSpecification", "price": 19.9,
        "priceType": "https://schema.org/StrikethroughPrice"}]}
   ]}
]}
</script></head><body><h1>Blaue Tasse</h1></body></html>"""


def test_jsonld_graph_with_several_offers() -> None:
    product = extract_product(JSONLD_GRAPH, URL)
    assert product.title == "Blaue Tasse"
    assert product.brand == "Tassenwerk"
    assert product.price == Decimal("14.90")  # the offer for this URL's variant
    assert product.regular_price == Decimal("19.9")
    assert product.currency == "EUR"
    assert product.availability == "InStock"
    assert product.sku == "TW-1"
    assert product.images == [
        "https://shop.example/img/mug-front.jpg", "https://cdn.shop.example/mug-side.jpg"
    ]
    assert product.breadcrumbs == ["Home", "Küche"]
    assert product.language == "de-DE"
    assert product.vertical == "home"
    assert product.sources[0] == "json-ld"


def test_jsonld_aggregate_offer_and_broken_json() -> None:
    html = """<html><head><script type="application/ld+json">
    {"@type": "Product", "name": "Trail Shoe", "brand": "Runr",
     "image": "https://shop.example/shoe.jpg",
     "offers": {"@type": "AggregateOffer", "lowPrice": "89.5", "highPrice": "120",
                "priceCurrency": "usd", "offerCount": 3},}
    </script></head><body></body></html>"""
    product = extract_product(html, "https://shop.example/shoe")
    assert product.price == Decimal("89.5")
    assert product.currency == "USD"
    assert product.brand == "Runr"
    assert product.vertical == "apparel"


MICRODATA = """<html lang="fr"><body>
<div itemscope itemtype="http://schema.org/Product">
  <h1 itemprop="name">Collier Lune</h1>
  <img itemprop="image" src="/img/collier.jpg">
  <span itemprop="brand" itemscope itemtype="http://schema.org/Brand">
    <span itemprop="name">Bijoux Paris</span></span>
  <div itemprop="offers" itemscope itemtype="http://schema.org/Offer">
    <span itemprop="price" content="49.00">49,00 €</span>
    <meta itemprop="priceCurrency" content="EUR">
    <link itemprop="availability" href="http://schema.org/PreOrder">
  </div>
</div>
<div class="related"><div itemscope itemtype="http://schema.org/Product">
  <span itemprop="name">Autre</span></div></div>
</body></html>"""


def test_microdata() -> None:
    product = extract_product(MICRODATA, "https://bijoux.example/collier")
    assert product.title == "Collier Lune"
    assert product.brand == "Bijoux Paris"
    assert product.price == Decimal("49.00")
    assert product.currency == "EUR"
    assert product.availability == "PreOrder"
    assert product.images == ["https://bijoux.example/img/collier.jpg"]
    assert product.vertical == "jewellery"
    assert "microdata" in product.sources


def test_rdfa() -> None:
    html = """<html><body vocab="http://schema.org/">
    <div typeof="Product"><h1 property="name">Dog Bed</h1>
      <div property="offers" typeof="Offer"><span property="price" content="39.99">$39.99</span>
      <meta property="priceCurrency" content="CAD"></div></div></body></html>"""
    product = extract_product(html, "https://pets.example/bed")
    assert (product.title, product.price, product.currency) == ("Dog Bed", Decimal("39.99"), "CAD")
    assert product.sources[0] == "rdfa"
    assert product.vertical == "pets"


def test_opengraph_only() -> None:
    html = """<html><head>
    <meta property="og:type" content="product">
    <meta property="og:title" content="Lego Castle 1000 pieces">
    <meta property="og:image" content="https://cdn.toys.example/castle.jpg">
    <meta property="product:price:amount" content="1.299,00">
    <meta property="product:price:currency" content="SEK">
    </head><body></body></html>"""
    product = extract_product(html, "https://toys.example/castle")
    assert product.title == "Lego Castle 1000 pieces"
    assert product.price == Decimal("1299.00")
    assert product.currency == "SEK"
    assert product.images == ["https://cdn.toys.example/castle.jpg"]
    assert product.sources == ["opengraph"]
    assert product.vertical == "toys"


NO_MARKUP = """<html lang="en-GB"><head><title>Linen Shirt | Little Shop</title></head><body>
<nav class="menu"><a href="/">Home</a></nav>
<div class="product-page">
  <div class="gallery">
    <img src="/img/shirt-small.jpg" srcset="/img/shirt-400.jpg 400w, /img/shirt-1200.jpg 1200w">
    <img data-zoom-image="/img/shirt-back-big.jpg" src="/img/shirt-back.jpg">
    <img src="/img/logo.svg" class="logo">
  </div>
  <h1 class="product-title">Linen Shirt</h1>
  <div class="price-box"><span class="old-price"><del>£60.00</del></span>
    <span class="price">£45.00</span></div>
  <button>Add to basket</button>
  <div class="product-features"><ul>
    <li>100% European linen</li><li>Relaxed fit</li><li>Relaxed fit</li><li>Machine washable</li>
  </ul></div>
</div>
<div class="related-products"><h3><a href="/p/2">Linen Trousers</a></h3>
  <span class="price">£15.00</span></div>
</body></html>"""


def test_no_markup_heuristics() -> None:
    product = extract_product(NO_MARKUP, "https://little.example/p/shirt")
    assert product.title == "Linen Shirt"
    assert product.price == Decimal("45.00")
    assert product.regular_price == Decimal("60.00")
    assert product.currency == "GBP"
    assert product.availability == "InStock"
    assert product.images[:2] == [
        "https://little.example/img/shirt-1200.jpg",
        "https://little.example/img/shirt-back-big.jpg",
    ]
    assert all("logo" not in u for u in product.images)
    assert product.features == ["100% European linen", "Relaxed fit", "Machine washable"]
    assert product.sources == ["heuristics"]
    assert product.vertical == "apparel"


def test_bytes_input_uses_declared_charset() -> None:
    html = NO_MARKUP.replace("<head>", '<head><meta charset="iso-8859-1">').replace(
        "Linen Shirt</h1>", "Chemise en lin écrue</h1>"
    )
    product = extract_product(html.encode("iso-8859-1", errors="replace"), "https://l.example/")
    assert product.title == "Chemise en lin écrue"


BLOG = """<html><head><meta property="og:type" content="article">
<meta property="og:image" content="https://blog.example/cover.jpg"></head>
<body><h1>Ten ways to style a linen shirt</h1><p>Our favourite costs about $40.</p></body></html>"""

CAPTCHA = """<html><head><title>Robot Check</title></head><body>
<p>Enter the characters you see below</p><form><input name="captcha"></form></body></html>"""


@pytest.mark.parametrize("html", [BLOG, CAPTCHA, "", "<html></html>"])
def test_not_a_product(html: str) -> None:
    with pytest.raises(NotAProduct, match="doesn't look like a product page"):
        extract_product(html, "https://blog.example/post")
