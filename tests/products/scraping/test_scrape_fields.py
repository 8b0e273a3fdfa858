"""Price, availability, brand and SKU rules, each on a small page shaped like the ones that
shops actually serve (the shapes were found in the product-page corpus; the text is made up).

Every rule is generic: nothing here names a shop or a domain.
"""

# Words in many scripts (Cyrillic, Hebrew, full-width colons) are meant here:
# ruff: noqa: RUF001

from __future__ import annotations

from decimal import Decimal

from core.money import currency_code
from products.scraping.extract import extract_product
from products.scraping.heuristics import url_item_id
from products.scraping.structured import clean_brand

URL = "https://shop.example/p/lamp"


def _page(body: str, head: str = "", lang: str = "en") -> str:
    return (f'<!doctype html><html lang="{lang}"><head><title>Desk Lamp | Shop</title>{head}'
            f"</head><body>{body}</body></html>")


# ---------------------------------------------------------------- prices


def test_a_repeated_price_shape_is_a_list_of_other_products() -> None:
    """The product's own price sits in an image slider; nine tiles below repeat one price
    class with other amounts. The tiles must not win, and "Kn" is a currency mark."""
    tiles = "".join(
        f'<div class="tile"><span class="item-price-new">{amount},00 Kn</span></div>'
        for amount in (169, 1200, 540, 279, 343, 344, 328, 349, 107)
    )
    html = _page(f"""<h1>Orthopaedic insoles</h1>
      <div class="slider"><div class="slider-price"><span class="slider-pricenew">270,00 Kn</span>
      <span class="slider-priceold">540,00 Kn</span></div></div>{tiles}""", lang="hr")
    product = extract_product(html, "https://shop.example.hr/insoles-380")
    assert product.price == Decimal("270.00")
    assert product.currency == "HRK"


def test_the_vat_inclusive_price_wins_over_the_price_without_vat() -> None:
    """"Brez DDV" (without VAT) labels the net price; the gross one beside it is what the
    shopper pays, even when its class calls it "old"."""
    html = _page("""<h1>Diving mask</h1><ul id="price-list">
      <li class="price"><span class="price-old-live">100.00€</span></li>
      <li class="price-tax small">Brez DDV: <span class="price-tax-live">81.97€</span></li></ul>""",
                 lang="sl")
    product = extract_product(html, "https://shop.example.si/mask")
    assert product.price == Decimal("100.00")
    assert product.currency == "EUR"


def test_excl_vat_label_in_english() -> None:
    html = _page("""<h1>Desk Lamp</h1><div class="prices">
      <p>Price excl. VAT: <span class="price">£100.00</span></p>
      <p>Price incl. VAT: <span class="gross">£120.00</span></p></div>""")
    assert extract_product(html, URL).price == Decimal("120.00")


def test_og_price_meta_is_read() -> None:
    html = _page("<h1>Desk Lamp</h1>", head='<meta property="og:price" content="2,900원~">')
    product = extract_product(html, "http://shop.example.kr/deal/1")
    assert product.price == Decimal("2900")
    assert product.currency == "KRW"


def test_of_several_markup_offers_the_one_the_page_shows_wins() -> None:
    """Microdata lists the list price (for this URL) and the sale price; the page shows the
    sale price next to the title and the list price only in a details row."""
    html = _page(f"""<div itemscope itemtype="http://schema.org/Product">
      <h1 itemprop="name">Desk Lamp</h1>
      <div itemprop="offers" itemscope itemtype="http://schema.org/Offer">
        <meta itemprop="price" content="18.00"><meta itemprop="priceCurrency" content="EUR">
        <meta itemprop="url" content="{URL}"></div>
      <div itemprop="offers" itemscope itemtype="http://schema.org/Offer">
        <meta itemprop="priceCurrency" content="EUR"><meta itemprop="price" content="17.10">
        <h3><strong>€ <span class="actual-price">17,10</span></strong></h3>
        <span class="barred">€ 18,00</span></div>
      <ul><li><span class="name">List price:</span><span class="value">€ 18,00</span></li></ul>
    </div>""")
    product = extract_product(html, URL)
    assert product.price == Decimal("17.10")
    assert product.regular_price == Decimal("18.00")


