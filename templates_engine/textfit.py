"""Make copy fit: captions into two short lines, voiceovers into the time a scene lasts.

Widths are counted in "Latin character" units where a full-width (CJK) character counts as
42/16 units, so one rule (42 units a line) gives 42 Latin or 16 Chinese characters and handles
mixed lines ("全新 Aurora Tee"). The renderer should wrap with ``wrap_caption`` so what the
builder measured is what the viewer sees.
"""

# ruff: noqa: RUF001 - full-width and typographic punctuation here is deliberate (CJK text)

from __future__ import annotations

import re
import unicodedata

from templates_engine.languages import PACE_BASE, is_cjk_language, voice_pace

LINE_UNITS = 42.0
MAX_LINES = 2
_WIDE_UNITS = LINE_UNITS / 16

# Nothing may be left hanging at the end of a cut-short text.
_DANGLING = ",;:-–—/&+(·、，；：（「『《“‘\"'،؛"
_DANGLING_WORDS = {
    "en": {"and", "or", "with", "for", "the", "a", "an", "of", "to", "in", "on", "your", "by", "at", "only", "just", "from"},
    "es": {"y", "o", "con", "para", "el", "la", "los", "las", "de", "del", "un", "una", "tu", "en", "por", "a", "al", "solo", "desde"},
    "pt": {"e", "ou", "com", "para", "o", "a", "os", "as", "de", "do", "da", "um", "uma", "seu", "sua", "em", "por", "só"},
    "it": {"e", "o", "con", "per", "il", "lo", "la", "i", "gli", "le", "di", "del", "della", "un", "una", "tuo", "tua", "in", "a", "da", "solo"},
    "fr": {"et", "ou", "avec", "pour", "le", "la", "les", "de", "du", "des", "un", "une", "ton", "ta", "votre", "en", "par", "à", "au", "dès"},
    "de": {"und", "oder", "mit", "für", "der", "die", "das", "den", "dem", "des", "ein", "eine", "dein", "deine", "in", "im", "von", "zu", "nur", "ab"},
    "ar": {"و", "أو", "مع", "من", "في", "على", "إلى", "عن"},
}
# A closing mark never starts a line (kinsoku): it stays with the character before it.
_NO_LINE_START = set("，。、；：！？）」』》”’,.;:!?)%")
# Spaces break lines; no-break spaces (Babel puts one in "24 US$") do not.
_SPACE = re.compile(r"[ \t\r\n\f\v]+")
_TOKEN = re.compile(r"[^ \t\r\n\f\v\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+|\S")
# Where a voiceover may be cut: just before the mark that ends a sentence or a clause.
# ASCII marks only count when a space follows, so "29,99" and "3.5" stay whole.
_BOUNDARY = re.compile(r"[。！？，；、،؛؟]|[.!?,;](?=\s|$)")
_SENTENCE_END = set(".!?。！？؟")


def squash(text: str) -> str:
    """Collapse runs of breaking whitespace to one space; no-break spaces are kept."""
    return _SPACE.sub(" ", text).strip()


def char_units(ch: str) -> float:
    return _WIDE_UNITS if unicodedata.east_asian_width(ch) in ("W", "F") else 1.0


def text_units(text: str) -> float:
    return sum(char_units(c) for c in text)


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Split into breakable pieces: Latin words, single CJK characters. Each piece carries
    whether a space preceded it, so joining restores the original spacing."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        spaced = m.start() > pos and bool(out)
        tok = m.group()
        if out and tok in _NO_LINE_START and not spaced:
            prev, prev_spaced = out[-1]
            out[-1] = (prev + tok, prev_spaced)
        else:
            out.append((tok, spaced))
        pos = m.end()
    return out


def wrap_caption(text: str, line_units: float = LINE_UNITS) -> list[str]:
    """Greedy wrap into lines of at most ``line_units``; a word longer than a line is split."""
    lines: list[str] = []
    line = ""
    for tok, spaced in _tokens(text):
        piece = (" " if spaced and line else "") + tok
        if line and text_units(line + piece) > line_units:
            lines.append(line)
            line, piece = "", tok
        while text_units(piece) > line_units:  # a very long word: hard split
            cut = _fit_prefix(piece, line_units)
            lines.append(piece[:cut])
            piece = piece[cut:]
        line += piece
    if line:
        lines.append(line)
    return lines


def _fit_prefix(text: str, units: float) -> int:
    total, i = 0.0, 0
    for i, ch in enumerate(text):
        total += char_units(ch)
        if total > units:
            return max(i, 1)
    return len(text)


def fit_caption(text: str, language: str, *, max_lines: int = MAX_LINES) -> tuple[str, bool]:
    """Cut ``text`` so it wraps into ``max_lines`` lines; return ``(text, was_cut)``.

    Cuts fall between words (or CJK characters), never leave trailing punctuation or a
    dangling "and"/"with", and add no ellipsis: a short complete phrase reads better on screen.
    """
    text = squash(text)
    if len(wrap_caption(text)) <= max_lines:
        return text, False
    tokens = _tokens(text)
    while tokens:
        tokens.pop()
        candidate = clean_end(_join(tokens), language)
        if candidate and len(wrap_caption(candidate)) <= max_lines:
            return candidate, True
    return "", True


def _join(tokens: list[tuple[str, bool]]) -> str:
    return "".join((" " if spaced and i else "") + tok for i, (tok, spaced) in enumerate(tokens))


def clean_end(text: str, language: str) -> str:
    """Strip trailing punctuation and function words left by a cut."""
    stop = _DANGLING_WORDS.get(language.split("-")[0], set())
    while True:
        stripped = text.rstrip().rstrip(_DANGLING).rstrip()
        words = stripped.split(" ")
        if len(words) > 1 and words[-1].lower() in stop:
            stripped = " ".join(words[:-1])
        if stripped == text:
            return text
        text = stripped


