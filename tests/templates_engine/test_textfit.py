"""Caption wrapping, clean cuts, speaking time and frame-exact timing."""
# ruff: noqa: RUF001 - full-width punctuation in Chinese test text is deliberate

from __future__ import annotations

import pytest

from templates_engine.languages import PACE_BASE
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


def test_speech_time_is_counted_per_character_in_every_script():
    # Japanese and Chinese have no spaces: each character adds its time, not each "word".
    for language in ("ja", "zh-Hans"):
        nine = speech_seconds("一二三四五六七八九", language) - PACE_BASE
        assert speech_seconds("一二三四五六七八九" * 2, language) - PACE_BASE == pytest.approx(2 * nine)
        assert speech_seconds("一二三", language) - PACE_BASE == pytest.approx(nine / 3)
    assert speech_seconds("毎日", "ja") > speech_seconds("まい", "ja")  # a kanji is read as kana
    assert speech_seconds("一二三", "zh-Hant") == speech_seconds("一二三", "zh-Hans")
    # A number takes time per digit ("one hundred forty-nine dollars and ninety-nine cents").
    assert speech_seconds("Now $149.99.", "en") > speech_seconds("Now $24.", "en") + 1
    assert speech_seconds("", "en") == speech_seconds("…", "en") == 0


def test_fit_voiceover_keeps_lead_sentence():
    text = "Meet the Aurora Tee. Soft organic cotton, made to last for years."
    assert fit_voiceover(text, "en", 2.0) == ("Meet the Aurora Tee.", True)
    assert fit_voiceover(text, "en", 3.5) == ("Meet the Aurora Tee. Soft organic cotton.", True)
    assert fit_voiceover(text, "en", 10) == (text, False)


def test_fit_voiceover_never_cuts_chinese_mid_phrase():
    # "25%" is said "百分之二十五": the first clause takes espeak 2.85 s (3 s estimated).
    text, _ = fit_voiceover("限时直降 25%，Aurora Tee 特价中。", "zh-Hans", 3.0)
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
    assert fit_voiceover("A small upgrade you will use every day.", "en", 1.5) == ("", True)


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