def test_a_page_without_h1_anchors_on_the_element_holding_the_title() -> None:
    """No <h1>: the element whose text is the <title>'s product name anchors the buy box,
    so the stock message next to it is read, not the one in a tile far away."""
    filler = "<p>.</p>" * 400
    html = (
        "<html><head><title>Lamb stew - Fresh Shop</title>"
        '<meta property="og:title" content="Fresh Shop - Lamb stew">'
        '<meta property="og:image" content="https://shop.example.tw/stew.jpg"></head><body>'
        f'{filler}<div class="name">Lamb stew</div><div class="stock">In stock</div>'
        f'{filler}<div class="tile"><div class="stock">Out of stock</div></div></body></html>'
    )
    product = extract_product(html, "https://shop.example.tw/cheap_1131.html")
    assert product.availability == "InStock"


def test_a_price_whose_currency_sits_in_the_next_element() -> None:
    """A big bare number with its currency word in the next element and its label two
    elements before it; monthly instalment amounts with "$" nearby must not win."""
    html = _page("""<h1>Goose floss, original, 250 g</h1>
      <table><tr><td><strong>一次付清特價</strong><b> <font color="red">7</font> 折</b>
        <span style="font:bold 27px Verdana;color:#ff0000">294</span><span> 元 </span></td></tr>
      <tr><td><del>$420</del></td></tr>
      <tr><td>3期0利率 每期<span>$98</span></td></tr>
      <tr><td>6期0利率 每期<span>$49</span></td></tr></table>""", lang="zh-TW")
    product = extract_product(html, "https://shop.example.com.tw/item/M67296549.htm")
    assert (product.price, product.currency) == (Decimal("294"), "TWD")


def test_the_whole_part_of_a_split_price_is_not_read_alone() -> None:
    """"$" + <whole>29.</whole> + <fraction>99</fraction>: the mark is beside the whole part,
    but the price is not 29."""
    html = _page("""<h1>Desk Lamp</h1><p>Currently unavailable.</p>
      <span class="a-price"><span class="a-offscreen">$29.99</span><span aria-hidden="true"><span
        class="a-price-symbol">$</span><span class="a-price-whole">29<span class="a-price-decimal"
        >.</span></span><span class="a-price-fraction">99</span></span></span>""")
    assert extract_product(html, URL).price == Decimal("29.99")


def test_two_unmarked_prices_side_by_side_are_both_read() -> None:
    """Old and new price in neighbouring elements, the currency in a third: neither is taken
    for a piece of a split price."""
    html = _page("""<h1>Desk Lamp</h1><div><span class="old-price">25.00</span><span
      class="price">19.00</span><span class="currency">EUR</span></div>""")
    product = extract_product(html, URL)
    assert (product.price, product.regular_price) == (Decimal("19.00"), Decimal("25.00"))


def test_a_labelled_price_wins_over_unlabelled_amounts_nearby() -> None:
    """No price markup: "lowest price $29" beside a quantity table of box prices; the label
    makes the labelled amount the product's price."""
    html = _page("""<h1>Lamb stew for dogs</h1>
      <div class="deal">最低價$<span>29</span>元起/罐</div>
      <div><div>1 box</div><div style="float:right">$839</div></div>
      <div><div>2 boxes</div><div style="float:right">$1,638</div></div>""", lang="zh-TW")
    product = extract_product(html, "https://shop.example.tw/cheap_1131.html")
    assert (product.price, product.currency) == (Decimal("29"), "TWD")


AUCTION = """<script type="application/ld+json">{"@type": "Product", "name": "Pillows, pair",
  "offers": {"@type": "Offer", "price": 150, "priceCurrency": "USD",
             "availability": "http://schema.org/InStock"}}</script>"""


def test_an_auction_page_gives_the_current_bid_not_the_starting_price() -> None:
    """The markup states the opening price; the page shows the current bid above it and the
    markup's amount labelled "Starting Price". Another lot lower down has a $150 bid."""
    html = _page("""<h1>Pillows, pair</h1><div class="estimate">Estimate $300 - $500</div>
      <div class="box"><div class="status"><span class="price">$200</span>
        <span class="count">2 bids</span></div>
        <span class="print">Starting Price $150</span><button>Place Bid</button></div>
      <div class="recommended"><div class="lot"><span class="current-bid">$150</span>
        <span>3 bids</span></div></div>""", head=AUCTION)
    product = extract_product(html, URL)
    assert (product.price, product.currency) == (Decimal("200"), "USD")
    assert product.regular_price is None


