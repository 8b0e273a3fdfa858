"""Turn a product page's HTML into an :class:`ExtractedProduct`.

Layers, most trusted first: JSON-LD, microdata, RDFa (what the shop states for machines),
OpenGraph / ``product:*`` meta tags, then visible-page heuristics (what a shopper sees). Each
field is taken from the most trusted layer that has it; price, currency and regular price are
taken together from one layer so a sale price never gets another layer's currency or list
price. The page is parsed once with lxml and the tree is passed to every layer.
"""

from __future__ import annotations

import html as html_lib
import re
from decimal import Decimal
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html

from core.money import country_hints, currency_code

from . import heuristics as hx
from . import platforms
from .structured import (
    Facts,
    breadcrumb_names,
    find_product,
    jsonld_items,
    microdata_items,
    product_facts,
    rdfa_items,
)
from .types import ExtractedProduct, NotAProduct
from .verticals import classify_vertical

NOT_A_PRODUCT_MESSAGE = (
    "The page doesn't look like a product page: no product title or price was found."
)
MAX_IMAGES = 12
MAX_FEATURES = 8
# Below this a visible "price" is more likely a related item, a coupon or a unit price than
# the product's price (see heuristics.price_candidates for the scoring).
MIN_PRICE_SCORE = 2.5
STANDOUT_MIN_SCORE = 1.0
STANDOUT_GAP = 1.5
_NOT_BUYABLE = frozenset({"OutOfStock", "SoldOut", "Discontinued"})

_TEXT_PARSER = lxml_html.HTMLParser(remove_comments=True, recover=True)
_TEXT_FIELDS = ("title", "brand", "description", "availability", "sku", "category")


def parse_html(html: str | bytes, url: str) -> lxml_html.HtmlElement:
    """Parse once. Bytes keep their declared charset; text is re-encoded as UTF-8 for lxml."""
    if isinstance(html, str):
        try:
            return lxml_html.document_fromstring(html, parser=_TEXT_PARSER, base_url=url)
        except (etree.ParserError, ValueError):  # e.g. an <?xml encoding=...?> prologue
            pass
        data, encoding = html.encode("utf-8", errors="replace"), "utf-8"
    else:
        data, encoding = html, None
        try:  # bytes that decode as UTF-8 are UTF-8, whatever a stale <meta charset> says
            data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            pass
    parser = lxml_html.HTMLParser(
        encoding=encoding,
        remove_comments=True,
        recover=True,
    )
    try:
        doc = lxml_html.document_fromstring(data, parser=parser, base_url=url)
    except (etree.ParserError, ValueError):
        raise NotAProduct(NOT_A_PRODUCT_MESSAGE) from None
    return doc


def _language(doc: lxml_html.HtmlElement, meta: dict[str, list[str]]) -> str:
    lang = doc.get("lang") or doc.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    if not lang:
        lang = (meta.get("content-language") or meta.get("og:locale") or [""])[0]
    return lang.strip().replace("_", "-").split(",")[0][:16]


def _image_key(url: str) -> str:
    parts = urlsplit(url)
    path = re.sub(r"(_\d+x\d*|-\d+x\d+|\._[^/]*_)(?=\.\w+$)", "", parts.path.lower())
    return parts.netloc.lower() + path


# Images that are never the product: anti-bot challenges, loaders, spacers.
_NOT_PRODUCT_IMAGE = re.compile(
    r"captcha|spinner|loading\.gif|placeholder|spacer|blank\.(gif|png)|1x1|transparent\.(gif|png)",
    re.I,
)


_SIZE_HINT = re.compile(r"[?&](?:width|w|wid|size|sw)=(\d{2,4})\b", re.I)


_LOW_QUALITY = re.compile(r"[?&](?:quality|q)=([0-2]?\d)(?!\d)", re.I)


def _size_hint(url: str) -> int:
    """The width a resizing CDN is asked for (``?width=450``); 0 when the URL names none or
    asks for a blurred placeholder (``quality=10``)."""
    match = _SIZE_HINT.search(url)
    if not match or _LOW_QUALITY.search(url):
        return 0
    return int(match.group(1))


_DIMENSIONS = re.compile(r"(?<!\d)(\d{2,4})x(\d{2,4})(?!\d)")


def _is_banner(url: str) -> bool:
    """A strip-shaped picture (``..._650x45.png``, ``1300x90``): an ad or a banner, not a
    product photo."""
    for width, height in _DIMENSIONS.findall(url):
        w, h = int(width), int(height)
        if w and h and max(w / h, h / w) >= 4:
            return True
    return False


