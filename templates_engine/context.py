"""Turn a scraped product dict into the facts an ad may state and the context copy renders with.

Only what the page said goes in: prices as the page gave them (formatted with Babel for the
ad's locale), features from the page's bullets or, failing that, its description's sentences.
Nothing here invents a claim.
"""

# ruff: noqa: RUF001 - full-width and typographic punctuation here is deliberate (CJK text)

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale
from babel.numbers import format_currency, format_decimal

# A bullet longer than this is a paragraph, not a selling point (captions cut the rest);
# a description sentence must be shorter still to stand in for a bullet.
_MAX_FEATURE_WORDS = 40
_MAX_FEATURE_CJK_CHARS = 80
_MAX_SENTENCE_WORDS = 14
_MAX_SENTENCE_CJK_CHARS = 30
_SHORT_TITLE_CHARS = 34
_SHORT_TITLE_CJK_CHARS = 12
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", ", ", " (", ": ", "｜", "（", "，")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")
_BULLET = re.compile(r"^[\s\-•*·–—✓✔]+")
# A pack size at the end of a title ("Serum 30 ml") is variant detail, not the name.
_SIZE_TAIL = re.compile(r"\s+\d+(?:[.,]\d+)?\s*(?:ml|l|cl|g|kg|oz|fl\.? ?oz|cm|mm|pcs|pack)\.?$", re.I)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]")
# A review count is stated from this many reviews on ("from 1 reviews" is neither grammar
# nor social proof); below it, scenes use their copy without the count.
MIN_REVIEWS_TO_STATE = 2
# The picker prefers a social-proof structure only for a rating worth showing: at least this
# share of the scale (4 of 5) from at least this many reviews.
STRONG_RATING_SHARE = Decimal("0.8")
STRONG_RATING_REVIEWS = 20


@dataclass(frozen=True)
class ProductFacts:
    """The parts of a product an ad uses, parsed and cleaned once."""

    title: str
    short_title: str
    brand: str
    currency: str
    price: Decimal | None
    regular_price: Decimal | None  # only kept when it is above ``price`` (a real sale)
    features: tuple[str, ...]
    features_from_description: bool
    image_count: int
    in_stock: bool
    # The page's aggregateRating; None when the page states none (never estimated).
    rating: Decimal | None = None
    rating_scale: Decimal | None = None
    review_count: int | None = None

    @property
    def strong_rating(self) -> bool:
        """A rating worth leading with: 4/5 or better from enough reviews."""
        return (
            self.rating is not None and self.rating_scale is not None
            and self.rating >= self.rating_scale * STRONG_RATING_SHARE
            and (self.review_count or 0) >= STRONG_RATING_REVIEWS
        )

    @property
    def has_sale(self) -> bool:
        return self.price is not None and self.regular_price is not None

    @property
    def discount_percent(self) -> int | None:
        if not self.has_sale:
            return None
        assert self.price is not None and self.regular_price is not None
        return int(((self.regular_price - self.price) / self.regular_price * 100).to_integral_value())


def product_facts(product: dict[str, Any]) -> ProductFacts:
    """Read the ``ExtractedProduct.to_json()`` shape; missing keys are treated as absent."""
    title = _clean(product.get("title"))
    brand = _clean(product.get("brand"))
    currency = _clean(product.get("currency")).upper()
    price = _decimal(product.get("price"))
    if not currency:
        price = None  # a number without a currency cannot be stated truthfully
    regular = _decimal(product.get("regular_price"))
    if price is None or regular is None or regular <= price:
        regular = None
    features, from_description = _features(product)
    rating, scale, reviews = _rating(product)
    availability = _clean(product.get("availability")).lower()
    return ProductFacts(
        title=title,
        short_title=short_title(title, brand),
        brand=brand,
        currency=currency,
        price=price,
        regular_price=regular,
        features=features,
        features_from_description=from_description,
        image_count=len(product.get("images") or []),
        in_stock=availability not in {"outofstock", "soldout", "discontinued"},
        rating=rating,
        rating_scale=scale,
        review_count=reviews,
    )


def _rating(product: dict[str, Any]) -> tuple[Decimal | None, Decimal | None, int | None]:
    """The page's rating, its scale (5 when not given) and review count, or Nones. A rating
    outside its scale is not a rating the ad can repeat."""
    rating = _decimal(product.get("rating"))
    scale = _decimal(product.get("rating_scale")) or Decimal(5)
    if rating is None or rating > scale:
        return None, None, None
    try:
        reviews = int(product.get("review_count")) if product.get("review_count") is not None else None
    except (TypeError, ValueError):
        reviews = None
    if reviews is not None and reviews < 1:
        return None, None, None  # "4.8 from 0 reviews" is no rating at all
    return rating, scale, reviews


