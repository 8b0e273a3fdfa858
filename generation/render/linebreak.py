"""Line breaking for on-screen text: where a caption may break, measured in the font chain
with shaping, and the largest size at which it fits in a few balanced lines (``fit_lines``).
No drawing here.

Where a line may break (``tokens``):

- Latin-script and other spaced text: between words.
- Japanese and Chinese (no spaces): between phrases, as BudouX's bundled models cut them
  ("1,284件の / レビューで / 平均4.7点"), never inside one; per character would give
  "1,284件のレビ / ューで". Numbers and signs next to the characters go with them; a Latin
  word inside a CJK line stays whole, and a particle written straight after it stays with it.
  A phrase wider than the box (a long katakana compound) is cut inside, by character, once
  the caption would otherwise shrink below 80 % of its size.
- Thai (no spaces between words): between words, as BudouX's Thai model cuts them
  ("ลด / ราคา / สำหรับ / เสื้อยืด"), never inside a word or between a letter and its vowel or
  tone mark; Thai is not an ad language yet (no template copy), but a caption with Thai in
  it (a product name) breaks properly.
- Kinsoku (JIS X 4051): no line starts with closing punctuation, small kana (ゃ, ッ, ...),
  the long-vowel mark or an iteration mark, and none ends with an opening bracket.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from . import fonts

MAX_LINES = 3
ELLIPSIS = "…"
# A Japanese/Chinese phrase wider than the box is cut inside once the caption would otherwise
# shrink below this share of its size.
CJK_SPLIT_BELOW = 0.8


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x2E80 <= cp <= 0x9FFF  # radicals, kana, CJK unified ideographs, punctuation
        or 0xF900 <= cp <= 0xFAFF
        or 0xFF00 <= cp <= 0xFFEF  # full-width forms
        or 0x20000 <= cp <= 0x3FFFF
    )


# No line may start with these (closing punctuation, small kana, marks).
SMALL_KANA = "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"
_NO_BREAK_BEFORE = set(
    "\uff0c\u3002\u3001\uff01\uff1f\uff1a\uff1b\uff09\u300d\u300f\u3011\u3009\u300b\u3015"
    ",.!?:;)]}%\u30fb\u30fc\u3005\u309d\u309e\u309b\u309c\u30fd\u30fe\u201d\u2019"
    "\uff05\u2026\u301f" + SMALL_KANA
)
# No line may end with these (opening brackets and quotes).
_NO_BREAK_AFTER = set("\uff08\u300c\u300e\u3010\u3008\u300a\u3014\u201c\u2018([{")
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff"
# A stretch of Japanese/Chinese with the numbers and signs written into it ("平均4.7点").
_SIGNS = r"0-9.,%$€£¥:/+\-"
_CJK_RUN = re.compile(rf"[{_SIGNS}]*(?:[{_CJK}][{_SIGNS}]*)+")
# A stretch of Thai ("เสื้อยืดผ้าฝ้าย"); spaces, digits and Latin around it break as usual.
_THAI_RUN = re.compile(r"[\u0e00-\u0e7f]+")
_THAI_LEADING_VOWELS = "\u0e40\u0e41\u0e42\u0e43\u0e44"
_RUN = re.compile(rf"(?P<cjk>{_CJK_RUN.pattern})|(?P<thai>{_THAI_RUN.pattern})")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HIRAGANA = re.compile(r"[\u3041-\u309f]")


@cache
def _parser(kind: str):
    import budoux  # models ship in the wheel; loaded once per process

    if kind == "ja":
        return budoux.load_default_japanese_parser()
    if kind == "th":
        return budoux.load_default_thai_parser()
    return budoux.load_default_simplified_chinese_parser()


def _phrases(run: str) -> list[str]:
    """BudouX's phrases of a CJK stretch: the Japanese model when it has kana, else Chinese."""
    return [p for p in _parser("ja" if _KANA.search(run) else "zh").parse(run) if p]