def _dedupe_images(urls: list[str]) -> list[str]:
    """Absolute photo URLs, one per picture: of two sizes of one picture the larger is kept,
    in the place of the first. Markup that escaped its URLs (``&amp;``) is read as meant."""
    index: dict[str, int] = {}
    out: list[str] = []
    for url in urls:
        if "&amp;" in url:
            url = html_lib.unescape(url)
        if (not url.startswith(("http://", "https://")) or _NOT_PRODUCT_IMAGE.search(url)
                or _is_banner(url)):
            continue
        key = _image_key(url)
        if key in index:
            if _size_hint(url) > _size_hint(out[index[key]]) > 0:
                out[index[key]] = url
            continue
        if len(out) >= MAX_IMAGES:
            continue
        index[key] = len(out)
        out.append(url)
    return out


def _features_from_description(description: str) -> list[str]:
    parts = re.split(r"\s*(?:[•●▪■✓✔]|\n|\s-\s)\s*", description)
    parts = [p.strip(" .;") for p in parts if 3 <= len(p.strip()) <= 160]
    return parts[:MAX_FEATURES] if len(parts) >= 2 else []


def _visible_facts(
    doc: lxml_html.HtmlElement, url: str, meta: dict[str, list[str]], heading: lxml_html.HtmlElement | None
) -> tuple[Facts, list[Decimal], set[Decimal], list[hx.PriceCandidate]]:
    """Facts a shopper sees, every amount shown as a current price (an auction's starting
    price included: it is the price until someone bids) and the amounts labelled as a
    starting price, for the cross-checks."""
    # The product's heading (``hx.main_heading``), or on a page without one the element
    # holding the product name the <title> / og:title gives: it anchors the buy box.
    anchor = heading
    if anchor is None:
        anchor = hx.title_element(doc, [doc.findtext(".//title") or "", *meta.get("og:title", [])[:1]])
    title = hx._clean(anchor.text_content()) if anchor is not None else ""
    details = hx.labelled_details(doc)
    facts = Facts(
        title=title,
        images=hx.gallery_images(doc, url, title=title),
        availability=hx.availability_from_text(doc, anchor),
        brand=details["brand"],
        sku=details["sku"] or hx.url_item_id(url),
    )
    candidates = hx.price_candidates(doc, anchor)
    current = [c for c in candidates if not c.old and not c.rejected]
    if current and (current[0][0] >= MIN_PRICE_SCORE or _stands_out(current)):
        facts.price, facts.currency = current[0].amount, current[0].currency
        olds = [c for c in candidates if c[3] and c[1] > facts.price]
        if olds:
            facts.regular_price = olds[0][1]
    starting = {c.amount for c in candidates if c.starting}
    shown = [c.amount for c in candidates if not c.old]
    return facts, shown + sorted(starting), starting, candidates


def _visible_title(title: str, heading: lxml_html.HtmlElement | None) -> str:
    """When the title is the heading's whole text (markup on the ``<h1>`` itself), read it
    as a shopper sees it: without hidden prefixes or action links inside the heading."""
    if heading is None:
        return title
    if re.sub(r"\s", "", title) != re.sub(r"\s", "", heading.text_content()):
        return title
    # Icon-font glyphs (Unicode private use area) are pictures, not words.
    text = re.sub(r"[\ue000-\uf8ff]", "", hx.visible_text(heading))
    text = hx.strip_leading_price(text)
    return text.strip(" -|:·\u2013\u2014") or title


def _without_site_name(title: str, shown: str) -> str:
    """"Shop Name - Lamb stew" -> "Lamb stew" when the page shows "Lamb stew" as the product's
    heading: the other parts of an og:title / <title> are the shop's name or slogan."""
    if not shown or title == shown:
        return title
    parts = [p.strip() for p in hx.TITLE_PARTS.split(title) if p.strip()]
    return shown if len(parts) > 1 and shown in parts else title


def _stands_out(current: list) -> bool:
    """A weaker best price still counts when nothing else on the page comes close to it."""
    runner_up = current[1][0] if len(current) > 1 else -10.0
    return current[0][0] >= STANDOUT_MIN_SCORE and current[0][0] - runner_up >= STANDOUT_GAP


