"""What a voice is given to say: a line as written → the parts a voice can read aloud.

espeak-ng reads some scripts badly as written, measured with ``espeak-ng -q -x``:

- Japanese: its ``ja`` voice reads only kana; every kanji comes out as the English words
  "Chinese letter", most katakana as "Japanese letter", and a Latin word ("Northwind") is
  spelled out letter by letter. So kanji and katakana are turned into hiragana first with
  pykakasi (its dictionary ships in the wheel: offline, no model to fetch).
- Chinese: the ``cmn`` voice ("latin as English") says a good share of characters as their
  pinyin spelled in English ("要" → "y-a-four"); ``cmn-latn-pinyin`` says the characters right
  but reads Latin words as pinyin. So Han text goes to ``cmn-latn-pinyin``.
- Latin-script runs inside ja/zh lines (brand and model names: "Northwind", "USB-C") are read
  by the English voice, as a run of their own. A Japanese or Chinese listener knows a brand
  by its English sound (ads say it so); a katakana guess needs a dictionary of every brand,
  and spelling letters is what made the line unintelligible.
- Numbers and prices are written for speech in ja/zh: thousands separators dropped (espeak
  pauses at "1,284"), a decimal point said ("4.7" → 4てん7 / 4点7, else it says "four seven"),
  "$24" → 24ドル / 24美元 (espeak drops the "$"), "%" said in the language.

Arabic gets its prices said in Arabic ("24 US$" → "24 دولار"; espeak says "U S dollar" in
English). Other languages go to their voice as written (they read their own script and
switch to English for Latin words by themselves).

Each part keeps, per character it says, the index of the written character it came from, so
word timings map back to the words on screen (``espeak`` uses it; ``wordsync`` then matches).
"""

# ruff: noqa: RUF001 - full-width and typographic marks here are deliberate (CJK text)

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

LATIN_VOICE = "en-us"

# A run of Latin-script words ("Aurora Organic Cotton Tee", "USB-C"): starts with a letter;
# a dot only inside ("Dr.Jart" yes, a sentence's full stop no).
_LATIN_RUN = re.compile(
    r"[A-Za-z](?:[A-Za-z0-9'’&+-]|\.(?=[A-Za-z]))*"
    r"(?:[ \u00a0]+[A-Za-z0-9](?:[A-Za-z0-9'’&+-]|\.(?=[A-Za-z]))*)*"
    r"(?![A-Za-z0-9'’&+$-])"  # whole runs only; "US$24" is a price, said in the language
)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")

# Spoken forms of numbers and prices: (pattern, replacement with \1 for the number).
_CURRENCY_WORDS = {
    "ja": {"$": "ドル", "US$": "ドル", "€": "ユーロ", "£": "ポンド", "¥": "円", "￥": "円"},
    "zh": {"$": "美元", "US$": "美元", "€": "欧元", "£": "英镑", "¥": "元", "￥": "元"},
    "ar": {"$": "دولار", "US$": "دولار", "€": "يورو", "£": "جنيه"},
}
_DECIMAL_POINT = {"ja": "てん", "zh": "点"}
_NUMBER = r"(\d+(?:\.\d+)?)"


@dataclass(frozen=True)
class Part:
    """Text for one voice; ``origin[i]`` is where ``text[i]`` came from in the written line."""

    text: str
    voice: str
    origin: tuple[int, ...]


def _base(language: str) -> str:
    lang = language.lower()
    if lang in ("yue", "zh-hk"):
        return "yue"
    return lang.split("-")[0]


class _Chars:
    """A string being rewritten, each character carrying its written position."""

    def __init__(self, text: str, origin: list[int]) -> None:
        self.text, self.origin = text, origin

    def sub(self, pattern: str, repl) -> None:
        out, origin, pos = [], [], 0
        for m in re.finditer(pattern, self.text):
            out.append(self.text[pos : m.start()])
            origin.extend(self.origin[pos : m.start()])
            new = m.expand(repl) if isinstance(repl, str) else repl(m)
            out.append(new)
            origin.extend([self.origin[m.start()]] * len(new))
            pos = m.end()
        out.append(self.text[pos:])
        origin.extend(self.origin[pos:])
        self.text, self.origin = "".join(out), origin