def tokens(text: str) -> list[str]:
    """Break text into unbreakable pieces: words (with their trailing space) in spaced
    scripts, BudouX phrases in Japanese and Chinese and words in Thai, then the kinsoku
    rules applied (a piece never starts with a mark that may not start a line, nor ends
    with one that may not end it)."""
    out: list[str] = []
    pos = 0
    for m in _RUN.finditer(text):
        out.extend(_spaced_tokens(text[pos : m.start()]))
        if m.group("thai"):
            out.extend(_thai_words(m.group()))
            pos = m.end()
            continue
        phrases = _phrases(m.group())
        # A particle written straight after a Latin word stays with it ("Teeが").
        if out and phrases and not out[-1].endswith(" ") and _HIRAGANA.match(phrases[0]):
            out[-1] += phrases.pop(0)
        out.extend(phrases)
        pos = m.end()
    out.extend(_spaced_tokens(text[pos:]))
    return _kinsoku(out)


def _thai_words(run: str) -> list[str]:
    """BudouX's Thai words; a piece that starts with a combining vowel or tone mark (the
    model never cuts there; this is a guard) stays with the letter before it."""
    out: list[str] = []
    for word in _parser("th").parse(run):
        if out and word and unicodedata.category(word[0]) == "Mn":
            out[-1] += word
        elif word:
            out.append(word)
    return out


def _kinsoku(pieces: list[str]) -> list[str]:
    out: list[str] = []
    for piece in pieces:
        if out and not piece.strip():  # a space between scripts ends the piece before it
            out[-1] += piece
            continue
        while out and piece and piece[0] in _NO_BREAK_BEFORE:
            out[-1] += piece[0]
            piece = piece[1:]
        while out and piece and out[-1] and out[-1][-1] in _NO_BREAK_AFTER:
            piece = out[-1][-1] + piece
            out[-1] = out[-1][:-1]
            if not out[-1]:
                out.pop()
        if piece:
            out.append(piece)
    return out


def _spaced_tokens(text: str) -> list[str]:
    """Latin words keep their trailing space, a CJK character stands alone, closing
    punctuation sticks to the piece before it."""
    tokens: list[str] = []
    word = ""
    for ch in text:
        if ch == " ":
            word += ch
            tokens.append(word)
            word = ""
        elif _is_cjk(ch):
            if ch in _NO_BREAK_BEFORE and (word or tokens):
                if word:
                    word += ch
                else:
                    tokens[-1] += ch
                continue
            if word:
                tokens.append(word)
            word = ch
            tokens.append(word)
            word = ""
        elif ch in _NO_BREAK_BEFORE and not word and tokens:
            tokens[-1] += ch
        else:
            word += ch
    if word:
        tokens.append(word)
    return tokens


class Measure:
    """Widths of text in the font chain at one size (raqm shaping, per-run fall-back)."""

    def __init__(self, chain: tuple[fonts.FontFace, ...], size: int) -> None:
        self.chain = chain
        self.size = size
        # Wrapping and balancing measure the same candidate lines again and again.
        self._widths: dict[str, float] = {}

    def runs(self, line: str) -> list[fonts.Run]:
        """The line's runs in visual (left-to-right drawing) order."""
        runs = fonts.split_runs(line, self.chain)
        return list(reversed(runs)) if fonts.paragraph_is_rtl(line) else runs

    def run_width(self, run: fonts.Run) -> float:
        font = fonts.pil_font(run.face, self.size)
        return font.getlength(run.text, direction="rtl" if run.rtl else "ltr")

    def width(self, line: str) -> float:
        line = line.strip()
        known = self._widths.get(line)
        if known is None:
            known = self._widths[line] = sum(self.run_width(r) for r in self.runs(line))
        return known


