"""Titles and main images checked by reading corpus pages, pinned with small excerpts of
those pages (and, where the corpus is present, on the pages themselves)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from products.scraping.extract import extract_product

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "product-pages"

# Excerpt (eBay-style listing): a hidden "Dettagli su" prefix and an action link in the <h1>
# that carries the microdata name.
HIDDEN_PREFIX = """<html lang="it"><body><div itemscope itemtype="http://schema.org/Product">
<h1 class="it-ttl" itemprop="name" id="itemTitle"><span class="g-hdn">Dettagli su   </span>Angel Teddy Bear<span
style="white-space: nowrap;"><span class="it-icon-pd">-</span> <a class="it-sttl" href="#"
onclick="return false;"> mostra il titolo originale</a></span></h1>
<div itemprop="offers" itemscope itemtype="http://schema.org/Offer"><span itemprop="price" content="12.00">EUR 12,00</span>
<meta itemprop="priceCurrency" content="EUR"></div></div></body></html>"""

# Excerpt (Amazon-style page): an upsell message heading comes before the product's own <h1>.
SEVERAL_HEADINGS = """<html lang="de"><head><title>WELEDA Citrus Erfrischende Feuchtigkeitslotion (1 x 200 ml):
Amazon.de: Beauty</title></head><body>
<h1 class="a-size-medium sns-delivery-buybox-upsell-additional-message-title a-text-bold">15% sparen</h1>
<h1 id="title" class="a-size-large a-spacing-none"><span id="productTitle" class="a-size-large product-title-word-break">
WELEDA Citrus Erfrischende Feuchtigkeitslotion (1 x 200 ml)</span></h1>
<span class="a-price"><span class="a-offscreen">8,71&nbsp;€</span></span></body></html>"""

# Excerpt: JSON-LD whose text was HTML-escaped twice.
ESCAPED = """<script type="application/ld+json">{"@type": "Product", "name": "EUSELFIEW Selfie Stick - Black &amp; Silver",
"offers": {"price": "9.99", "priceCurrency": "GBP"}}</script><h1>EUSELFIEW Selfie Stick - Black &amp; Silver</h1>"""

# Excerpt (agem.sk-style gallery): a captcha image before the product photos.
CAPTCHA_FIRST = """<html><head><meta property="og:type" content="product">
<meta property="og:image" content="https://shop.example/BotDetectCaptcha.ashx?get=image&c=ForgottenPasswordCaptcha">
</head><body><h1>APPLE iMac Pro 27"</h1><span class="price">4 499,00 €</span>
<ul class="image-main slick-initialized slick-slider"><div class="slick-list"><div class="slick-track">
<li class="slick-slide slick-active"><a class="fancybox" rel="gallery" href="https://img.shop.example/112952182.jpg"><img
src="https://img.shop.example/112952182.jpg" alt=""></a></li></div></div></ul>
</body></html>"""


def test_hidden_prefix_and_action_link_are_not_part_of_the_title():
    product = extract_product(HIDDEN_PREFIX, "https://shop.example/itm/1")
    assert product.title == "Angel Teddy Bear"


def test_the_product_heading_wins_over_an_upsell_heading():
    product = extract_product(SEVERAL_HEADINGS, "https://shop.example/dp/1")
    assert product.title == "WELEDA Citrus Erfrischende Feuchtigkeitslotion (1 x 200 ml)"
    assert str(product.price) == "8.71"


def test_twice_escaped_text_is_unescaped():
    assert extract_product(ESCAPED, "https://shop.example/p").title == "EUSELFIEW Selfie Stick - Black & Silver"


def test_a_captcha_image_is_never_the_main_image():
    product = extract_product(CAPTCHA_FIRST, "https://shop.example/p")
    assert product.images[0] == "https://img.shop.example/112952182.jpg"
    assert not any("Captcha" in url for url in product.images)


# Checked by reading each page: (id prefix, title, start of the main image URL).
CHECKED = [
    ("95f9586d43", "WELEDA Citrus Erfrischende Feuchtigkeitslotion", "https://images-na.ssl-images-amazon.com/images/I/51PR39M0K0L."),
    ("2d3e52568d", "Angel Teddy Bear", "https://i.ebayimg.com/images/g/kZoAAOSwcP5cqMEM/"),
    ("453f5cc079", "APPLE iMac Pro 27\"", "https://img.agem.sk/112949000/112949990/112952182.jpg"),
    ("0666abebc0", "MÖCKELBY Table - oak 235x100 cm", "https://www.ikea.com/gb/en/images/products/moeckelby-table-oak"),
    ("36dbaefc4b", "Ortopedski ulošci S-plus po mjeri", "https://eklinika.blob.core.windows.net/services/380/1.jpg"),
    ("7a082dd9d7", "EUSELFIEW Selfie Stick - Black & Silver", "https://brain-images-ssl.cdn.dixons.com/2/2/10134622/"),
]


@pytest.mark.parametrize(("key", "title", "image"), CHECKED)
def test_titles_and_main_images_checked_by_hand(key, title, image):
    truth_file = CORPUS / "ground-truth.json"
    if not truth_file.exists():
        pytest.skip(f"product-page corpus not found at {CORPUS.resolve()}")
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    full_key = next(k for k in truth if k.startswith(key))
    with gzip.open(CORPUS / "html" / f"{full_key}.html.gz", "rt", encoding="utf-8") as f:
        product = extract_product(f.read(), truth[full_key]["url"])
    assert product.title.startswith(title)
    assert product.images[0].startswith(image)