def _say_numbers(chars: _Chars, lang: str) -> None:
    """Numbers, prices and percentages as they are said in ``lang`` (ja, zh; ar: prices)."""
    chars.sub(r"(?<=\d)[,\u00a0\u202f](?=\d{3}(?!\d))", "")  # 1,284 → 1284
    chars.sub(r"(\d+)\.00\b", r"\1")  # 24.00 → 24
    words = _CURRENCY_WORDS[lang]
    gap = " " if lang == "ar" else ""
    for symbol in sorted(words, key=len, reverse=True):
        s = re.escape(symbol)
        say = lambda m, w=words[symbol]: m.group(1) + gap + w  # noqa: E731
        chars.sub(rf"{s}[\s\u00a0\u200f]?{_NUMBER}", say)
        chars.sub(rf"{_NUMBER}[\s\u00a0\u200f]?{s}", say)
    if lang == "ar":
        return  # "US$" said "U S dollar" in English; the rest espeak's ar voice reads
    if lang == "zh":
        chars.sub(rf"{_NUMBER}\s?[%％]", r"百分之\1")
    else:
        chars.sub(r"[%％]", "パーセント")
    point = _DECIMAL_POINT[lang]
    chars.sub(r"(\d)\.(\d)", rf"\1{point}\2")


@cache
def _kakasi():
    import pykakasi  # a dictionary of ~20 MB in memory: loaded once, on the first ja line

    return pykakasi.kakasi()


def _hiragana(chars: _Chars) -> _Chars:
    """Kanji and katakana → hiragana (pykakasi), positions kept per converted word."""
    out, origin, pos = [], [], 0
    for item in _kakasi().convert(chars.text):
        orig, hira = item["orig"], item["hira"]
        at = chars.origin[pos] if pos < len(chars.origin) else (chars.origin or [0])[-1]
        if hira == orig:
            out.append(orig)
            origin.extend(chars.origin[pos : pos + len(orig)])
        else:
            out.append(hira)
            origin.extend([at] * len(hira))
        pos += len(orig)
    return _Chars("".join(out), origin)


def parts(text: str, language: str, voice: str) -> list[Part]:
    """The line as the parts to speak, in order. ``voice`` is the language's espeak voice;
    for ja and zh, Latin-script runs go to ``LATIN_VOICE`` and the rest is rewritten for
    speech (see the module's docstring). Other languages: one part, as written."""
    lang = _base(language)
    if lang == "ar":
        chars = _Chars(text, list(range(len(text))))
        _say_numbers(chars, lang)
        return [Part(chars.text, voice, tuple(chars.origin))]
    if lang not in ("ja", "zh", "yue") or not text:
        return [Part(text, voice, tuple(range(len(text))))]
    out: list[Part] = []
    pos = 0
    for m in _LATIN_RUN.finditer(text):
        out.extend(_native(text, pos, m.start(), lang, voice))
        if m.group().strip():
            out.append(Part(m.group(), LATIN_VOICE, tuple(range(m.start(), m.end()))))
        pos = m.end()
    out.extend(_native(text, pos, len(text), lang, voice))
    return out


def _native(text: str, start: int, end: int, lang: str, voice: str) -> list[Part]:
    chunk = text[start:end]
    if not any(ch.isalnum() for ch in chunk):
        return []  # punctuation or spaces alone: nothing to say
    chars = _Chars(chunk, list(range(start, end)))
    if lang in ("ja", "zh"):
        _say_numbers(chars, lang)
    if lang == "ja":
        chars = _hiragana(chars)
    return [Part(chars.text, voice, tuple(chars.origin))]


def has_kanji(text: str) -> bool:
    """Whether ``text`` holds a Han character (what the ja voice cannot read)."""
    return bool(_HAN.search(text))
