"""Which amount on the page is the product's current price.

``price_candidates`` finds every visible price (an element whose attributes say "price"
or whose short text carries a currency mark) and scores it: near the product's heading and
labelled as the price scores higher; crossed out, labelled as an earlier, monthly,
per-unit or starting price, or sitting in a cart, a related-products strip or another
product's tile scores lower. Two corrections then compare the candidates with each other:
prices whose element shape repeats with different amounts are a list of other products
(``_demote_repeated``), and a price stated without VAT gives way to the VAT-inclusive one
beside it (``_prefer_vat_inclusive``).
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from itertools import islice
from typing import NamedTuple

from lxml import etree
from lxml import html as lxml_html

from core.money import parse_amount

from .price_text import (
    _CURRENCY_MARK,
    _HAS_DIGIT,
    _MARK_AFTER,
    _MARK_BEFORE,
    _in_strike,
    _lead_label,
    _price_text,
    _text_after,
    _text_before,
)
from .text import _ELSEWHERE, _SKIP_TAGS, _attrs, _clean, _context_attrs, _in_product_card

_PRICE_WORD = re.compile(r"price|preis|prix|precio|prezzo|preco|cena|cost|amount|money", re.I)
_NOT_CURRENT = re.compile(
    r"old|was|strike|compare|regular|before|rrp|uvp|list|original|crossed|saving|save|"
    r"discount|instal|per-?month|monthly|shipping|unit|per-|klarna|afterpay|msrp|tax|vat|"
    r"range|from-|filter|total|subtotal|cart|minicart|basket|points|reward|coupon",
    re.I,
)
_OLD_PRICE = re.compile(
    r"old|was|strike|compare|regular|before|rrp|uvp|list|original|crossed|barred|full-?price|"
    r"line-?through",
    re.I,
)
# A saving, not a price: "Save $75", "You save 20 %", "-$15". Anchored at the end of the
# label, so "Discount price: $20" (a sale price) is not one.
_SAVING_LABEL = re.compile(
    r"\b(save|saving|savings|you\s*save|sparen|sie\s*sparen|ersparnis|[ée]conomi(e|sez)|"
    r"vous\s*[ée]conomisez|ahorr(a|as|o|e|ás)|risparmi(a|o|\s*il)?|economi(a|ze|za)|"
    r"voc[êe]\s*economiza|экономия|выгода|скидка)\b\W*(?:[A-Z]{1,3}\$?\W*)?$|"
    r"(お得|割引額?|節約|节省|立省|省下|优惠|할인|절약)\W*(?:[A-Z]{1,3}\$?\W*)?$",
    re.I,
)
_SAVING_AFTER = re.compile(r"^\W{0,3}(off|de\s*(descuento|r[ée]duction)|di\s*sconto|rabatt)\b|^\W{0,3}(引き|割引|优惠|할인)", re.I)
_SIGNED_OR_PERCENT = re.compile(r"^\s*[-\u2212\u2013+]\s*\D{0,4}\d|\d\s*%|%\s*\d")
# A small amount added to the product, named in the label just before it: shipping, a
# protection plan or warranty, a deposit, a per-unit price, an accessory or variant "from".
_ADDON_LABEL = re.compile(
    r"\b(shipping|delivery|postage|versand(kosten)?|lieferung|porto|livraison|frais\s*de\s*port|"
    r"env[ií]o|spedizione|consegna|frete|protection(\s*plan)?|warranty|garantie|garant[ií]a|"
    r"garanzia|insurance|versicherung|assurance|seguro|deposit|pfand|kaution|caution|"
    r"d[ée]p[oô]t|dep[oó]sito|cauzione|from|ab|d[èe]s|[àa]\s*partir\s*de|desde|a\s*partire\s*da|"
    r"unit\s*price|price\s*per|per\s*\d*\s*\w{1,3}|grundpreis|st[üu]ckpreis|prix\s*(au|par)\s*\w+|"
    r"prix\s*unitaire|precio\s*(por|unitario)|prezzo\s*(al|unitario)|pre[çc]o\s*(por|unit[áa]rio)|"
    r"доставка|гарантия|залог|от|цена\s*за)\b\W*(?:[A-Z]{1,3}\$?\W*)?$|"
    r"(送料|配送料|運費|运费|配送费|保証|保修|延保|押金|保証金|単価|单价|배송비|보증금?|단가)\W*(?:[A-Z]{1,3}\$?\W*)?$",
    re.I,
)
# ... or in the words just after it: "$3.99/oz", "¥500から", "¥99起", "$4.99 shipping".
_ADDON_AFTER = re.compile(
    r"^\W{0,3}(shipping|delivery|postage|versand|livraison|env[ií]o|spedizione|frete|доставка|"
    r"each|ea\.|per\s+\w+|je\s+\w+|pro\s+\w+|par\s+\w+|por\s+\w+|за\s+\w+)\b|"
    r"^\W{0,3}/\s*(\d+\s*)?(kg|g|l|ml|cl|oz|lb|m|m2|m²|st|stk|pcs|pc|unit|unit[ée]|unidad|ud|"
    r"st[üu]ck|pi[èe]ce|pezzo|unidade|each|ea|шт|100\s*g)\b|^\W{0,3}/\s*(個|件|개|枚|本)|"
    r"^\W{0,3}(から|起|부터|送料|运费|배송비)",
    re.I,
)
# A sum over several items or periods: "Total: $119.88", "$119.88 billed yearly".
_TOTAL_LABEL = re.compile(
    r"\b(total|subtotal|grand\s*total|billed(\s*(annually|yearly))?|gesamt(preis|summe|betrag)?|"
    r"summe|total\s*annuel|totale|importe\s*total|pre[çc]o\s*total|итого|всего)\b\W*(?:[A-Z]{1,3}\$?\W*)?$|"
    r"(合計|総額|年額|合计|总计|总价|합계|총액|연간)\W*(?:[A-Z]{1,3}\$?\W*)?$",
    re.I,
)
_TOTAL_AFTER = re.compile(
    r"^\W{0,3}(billed|charged|total|in\s*total|insgesamt|au\s*total|en\s*total|in\s*totale|"
    r"no\s*total|всего)\b|^\s*/\s*(yr|year|jahr|an|año|anno|ano|год|年)\b|"
    r"^\W{0,3}(per\s*year|a\s*year|annually|yearly|j[äa]hrlich|pro\s*jahr|par\s*an|al\s*a[ñn]o|"
    r"all.anno|por\s*ano|в\s*год)\b|^\W{0,3}(合計|/年|每年|年额|연간)",
    re.I,
)
# An earlier price written as words, not struck through: "Was $99", "Statt 99 €", "Antes".
_WAS_LABEL = re.compile(
    r"\b(was|list\s*price|regular(\s*price)?|reg\.?|originally|compare\s*at|rrp|msrp|statt|"
    r"bisher|vorher|uvp|avant|au\s*lieu\s*de|prix\s*barr[ée]|antes|precio\s*anterior|prima|"
    r"invece\s*di|de|pre[çc]o\s*antigo|старая\s*цена|была)\b\W*(?:[A-Z]{1,3}\$?\W*)?$|"
    r"(通常価格|参考価格|定価|原价|原價|划线价|정가|소비자가)\W*(?:[A-Z]{1,3}\$?\W*)?$",
    re.I,
)


# A price stated without VAT ("Brez DDV: 81.97 €", "excl. VAT", "netto", "HT"): the shopper
# pays the VAT-inclusive price shown beside it.
_EX_VAT = re.compile(
    r"\b(excl?\.?|excluding|exclusive|ex\.?|without|zonder|ohne|sans|sin|senza|bez|brez|utan|"
    r"uden|uten|ilman)\s*(of\s*)?(vat|tax|mwst|ust|tva|iva|btw|dph|ddv|pdv|moms|mva|alv|áfa)\b|"
    r"\bnetto\b|\b(prix\s*)?HT\b|\bnet\s*price\b",
    re.I,
)
# An auction's opening price: what bidding started at, not what the item sells for now.
_STARTING_PRICE = re.compile(
    r"\b(starting|start|opening|minimum|min\.?)\s*(price|bid)\b|\bstartpreis|\bstartgebot|"
    r"\bmindestgebot|\bprix\s*de\s*d[ée]part|\bmise\s*[àa]\s*prix|\bprecio\s*de\s*salida|"
    r"\bpuja\s*(inicial|m[ií]nima)|\bprezzo\s*(di\s*)?partenza|\bbase\s*d.asta|\blance\s*inicial|"
    r"\bcena\s*wywo[łl]awcza|\bvyvol[áa]vac[íi]\s*cena|\butropspris|\bstartbod|\bstartprijs|"
    r"起標價|起拍价|起拍價|開始価格",
    re.I,
)
# A label naming the amount beside it as the price ("Price:", "特價", "Preis"); words for an
# earlier or per-instalment price are not such labels.
_PRICE_LABEL = re.compile(
    r"price|preis|prix|precio|prezzo|preço|preco|cena|цена|ціна|fiyat|hinta|pris|prijs|"
    r"價|价|価格|가격",
    re.I,
)
_NOT_PRICE_LABEL = re.compile(
    r"\b(was|list|regular|before|original|old|rrp|uvp|msrp|statt|ab|from|per|unit)\b|"
    r"原價|原价|定價|定价|市價|市价|建議|参考|每期|分期|/月|每月",
    re.I,
)
_BARE_NUMBER = re.compile(r"^\s*\d(?:[\d.,'\s]*\d)?\s*$")
_SPLIT_PART = re.compile(r"^\s*\d[\d.,'\s]*$")
_CENTS = re.compile(r"\d{2}")
_NUMBER_GROUP = re.compile(r"\d[\d.,'\s]*")


@lru_cache(maxsize=4096)
def _says_price(attrs: str) -> bool:
    """Cached: pages repeat the same class strings thousands of times."""
    return bool(_PRICE_WORD.search(attrs))


class PriceCandidate(NamedTuple):
    score: float
    amount: Decimal
    currency: str
    old: bool  # crossed out, labelled as an earlier price, or an auction's starting price
    starting: bool  # labelled as an auction's starting price / opening bid
    text: str = ""  # the amount as the page writes it, for the evidence
    why: str = ""  # why it is not the current price ("crossed out", "shipping", ...); "" when it may be
    rejected: bool = False  # a saving, an add-on or a total: never the product's price


_SAVING, _ADDON, _TOTAL = "a saving or discount", "an add-on, unit or from-price", "a total"
_INLINE_TAGS = frozenset({"span", "small", "em", "b", "i", "strong", "sup", "sub", "abbr"})


def _context_reasons(label: str, after: str, text: str) -> tuple[list[str], set[str]]:
    """What the words around an amount say it is, when not the product's current price:
    (short reasons, the rejecting kinds among them). An earlier price is a reason but not a
    rejection (it may be the regular price)."""
    kinds: set[str] = set()
    if _SAVING_LABEL.search(label) or _SAVING_AFTER.search(after) or _SIGNED_OR_PERCENT.search(text):
        kinds.add(_SAVING)
    if _ADDON_LABEL.search(label) or _ADDON_AFTER.search(after):
        kinds.add(_ADDON)
    if _TOTAL_LABEL.search(label) or _TOTAL_AFTER.search(after):
        kinds.add(_TOTAL)
    reasons = sorted(kinds)
    if _WAS_LABEL.search(label):
        reasons.append("labelled as an earlier price")
    return reasons, kinds


def _words_after(el: lxml_html.HtmlElement) -> str:
    """The words just after a price: its tail, or a shown inline sibling's text ("<b>$4.99</b>
    <small>shipping</small>"); a hidden or block sibling says nothing about it."""
    tail = el.tail or ""
    following = el.getnext()
    if tail.strip() or following is None or following.tag not in _INLINE_TAGS:
        return tail[:40]
    if "none" in (following.get("style") or "") or following.get("hidden") is not None:
        return tail[:40]
    return (tail + (following.text or ""))[:40]