def test_a_starting_price_gives_way_only_to_a_higher_current_price() -> None:
    """A labelled starting price only ever moves up to a shown current bid: a lower amount
    priced beside it (an add-on) does not replace the markup's price."""
    html = _page("""<h1>Pillows, pair</h1><span class="print">Starting Price $150</span>
      <div class="addon"><span class="price">$99</span> cushion cover</div>""", head=AUCTION)
    assert extract_product(html, URL).price == Decimal("150")


# ---------------------------------------------------------------- currencies


def test_rupees_and_tenge_are_decided_by_the_shop_country() -> None:
    assert currency_code("Rs", hints=("pk",)) == "PKR"
    assert currency_code("Rs", hints=("in",)) == "INR"
    assert currency_code("Rs", hints=()) == "INR"
    assert currency_code("тг.", hints=("kz",)) == "KZT"
    assert currency_code("₸") == "KZT"


def test_yuan_is_the_taiwan_or_hong_kong_dollar_on_their_pages() -> None:
    assert currency_code("元", hints=("tw", "zh")) == "TWD"
    assert currency_code("元", hints=("hk",)) == "HKD"
    assert currency_code("元", hints=("cn", "zh")) == "CNY"
    assert currency_code("元") == "CNY"


def test_a_withdrawn_code_sent_by_feeds_is_read_as_its_successor() -> None:
    assert currency_code("RUR") == "RUB"
    assert currency_code("RUB") == "RUB"


# ---------------------------------------------------------------- availability


JSONLD_SIZES = """<script type="application/ld+json">{"@type": "Product", "name": "Boot",
 "offers": [
  {"@type": "Offer", "price": "89.5", "priceCurrency": "EUR", "sku": "B-38",
   "availability": "http://schema.org/OutOfStock", "url": "/boot-38.html"},
  {"@type": "Offer", "price": "89.5", "priceCurrency": "EUR", "sku": "B-39",
   "availability": "http://schema.org/InStock", "url": "/boot-39.html"}]}</script>"""


def test_a_product_is_in_stock_when_any_of_its_sizes_is() -> None:
    product = extract_product(_page("<h1>Boot</h1>", head=JSONLD_SIZES), "https://shop.example/boot")
    assert product.availability == "InStock"


def test_the_offer_for_this_url_keeps_its_own_availability() -> None:
    product = extract_product(_page("<h1>Boot</h1>", head=JSONLD_SIZES),
                              "https://shop.example/boot-38.html")
    assert product.availability == "OutOfStock"


def test_sold_out_is_out_of_stock() -> None:
    head = """<script type="application/ld+json">{"@type": "Product", "name": "Remote",
      "offers": {"@type": "Offer", "price": "19", "priceCurrency": "EUR",
                 "availability": "https://schema.org/SoldOut"}}</script>"""
    assert extract_product(_page("<h1>Remote</h1>", head=head), URL).availability == "OutOfStock"


def test_stock_message_in_an_element_named_for_it() -> None:
    html = _page("""<h1>Desk Lamp</h1><span class="price">$87.11</span>
      <div class="variationUnavailable">Image not available for Colour:</div>
      <div id="availability"><span class="a-color-success"> In Stock. </span></div>
      <div class="size-popup">This size is out of stock</div>""")
    assert extract_product(html, URL).availability == "InStock"


def test_stock_message_in_other_languages() -> None:
    html = _page("""<h1>Schreibtischlampe</h1><span class="price">92,99 €</span>
      <div id="availability"><span>Auf Lager.</span></div>""", lang="de")
    assert extract_product(html, URL).availability == "InStock"
    html = _page("""<h1>Холодильник</h1><span class="price">120 000 тг.</span>
      <div class="stock-status">Нет в наличии</div>""", lang="ru")
    assert extract_product(html, URL).availability == "OutOfStock"


def test_a_disabled_add_to_cart_button_means_out_of_stock() -> None:
    html = _page("""<div><h1>Desk Lamp</h1><span class="price">$40.00</span>
      <button class="add" disabled>Add to cart</button></div>""")
    assert extract_product(html, URL).availability == "OutOfStock"


def test_a_sentence_that_mentions_stock_is_not_a_stock_message() -> None:
    html = _page("""<div><h1>Baby carrier</h1><span class="price">502,20 р.</span>
      <p>Если цена на товар не указана, то в данный момент товара нет в наличии.
      Все опубликованные материалы являются собственностью сайта.</p></div>""", lang="ru")
    assert extract_product(html, URL).availability == ""