def _check_against_page(
    layers: list[tuple[str, Facts]], shown: list[Decimal], starting: set[Decimal]
) -> set[str]:
    """Prefer the visible price when the markup's price is nowhere on the page.

    Shops often leave the pre-sale price in their markup while the page shows the sale
    price; when the markup's amount is not displayed as a current price at all and the page
    has a confident price of its own, the page wins and the markup's amount (if higher) is
    kept as the regular price. An auction's markup often states the opening price: when the
    page labels that amount as the starting price / opening bid and shows a higher confident
    price (the current bid), the current bid wins.
    """
    visible = layers[-1][1]
    replaced: set[str] = set()  # the layers whose price gave way to the page's
    if visible.price is None or not shown:
        return replaced
    for name, facts in layers[:-1]:
        if name == "platform-api":
            continue  # the shop's own record of the chosen variant; the page may show another
        if (facts.price is not None and visible.price < facts.price
                and visible.price in facts.offer_prices):
            # Several offers in the markup (a list price and a sale price): the page shows the
            # sale one as the product's price, so that is the price and the other the regular.
            facts.regular_price = max(facts.regular_price or facts.price, facts.price)
            facts.price = visible.price
            continue
        if facts.price is not None and facts.price in starting and visible.price > facts.price:
            facts.price = visible.price
            facts.currency = facts.currency or visible.currency
            replaced.add(name)
            continue
        if facts.price is None or facts.price in shown:
            continue
        if facts.availability in _NOT_BUYABLE:
            continue  # a sold-out page shows other products' prices, not its own
        if facts.price > visible.price:
            facts.regular_price = facts.price
        facts.price = visible.price
        facts.currency = facts.currency or visible.currency
        replaced.add(name)
    return replaced


# How sure the price is, by where it came from (see _price_evidence).
CONFIDENCE_PLATFORM = 0.95
CONFIDENCE_MARKUP_SHOWN = 0.95  # the markup's amount is shown as a current price
CONFIDENCE_MARKUP_ALONE = 0.75  # the page shows no price to check it against
CONFIDENCE_DISAGREE = 0.55  # markup and visible page name different prices
CONFIDENCE_MIN = 0.5  # below this a price needs the merchant's confirmation
CLOSE_GAP = 1.0  # two different visible amounts scored closer than this are a toss-up
MAX_REJECTED = 8
_SOURCES = {"platform-api": "platform endpoint", "heuristics": "visible text"}


def _price_evidence(
    *, name: str, price: Decimal, candidates: list[hx.PriceCandidate], replaced: bool,
    markup_price: Decimal | None,
) -> dict:
    """Where the chosen price came from, the amounts passed over and why, a confidence 0-1,
    and whether the merchant should confirm it (markup and page disagree, or the page's two
    best amounts are a toss-up)."""
    current = [c for c in candidates if not c.old and not c.rejected]
    shown = {c.amount for c in current}
    runner_up = next((c for c in current if c.amount != price), None)
    close = False
    if replaced:
        source, confidence, disagree = "visible text", CONFIDENCE_DISAGREE, True
    elif name == "platform-api":
        source, confidence, disagree = "platform endpoint", CONFIDENCE_PLATFORM, False
    elif name != "heuristics":
        source, disagree = "markup", False
        confidence = CONFIDENCE_MARKUP_SHOWN if price in shown else CONFIDENCE_MARKUP_ALONE
    else:
        source, disagree = "visible text", False
        best = next((c for c in current if c.amount == price), None)
        gap = (best.score - runner_up.score) if best and runner_up else 4.0
        close = best is not None and runner_up is not None and gap < CLOSE_GAP
        confidence = 0.5 + min(0.4, max(gap, 0.0) / 10)
        if best is not None and best.score < MIN_PRICE_SCORE:
            confidence -= 0.1
    rejected: list[dict] = []
    seen: set[tuple] = set()
    for c in candidates:
        if c.amount == price or len(rejected) >= MAX_REJECTED:
            continue
        why = c.why or "scored lower"
        if (c.amount, why) in seen:
            continue
        seen.add((c.amount, why))
        rejected.append({"amount": str(c.amount), "text": c.text[:60], "why": why})
    if markup_price is not None and markup_price != price:
        texts = [r["text"] for r in rejected if r["amount"] == str(markup_price)]
        rejected = [r for r in rejected if r["amount"] != str(markup_price)]
        rejected.insert(0, {"amount": str(markup_price), "text": texts[0] if texts else "",
                            "why": "the markup's price; the page shows another as the price"})
    confidence = round(max(0.0, min(1.0, confidence)), 2)
    return {
        "source": source,
        "layer": name,
        "confidence": confidence,
        "rejected": rejected,
        "needs_confirmation": disagree or close or confidence < CONFIDENCE_MIN,
    }


