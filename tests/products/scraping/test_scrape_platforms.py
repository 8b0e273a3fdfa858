"""Platform endpoints (Shopify, WooCommerce Store API) and variants from JSON-LD."""

from __future__ import annotations

import json
from decimal import Decimal

from products.scraping.extract import extract_product, parse_html
from products.scraping.platforms import endpoints

SHOPIFY_PAGE = """<html lang="en"><head><title>Linen Shirt</title>
<meta property="og:price:currency" content="EUR">
<script>var Shopify = Shopify || {}; Shopify.shop = "x.myshopify.com";</script>
<link rel="preconnect" href="https://cdn.shopify.com">
</head><body><h1>Linen Shirt</h1><span class="price">€59,00</span></body></html>"""

SHOPIFY_JS = {
    "id": 1, "title": "Linen Shirt", "vendor": "Maison Lin", "type": "Shirts",
    "description": "<p>Washed linen.</p>", "price": 5900, "available": True,
    "images": ["//cdn.shopify.com/s/files/1/shirt-front.jpg", "//cdn.shopify.com/s/files/1/shirt-back.jpg"],
    "options": [{"name": "Size", "position": 1, "values": ["S", "M"]},
                {"name": "Color", "position": 2, "values": ["Sand", "Navy"]}],
    "variants": [
        {"id": 11, "title": "S / Sand", "option1": "S", "option2": "Sand", "sku": "LS-S-SA",
         "available": False, "price": 5900, "compare_at_price": 7900},
        {"id": 12, "title": "M / Navy", "option1": "M", "option2": "Navy", "sku": "LS-M-NA",
         "available": True, "price": 4900, "compare_at_price": 6900},
    ],
}

WOO_PAGE = """<html lang="de"><head><title>Teekanne</title>
<link rel="https://api.w.org/" href="https://shop.example/wp-json/">
</head><body class="product-template-default single single-product postid-77 woocommerce">
<h1>Teekanne</h1></body></html>"""

WOO_API = {
    "id": 77, "name": "Teekanne &#8222;Ost&#8220;", "sku": "TK-1", "is_in_stock": True,
    "short_description": "<p>Gusseisen, 1 l.</p>",
    "prices": {"price": "3490", "regular_price": "3990", "sale_price": "3490",
               "currency_code": "EUR", "currency_minor_unit": 2},
    "images": [{"src": "https://shop.example/wp-content/uploads/kanne.jpg"}],
    "attributes": [{"name": "Farbe", "has_variations": True, "terms": [{"name": "Schwarz"}, {"name": "Rot"}]}],
    "variations": [{"id": 78, "attributes": [{"name": "Farbe", "value": "schwarz"}]},
                   {"id": 79, "attributes": [{"name": "Farbe", "value": "rot"}]}],
    "categories": [{"name": "Küche"}],
}


def test_shopify_page_is_read_from_its_product_endpoint_with_variants():
    url = "https://shop.example/collections/new/products/linen-shirt?variant=12"
    asked: list[str] = []

    def fetch_json(endpoint):
        asked.append(endpoint)
        return SHOPIFY_JS

    product = extract_product(SHOPIFY_PAGE, url, fetch_json=fetch_json)
    assert asked == ["https://shop.example/collections/new/products/linen-shirt.js"]
    assert product.fetched_with == "platform-api" and product.sources[0] == "platform-api"
    assert product.title == "Linen Shirt" and product.brand == "Maison Lin"
    assert product.price == Decimal("49.00") and product.regular_price == Decimal("69.00")
    assert product.currency == "EUR"  # from the page: Shopify's JSON has no currency
    assert product.sku == "LS-M-NA" and product.availability == "InStock"
    assert product.images[0] == "https://cdn.shopify.com/s/files/1/shirt-front.jpg"
    assert product.variants == [
        {"name": "S / Sand", "options": {"size": "S", "color": "Sand"}, "sku": "LS-S-SA",
         "price": "59.00", "availability": "OutOfStock"},
        {"name": "M / Navy", "options": {"size": "M", "color": "Navy"}, "sku": "LS-M-NA",
         "price": "49.00", "availability": "InStock"},
    ]