ALTERNATIVE_MIN_SCORE = 2.0  # a plausible price of its own (see extract.MIN_PRICE_SCORE)


def _keep_unless_alternative(scored: list[list]) -> None:
    """An add-on or from-price is rejected only when the page shows a larger current amount
    (the product it adds to); a total only when it shows a smaller one (the offer it sums).
    Otherwise the amount is all the page offers ("ab 99,12 €" on a page of sellers' offers)."""
    current = [r for r in scored if not r[3] and not r[9] and r[0] >= ALTERNATIVE_MIN_SCORE]
    for row in scored:
        kinds = row[10]
        if not kinds or _SAVING in kinds:
            continue
        larger = any(r[1] > row[1] for r in current)
        smaller = any(r[1] < row[1] for r in current)
        if (_ADDON in kinds and larger) or (_TOTAL in kinds and smaller):
            continue
        row[9] = False
        row[0] += 4.0
        row[8] = [w for w in row[8] if w not in kinds]


def price_candidates(
    doc: lxml_html.HtmlElement, heading: lxml_html.HtmlElement | None
) -> list[PriceCandidate]:
    """Visible prices, best first.

    A price element is one whose attributes say "price" (in several languages) or whose short
    own text carries a currency mark. It scores higher near the title (``heading``, measured
    in elements of document order) and lower when it sits in a related-products strip, a
    cart, or reads like a crossed-out, monthly or per-unit price. One pass over the tree with
    cheap filters first: this runs on every page.
    """
    found: list[tuple[int, lxml_html.HtmlElement, bool, str]] = []
    anchor = -1
    for position, el in enumerate(doc.iter(etree.Element)):
        if el is heading:
            anchor = position
        if el.tag in _SKIP_TAGS:
            continue
        by_attr = bool(el.attrib) and _says_price(_attrs(el))
        if not by_attr:
            own = el.text
            if not own or len(own) > 60:
                continue
            if not _HAS_DIGIT.search(own):
                # "$<span>99</span>": the mark in this element, the amount in a child.
                if len(el) > 2 or not _CURRENCY_MARK.search(own):
                    continue
                text = _price_text(el)
            else:
                text = _clean(own)
        else:
            text = _price_text(el)
        if not text or len(text) > 40 or not _HAS_DIGIT.search(text):
            continue
        found.append((position, el, by_attr, text))

    scored: list[list] = []  # [score, amount, currency, old, element, signature]
    for position, el, by_attr, text in found:
        mark = _CURRENCY_MARK.search(text)
        if mark is None and _SPLIT_PART.match(text):
            # "<b>294</b> 元", "NT$<span>294</span>": the mark written just outside the number.
            # A piece of a price split over elements (<whole>29.</whole><cents>99</cents>) is
            # no price of its own: the whole one is read from the elements around it.
            after, before = _text_after(el), _text_before(el)
            if _CENTS.fullmatch(after.strip()) or (
                _CENTS.fullmatch(text.strip()) and before.rstrip()[-1:] in (".", ",")
            ):
                continue
            if _BARE_NUMBER.match(text):
                mark = _MARK_AFTER.match(after) or _MARK_BEFORE.search(before)
        has_mark = mark is not None
        if not by_attr and not has_mark:
            continue
        if (by_attr and len(el) > 6) or len(_NUMBER_GROUP.findall(text)) > 1:
            continue  # a container of several prices (old + new, range): its parts compete
        amount, currency = parse_amount(text)
        if amount is None:
            continue
        currency = currency or (mark.group() if mark else "")
        distance = abs(position - anchor) if anchor >= 0 else position
        why: list[str] = []
        struck = _in_strike(el)
        old = struck or bool(_OLD_PRICE.search(_context_attrs(el, 2)))
        if old:
            why.append("crossed out" if struck else "marked as an earlier price")
        score = 4.0 * by_attr + 2.0 * has_mark - min(distance, 4000) / 400
        label = _lead_label(el, text)
        digits = _NUMBER_GROUP.search(text)
        after = (text[digits.end():] if digits else "") + " " + _words_after(el)
        reasons, kinds = _context_reasons(label[-30:], after.strip()[:30], text)
        rejected = bool(kinds)
        why.extend(reasons)
        starting = bool(_STARTING_PRICE.search(label))
        if starting:
            old = True  # an auction's opening price; the current bid is the price
            why.append("an auction's starting price")
        elif "labelled as an earlier price" in reasons:
            old = True
        elif _PRICE_LABEL.search(label) and not _NOT_PRICE_LABEL.search(label):
            score += 1.0
        if anchor >= 0 and position < anchor:
            score -= 1.0
        if _NOT_CURRENT.search(_context_attrs(el, 3)):
            score -= 3.0
            why.append("named as another kind of amount")
        if _ELSEWHERE.search(_context_attrs(el, 6)):
            score -= 4.0
            why.append("in a cart or related-products strip")
        if old:
            score -= 2.0
        if rejected:
            score -= 4.0
        if el.get("itemprop") == "price" or el.get("content"):
            score += 2.0
        if _in_product_card(el):
            score -= 3.0
            why.append("in another product's tile")
        scored.append([score, amount, currency, old, el, (el.tag, el.get("class") or "", distance),
                       starting, text, why, rejected, kinds])
    _keep_unless_alternative(scored)
    _demote_repeated(scored)
    _prefer_vat_inclusive(scored)
    scored.sort(key=lambda r: -r[0])
    return [PriceCandidate(r[0], r[1], r[2], r[3], r[6], r[7], ", ".join(dict.fromkeys(r[8])), r[9])
            for r in scored]


