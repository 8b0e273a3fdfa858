"""Whether the product is in stock, from what the page shows near the product.

It decides InStock / OutOfStock (or "" when the page doesn't say): first from a short
stock message in an element named for it (``stock_status``), else from the buy-box
buttons (an "Add to cart" button that is disabled means out of stock) and the stock words
around the title (``availability_from_text``), else from an enabled buy button anywhere
outside related-product strips (``_has_buy_button``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree
from lxml import html as lxml_html

from .text import _ELSEWHERE, _SKIP_TAGS, _clean, _context_attrs, _in_product_card

_OUT_OF_STOCK = re.compile(
    r"out[ -]of[ -]stock|sold[ -]out|(currently|temporarily) (unavailable|not available)|"
    r"no longer available|ausverkauft|nicht (mehr )?(verf[üu]gbar|lieferbar|auf lager|vorr[äa]tig)|"
    r"[ée]puis[ée]|rupture de stock|indisponible|non disponible|no disponible|agotado|sin stock|"
    r"esaurito|non disponibile|esgotado|indispon[íi]vel|uitverkocht|niet (op voorraad|leverbaar)|"
    r"slutsåld|ikke på lager|inte i lager|wyprzedane|niedostępny|brak w magazynie|"
    r"nen[íi] skladem|nie je na sklade|vypredan|nema na (stanju|zalihi)|ni na zalogi|"
    r"нет в наличии|немає в наявності|stokta yok|tükendi|"
    r"在庫切れ|売り切れ|缺货|售罄|已售完|품절",
    re.I,
)
_IN_STOCK = re.compile(
    r"add to (cart|bag|basket|trolley)|buy now|in stock|in den warenkorb|sofort lieferbar|"
    r"auf lager|lieferbar|vorr[äa]tig|ajouter au panier|en stock|añadir al carrito|"
    r"agregar al carrito|aggiungi al carrello|disponibile|in magazzino|adicionar ao carrinho|"
    r"em estoque|dispon[íi]vel|disponible|in winkelwagen|op voorraad|på lager|i lager|köp|"
    r"do koszyka|na stanie|dostępny|skladem|na sklade|na stanju|na zalogi|dobavljivo|raktáron|"
    r"в наличии|в наявності|stokta|カートに入れる|在庫あり|加入购物车|有货|現貨|재고 있음|"
    r"\bavailable\b",
    re.I,
)
# "Image not available for this colour" is about a photo, not stock.
_ABOUT_IMAGE = re.compile(r"image|imagen|immagine|imagem|bild|abbildung|afbeelding|foto|photo|"
                          r"picture|obrázek|zdjęcie|изображение|画像|图片", re.I)


# Elements that state stock (id="availability", class="stock-status"...).
_STOCK_ATTR = re.compile(r"availab|stock|lager|dispon|inventory|verfueg|verfüg|skladem", re.I)


@lru_cache(maxsize=4096)
def _says_stock(value: str) -> bool:
    return bool(_STOCK_ATTR.search(value))


def stock_status(doc: lxml_html.HtmlElement, heading: lxml_html.HtmlElement | None) -> str:
    """InStock / OutOfStock from a short stock message in an element named for it
    (``<div id="availability">In stock.</div>``), the one nearest the title; "" when none."""
    found: list[tuple[int, str]] = []
    anchor = -1
    for position, el in enumerate(doc.iter(etree.Element)):
        if el is heading:
            anchor = position
        cls, ident = el.get("class"), el.get("id")
        if not ((cls and _says_stock(cls)) or (ident and _says_stock(ident))
                or (el.get("itemprop") or "").lower() == "availability"):
            continue
        if el.tag in _SKIP_TAGS:
            continue
        text = _clean(el.text_content())
        if not text or len(text) > 120 or _ABOUT_IMAGE.search(text):
            continue
        if _OUT_OF_STOCK.search(text):
            state = "OutOfStock"
        elif _IN_STOCK.search(text):
            state = "InStock"
        else:
            continue
        if _ELSEWHERE.search(_context_attrs(el, 6)):
            continue
        found.append((position, state))
    if not found:
        return ""
    if anchor < 0:
        return found[0][1]
    return min(found, key=lambda f: abs(f[0] - anchor))[1]


def _is_disabled(button: lxml_html.HtmlElement) -> bool:
    return button.get("disabled") is not None or button.get("aria-disabled") == "true"


def availability_from_text(doc: lxml_html.HtmlElement, heading: lxml_html.HtmlElement | None) -> str:
    """InStock / OutOfStock from buy-box words near the title; "" when the page doesn't say.

    A stock message in an element named for it wins; else the buy-box buttons (an "Add to
    cart" button that is disabled means out of stock), else the words around the title."""
    status = stock_status(doc, heading)
    if status:
        return status
    area = heading
    for _ in range(4):  # climb to a container that holds the buy box
        if area is None or area.getparent() is None:
            break
        area = area.getparent()
        if len(_clean(area.text_content())) > 3000:
            break
    scope = area if area is not None else doc
    own_buttons = [b for b in scope.iter("button", "input")
                   if not _ELSEWHERE.search(_context_attrs(b, 6))]
    buttons = " ".join(
        _clean(b.text_content()) + " " + (b.get("value") or "")
        for b in own_buttons
        if not _is_disabled(b)
    )
    disabled = " ".join(
        _clean(b.text_content()) + " " + (b.get("value") or "")
        for b in own_buttons
        if _is_disabled(b)
    )
    if _IN_STOCK.search(disabled) and not _IN_STOCK.search(buttons):
        return "OutOfStock"
    # Stock messages are short labels; a long sentence that mentions stock ("if no price is
    # shown the item is out of stock") is not one.
    parts: list[str] = []
    for node in scope.xpath(".//text()[normalize-space()]")[:600]:
        part = _clean(node)
        if len(part) > 80 or not (_OUT_OF_STOCK.search(part) or _IN_STOCK.search(part)):
            continue
        parent = node.getparent()
        if parent is not None and _ELSEWHERE.search(_context_attrs(parent, 6)):
            continue  # a related product's stock or button
        parts.append(part)
    text = " | ".join(parts)
    if _OUT_OF_STOCK.search(buttons) or (_OUT_OF_STOCK.search(text) and not _IN_STOCK.search(buttons)):
        return "OutOfStock"
    if _IN_STOCK.search(buttons) or _IN_STOCK.search(text):
        return "InStock"
    return "InStock" if _has_buy_button(doc) else ""


_BUY = re.compile(
    r"add to (cart|bag|basket|trolley)|buy( it)? now|^buy$|in den warenkorb|jetzt kaufen|^kaufen$|"
    r"ajouter au panier|^acheter$|añadir al (carrito|carro)|agregar al carrito|^comprar$|"
    r"aggiungi al carrello|^acquista$|adicionar ao carrinho|in winkelwagen|^köp$|l[äa]gg i varukorg|"
    r"do koszyka|do ko[šs][íi]ka|^k[úu]pi[ťt]?$|^kupi$|v ko[šs]arico|u ko[šs]aricu|"
    r"в корзину|^купить$|sepete ekle|カートに入れる|加入購物車|加入购物车|立即購買|立即购买|장바구니|구매하기",
    re.I,
)


def _has_buy_button(doc: lxml_html.HtmlElement) -> bool:
    """An enabled buy / add-to-cart button outside related-product strips: the product can be
    bought, so it is in stock."""
    for el in doc.iter("button", "input", "a"):
        if _is_disabled(el):
            continue
        if el.tag == "a" and not re.search(r"btn|button|cart|buy", el.get("class") or "", re.I):
            continue
        if el.tag == "input" and (el.get("type") or "").lower() not in ("submit", "button"):
            continue
        label = _clean(el.text_content() if el.tag != "input" else el.get("value"))
        if not label or len(label) > 40 or not _BUY.search(label):
            continue
        if _ELSEWHERE.search(_context_attrs(el, 6)) or _in_product_card(el):
            continue
        return True
    return False