# ---------------------------------------------------------------- brand and sku


def test_brand_and_sku_from_a_details_table() -> None:
    html = _page("""<h1>Steam Iron</h1><span class="price">£48.99</span>
      <table class="prodDetTable"><tr><th> Brand </th><td> Tefal </td></tr>
      <tr><th> Model Number </th><td> FV9845 </td></tr>
      <tr><th> ASIN </th><td> B004SNMXRS </td></tr></table>""")
    product = extract_product(html, URL)
    assert product.brand == "Tefal"
    assert product.sku == "B004SNMXRS"


def test_brand_and_sku_from_labels_in_other_languages() -> None:
    html = _page("""<h1>Kühlschrank</h1><span class="price">499 €</span>
      <dl><dt>Marke</dt><dd>Beko</dd><dt>Artikelnummer:</dt><dd>73556</dd></dl>""", lang="de")
    product = extract_product(html, URL)
    assert (product.brand, product.sku) == ("Beko", "73556")
    html = _page("""<h1>Холодильник</h1><span class="price">120 000 тг.</span>
      <span class="element-article">Код: 73556</span>""", lang="ru")
    assert extract_product(html, URL).sku == "73556"


def test_manufacturer_row_stands_in_for_a_missing_brand() -> None:
    html = _page("""<h1>Lamp</h1><span class="price">$10</span>
      <ul class="details"><li><b>Manufacturer:</b> Lumo</li></ul>""")
    assert extract_product(html, URL).brand == "Lumo"


def test_details_of_related_products_are_not_read() -> None:
    html = _page("""<h1>Lamp</h1><span class="price">$10</span>
      <div class="related-products"><table><tr><th>Brand</th><td>Other</td></tr></table></div>""")
    assert extract_product(html, URL).brand == ""


def test_sku_from_the_item_number_in_the_url() -> None:
    assert url_item_id("https://shop.example/itm/133588510845") == "133588510845"
    assert url_item_id("https://shop.example/app/d/washing-machine/7235216655.html") == "7235216655"
    assert url_item_id("https://shop.example/bags/BabyBjorn_One-987929.html") == "987929"
    assert url_item_id("https://shop.example/store/122725?pid=260591") == "260591"
    assert url_item_id("https://shop.example/p/blue-mug") == ""
    assert url_item_id("https://shop.example/p/size-42") == ""
    # An upper-case letter prefix is part of the number the shop prints; a lower-case one is
    # the route.
    assert url_item_id("https://shop.example/pchome24h/M67296549.htm") == "M67296549"
    assert url_item_id("https://shop.example/chelsea-boot/p5095123") == "5095123"
    html = _page("<h1>Teddy bear</h1><span class='price'>EUR 9,00</span>")
    assert extract_product(html, "https://shop.example/itm/133588510845").sku == "133588510845"


def test_markup_sku_wins_over_the_url() -> None:
    head = """<script type="application/ld+json">{"@type": "Product", "name": "Top",
      "sku": "NI_AT3484-623", "offers": {"price": "24.49", "priceCurrency": "EUR"}}</script>"""
    product = extract_product(_page("<h1>Top</h1>", head=head), "https://shop.example/top-12345678.html")
    assert product.sku == "NI_AT3484-623"


def test_brand_placeholders_and_labels_are_cleaned() -> None:
    assert clean_brand("$metabrand") == ""
    assert clean_brand("{{ product.brand }}") == ""
    assert clean_brand("Ver mais artigos da Marca: Roborock") == "Roborock"
    assert clean_brand("Acme") == "Acme"
    head = '<meta property="product:brand" content="$metabrand">'
    assert extract_product(_page("<h1>Bra</h1><span class='price'>12,99 €</span>", head=head),
                           URL).brand == ""


# ---------------------------------------------------------------- titles


def test_title_without_icon_glyphs_login_links_or_a_leading_price() -> None:
    html = _page("""<div itemscope itemtype="http://schema.org/Product"><h1 itemprop="name">
      <a class="fav" href="#"><span class="icon">\uf004</span></a>
      <a class="limit" href="/login?moreFavourites">Log In needed</a> $60 · Vintage Skate Board</h1>
      <span itemprop="price" content="60">$60</span></div>""")
    assert extract_product(html, URL).title == "Vintage Skate Board"