def test_shopify_endpoint_that_fails_leaves_the_page_markup():
    product = extract_product(SHOPIFY_PAGE, "https://shop.example/products/linen-shirt",
                              fetch_json=lambda endpoint: None)
    assert product.fetched_with == "http" and product.price == Decimal("59.00")


def test_no_endpoint_for_pages_of_other_platforms():
    doc = parse_html("<html><body><h1>x</h1></body></html>", "https://a.example/products/x")
    assert endpoints(doc, "https://a.example/products/x") == []


def test_woocommerce_store_api_layer():
    asked: list[str] = []

    def fetch_json(endpoint):
        asked.append(endpoint)
        return json.loads(json.dumps(WOO_API))

    product = extract_product(WOO_PAGE, "https://shop.example/produkt/teekanne/", fetch_json=fetch_json)
    assert asked == ["https://shop.example/wp-json/wc/store/v1/products/77"]
    assert product.price == Decimal("34.90") and product.regular_price == Decimal("39.90")
    assert product.currency == "EUR" and product.sku == "TK-1"
    assert product.images == ["https://shop.example/wp-content/uploads/kanne.jpg"]
    assert [v["options"] for v in product.variants] == [{"farbe": "schwarz"}, {"farbe": "rot"}]


def test_woocommerce_api_link_on_another_host_is_not_followed():
    page = WOO_PAGE.replace("https://shop.example/wp-json/", "http://169.254.169.254/wp-json/")
    doc = parse_html(page, "https://shop.example/p/")
    assert endpoints(doc, "https://shop.example/p/") == [
        ("woocommerce", "https://shop.example/wp-json/wc/store/v1/products/77")
    ]


def test_variants_from_json_ld_product_group():
    ld = {
        "@context": "https://schema.org", "@type": "ProductGroup", "name": "Trail Sock",
        "variesBy": ["size", "color"],
        "hasVariant": [
            {"@type": "Product", "name": "Trail Sock 39-42 black", "sku": "TS-39-B", "size": "39-42",
             "color": "Black", "offers": {"@type": "Offer", "price": "12.00", "priceCurrency": "EUR",
                                          "availability": "https://schema.org/InStock"}},
            {"@type": "Product", "name": "Trail Sock 43-46 black", "sku": "TS-43-B", "size": "43-46",
             "color": "Black", "offers": {"@type": "Offer", "price": "12.00", "priceCurrency": "EUR",
                                          "availability": "https://schema.org/OutOfStock"}},
        ],
    }
    html = f'<html><head><script type="application/ld+json">{json.dumps(ld)}</script></head><body></body></html>'
    product = extract_product(html, "https://s.example/sock")
    assert product.price == Decimal("12.00")
    assert [(v["sku"], v["options"], v["availability"]) for v in product.variants] == [
        ("TS-39-B", {"size": "39-42", "color": "Black"}, "InStock"),
        ("TS-43-B", {"size": "43-46", "color": "Black"}, "OutOfStock"),
    ]


def test_variants_from_several_named_offers_and_none_from_one_offer():
    offers = [{"@type": "Offer", "sku": f"MUG-{c}", "name": c, "price": "9.50", "priceCurrency": "USD"}
              for c in ("Red", "Blue")]
    ld = {"@type": "Product", "name": "Mug", "offers": offers}
    html = f'<script type="application/ld+json">{json.dumps(ld)}</script><h1>Mug</h1>'
    assert [v["sku"] for v in extract_product(html, "https://s.example/m").variants] == ["MUG-Red", "MUG-Blue"]
    ld["offers"] = offers[:1]
    html = f'<script type="application/ld+json">{json.dumps(ld)}</script><h1>Mug</h1>'
    assert extract_product(html, "https://s.example/m").variants == []