REPEATED_MIN = 3


def _demote_repeated(scored: list[list]) -> None:
    """Prices whose element shape (tag + class) repeats with several different amounts are a
    list of other products (tiles, a carousel, variant swatches); all but the one nearest the
    title lose ground."""
    groups: dict[tuple[str, str], list[list]] = {}
    for row in scored:
        tag, cls, _distance = row[5]
        if cls:
            groups.setdefault((tag, cls), []).append(row)
    for rows in groups.values():
        if len(rows) < REPEATED_MIN or len({r[1] for r in rows}) < REPEATED_MIN:
            continue
        nearest = min(rows, key=lambda r: r[5][2])
        for row in rows:
            if row is not nearest:
                row[0] -= 2.5
                row[8].append("one of a list of other products' prices")


def _label_text(el: lxml_html.HtmlElement) -> str:
    """The words around a price (its parent's first few text pieces): "excl. VAT 81.97"."""
    parent = el.getparent()
    scope = parent if parent is not None else el
    return _clean(" ".join(islice(scope.itertext(), 8)))[:160]


def _prefer_vat_inclusive(scored: list[list]) -> None:
    """A price labelled as excluding VAT is not what the shopper pays: it drops out, and a
    higher price in the same small block (the VAT-inclusive one, however its class is named)
    counts as the current price."""
    for row in scored:
        el = row[4]
        if not _EX_VAT.search(_label_text(el)):
            continue
        row[0] -= 6.0
        row[8].append("excluding VAT")
        block = el.getparent()
        for _ in range(3):
            if block is None:
                break
            block = block.getparent()
            if block is None:
                break
            inside = {id(x) for x in block.iter()}
            partners = [r for r in scored if r is not row and id(r[4]) in inside and r[1] > row[1]
                        and not _in_strike(r[4]) and not _EX_VAT.search(_label_text(r[4]))]
            if partners:
                for partner in partners:
                    if partner[3]:
                        partner[3] = False
                        partner[0] += 2.0
                        partner[8].clear()
                    partner[0] += 2.0
                break
