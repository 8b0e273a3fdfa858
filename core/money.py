"""Prices and currencies: turn what shops write into ``Decimal`` + ISO 4217 code.

price-parser does the hard part (thousand/decimal separators in every locale, symbols before
or after). This module adds what it lacks: clean machine values from structured data are read
exactly, and currency symbols become ISO codes, with ambiguous ones ("$", "kr", "¥") decided
by the page's own hints (declared currency, language, domain) before falling back.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from price_parser import Price

_MACHINE_NUMBER = re.compile(r"^\s*-?\d+(\.\d+)?\s*$")
_ISO = re.compile(r"^[A-Z]{3}$")
# "1e308", "1,5e3": no shop writes a price in scientific notation, and price-parser would read
# the mantissa alone ("$1"). Refused rather than guessed.
_EXPONENT = re.compile(r"\d\s*[eE]\s*[+-]?\d")
# The smallest amount a price can be: below one hundredth it would be stored as 0.00.
_SMALLEST = Decimal("0.01")

# Unambiguous symbols and local abbreviations.
_SYMBOLS = {
    "€": "EUR", "£": "GBP", "₹": "INR", "₩": "KRW", "₺": "TRY", "₽": "RUB", "₴": "UAH",
    "₪": "ILS", "₫": "VND", "฿": "THB", "₱": "PHP", "zł": "PLN", "pln": "PLN", "kč": "CZK",
    "ft": "HUF", "lei": "RON", "r$": "BRL", "us$": "USD", "usd$": "USD", "c$": "CAD",
    "ca$": "CAD", "cad$": "CAD", "a$": "AUD", "au$": "AUD", "nz$": "NZD", "hk$": "HKD",
    "s$": "SGD", "mx$": "MXN", "руб": "RUB", "руб.": "RUB", "р.": "RUB", "tl": "TRY",  # noqa: RUF001
    "chf": "CHF", "fr.": "CHF", "rm": "MYR", "lv": "BGN", "₸": "KZT", "тг": "KZT", "тг.": "KZT",
    "원": "KRW", "ر.س": "SAR", "ر.س.": "SAR", "د.إ": "AED",
    "лв": "BGN", "лв.": "BGN", "kn": "HRK", "din": "RSD", "円": "JPY",
    "￥": "JPY", "rp": "IDR", "grn": "UAH", "грн": "UAH", "sar": "SAR", "aed": "AED",
}
# Ambiguous symbols: decided by the shop's country where we can tell, else the usual default.
_DOLLAR_BY_COUNTRY = {
    "ca": "CAD", "au": "AUD", "nz": "NZD", "sg": "SGD", "hk": "HKD", "mx": "MXN",
    "ar": "ARS", "cl": "CLP", "co": "COP", "tw": "TWD",
}
# Codes withdrawn without a change of value that shops' feeds still send.
_RENAMED = {"RUR": "RUB"}
_RUPEE_BY_COUNTRY = {"pk": "PKR", "lk": "LKR", "np": "NPR", "mu": "MUR", "sc": "SCR"}
_KRONE_BY_COUNTRY = {"se": "SEK", "sv": "SEK", "no": "NOK", "nb": "NOK", "nn": "NOK",
                     "dk": "DKK", "da": "DKK", "is": "ISK"}


def country_hints(*, url: str = "", language: str = "") -> tuple[str, ...]:
    """Two-letter hints (domain TLD, language region, language) used to pick a currency."""
    hints: list[str] = []
    host = re.sub(r"^[a-z]+://", "", url.lower()).split("/", 1)[0].split(":", 1)[0]
    if "." in host:
        hints.append(host.rsplit(".", 1)[1])
    lang = language.lower().replace("_", "-")
    if "-" in lang:
        hints.append(lang.split("-", 1)[1][:2])
    if lang:
        hints.append(lang[:2])
    return tuple(hints)


def currency_code(raw: str | None, *, hints: tuple[str, ...] = ()) -> str:
    """ISO 4217 code for a currency written as a code or symbol; "" when unknown."""
    if not raw:
        return ""
    text = str(raw).strip()
    low = text.lower()
    if low in _SYMBOLS:
        return _SYMBOLS[low]
    if _ISO.match(text.upper()) and text.isascii() and text.isalpha():
        return _RENAMED.get(text.upper(), text.upper())
    if low in ("$", "dollar", "dollars"):
        return next((_DOLLAR_BY_COUNTRY[h] for h in hints if h in _DOLLAR_BY_COUNTRY), "USD")
    if low in ("kr", "kr.", ":-"):
        return next((_KRONE_BY_COUNTRY[h] for h in hints if h in _KRONE_BY_COUNTRY), "SEK")
    if low in ("rs", "rs.", "rupees"):
        return next((_RUPEE_BY_COUNTRY[h] for h in hints if h in _RUPEE_BY_COUNTRY), "INR")
    if low == "元":  # yuan; also what Taiwan and Hong Kong call their dollar
        return "TWD" if "tw" in hints else "HKD" if "hk" in hints else "CNY"
    if low == "¥":
        return "CNY" if any(h in ("cn", "zh") for h in hints) else "JPY"
    return ""


def parse_amount(value: object, *, currency_hint: str = "") -> tuple[Decimal | None, str]:
    """Read a price value from structured data or page text.

    Returns ``(amount, currency symbol/code as written)``; the amount is ``None`` when the
    value holds no number or a number that cannot be a price. Zero counts as "no price":
    shops put 0 in their markup when the real price is not loaded or the item is unavailable.
    """
    if value is None or isinstance(value, bool):
        return None, ""
    if isinstance(value, int | float):
        return _positive(Decimal(str(value))), ""
    text = str(value).strip()
    if not text:
        return None, ""
    if _MACHINE_NUMBER.match(text):
        return _positive(Decimal(text)), ""
    if len(text) > 80 or _EXPONENT.search(text):
        return None, ""
    parsed = Price.fromstring(text, currency_hint=currency_hint or None)
    if parsed.amount is None:
        return None, ""
    return _positive(parsed.amount), (parsed.currency or "")


def _positive(amount: Decimal) -> Decimal | None:
    try:
        if amount < _SMALLEST or amount > Decimal("100000000"):
            return None
    except InvalidOperation:  # NaN / sNaN spelled in the data
        return None
    return amount