def _split_cjk(pieces: list[str], measure: Measure, max_width: float) -> list[str]:
    """Pieces wider than the box that are all Japanese or Chinese, cut into characters (the
    kinsoku marks kept on the character before them): a long katakana compound such as
    "アクティブノイズキャンセリング" is one BudouX phrase, and Japanese typesetting breaks
    inside a word rather than shrink a caption to half its size."""
    out: list[str] = []
    for piece in pieces:
        if measure.width(piece) <= max_width or not all(_is_cjk(ch) for ch in piece.strip()):
            out.append(piece)
            continue
        chars: list[str] = []
        for ch in piece:
            if chars and (ch in _NO_BREAK_BEFORE or chars[-1][-1] in _NO_BREAK_AFTER or not ch.strip()):
                chars[-1] += ch
            else:
                chars.append(ch)
        out.extend(chars)
    return out


def _wrap(text: str, measure: Measure, max_width: float, split_long: bool = False) -> list[str] | None:
    """Greedy wrap; None when a single piece is wider than the box (with ``split_long``, a
    Japanese or Chinese piece wider than the box is first cut into characters)."""
    lines: list[str] = []
    current = ""
    pieces = tokens(text)
    if split_long:
        pieces = _split_cjk(pieces, measure, max_width)
    for token in pieces:
        candidate = current + token
        if not current or measure.width(candidate) <= max_width:
            current = candidate
        else:
            lines.append(current.strip())
            current = token
        if measure.width(current) > max_width:
            return None
    if current.strip():
        lines.append(current.strip())
    return lines


def _hard_wrap(text: str, measure: Measure, max_width: float, max_lines: int) -> list[str]:
    """Last resort at the smallest size: break anywhere and end with an ellipsis."""
    lines: list[str] = []
    current = ""
    for ch in text:
        if (
            measure.width(current + ch) > max_width
            and current
            and ch not in _NO_BREAK_BEFORE
            and unicodedata.category(ch) != "Mn"  # a vowel or tone mark stays on its letter
            and current[-1] not in _THAI_LEADING_VOWELS  # เ แ โ ใ ไ go with the next letter
        ):
            lines.append(current.strip())
            current = ch.lstrip()
        else:
            current += ch
    if current.strip():
        lines.append(current.strip())
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and measure.width(last + ELLIPSIS) > max_width:
            last = last[:-1]
        lines[-1] = last.rstrip() + ELLIPSIS
    return lines


def _balance(
    text: str, measure: Measure, max_width: float, lines: list[str], split_long: bool = False
) -> list[str]:
    """The same number of lines, as even as possible: "Keeps drinks cold 24 / hours" reads
    worse than "Keeps drinks / cold 24 hours". Binary search for the narrowest box that
    still wraps into that many lines."""
    if len(lines) < 2:
        return lines
    best, lo, hi = lines, max_width * 0.4, max_width
    for _ in range(7):
        mid = (lo + hi) / 2
        trial = _wrap(text, measure, mid, split_long)
        if trial is not None and len(trial) <= len(lines):
            best, hi = trial, mid
        else:
            lo = mid
    return best


def fit_lines(
    text: str,
    chain: tuple[fonts.FontFace, ...],
    base_size: int,
    max_width: float,
    max_lines: int = MAX_LINES,
) -> tuple[list[str], int]:
    """Wrap at the largest size (shrinking from ``base_size``) that fits in ``max_lines``.
    Below ``CJK_SPLIT_BELOW`` of the base size, a Japanese or Chinese phrase too wide for
    the box may break inside (by character, kinsoku kept) rather than shrink further."""
    size = base_size
    min_size = max(8, round(base_size * 0.45))
    split_below = base_size * CJK_SPLIT_BELOW
    while True:
        measure = Measure(chain, size)
        lines = _wrap(text, measure, max_width)
        split = False
        if lines is None and size <= split_below:
            lines, split = _wrap(text, measure, max_width, split_long=True), True
        if lines is not None and len(lines) <= max_lines:
            return _balance(text, measure, max_width, lines, split), size
        if size <= min_size:
            return _hard_wrap(text, measure, max_width, max_lines), size
        size = max(min_size, round(size * 0.92))