def extract_product(
    html: str | bytes, url: str, *, fetch_json: platforms.FetchJSON | None = None
) -> ExtractedProduct:
    """Extract the product a page shows, or raise :class:`NotAProduct`.

    Fast (a few ms for a typical page) because the HTML is parsed once and the expensive
    extruct paths (RDFa through pyRdfa) are not used. With ``fetch_json`` (URL -> parsed JSON
    or None), a Shopify or WooCommerce page's own product endpoint is read too and becomes
    the most trusted layer ("platform-api"); without it nothing is fetched.
    """
    doc = parse_html(html, url)
    meta = hx.meta_map(doc)
    layers: list[tuple[str, Facts]] = []
    breadcrumbs: list[str] = []
    if fetch_json is not None:
        platform = platforms.platform_facts(doc, url, fetch_json)
        if platform is not None:
            layers.append(("platform-api", platform))
    for name, items in (
        ("json-ld", jsonld_items(doc)),
        ("microdata", microdata_items(doc, url)),
        ("rdfa", rdfa_items(doc, url)),
    ):
        if not items:
            continue
        breadcrumbs = breadcrumbs or breadcrumb_names(items)
        node = find_product(items)
        if node is not None:
            layers.append((name, product_facts(node, page_url=url)))
    has_markup = bool(layers) or hx.is_product_type(meta)
    layers.append(("opengraph", hx.meta_facts(meta, url)))
    heading = hx.main_heading(doc)
    visible, shown, starting, candidates = _visible_facts(doc, url, meta, heading)
    layers.append(("heuristics", visible))
    markup_prices = {n: f.price for n, f in layers[:-1] if f.price is not None}
    replaced = _check_against_page(layers, shown, starting)

    product = ExtractedProduct(url=url, language=_language(doc, meta))
    used: set[str] = set()
    title_from = ""
    for field_name in _TEXT_FIELDS:
        for name, facts in layers:
            value = getattr(facts, field_name)
            if value:
                if field_name != "category":
                    setattr(product, field_name, value)
                title_from = name if field_name == "title" else title_from
                used.add(name)
                break
    category = next((f.category for _, f in layers if f.category), "")
    if not product.title:
        product.title = hx.page_title(doc) if has_markup else ""
    if title_from in ("opengraph", ""):  # og:title / <title> carry the shop's name
        product.title = _without_site_name(product.title, visible.title)
    product.title = _visible_title(product.title, heading)
    product.title = hx.without_shop_decorations(product.title)
    for field_name in ("title", "brand", "description"):
        value = getattr(product, field_name)
        if "&" in value and ";" in value:  # markup that escaped its text twice: "Black &amp; Silver"
            setattr(product, field_name, " ".join(html_lib.unescape(value).split()))

    price_layer = next(((n, f) for n, f in layers if f.price is not None), None)
    if price_layer is not None:
        name, facts = price_layer
        used.add(name)
        product.price = facts.price
        product.regular_price = facts.regular_price
        raw_currency = facts.currency or next((f.currency for _, f in layers if f.currency), "")
        hints = country_hints(url=url, language=product.language)
        product.currency = currency_code(raw_currency, hints=hints)
        evidence = _price_evidence(
            name=name, price=facts.price, candidates=candidates, replaced=name in replaced,
            markup_price=markup_prices.get(name),
        )
        product.price_needs_confirmation = evidence.pop("needs_confirmation")
        product.price_evidence = evidence

    images: list[str] = []
    for name, facts in layers:
        if facts.images:
            images.extend(facts.images)
            used.add(name)
    product.images = _dedupe_images(images)
    product.breadcrumbs = breadcrumbs or hx.html_breadcrumbs(doc)
    product.features = hx.feature_bullets(doc, MAX_FEATURES) or _features_from_description(
        product.description
    )
    product.variants = next((list(f.variants) for _, f in layers if f.variants), [])
    if product.variants:
        used.add(next(n for n, f in layers if f.variants))
    rated = next(((n, f) for n, f in layers if f.rating is not None), None)
    if rated is not None:
        used.add(rated[0])
        product.rating, product.rating_scale, product.review_count = (
            rated[1].rating, rated[1].rating_scale, rated[1].review_count
        )
    product.sources = [name for name, _ in layers if name in used]
    if "platform-api" in used:
        product.fetched_with = "platform-api"

    # A product shows a price, or (out of stock) at least photos and a stock message.
    signals = has_markup or product.price is not None or (
        bool(product.images) and bool(product.availability)
    )
    if not product.title or not signals:
        raise NotAProduct(NOT_A_PRODUCT_MESSAGE)
    if not has_markup and any(t.lower() == "article" for t in meta.get("og:type", [])):
        raise NotAProduct(NOT_A_PRODUCT_MESSAGE)
    product.vertical = classify_vertical(
        title=product.title,
        breadcrumbs=tuple(product.breadcrumbs),
        category=category,
        description=product.description[:500],
    )
    return product

