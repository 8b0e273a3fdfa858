"""Titles and main photos of corpus pages, checked by hand against the pages themselves.

The corpus has no ground truth for titles or images, so these were read off each page (the
product heading a shopper sees, and the large photo at the top of the gallery) and pinned
here. Each page is kept as a small excerpt in fixtures/corpus_pins/ (head facts, product
markup, the title heading and the main photo's element, copied from the page), so CI checks
them without the corpus; when the corpus is present the full pages are checked too.

What each pin guards:
- 0666abebc0d5, 6d4840415e8b: JSON-LD name rather than the heading whose parts run together
  ("MÖCKELBYTable, oak235x100 cm").
- 24d6d89f539d, 412fe668a36c: no product markup at all (one without an <h1>); recognised
  as products only since their prices are read ("最低價$29元起", "294" + "元"), so the
  title and photo come from the heading / name element and og:image.
- 2fa16d14a9e3: JSON-LD gives an 80 px thumbnail with HTML-escaped "&amp;"; the 450 px
  og:image of the same picture wins and the URL is unescaped.
- 5579758b93a3: the heading holds an icon glyph, a "Log In needed" link and a "$60 ·" price
  before the name.
- 89d10150b9d1: og:image is the shop's favicon; the microdata photo comes first.
- 98a7d9c616ab: the heading ends in a "Details" button label.
- bddc08f52959: no photo in the markup; the product's own photo slider is a "carousel",
  read because its alt text names the product.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from products.scraping.extract import extract_product

FIXTURES = Path(__file__).parent / "fixtures" / "corpus_pins"
CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "product-pages"

# page key (first 12 characters of the corpus id): (url, title, first image)
PINS: dict[str, tuple[str, str, str]] = {
    "0666abebc0d5": (
        'https://www.ikea.com/gb/en/p/moeckelby-table-oak-00293772/',
        'MÖCKELBY Table - oak 235x100 cm',
        'https://www.ikea.com/gb/en/images/products/moeckelby-table-oak__0737107_PE740885_S5.JPG',
    ),
    "24d6d89f539d": (
        'https://i3fresh.tw/cheap_1131.html',
        '西莎小羊肉餐盒',
        'https://pic.i3fresh.tw/upload/product/f_9906499b3b4c1e681ccf78dd15916ae5.jpg',
    ),
    "2b9b46483ad6": (
        'https://www.nay.sk/viking-4v1-lightning-micro-usb-usb-a-3-0-usb-c-cierna',
        'Viking 4v1 Lightning/micro USB/USB-A 3.0/USB-C čierna',
        'https://cdn.nay.sk/images/img-large/3/1045573.jpg',
    ),
    "2fa16d14a9e3": (
        'https://www.emag.ro/whiskey-jack-daniel-s-single-barrel-45-0-7l-5099873388655/pd/DWFWKMMBM/',
        "Whiskey Jack Daniel'S Single Barrel, 45%, 0.7l",
        'https://s13emagst.akamaized.net/products/29821/29820325/images/res_469647a92c935fb358481747081beb63.jpg?width=450&height=450&hash=4FCD99C04B30ED7FA3A6FA9CBE3247F9',
    ),
    "412fe668a36c": (
        'https://www.pcstore.com.tw/pchome24h/M67296549.htm?pc=promo',
        '【下營農會】鵝肉鬆-原味-250g-罐',
        'https://img.pcstore.com.tw/~prod/M67296549_big.jpg?pimg=static&P=1606924800',
    ),
    "5579758b93a3": (
        'https://www.usedvictoria.com/classified-ad/1970s-Vintage-Surfer-Magazine-Promotional-Fiberglass-Skate-Board-RARE_35985065',
        "1970's Vintage Surfer Magazine Promotional Fiberglass Skate Board RARE",
        'https://s3-us-west-2.amazonaws.com/usedphotosna/93261690_614.jpg',
    ),
    "5dc513be8976": (
        'https://ar-sa.namshi.com/buy-sass-belle-kids-freya-swan-tea-set-w725257a.html',
        'Kids Freya Swan Tea Set',
        'https://pa.namshicdn.com/product/A7/52527W/v2/1-1-catalog-v2.jpg',
    ),
    "6d4840415e8b": (
        'https://www.ikea.com/gb/en/p/vadholma-rack-for-kitchen-island-black-80402381/',
        'VADHOLMA Rack for kitchen island - black',
        'https://www.ikea.com/gb/en/images/products/vadholma-rack-for-kitchen-island-black__0605559_PE681763_S5.JPG',
    ),
    "89d10150b9d1": (
        'https://www.elkor.lv/lat/monnalisa-rosso-175004-5066.html',
        'Soma MONNALISA Rosso',
        'https://www.elkor.lv/img/1024/1024/resize/catalog/product/m/o/monnalisa_175004_5066.png',
    ),
    "98a7d9c616ab": (
        'https://www.zara.com/ar/en/seoul-100-ml--3-4-fl--oz--p20210088.html?v1=56256011&v2=1583381',
        'SEOUL 100 ML (3.4 FL. OZ)',
        'https://static.zara.net/photos///2020/V/2/2/p/0210/088/999/2/w/1920/0210088999_1_1_1.jpg?ts=1577723261929',
    ),
    "b11bf69050d3": (
        'https://www.k-rauta.ee/p/pult-eglo-fueva-c-32732-bluetooth/920o?cat=7o2&index=8',
        'Pult Eglo Fueva-C 32732 Bluetooth',
        'https://ksd-images.lt/display/aikido/store/155dd8176bccffec4f9ad78812d558e7.jpg',
    ),
    "bddc08f52959": (
        'https://www.stockcenter.com.ar/top-nike-hyper-femme/NI_AT3484-623.html',
        'Top Nike Hyper Femme',
        'https://www.stockcenter.com.ar/on/demandware.static/-/Sites-dabra-catalog/default/dwffdf9824/products/NI_AT3484-623/NI_AT3484-623-1.JPG',
    ),
    "c3db24da634d": (
        'https://mediamarkt.pt/products/aspirador-robot-roborock-s6-pure-preto',
        'Aspirador Robot Roborock S6 Pure Preto',
        'https://cdn.shopify.com/s/files/1/2700/1230/products/AspiradorRobotXiaomiRoborockS6PurePreto-5_grande.jpg?v=1603742535',
    ),
    "ccbaa81cc89e": (
        'https://www.nay.sk/garni-570-easy-ii-cierna',
        'Garni 570 Easy II čierna',
        'https://cdn.nay.sk/images/img-large/3/1043073.png',
    ),
    "e51c765cb622": (
        'https://www.jumbo.ch/de/servietten-bunte-eier-28110?sku=1357247',
        'Servietten BUNTE EIER',
        'https://media.jumbo.ch/4022664223553/ab01gra-servietten_bunte_eier-4022664223553-pdfds.jpg?v=8dbf4120717fd945262a8941da92afa7',
    ),
}


@pytest.mark.parametrize("key", sorted(PINS))
def test_excerpt_title_and_main_photo(key: str) -> None:
    url, title, image = PINS[key]
    product = extract_product((FIXTURES / f"{key}.html").read_text(encoding="utf-8"), url)
    assert product.title == title
    assert product.images[0] == image


@pytest.mark.parametrize("key", sorted(PINS))
def test_full_page_title_and_main_photo(key: str) -> None:
    truth_file = CORPUS / "ground-truth.json"
    if not truth_file.exists():
        pytest.skip(f"product-page corpus not found at {CORPUS.resolve()}")
    names = [n for n in json.loads(truth_file.read_text(encoding="utf-8")) if n.startswith(key)]
    assert len(names) == 1
    url, title, image = PINS[key]
    with gzip.open(CORPUS / "html" / f"{names[0]}.html.gz", "rt", encoding="utf-8") as f:
        product = extract_product(f.read(), url)
    assert product.title == title
    assert product.images[0] == image
