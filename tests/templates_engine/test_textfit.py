"""Caption wrapping, clean cuts, speaking time and frame-exact timing."""
# ruff: noqa: RUF001 - full-width punctuation in Chinese test text is deliberate

from __future__ import annotations

import pytest

from templates_engine.textfit import (
    clean_end,
    fit_caption,
    fit_voiceover,
    speech_seconds,
    wrap_caption,
)
from templates_engine.timing import allocate_frames, length_frames


def test_latin_wraps_at_42_and_cjk_at_16():
    assert all(len(line) <= 42 for line in wrap_caption("word " * 30))
    lines = wrap_caption("采" * 40)
    assert [len(line) for line in lines] == [16, 16, 8]


def test_cjk_closing_punctuation_never_starts_a_line():
    lines = wrap_caption("柔" * 16 + "，软")
    assert not lines[1].startswith("，")


def test_no_break_space_keeps_price_together():
    lines = wrap_caption("x" * 38 + " 24\xa0US$")
    assert lines[-1] == "24\xa0US$"


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [("Soft, light and", "en", "Soft, light"), ("Suave y ligera con", "es", "Suave y ligera"), ("柔软，", "zh-Hans", "柔软")],
)
def test_clean_end_drops_dangling_words_and_marks(text, lang, expected):
    assert clean_end(text, lang) == expected


def test_fit_caption_keeps_short_text():
    assert fit_caption("Short and sweet", "en") == ("Short and sweet", False)


def test_fit_caption_cuts_at_word_boundary():
    text = "Organic cotton jersey, garment dyed in small batches, with reinforced seams and a soft neck label"
    cut, was_cut = fit_caption(text, "en")
    assert was_cut and text.startswith(cut) and len(wrap_caption(cut)) <= 2
    assert cut[-1].isalnum()


def test_speech_time():
    assert speech_seconds("one two three four five six seven eight nine ten eleven twelve thirteen", "en") == pytest.approx(5)
    assert speech_seconds("一二三四五六七八九", "ja") == pytest.approx(2)  # 4.5 a second
    assert speech_seconds("一二三四五六七八九", "zh-Hans") == pytest.approx(2.5)  # espeak's Mandarin: 3.6
    # A number takes about a word per digit, plus its unit.
    assert speech_seconds("Was $32, now $149.99.", "en") == pytest.approx((1 + 3 + 1 + 7) / 2.6)


def test_fit_voiceover_keeps_lead_sentence():
    text = "Meet the Aurora Tee. Soft organic cotton, made to last for years."
    assert fit_voiceover(text, "en", 2.0) == ("Meet the Aurora Tee.", True)
    assert fit_voiceover(text, "en", 3.5) == ("Meet the Aurora Tee. Soft organic cotton.", True)
    assert fit_voiceover(text, "en", 10) == (text, False)


def test_fit_voiceover_never_cuts_chinese_mid_phrase():
    text, _ = fit_voiceover("限时直降 25%，Aurora Tee 特价中。", "zh-Hans", 2.5)
    assert text == "限时直降 25%。"
    assert fit_voiceover("限时直降百分之二十五特价中", "zh-Hans", 1.0) == ("", True)


def test_fit_voiceover_never_leaves_a_bare_number():
    text, _ = fit_voiceover("Ahora por solo 29,99 US$ en la tienda", "es", 2)
    assert "29" not in text


@pytest.mark.parametrize(("shares", "total"), [([2, 3, 3, 2], 450), ([1, 5, 1], 180), ([1, 10], 1800), ([1] * 6, 180)])
def test_allocation_is_exact_and_bounded(shares, total):
    frames = allocate_frames(shares, total)
    assert sum(frames) == total
    assert all(30 <= f <= 900 for f in frames)


def test_allocation_refuses_impossible_splits():
    with pytest.raises(ValueError, match="cannot share"):
        allocate_frames([1] * 7, 180)


def test_length_must_be_whole_frames():
    assert length_frames(15) == 450
    assert length_frames(10 + 1 / 30) == 301
    with pytest.raises(ValueError):
        length_frames(15.01)


def test_fit_voiceover_never_cuts_between_words():
    assert fit_voiceover("A small upgrade you will use every day.", "en", 2.8) == ("", True)


@pytest.mark.parametrize(
    ("title", "brand", "short"),
    [
        ("Northwind Aurora Organic Cotton Tee - White, Size M", "Northwind", "Aurora Organic Cotton Tee"),
        ("Lumen Hyaluronic Hydrating Serum 30 ml", "Lumen", "Hyaluronic Hydrating Serum"),
        ("Pulse ANC Wireless Over-Ear Headphones", "Pulse", "ANC Wireless Over-Ear Headphones"),
        ("Mug", "Mug", "Mug"),
        ("极光有机棉T恤 白色 M码（男女同款）", "", "极光有机棉T恤 白色"),
    ],
)
def test_short_title_is_a_piece_of_the_title(title, brand, short):
    from templates_engine.context import short_title

    assert short_title(title, brand) == short
    assert short in title
