"""HTML for the demo shop: one page per product and an index, shaped like a real storefront.

Each product page carries what scrapers look for on real shops — JSON-LD ``Product`` with an
``Offer``, OpenGraph tags, a visible price block with the struck-through regular price, a
gallery, a feature list — so the demo exercises the same extraction code as a live page.
All text is escaped (``html.escape`` in markup, ``<``/``>``/``&`` as ``\\u`` escapes in JSON-LD)
so a title with ``</script>`` in it cannot break the page.
"""

from __future__ import annotations

import json
from decimal import Decimal
from html import escape

from babel.numbers import format_currency

from products.demo.catalog import PRODUCTS, DemoProduct

SHOP_NAME = "Harbour & Pine"

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;color:#222}
header{display:flex;justify-content:space-between;padding:16px 32px;border-bottom:1px solid #eee}
header a{color:#222;text-decoration:none;font-weight:700}
main{max-width:1100px;margin:0 auto;padding:24px 32px}
nav.crumbs ol{list-style:none;display:flex;gap:8px;padding:0;color:#777;font-size:14px}
nav.crumbs li+li:before{content:"/";margin-right:8px}
.product{display:grid;grid-template-columns:1fr 1fr;gap:40px}
.gallery img{width:100%;height:auto;display:block;margin-bottom:12px;background:#fafafa}
.price{font-size:28px;font-weight:700}
.price s{color:#999;font-weight:400;font-size:20px;margin-left:8px}
.badge{background:#c0392b;color:#fff;padding:2px 8px;border-radius:4px;font-size:14px}
button.add{background:#222;color:#fff;border:0;padding:14px 28px;font-size:16px;border-radius:6px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:24px}
.card img{width:100%;height:auto}
"""


def money(amount: str, currency: str) -> str:
    """The shop's own display format (en_US), as a storefront in English would show it."""
    return format_currency(Decimal(amount), currency, locale="en_US")


def json_ld(data: dict) -> str:
    """JSON safe to put inside ``<script>``: no ``</script>``, no ``<!--``, no ``&`` tricks."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def product_json_ld(p: DemoProduct, base_url: str) -> dict:
    offer: dict = {
        "@type": "Offer",
        "url": f"{base_url}/products/{p.slug}",
        "price": p.price,
        "priceCurrency": p.currency,
        "availability": f"https://schema.org/{p.availability}",
        "itemCondition": "https://schema.org/NewCondition",
    }
    if p.regular_price:
        offer["priceSpecification"] = {
            "@type": "UnitPriceSpecification",
            "priceType": "https://schema.org/StrikethroughPrice",
            "price": p.regular_price,
            "priceCurrency": p.currency,
        }
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": p.title,
        "description": p.description,
        "sku": p.sku,
        "brand": {"@type": "Brand", "name": p.brand},
        "image": [f"{base_url}/images/{name}" for name in p.images],
        "offers": offer,
    }
    if p.rating:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": p.rating,
            "bestRating": "5",
            "reviewCount": p.review_count,
        }
    return data


def _layout(title: str, head_extra: str, body: str) -> str:
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{escape(title)}</title>\n{head_extra}<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<header><a href=\"/\">{escape(SHOP_NAME)}</a><a href=\"/cart\">Cart (0)</a></header>\n"
        f"<main>\n{body}\n</main>\n<footer><p>&copy; {escape(SHOP_NAME)} — demo shop</p></footer>\n"
        "</body>\n</html>\n"
    )


def render_product_page(p: DemoProduct, base_url: str) -> str:
    """The full HTML of one product page; ``base_url`` makes image and canonical URLs absolute."""
    url = f"{base_url}/products/{p.slug}"
    image_urls = [f"{base_url}/images/{name}" for name in p.images]
    og = [
        ("og:type", "product"), ("og:title", p.title), ("og:description", p.description),
        ("og:url", url), ("og:site_name", SHOP_NAME), ("og:image", image_urls[0]),
        ("product:price:amount", p.price), ("product:price:currency", p.currency),
    ]
    head = "".join(f'<meta property="{escape(k)}" content="{escape(v)}">\n' for k, v in og)
    head += f'<link rel="canonical" href="{escape(url)}">\n'
    head += f'<meta name="description" content="{escape(p.description)}">\n'
    head += f'<script type="application/ld+json">\n{json_ld(product_json_ld(p, base_url))}\n</script>\n'

    crumbs = "".join(f"<li>{escape(c)}</li>" for c in p.breadcrumbs)
    gallery = "".join(
        f'<img src="{escape(src)}" alt="{escape(p.title)} — photo {i + 1}" width="1200" height="1200">'
        for i, src in enumerate(image_urls)
    )
    price = f'<span class="current">{escape(money(p.price, p.currency))}</span>'
    if p.regular_price:
        off = round((1 - Decimal(p.price) / Decimal(p.regular_price)) * 100)
        price += f"<s>{escape(money(p.regular_price, p.currency))}</s> <span class=\"badge\">-{off}%</span>"
    if p.rating:
        price += f'</p>\n<p class="rating">Rated {escape(p.rating)} out of 5 · {p.review_count:,} reviews'
    stock = "In stock" if p.availability == "InStock" else "Out of stock"
    features = "".join(f"<li>{escape(f)}</li>" for f in p.features)
    body = f"""<nav class="crumbs" aria-label="Breadcrumb"><ol>{crumbs}</ol></nav>
<div class="product">
<div class="gallery">{gallery}</div>
<div class="info">
<p class="brand">{escape(p.brand)}</p>
<h1>{escape(p.title)}</h1>
<p class="price">{price}</p>
<p class="stock">{stock} · SKU {escape(p.sku)}</p>
<form action="/cart" method="post"><input type="hidden" name="sku" value="{escape(p.sku)}">
<button class="add" type="submit">Add to cart</button></form>
<h2>Description</h2>
<p class="description">{escape(p.description)}</p>
<h2>Features</h2>
<ul class="features">{features}</ul>
</div>
</div>"""
    return _layout(f"{p.title} | {SHOP_NAME}", head, body)


def render_index_page(base_url: str, products: tuple[DemoProduct, ...] = PRODUCTS) -> str:
    cards = "".join(
        f'<a class="card" href="/products/{escape(p.slug)}">'
        f'<img src="{escape(base_url)}/images/{escape(p.images[0])}" alt="{escape(p.title)}" width="1200" height="1200">'
        f"<h2>{escape(p.title)}</h2><p>{escape(money(p.price, p.currency))}</p></a>"
        for p in products
    )
    return _layout(SHOP_NAME, "", f"<h1>All products</h1>\n<div class=\"grid\">{cards}</div>")