def speech_seconds(text: str, language: str) -> float:
    """How long the default voice (espeak-ng) takes to say ``text``, from what it is made of.

    Counted per character, not per word, in every script (a Japanese or Chinese line has no
    spaces): each letter (ASCII letters apart), Han character, kana or hangul syllable and digit ("312" is said
    "three hundred twelve") costs its language's time (``languages.VOICE_PACE``), as does a
    currency sign; each clause mark inside the line adds a pause. A Chinese or Korean "%" is
    counted as the word the voice says for it (``_as_said``).
    """
    latin, letters, han, syllables, digits, currency, pauses = _sounds(_as_said(text, language))
    if not latin + letters + han + syllables + digits:
        return 0.0
    pace = voice_pace(language)
    return (
        PACE_BASE
        + latin * pace.latin
        + letters * pace.letter
        + han * pace.han
        + syllables * pace.syllable
        + digits * pace.digit
        + currency * pace.currency
        + pauses * pace.pause
    )


# A percent sign the voice says as a word of the line's own language, priced as that word:
# "25%" in a Chinese line is "百分之二十五", 0.7 s more than its digits (espeak took 1.34x the
# estimate); before an English word ("100% cotton") it is said in English, as counted.
_PERCENT_SAID = {"zh": "百分之", "ko": "퍼센트"}
_PERCENT = re.compile(r"%(?!\s*[A-Za-z])")


def _as_said(text: str, language: str) -> str:
    """``text`` with the signs the voice says as words of ``language`` written as those words."""
    word = _PERCENT_SAID.get(language.split("-")[0])
    return _PERCENT.sub(word, text) if word and "%" in text else text


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
_SYLLABLE = re.compile(r"[\u3041-\u30fa\u30fc-\u30ff\uff66-\uff9f\uac00-\ud7af]")  # kana (and ー), hangul
_INNER_MARK = re.compile(r"[，；、،؛：]|[,;:](?=\s)|[.!?。！？؟](?=\s*\S)")


def _sounds(text: str) -> tuple[int, int, int, int, int, int, int]:
    """(ASCII letters, other letters, Han characters, kana or hangul syllables, digits,
    currency signs, clause marks inside the line) — what ``speech_seconds`` prices. ASCII
    letters apart: in an Arabic, Japanese or Chinese line they are a name or an untranslated
    fact, said by the English voice at its pace."""
    han = len(_HAN.findall(text))
    syllables = len(_SYLLABLE.findall(text))
    latin = sum(ch.isascii() and ch.isalpha() for ch in text)
    letters = sum(ch.isalpha() for ch in text) - han - syllables - latin
    digits = sum(ch.isdigit() for ch in text)
    currency = sum(unicodedata.category(ch) == "Sc" for ch in text)
    pauses = len(_INNER_MARK.findall(text.strip()))
    return latin, letters, han, syllables, digits, currency, pauses


def holds_price(text: str) -> bool:
    """Whether ``text`` states an amount of money: a digit and a currency sign ("$24",
    "24,00 €", "\u200f24 US$")."""
    return any(ch.isdigit() for ch in text) and any(unicodedata.category(ch) == "Sc" for ch in text)


def clauses(text: str) -> list[str]:
    """``text`` split just after each sentence or clause mark, each piece keeping its mark
    (joined, they give the text back)."""
    out, pos = [], 0
    for m in _BOUNDARY.finditer(text):
        out.append(text[pos : m.end()])
        pos = m.end()
    if text[pos:].strip():
        out.append(text[pos:])
    return [c for c in out if c.strip()]


def shorter_lines(text: str, language: str) -> list[str]:
    """Shorter versions of a spoken line, longest first: each lead of whole clauses (the
    template puts the point first), followed by every later clause that states a price —
    "Was $32, now $24. Shop the sale." gives "Was $32, now $24." and never "Was $32." — then
    the price clauses alone. Each ends as a sentence; none splits a word."""
    text = squash(text)
    parts = clauses(text)
    cjk = is_cjk_language(language) or any(char_units(c) > 1 for c in text)
    price = [i for i, c in enumerate(parts) if holds_price(c)]
    picks = [[*range(k), *(i for i in price if i >= k)] for k in range(len(parts) - 1, 0, -1)]
    picks.append(price)
    out: list[str] = []
    for pick in picks:
        candidate = _end_sentence(clean_end("".join(parts[i] for i in pick).strip(), language), cjk)
        if candidate and candidate != text and candidate not in out:
            out.append(candidate)
    return out


def fit_voiceover(text: str, language: str, seconds: float) -> tuple[str, bool]:
    """Shorten ``text`` to be said within ``seconds``; return ``(text, was_shortened)``.

    The first of ``shorter_lines`` that fits: the longest lead ending at a sentence or clause
    boundary, keeping any price the line states. Never cuts between words: "A small upgrade
    you will use every." is worse than silence. Returns "" when no lead fits.
    """
    text = squash(text)
    if speech_seconds(text, language) <= seconds:
        return text, False
    for candidate in shorter_lines(text, language):
        if speech_seconds(candidate, language) <= seconds:
            return candidate, True
    return "", True


def end_sentence(text: str, language: str) -> str:
    """``text`` ending as a sentence in ``language`` ("." or "。")."""
    cjk = is_cjk_language(language) or any(char_units(c) > 1 for c in text)
    return _end_sentence(text, cjk)


def _end_sentence(text: str, cjk: bool) -> str:
    if not text or text[-1] in ".!?。！？…؟":
        return text
    return text + ("。" if cjk else ".")
