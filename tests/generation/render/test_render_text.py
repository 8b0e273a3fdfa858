"""Captions: fonts with fall-back (no tofu), wrapping, RTL shaping, safe-zone placement."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from generation.render import captions, fonts
from generation.render.errors import RenderError
from generation.render.spec import FORMATS

CJK = "限时优惠 最后一天"
ARABIC = "عرض خاص اليوم"


def _glyph_bitmap(face: fonts.FontFace, text: str, size: int = 48) -> np.ndarray:
    font = fonts.pil_font(face, size)
    im = Image.new("L", (size * 2, size * 2), 0)
    ImageDraw.Draw(im).text((size // 2, size // 2), text, font=font, fill=255)
    return np.asarray(im)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (CJK, "zh-Hans"),
        (ARABIC, "ar"),
        ("Sale €29,99 — ¡hoy!", "es"),
        ("期間限定セール", "ja"),
        ("오늘만 특가", "ko"),
    ],
)
def test_every_character_has_a_real_glyph(text: str, language: str) -> None:
    chain = fonts.font_chain(language)
    assert captions.has_all_glyphs(text, language)
    assert fonts.clean_text(text, chain) == text  # nothing had to be dropped
    for ch in set(text) - {" "}:
        face = fonts.face_for_char(ch, chain)
        assert face is not None, f"no font for {ch!r}"
        # Drawn, the character is not the face's .notdef box (U+10FFFD maps to no glyph).
        assert not np.array_equal(_glyph_bitmap(face, ch), _glyph_bitmap(face, "\U0010fffd")), ch


@pytest.mark.parametrize(("text", "language"), [(CJK, "zh-Hans"), (ARABIC, "ar")])
def test_script_captions_render_with_ink(text: str, language: str) -> None:
    overlay = captions.render_caption(text, FORMATS["9:16"], language=language)
    assert overlay is not None
    alpha = overlay.rgba[..., 3]
    assert (alpha > 200).mean() > 0.05  # real strokes, not an empty or hairline layer


def test_arabic_is_shaped_right_to_left() -> None:
    chain = fonts.font_chain("ar")
    [run] = fonts.split_runs(ARABIC, chain)
    assert run.rtl and "Arabic" in run.face.path.name
    font = fonts.pil_font(run.face, 60)
    # Shaped (joined) Arabic is narrower than its isolated letters laid side by side.
    isolated = sum(font.getlength(ch, direction="rtl") for ch in ARABIC)
    assert font.getlength(ARABIC, direction="rtl") < isolated * 0.95
    # The first letter of the line (ع) is drawn at the right end.
    assert fonts.paragraph_is_rtl(ARABIC)


def test_emoji_without_a_glyph_are_dropped_not_boxed() -> None:
    chain = fonts.font_chain("en")
    assert fonts.clean_text("Hot deal 🔥🔥 today ✨", chain) in (
        "Hot deal today ✨",
        "Hot deal today",
    )
    # A monochrome symbol font may have 👍; the skin-tone modifier is dropped either way.
    assert fonts.clean_text("👍🏽", chain) in ("", "👍")
    assert captions.render_caption("🔥", FORMATS["9:16"]) is None


def test_cjk_wraps_per_character_and_latin_per_word() -> None:
    chain = fonts.font_chain("zh-Hans")
    lines, _ = captions.fit_lines("今天下单立享八折优惠\uff0c包邮到家还送精美礼品", chain, 60, 400)
    assert len(lines) >= 2 and not any(" " in line for line in lines)
    assert not any(line.startswith("\uff0c") for line in lines)
    latin_chain = fonts.font_chain("en")
    text = "Stainless steel bottle keeps drinks cold for twenty four hours"
    lines, _ = captions.fit_lines(text, latin_chain, 60, 500)
    assert " ".join(lines) == text  # broken only at spaces
    assert len(lines) <= captions.MAX_LINES


def test_a_long_katakana_word_breaks_inside_rather_than_shrink_to_half() -> None:
    """"アクティブノイズキャンセリング" is one BudouX phrase. Before, the caption shrank until
    the whole word fitted one line (about half its size in a 9:16 caption box); now it
    breaks inside at 80 % of its size or more, and no line starts with a small kana or ー."""
    chain = fonts.font_chain("ja")
    word = "アクティブノイズキャンセリング"
    lines, size = captions.fit_lines(word, chain, 64, 500)
    assert "".join(lines) == word and len(lines) == 2
    assert size >= 64 * 0.75
    assert not any(line[0] in "ァィゥェォッャュョー" for line in lines)
    # A phrase that fits is still never cut, and Latin is never cut by character.
    lines, size = captions.fit_lines("1,284件のレビューで平均4.7点", chain, 64, 500)
    assert lines == ["1,284件の", "レビューで", "平均4.7点"] and size == 64
    latin = fonts.font_chain("en")
    lines, _ = captions.fit_lines("Supercalifragilisticexpialidocious", latin, 64, 500)
    assert len(lines) == 1


def test_long_caption_shrinks_to_three_lines() -> None:
    chain = fonts.font_chain("en")
    text = "Double-wall vacuum insulation keeps your coffee hot for twelve hours and water cold for a day"
    lines, size = captions.fit_lines(text, chain, 70, 500)
    assert len(lines) <= 3 and size < 70


@pytest.mark.parametrize("fmt_name", list(FORMATS))
@pytest.mark.parametrize(
    ("text", "language", "shot_type"),
    [
        ("Meet the bottle that goes everywhere you go, every single day of the week", "en", "hero"),
        (CJK, "zh-Hans", "offer"),
        (ARABIC, "ar", "feature"),
        ("Shop now", "en", "cta"),
    ],
)
def test_caption_and_badge_stay_inside_the_safe_zone(fmt_name, text, language, shot_type) -> None:
    fmt = FORMATS[fmt_name]
    sx0, sy0, sx1, sy1 = captions.safe_rect(fmt)
    x0, y0, x1, y1 = captions.caption_bbox(text, fmt, language=language, shot_type=shot_type)
    assert sx0 <= x0 < x1 <= sx1 and sy0 <= y0 < y1 <= sy1
    if shot_type != "cta":
        assert y1 > fmt.height * 0.55  # lower part of the frame
    badge = captions.render_badge("$29.99", fmt, shot_type=shot_type, above=y0)
    bx0, by0, bx1, by1 = badge.bbox
    assert sx0 <= bx0 < bx1 <= sx1 and sy0 <= by0 < by1 <= sy1
    assert by1 <= y0 or bx1 <= x0  # never on top of the caption


def test_no_font_at_all_names_the_packages(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(fonts, "BUNDLED_DIR", tmp_path)
    monkeypatch.setattr(fonts, "SYSTEM_DIRS", (tmp_path / "none",))
    fonts._find_file.cache_clear()
    fonts.font_chain.cache_clear()
    try:
        with pytest.raises(RenderError, match=r"fonts-noto-core.*fonts-noto-cjk"):
            fonts.font_chain("en")
    finally:
        fonts._find_file.cache_clear()
        fonts.font_chain.cache_clear()


def test_bundled_fonts_come_first(monkeypatch, tmp_path) -> None:
    system = fonts.font_chain("en")[0].path
    (tmp_path / system.name).write_bytes(system.read_bytes())
    monkeypatch.setattr(fonts, "BUNDLED_DIR", tmp_path)
    fonts._find_file.cache_clear()
    fonts.font_chain.cache_clear()
    try:
        assert fonts.font_chain("en")[0].path == tmp_path / system.name
    finally:
        fonts._find_file.cache_clear()
        fonts.font_chain.cache_clear()


def test_mixed_direction_runs() -> None:
    chain = fonts.font_chain("ar")
    # An Arabic price with Arabic-Indic digits stays one right-to-left run (digits and all).
    assert [(r.text, r.rtl) for r in fonts.split_runs("٢٩ دولار", chain)] == [("٢٩ دولار", True)]
    # Latin inside Arabic: the font changes, the direction of the neutral-only run follows
    # the paragraph.
    runs = fonts.split_runs("سعر $29 فقط", chain)
    assert [r.rtl for r in runs] == [True, True, True] and "Arabic" not in runs[1].face.path.name
    # Hebrew inside English keeps the English runs left-to-right.
    assert [r.rtl for r in fonts.split_runs("Hello עברית world", chain)] == [False, True, False]
