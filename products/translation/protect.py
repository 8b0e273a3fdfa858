"""The words a translation must carry over unchanged, and the check that proves it did.

A product fact such as "100% organic cotton, 180 gsm, $24" may be translated, but its figures
and names may not: prices, numbers with their units, percentages, model names ("WH-1000XM5",
"B5"), acronyms ("ANC", "USB-C"), trademarked words and the product's brand. Framework-free.

- ``protected_tokens(text, keep=...)`` lists them, in order, as written (whitespace collapsed).
- ``check(source, target, keep=...)`` compares the two lists as multisets and says what went
  missing or appeared: an empty list means the translation kept every figure and name, and
  added none. Every translation, whatever made it, passes this check or is refused.
- ``mask`` / ``unmask`` swap the tokens for numbered placeholders (``[[T1]]``) before a text is
  sent to a model that can follow them (an LLM), and put them back after; ``unmask`` raises
  ``PlaceholderError`` when the answer lost, repeated or invented a placeholder.

The match is deliberately strict: "180 gsm" written "180gsm", "$24" written "24 $", or "4.7"
written "4,7" are changes, and the fact keeps its source words (with a warning) rather than
risk a wrong figure in an ad.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

# Letters or digits of a Latin word: a token ends where these stop. (Python's \b treats a
# kana or a hanzi as a word character too, so "180 gsmの" would have no boundary.)
_L = r"(?<![A-Za-z0-9])"
_R = r"(?![A-Za-z0-9])"
_NUMBER = r"\d+(?:[.,\u00a0 ]\d{3})*(?:[.,]\d+)?"
_CURRENCY_SYMBOLS = (
    r"(?:US\$|A\$|C\$|NZ\$|HK\$|S\$|R\$|[$€£¥₩₹₽₺₪฿]|CHF|USD|EUR|GBP|JPY|CNY|RMB|AED|SAR|KRW|INR)"
)
_CURRENCY_AFTER = r"(?:[€$£¥₩₹₽₺₪฿]|CHF|USD|EUR|GBP|JPY|CNY|RMB|AED|SAR|KRW|INR|円|元|ドル|ユーロ)"
_UNITS = (
    "fl oz",
    "fl. oz",
    "km/h",
    "mph",
    "mAh",
    "kWh",
    "Wh",
    "kW",
    "W",
    "V",
    "A",
    "Hz",
    "kHz",
    "MHz",
    "GHz",
    "dB",
    "GB",
    "TB",
    "MB",
    "KB",
    "mm",
    "cm",
    "m",
    "km",
    "ft",
    "yd",
    "mg",
    "g",
    "kg",
    "gsm",
    "oz",
    "lb",
    "lbs",
    "ml",
    "mL",
    "cl",
    "l",
    "L",
    "h",
    "hr",
    "hrs",
    "min",
    "s",
    "ms",
    "°C",
    "°F",
    "°",
    "%",
    "K",
    "px",
    "ppi",
    "dpi",
    "fps",
    "x",
    "\u00d7",
    "pcs",
    "pc",
    "SPF",
)
_UNIT = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_PATTERNS = (
    rf"{_CURRENCY_SYMBOLS}\s?{_NUMBER}",  # $24, € 19,90, US$12
    rf"{_NUMBER}\s?{_CURRENCY_AFTER}",  # 19,90 €, 1200円
    rf"{_NUMBER}\s?(?:{_UNIT}){_R}",  # 180 gsm, 30 ml, 100%, 40 h
    r"[A-Za-z]+[™®]|[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)*[™®]",  # Tencel™
    rf"{_L}(?=[A-Za-z0-9-]*[A-Za-z])(?=[A-Za-z0-9-]*\d)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*{_R}",  # WH-1000XM5, B5
    rf"{_L}[A-Z]{{2,5}}(?:-[A-Z0-9]+)*{_R}",  # ANC, USB-C, LED
    rf"{_L}(?:[2-5]?X{{1,3}}[SL]|[SML]){_R}",  # clothing sizes: S, M, XL, 2XL
    rf"{_NUMBER}",  # any other number
)
_PLACEHOLDER = re.compile(r"\[\[T(\d+)\]\]")


class PlaceholderError(ValueError):
    """A translation lost, repeated or invented a ``[[Tn]]`` placeholder."""


def _pattern(keep: Iterable[str]) -> re.Pattern[str]:
    names = sorted({" ".join(k.split()) for k in keep if k and k.strip()}, key=len, reverse=True)
    parts = [re.escape(name) for name in names] + list(_PATTERNS)
    return re.compile("|".join(f"(?:{p})" for p in parts))


def protected_tokens(text: str, *, keep: Iterable[str] = ()) -> list[str]:
    """The figures and names in ``text``, in order, whitespace collapsed. ``keep``: names
    that must also survive (the brand), matched as written (case-sensitive)."""
    text = " ".join(text.replace("\u00a0", " ").split())
    return [" ".join(m.group(0).split()) for m in _pattern(keep).finditer(text)]


def check(source: str, target: str, *, keep: Iterable[str] = ()) -> list[str]:
    """What differs between the protected tokens of ``source`` and ``target``: one plain
    sentence per difference, empty when the translation kept them all and added none."""
    keep = tuple(keep)
    before, after = (
        Counter(protected_tokens(source, keep=keep)),
        Counter(protected_tokens(target, keep=keep)),
    )
    problems = [f"{token!r} is missing" for token in sorted((before - after).elements())]
    problems += [f"{token!r} was added" for token in sorted((after - before).elements())]
    return problems


def mask(text: str, *, keep: Iterable[str] = ()) -> tuple[str, list[str]]:
    """``text`` with each protected token replaced by ``[[T1]]``, ``[[T2]]``...; and the tokens.
    A text that already holds something like a placeholder is returned as it is (no tokens)."""
    if _PLACEHOLDER.search(text) or "[[" in text:
        return text, []
    tokens: list[str] = []

    def swap(match: re.Match[str]) -> str:
        tokens.append(match.group(0))
        return f"[[T{len(tokens)}]]"

    return _pattern(keep).sub(swap, text), tokens


def unmask(text: str, tokens: list[str]) -> str:
    """Put ``tokens`` back in place of their placeholders. Each must appear exactly once."""
    found = [int(n) for n in _PLACEHOLDER.findall(text)]
    expected = list(range(1, len(tokens) + 1))
    if sorted(found) != expected:
        missing = sorted(set(expected) - set(found))
        extra = sorted(n for n, c in Counter(found).items() if c > 1 or n not in expected)
        raise PlaceholderError(
            "the translation "
            + "; ".join(
                filter(
                    None,
                    [
                        f"lost {', '.join(repr(tokens[n - 1]) for n in missing)}"
                        if missing
                        else "",
                        f"repeated or invented placeholder(s) {extra}" if extra else "",
                    ],
                )
            )
        )
    return _PLACEHOLDER.sub(lambda m: tokens[int(m.group(1)) - 1], text)


def only_protected(text: str, *, keep: Iterable[str] = ()) -> bool:
    """True when ``text`` has no words to translate: only figures, names and punctuation
    ("XL", "180 gsm", "WH-1000XM5")."""
    rest = _pattern(keep).sub(" ", text)
    return not re.search(r"[^\W\d_]", rest)
