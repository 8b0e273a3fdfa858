"""Line breaking for on-screen text: where a caption may break (Latin words, CJK per character,
no closing punctuation at a line start), measured in the font chain with shaping, and the
largest size at which it fits in a few balanced lines (``fit_lines``). No drawing here."""

from __future__ import annotations

from . import fonts

MAX_LINES = 3
ELLIPSIS = "…"


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x2E80 <= cp <= 0x9FFF  # radicals, kana, CJK unified ideographs, punctuation
        or 0xF900 <= cp <= 0xFAFF
        or 0xFF00 <= cp <= 0xFFEF  # full-width forms
        or 0x20000 <= cp <= 0x3FFFF
    )


# No line may start with these (closing punctuation, small kana marks).
_NO_BREAK_BEFORE = set(
    "\uff0c\u3002\u3001\uff01\uff1f\uff1a\uff1b\uff09\u300d\u300f\u3011\u3009\u300b\u3015"
    ",.!?:;)]}%\u30fb\u30fc\u3005\u309d\u309e"
)


def tokens(text: str) -> list[str]:
    """Break text into unbreakable pieces: Latin words keep their trailing space, CJK
    characters stand alone (CJK wraps per character), closing punctuation sticks to the
    piece before it."""
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

    def runs(self, line: str) -> list[fonts.Run]:
        """The line's runs in visual (left-to-right drawing) order."""
        runs = fonts.split_runs(line, self.chain)
        return list(reversed(runs)) if fonts.paragraph_is_rtl(line) else runs

    def run_width(self, run: fonts.Run) -> float:
        font = fonts.pil_font(run.face, self.size)
        return font.getlength(run.text, direction="rtl" if run.rtl else "ltr")

    def width(self, line: str) -> float:
        return sum(self.run_width(r) for r in self.runs(line.strip()))


def _wrap(text: str, measure: Measure, max_width: float) -> list[str] | None:
    """Greedy wrap; None when a single piece is wider than the box."""
    lines: list[str] = []
    current = ""
    for token in tokens(text):
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
        if measure.width(current + ch) > max_width and current:
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


def _balance(text: str, measure: Measure, max_width: float, lines: list[str]) -> list[str]:
    """The same number of lines, as even as possible: "Keeps drinks cold 24 / hours" reads
    worse than "Keeps drinks / cold 24 hours". Binary search for the narrowest box that
    still wraps into that many lines."""
    if len(lines) < 2:
        return lines
    best, lo, hi = lines, max_width * 0.4, max_width
    for _ in range(7):
        mid = (lo + hi) / 2
        trial = _wrap(text, measure, mid)
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
    """Wrap at the largest size (shrinking from ``base_size``) that fits in ``max_lines``."""
    size = base_size
    min_size = max(8, round(base_size * 0.45))
    while True:
        measure = Measure(chain, size)
        lines = _wrap(text, measure, max_width)
        if lines is not None and len(lines) <= max_lines:
            return _balance(text, measure, max_width, lines), size
        if size <= min_size:
            return _hard_wrap(text, measure, max_width, max_lines), size
        size = max(min_size, round(size * 0.92))