def copy_context(facts: ProductFacts, *, locale: str, cta: str) -> dict[str, Any]:
    """The only names a copy template sees. Price keys are present only when known, so a
    template that needs one fails loudly instead of printing an empty price."""
    ctx: dict[str, Any] = {
        "title": facts.title,
        "short_title": facts.short_title,
        "brand": facts.brand,
        "currency": facts.currency,
        "features": list(facts.features),
        "cta": cta,
        "has_sale": facts.has_sale,
        "in_stock": facts.in_stock,
    }
    if facts.price is not None:
        ctx["price"] = format_price(facts.price, facts.currency, locale)
    if facts.has_sale:
        assert facts.regular_price is not None and facts.price is not None
        ctx["regular_price"] = format_price(facts.regular_price, facts.currency, locale)
        ctx["savings"] = format_price(facts.regular_price - facts.price, facts.currency, locale)
        ctx["discount_percent"] = facts.discount_percent
    if facts.rating is not None and facts.rating_scale is not None:
        ctx["rating"] = format_number(facts.rating, locale)
        ctx["rating_scale"] = format_number(facts.rating_scale, locale)
        if facts.review_count is not None and facts.review_count >= MIN_REVIEWS_TO_STATE:
            ctx["review_count"] = format_number(Decimal(facts.review_count), locale)
    return ctx


def format_number(value: Decimal, locale: str) -> str:
    """A rating or a count as ``locale`` writes numbers: 4.7 / 4,7, 1,284 / 1.284 / 1 284."""
    value = value.normalize()
    digits = max(0, -value.as_tuple().exponent)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=Locale.parse(locale))


def format_price(amount: Decimal, currency: str, locale: str) -> str:
    """Babel's currency format for ``locale``, without ``.00`` on whole amounts ($29, 29 €),
    which is how ads write prices; cents are always kept when there are any."""
    loc = Locale.parse(locale)
    if amount == amount.to_integral_value():
        pattern = loc.currency_formats["standard"].pattern.split(";")[0]
        pattern = re.sub(r"0[.,]0+", "0", pattern)
        return format_currency(amount, currency, format=pattern, locale=loc, currency_digits=False)
    return format_currency(amount, currency, locale=loc)


def short_title(title: str, brand: str = "") -> str:
    """The product's name as people would say it: the title without the brand prefix and the
    variant tail ("Aurora Tee - White, Size M" → "Aurora Tee"). Always a piece of the title."""
    text = title
    if brand and text.lower().startswith(brand.lower() + " ") and len(text) > len(brand) + 3:
        text = text[len(brand):].strip()
    for sep in _TITLE_SEPARATORS:
        head = text.split(sep)[0].strip()
        if head and len(head) >= 3:
            text = head
    text = _SIZE_TAIL.sub("", text) or text
    cjk = _CJK.search(text) is not None
    limit = _SHORT_TITLE_CJK_CHARS if cjk else _SHORT_TITLE_CHARS
    out: list[str] = []
    for word in text.split():
        if out and len(" ".join([*out, word])) > limit:
            break
        out.append(word)
    return " ".join(out)[:limit] if cjk else " ".join(out)


def _features(product: dict[str, Any]) -> tuple[tuple[str, ...], bool]:
    feats = [_clean_feature(f) for f in product.get("features") or [] if isinstance(f, str)]
    feats = [f for f in dict.fromkeys(feats) if f and _feature_sized(f)]
    if feats:
        return tuple(feats), False
    sentences = _SENTENCE_END.split(_clean(product.get("description")))
    from_desc = [_clean_feature(s) for s in sentences]
    from_desc = [
        s for s in dict.fromkeys(from_desc)
        if s and _feature_sized(s, 3, _MAX_SENTENCE_WORDS, _MAX_SENTENCE_CJK_CHARS)
    ]
    return tuple(from_desc[:5]), bool(from_desc)


def _feature_sized(
    text: str, min_words: int = 1, max_words: int = _MAX_FEATURE_WORDS,
    max_cjk: int = _MAX_FEATURE_CJK_CHARS,
) -> bool:
    if _CJK.search(text):
        return 2 <= len(text) <= max_cjk
    return min_words <= len(text.split()) <= max_words


def _clean_feature(text: str) -> str:
    text = _BULLET.sub("", _clean(text))
    return text.rstrip(" .;:,。；：，")


def _clean(value: Any) -> str:
    return " ".join(str(value).split()) if value else ""


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount > 0 else None
