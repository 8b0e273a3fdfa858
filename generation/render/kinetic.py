"""Kinetic captions: words that pop or slide in one by one, timed to the voice.

The caption is laid out and rasterised once (``captions``' line breaking, fonts and
outline); each word is cut out of it as its own ``layers.Sprite``. A frame draws the words
that have appeared, the ones still landing scaled, lifted and faded by the style's curve,
and, once all have landed, the whole caption as one blend. In its last moments the caption
lifts and fades out, so it is gone before the cut and the next caption never overlaps it.

Word times: with a voice, each word appears when it is spoken (``wordsync.highlight_times``
matches caption words to spoken words); without one, the words follow each other quickly
from the scene's start. Right-to-left captions come in as one piece (word boxes are measured
for left-to-right lines only). The ``highlight`` caption style also colours the word being
spoken.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import fonts
from .captions import _compose_text, _text_masks, caption_chain
from .colors import RGB
from .layers import EASES, Sprite
from .linebreak import fit_lines
from .spec import BrandSpec
from .styles import Style

EXIT = 0.16  # s: the caption lifts and fades out this long before its scene ends
FIRST_BY = 0.25  # s after the scene starts: the first word is up by then
Box = tuple[float, float, float, float]


@dataclass
class _Word:
    sprite: Sprite
    hot: Sprite | None  # the same word in the highlight colour
    start: float
    end: float


class KineticCaption:
    """One scene's caption: ``draw(frame, t)`` with ``t`` in the scene's own seconds."""

    def __init__(
        self,
        text: str,
        box: Box,
        size: int,
        style: Style,
        *,
        language: str,
        brand: BrandSpec,
        fill: RGB,
        stroke: RGB | None,
        t_in: float,
        t_out: float,
        spoken: tuple[tuple[float, float], ...] | None = None,
        highlight: bool = False,
        boxed: RGB | None = None,
        exits: bool = True,
    ) -> None:
        self.style = style
        self.t_in, self.t_out = t_in, t_out
        self.exits = exits  # False for the ad's last scene: it stays to the last frame
        self.ease = EASES.get(style.word_ease, EASES["cubic"])
        chain = caption_chain(language, brand)
        if not style.bold:
            chain = fonts.font_chain(language, bold=False)
        clean = fonts.clean_text(text.upper() if style.upper else text, chain)
        self.words: list[_Word] = []
        self.whole: Sprite | None = None
        self.backing: Sprite | None = None
        if not clean:
            return
        bw, bh = box[2] - box[0], box[3] - box[1]
        pad_x = round(size * 0.5) if boxed else 0
        stroke_w = max(1, round(size * 0.09)) if stroke is not None else 0
        lines, fitted = fit_lines(clean, chain, size, bw * 0.98 - 2 * stroke_w - 2 * pad_x)
        # Shrink further while the lines are taller than the box.
        while fitted > 12 and len(lines) * fitted * 1.32 + fitted * 0.5 > bh:
            lines, fitted = fit_lines(clean, chain, round(fitted * 0.9), bw * 0.98 - 2 * pad_x)
        size = fitted
        self.size = size
        stroke_w = max(1, round(size * 0.09)) if stroke is not None else 0
        rtl = fonts.paragraph_is_rtl(clean)
        boxes: list[tuple[str, tuple[int, int, int, int]]] | None = None if rtl else []
        fill_a, outline_a = _text_masks(
            lines, chain, size, stroke=stroke_w, pad=round(size * 0.2), words_out=boxes
        )
        shadow = True
        rgba = _compose_text(fill_a, outline_a, fill, stroke or (0, 0, 0), shadow, size)
        ys, xs = np.nonzero(rgba[..., 3])
        if len(xs) == 0:
            return
        cy0, cy1, cx0, cx1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        ch, cw = cy1 - cy0, cx1 - cx0
        x = box[0] + (bw - cw) / 2
        y = box[1] + (bh - ch) / 2
        ox, oy = round(x) - cx0, round(y) - cy0  # mask pixel → frame pixel
        self.whole = Sprite(rgba[cy0:cy1, cx0:cx1], round(x), round(y))
        if boxed is not None:
            pw, ph = cw + 2 * pad_x, ch + round(size * 0.5)
            from .stickers import _shape

            back = _shape(pw, ph, boxed, "pill")
            self.backing = Sprite(
                back, round(x) - (back.shape[1] - cw) / 2, round(y) - (back.shape[0] - ch) / 2
            )
        hot_rgba = None
        if highlight and boxes:
            hot_rgba = _compose_text(
                fill_a, outline_a, style.highlight, stroke or (0, 0, 0), shadow, size
            )
        pieces: list[tuple[int, int, int, int]] = []
        if boxes:
            extra = max(1, round(size * 0.08))
            for _, (bx0, by0, bx1, by1) in boxes:
                pieces.append(
                    (
                        max(0, bx0 - extra),
                        max(0, by0 - extra),
                        min(rgba.shape[1], bx1 + extra),
                        min(rgba.shape[0], by1 + extra),
                    )
                )
        else:
            pieces.append((cx0, cy0, cx1, cy1))
        self.word_texts = tuple(word for word, _ in boxes) if boxes else (clean,)
        n = len(pieces)
        times = list(spoken or ())
        if len(times) != n:
            span = max(0.2, min(0.5 * (t_out - t_in), 0.11 * n))
            step = span / n
            times = [(t_in + i * step, t_in + (i + 1) * step) for i in range(n)]
        # Never a wait: the first word is up by FIRST_BY (the hook's headline within the first
        # half second), and every word by the middle of the scene, however slow the voice.
        latest = t_in + max(0.3, 0.55 * (t_out - t_in - EXIT))
        if times:
            times[0] = (min(times[0][0], t_in + FIRST_BY), times[0][1])
        for (px0, py0, px1, py1), (start, end) in zip(pieces, times, strict=True):
            crop = rgba[py0:py1, px0:px1]
            if not crop[..., 3].any():
                continue
            sprite = Sprite(crop, px0 + ox, py0 + oy)
            hot = (
                Sprite(hot_rgba[py0:py1, px0:px1], px0 + ox, py0 + oy)
                if hot_rgba is not None
                else None
            )
            start = min(max(t_in, start), latest)
            self.words.append(_Word(sprite, hot, start, max(start, end)))
        # A word's shadow can reach into its neighbour's box: the resting caption is drawn
        # whole (once every word has landed), so the crops only matter while words land.

    @property
    def bbox(self) -> tuple[int, int, int, int] | None:
        """Where the caption rests (x0, y0, x1, y1), frame pixels."""
        if self.whole is None:
            return None
        boxes = [self.whole.bbox] + ([self.backing.bbox] if self.backing else [])
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )

    def visible(self, t: float) -> bool:
        return bool(self.words) and self.words[0].start <= t and (t < self.t_out or not self.exits)

    def draw(self, frame: np.ndarray, t: float) -> bool:
        """Draw at scene time ``t``; True when anything of the caption was drawn."""
        if not self.visible(t) or self.whole is None:
            return False
        st = self.style
        lift, fade = 0.0, 1.0
        if self.exits and t > self.t_out - EXIT:
            q = (t - (self.t_out - EXIT)) / EXIT
            lift, fade = -0.35 * self.size * q, 1.0 - q
        if self.backing is not None:
            p = (t - self.words[0].start) / max(0.05, st.word_in)
            e = self.ease(p)
            self.backing.draw(
                frame, dy=lift, scale=0.7 + 0.3 * min(1.0, e), opacity=min(1.0, p * 3) * fade
            )
        last = self.words[-1]
        settled = t >= last.start + st.word_in
        spoken = None
        for word in self.words:
            if word.hot is not None and word.start <= t < word.end:
                spoken = word
        if settled:
            self.whole.draw(frame, dy=lift, opacity=fade)
            if spoken is not None and spoken.hot is not None:
                spoken.hot.draw(frame, dy=lift, opacity=fade)
            return True
        for word in self.words:
            if t < word.start:
                break
            p = (t - word.start) / max(0.05, st.word_in)
            sprite = word.hot if (word is spoken and word.hot is not None) else word.sprite
            if p >= 1:
                sprite.draw(frame, dy=lift, opacity=fade)
                continue
            e = self.ease(p)
            sprite.draw(
                frame,
                dy=lift + st.word_rise * self.size * (1 - e),
                scale=st.word_scale + (1 - st.word_scale) * e,
                opacity=min(1.0, p * 2.5) * fade,
                anchor=(0.5, 0.8),
            )
        return True