def test_an_enabled_buy_button_outside_the_title_block_means_in_stock() -> None:
    filler = "<p>Details of the lamp.</p>" * 50
    html = _page(f"""<div class="top"><h1>Ortopedski ulošci</h1></div>{filler}
      <form class="buy-box"><span class="price">270,00 Kn</span><button type="submit">Kupi</button></form>
      <div class="related-products"><div class="stock">Rasprodano</div></div>""", lang="hr")
    assert extract_product(html, URL).availability == "InStock"


def test_a_buy_button_in_a_related_products_strip_says_nothing() -> None:
    filler = "<p>Details of the lamp.</p>" * 50
    html = _page(f"""<div class="top"><h1>Desk Lamp</h1></div>{filler}<span class="price">$40</span>
      <div class="recommendations"><button>Add to cart</button></div>""")
    assert extract_product(html, URL).availability == ""


# ---------------------------------------------------------------- photos and titles


def test_the_larger_size_of_the_same_photo_wins_and_escaped_urls_are_read() -> None:
    head = """<script type="application/ld+json">{"@type": "Product", "name": "Whiskey",
      "image": "https://cdn.shop.example/p/res_4696.jpg?width=80&amp;height=80",
      "offers": {"price": "173.34", "priceCurrency": "RON"}}</script>
      <meta property="og:image" content="https://cdn.shop.example/p/res_4696.jpg?width=450&amp;height=450">"""
    product = extract_product(_page("<h1>Whiskey</h1>", head=head), URL)
    assert product.images == ["https://cdn.shop.example/p/res_4696.jpg?width=450&height=450"]


def test_a_blurred_placeholder_does_not_replace_the_photo() -> None:
    head = """<meta property="og:image" content="https://cdn.shop.example/p/1.jpg?width=512">
      <meta property="og:image" content="https://cdn.shop.example/p/1.jpg?quality=10&width=612">"""
    product = extract_product(_page("<h1>Bag</h1><span class='price'>$400</span>", head=head), URL)
    assert product.images == ["https://cdn.shop.example/p/1.jpg?width=512"]


def test_banner_shaped_pictures_are_not_product_photos() -> None:
    html = _page("""<h1>Walkie talkie</h1><span class="price">21,99 €</span>
      <div id="main-image"><img src="https://cdn.shop.example/ads/family_650x45.png" alt="">
      <img src="https://cdn.shop.example/images/616s8O0EtgL._AC_SL1122_.jpg" alt="Walkie talkie"></div>""")
    product = extract_product(html, URL)
    assert product.images == ["https://cdn.shop.example/images/616s8O0EtgL._AC_SL1122_.jpg"]


def test_the_products_own_photo_carousel_is_read() -> None:
    html = _page("""<h1>Top Hyper Femme</h1><span class="price">$2.449</span>
      <div class="carousel-inner"><div class="product-image-container">
        <img src="/img/NI_AT3484-623-1.JPG" class="d-block img-fluid" alt="Top Hyper Femme, image 1">
      </div></div>
      <div class="carousel related"><div class="product-image-container">
        <img src="/img/OTHER-1.JPG" alt="Running shoes 9"></div></div>""", lang="es")
    product = extract_product(html, "https://shop.example.ar/top.html")
    assert product.images == ["https://shop.example.ar/img/NI_AT3484-623-1.JPG"]


def test_the_shop_name_in_og_title_is_dropped_when_the_page_shows_the_name() -> None:
    html = (
        "<html><head><title>Beef jerky (10 packs) - Fresh Shop</title>"
        '<meta property="og:title" content="Fresh Shop - Beef jerky (10 packs)">'
        '<meta property="og:image" content="https://shop.example.tw/jerky.jpg"></head><body>'
        '<div class="name">Beef jerky (10 packs)</div><div class="deal">$99</div></body></html>'
    )
    assert extract_product(html, "https://shop.example.tw/favorable_1409.html").title == (
        "Beef jerky (10 packs)")


def test_a_markup_name_with_a_dash_keeps_it() -> None:
    head = """<script type="application/ld+json">{"@type": "Product",
      "name": "Lace-up ankle boots - graphit", "offers": {"price": "78.5", "priceCurrency": "EUR"}}</script>"""
    html = _page("<h1>Lace-up ankle boots</h1>", head=head)
    assert extract_product(html, URL).title == "Lace-up ankle boots - graphit"
