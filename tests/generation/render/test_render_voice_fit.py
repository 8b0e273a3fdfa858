"""The voice a listener hears: readable Japanese and Chinese, lines that fit their scene at a
natural pace without a word cut, the price said, pauses carried by the music; and Japanese
and Chinese captions broken between phrases, never before small kana or closing marks.

Real espeak-ng throughout (its phoneme output, ``-x``, is what the listener hears, in writing).
"""

# ruff: noqa: RUF001 - full-width punctuation here is deliberate (CJK text)

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from generation.render import audio, fonts, linebreak, loudness, reading
from generation.render.spec import AudioSpec, MotionShot, RenderSpec, SceneSpec
from generation.render.speech import WORD

from .conftest import SMALL

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng not installed"
)
# espeak's phonemes for the English words it says where its voice cannot read a character.
CHINESE_LETTER, JAPANESE_LETTER = "tS'aIni:z", "dZ'ap@ni:z"

JA_LINE = "1,284件のレビューで平均4.7点。Northwindの定番Tシャツ、USB-C対応。"


@needs_espeak
def test_japanese_voice_gets_kana_and_never_says_chinese_letter() -> None:
    engine = audio.EspeakNG()
    parts = engine.parts(JA_LINE, language="ja")
    ja_text = "".join(p.text for p in parts if p.voice == "ja")
    assert ja_text and not reading.has_kanji(ja_text)  # no kanji reaches the ja voice
    assert not any(ch.isascii() and ch.isalpha() for ch in ja_text)  # nor a Latin letter
    said = " ".join(ph for _voice, ph in engine.phonemes(JA_LINE, language="ja"))
    assert CHINESE_LETTER not in said and JAPANESE_LETTER not in said


@needs_espeak
def test_latin_names_in_japanese_are_said_as_english_words_not_spelled() -> None:
    engine = audio.EspeakNG()
    parts = {p.text: p.voice for p in engine.parts(JA_LINE, language="ja")}
    assert parts["Northwind"] == reading.LATIN_VOICE
    # As the English voice says the word, not as its letters one by one (N, O, R, ...).
    english = dict(engine.phonemes("Northwind", language="en"))[reading.LATIN_VOICE]
    said = [ph for voice, ph in engine.phonemes(JA_LINE, language="ja") if voice != "ja"]
    assert english in said
    assert "'En _:'oU" not in " ".join(said)  # "en, oh" — the spelling it did before


@needs_espeak
def test_mandarin_characters_are_never_read_as_english_pinyin() -> None:
    """The ``cmn`` voice says 要 as "y-a-four" (its pinyin, in English); every character of
    the line must come out in Mandarin and only the brand in English."""
    engine = audio.EspeakNG()
    said = engine.phonemes("全新 Aurora Tee，只要 US$24.00，评分4.7分。", language="zh-Hans")
    mandarin = " ".join(ph for voice, ph in said if voice != reading.LATIN_VOICE)
    assert "(en)" not in mandarin
    assert any(voice == reading.LATIN_VOICE and "Aurora" not in ph for voice, ph in said)


@needs_espeak
def test_word_times_of_a_japanese_line_point_at_the_written_words() -> None:
    speech = audio.EspeakNG().synthesize_words("平均4.7点。Northwindから。", language="ja")
    written = {m.group() for m in WORD.finditer("平均4.7点。Northwindから。")}
    assert {w.text for w in speech.words} <= written
    assert "Northwind" in {w.text for w in speech.words}
    starts = [w.start for w in speech.words]
    assert starts == sorted(starts)


def _spec(tmp_path: Path, scenes, language="en", **audio_kw) -> RenderSpec:
    photo = tmp_path / "unused.jpg"
    return RenderSpec(
        format=SMALL,
        language=language,
        audio=AudioSpec(**audio_kw),
        scenes=tuple(SceneSpec(d, MotionShot((photo,)), voiceover=v) for d, v in scenes),
    )


class RecordingEspeak(audio.EspeakNG):
    def __init__(self) -> None:
        super().__init__()
        self.asked: list[tuple[str, float]] = []

    def synthesize_words(self, text, *, language, voice="", rate=1.0):
        self.asked.append((text, rate))
        return super().synthesize_words(text, language=language, voice=voice, rate=rate)


LONG_LINES = {
    "en": "Was $32, now $24. Soft organic cotton that keeps its shape, wash after wash, "
    "with a relaxed fit and dropped shoulders.",
    "ja": "通常$32のところ、今なら$24。洗っても形が崩れにくい、やわらかなオーガニックコットン。"
    "ゆったりとしたシルエットです。",
    "zh-Hans": "原价 $32，现价 $24。有机棉柔软舒适，洗了很多次也不变形，宽松版型，落肩设计。",
    "ar": "كان 32 US$، الآن 24 US$. قطن عضوي ناعم يحافظ على شكله بعد كل غسلة، بقصة مريحة.",
    "de": "Statt 32 $ jetzt 24 $. Weiche Bio-Baumwolle, die auch nach vielen Wäschen in Form "
    "bleibt, mit lockerem Schnitt.",
}


@needs_espeak
@pytest.mark.parametrize("language", sorted(LONG_LINES))
def test_a_long_line_is_shortened_not_sped_up_nor_cut(tmp_path: Path, language: str) -> None:
    """A 5 s scene with a line that takes longer: the voice never goes past the natural
    range, says whole words only, and keeps the sale's new price."""
    engine = RecordingEspeak()
    spec = _spec(tmp_path, [(5.0, LONG_LINES[language]), (1.5, "")], language, music=False)
    track = audio.soundtrack(spec, tmp_path / "v.wav", n_samples=int(6.5 * 48_000), engine=engine)
    assert engine.asked[0] == (LONG_LINES[language], 1.0)  # too long as written
    (fit,) = track.lines
    assert max(rate for _text, rate in engine.asked) <= audio.MAX_SPEED
    assert fit.said and fit.said != fit.asked and "24" in fit.said
    # Never cut: the placed line is exactly as long as the engine's line at that speed.
    alone = audio._placed_line(
        engine.synthesize_words(fit.said, language=spec.language, rate=fit.rate)
    )[0]
    assert fit.seconds == pytest.approx(alone.size / 48_000, abs=0.05)  # rate rounding
    assert fit.seconds <= fit.room + audio.VOICE_TAIL  # and it ends inside its scene
    heard = track.words[0]
    assert heard and heard[-1].end <= 5.0


def test_a_line_that_cannot_fit_runs_on_and_the_next_waits(tmp_path: Path) -> None:
    """No shorter version (one clause): said whole at the top speed, into the next scene,
    whose line starts after it rather than over it."""

    class Beep:
        max_rate = 1.45  # an engine allowing more than the natural range is held to it

        def __init__(self) -> None:
            self.rates: list[float] = []

        def synthesize(self, text, *, language, voice="", rate=1.0):
            self.rates.append(rate)
            t = np.arange(int(len(text) * 0.06 / rate * 16000)) / 16000
            return 0.5 * np.sin(2 * np.pi * 220 * t), 16000

    engine = Beep()
    spec = _spec(tmp_path, [(1.0, "x" * 30), (2.0, "y" * 10)], music=False)
    track = audio.soundtrack(spec, tmp_path / "v.wav", n_samples=3 * 48_000, engine=engine)
    first, second = track.lines
    assert max(engine.rates) <= audio.MAX_SPEED
    assert first.said == "x" * 30 and first.overrun > 0  # whole, not cut
    assert track.words[1][0].start >= track.words[0][-1].end  # no talking over
    assert second.said == "y" * 10


class _Beep:
    """A voice that takes 0.06 s a character (a steady tone: nothing trimmed)."""

    def synthesize(self, text, *, language, voice="", rate=1.0):
        t = np.arange(int(len(text) * 0.06 / rate * 16000)) / 16000
        return 0.5 * np.sin(2 * np.pi * 220 * t), 16000


def _captioned(tmp_path: Path, scenes) -> RenderSpec:
    photo = tmp_path / "unused.jpg"
    return RenderSpec(
        format=SMALL,
        language="en",
        audio=AudioSpec(music=False),
        scenes=tuple(
            SceneSpec(d, MotionShot((photo,)), caption=c, voiceover=v) for d, c, v in scenes
        ),
    )


def test_a_line_starts_early_in_a_captioned_scene_without_one(tmp_path: Path) -> None:
    """A J-cut: the hook has a caption and no line, so the next line starts in the hook's
    second half (from its middle) and has that time too; its words say so (the kinetic
    captions follow them)."""
    spec = _captioned(tmp_path, [(2.0, "Hook", ""), (4.0, "Only $24", "y" * 60)])
    track = audio.soundtrack(spec, tmp_path / "v.wav", n_samples=6 * 48_000, engine=_Beep())
    (fit,) = track.lines
    assert track.words[1][0].start == pytest.approx(1.0, abs=0.01)  # the hook's middle
    assert fit.rate == 1.0 and fit.room == pytest.approx(6.0 - audio.VOICE_TAIL - 1.0, abs=0.01)
    assert track.words[1][-1].end <= 6.0


def test_a_line_carried_and_a_line_led_meet_in_one_scene_a_breath_apart(tmp_path: Path) -> None:
    """An L-cut and a J-cut over one scene without a line: the first line runs on into it, the
    next starts in it ``LINE_GAP`` after the first ends, never over it; when that would leave
    less than ``VOICE_OFFSET`` before the cut, the next line starts in its own scene."""
    first = "x" * 32  # 1.92 s: from 0.15 to 2.07 s, through half of the 1 s "after" scene
    spec = _captioned(
        tmp_path, [(1.5, "Before", first), (1.0, "After", ""), (3.5, "Only $24", "y" * 40)]
    )
    track = audio.soundtrack(spec, tmp_path / "v.wav", n_samples=6 * 48_000, engine=_Beep())
    carried, led = track.lines
    assert carried.rate == led.rate == 1.0
    assert 2.0 <= audio.VOICE_OFFSET + carried.seconds <= 2.38
    start = track.words[2][0].start
    assert start == pytest.approx(audio.VOICE_OFFSET + carried.seconds + audio.LINE_GAP, abs=0.01)
    assert start < 2.5 - audio.VOICE_OFFSET + 0.01  # inside "after", ahead of the cut
    # A longer first line leaves no room for the lead: the next starts after its own cut.
    spec = _captioned(
        tmp_path, [(1.5, "Before", "x" * 36), (1.0, "After", ""), (3.5, "Only $24", "y" * 40)]
    )
    track = audio.soundtrack(spec, tmp_path / "v.wav", n_samples=6 * 48_000, engine=_Beep())
    assert track.words[2][0].start == pytest.approx(2.5 + audio.VOICE_OFFSET, abs=0.01)


def test_a_line_that_would_pass_the_ad_end_is_left_out_not_cut(tmp_path: Path) -> None:
    class Beep:
        def synthesize(self, text, *, language, voice="", rate=1.0):
            t = np.arange(int(len(text) * 0.06 / rate * 16000)) / 16000
            return 0.5 * np.sin(2 * np.pi * 220 * t), 16000

    spec = _spec(tmp_path, [(1.0, "x" * 60)], music=False)
    track = audio.soundtrack(spec, tmp_path / "v.wav", n_samples=48_000, engine=Beep())
    assert track.lines[0].said == "" and track.words == ((),)


def _read(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        data = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2)
    return data.astype(np.float64) / 32768


@needs_espeak
def test_music_carries_the_pause_between_lines(tmp_path: Path) -> None:
    """A line, 3 s without voice, a line: the pause stays within 9 LU of the whole mix
    (it fell ~15 LU, to about -29 LUFS, when the bed sat 12 LU under the voice)."""
    spec = _spec(tmp_path, [(2.0, "Meet the bottle."), (3.0, ""), (2.0, "Shop now.")])
    data = _read(audio.mix_soundtrack(spec, tmp_path / "m.wav", n_samples=7 * 48_000))
    whole = loudness.integrated_loudness(data)
    pause = loudness.integrated_loudness(data[int(2.6 * 48_000) : int(4.8 * 48_000)])
    assert whole == pytest.approx(-14, abs=1)
    assert pause >= whole - 9
    assert pause < whole - 1  # still a bed, under the voice


# --- line breaking ---------------------------------------------------------------------------

BREAK_CASES = [
    ("1,284件のレビューで平均4.7点", "ja"),
    ("セール中に今すぐチェック", "ja"),
    ("「限定」ショッピングをお楽しみください、チャンスは今だけ。", "ja"),
    ("现在购买降噪耳机，立享八折优惠，包邮到家", "zh-Hans"),
]


@pytest.mark.parametrize(("text", "language"), BREAK_CASES)
@pytest.mark.parametrize("width", [200, 280, 400])
def test_cjk_lines_break_between_phrases_and_never_before_small_kana(
    text: str, language: str, width: int
) -> None:
    chain = fonts.font_chain(language)
    lines, _size = linebreak.fit_lines(text, chain, 40, width)
    assert "".join(lines) == text
    phrases = linebreak._phrases(text)
    ends = {sum(len(p) for p in phrases[:k]) for k in range(len(phrases) + 1)}
    at = 0
    for line in lines[:-1]:
        at += len(line)
        assert at in ends, f"{line!r} ends inside a phrase of {phrases}"
    for line in lines[1:]:
        assert line[0] not in linebreak.SMALL_KANA + "ー。、」）！？", line


def test_kinsoku_keeps_closing_marks_and_small_kana_off_a_line_start() -> None:
    pieces = linebreak.tokens("「今だけ」ッ。セール、チェック")
    assert all(p[0] not in linebreak.SMALL_KANA + "」。、" for p in pieces)
    assert all(p[-1] != "「" for p in pieces)


# Thai words as a Thai reader splits these lines (none is a loanword, which BudouX may cut
# at its syllables).
THAI_WORDS = [
    ["ลด", "ราคา", "สำหรับ", "เสื้อยืด", "ที่", "นุ่ม", "สบาย", "ทุก", "วัน"],
    ["สั่ง", "ซื้อ", "เลย", "วัน", "นี้", "ส่ง", "ฟรี", "ทั่ว", "ประเทศ"],
    ["หูฟัง", "ตัด", "เสียง", "รบกวน", "แบบ", "ไร้", "สาย", "ใช้", "งาน", "ได้", "นาน"],
]


@pytest.mark.parametrize("words", THAI_WORDS)
@pytest.mark.parametrize("width", [250, 400])
def test_a_thai_caption_breaks_only_between_words(words: list[str], width: int) -> None:
    text = "".join(words)
    chain = fonts.font_chain("th")
    assert any("Thai" in face.name for face in chain)  # shaped and measured in a Thai font
    lines, _size = linebreak.fit_lines(text, chain, 48, width)
    assert len(lines) > 1 and "".join(lines) == text
    ends = {len("".join(words[:k])) for k in range(len(words) + 1)}
    at = 0
    for line in lines[:-1]:
        at += len(line)
        assert at in ends, f"{line!r} ends inside a word of {words}"


def test_a_latin_word_in_a_japanese_line_stays_whole() -> None:
    assert "Aurora " in linebreak.tokens("Aurora Organic Cotton Teeが25%オフ")
    assert "Teeが" in linebreak.tokens("Aurora Organic Cotton Teeが25%オフ")


# --- a demo ad, script to soundtrack ---------------------------------------------------------

COVERAGE_TARGET = 0.6  # share of a 15 s ad with voice (bench/voice_fit.py: 62-85 % per ad)


@needs_espeak
@pytest.mark.parametrize("language", ["en", "de", "ja", "zh-Hans", "ar"])
def test_the_demo_ads_are_voiced_scene_by_scene(tmp_path: Path, language: str) -> None:
    """Each demo product's 15 s ad (the picker's template), script to soundtrack: every
    captioned scene speaks (a line is heard in it), nothing past 1.15x, no word past the ad's end, a sale's offer
    says the sale price, and the voice covers at least the target share of the ad."""
    from bench.build_script import product_json
    from products.demo.catalog import PRODUCTS
    from templates_engine.builder import build_script
    from templates_engine.library import pick_template

    photo = tmp_path / "unused.jpg"
    for demo in PRODUCTS:
        product = product_json(demo)
        template, _why = pick_template(product=product, language=language, length=15)
        script = build_script(product=product, template=template, language=language, length=15)
        spec = RenderSpec(
            format=SMALL,
            language=language,
            audio=AudioSpec(),
            scenes=tuple(
                SceneSpec(
                    s.duration, MotionShot((photo,)), caption=s.caption, voiceover=s.voiceover
                )
                for s in script.scenes
            ),
        )
        track = audio.soundtrack(spec, tmp_path / "ad.wav", n_samples=15 * 48_000)
        said = {fit.scene: fit for fit in track.lines}
        # Heard in the scene: its own line, or one running over a cut into it (an L- or J-cut).
        heard = [w for words in track.words for w in words]
        cuts = np.cumsum([0.0, *(s.duration for s in spec.scenes)])
        silent = [
            i
            for i, s in enumerate(spec.scenes)
            if s.caption and not any(w.start < cuts[i + 1] and w.end > cuts[i] for w in heard)
        ]
        assert not silent, (demo.slug, silent, script.notes)
        assert all(said[i].said for i, s in enumerate(spec.scenes) if s.voiceover)
        assert max(fit.rate for fit in track.lines) <= audio.MAX_SPEED
        offer = [i for i, s in enumerate(script.scenes) if s.id == "offer"]
        if offer and demo.regular_price:
            assert str(int(float(demo.price))) in said[offer[0]].said
        voiced = sum(words[-1].end - words[0].start for words in track.words if words)
        assert voiced / 15 >= COVERAGE_TARGET, (demo.slug, round(voiced / 15, 3))
        assert all(w.end <= 15 for words in track.words for w in words)  # no word cut by the end


@needs_espeak
def test_a_6_s_ad_carries_the_voice_over_a_scene_without_a_line(tmp_path: Path) -> None:
    """The demo tee's 6 s before/after ad, script to soundtrack: the "after" scene has no
    line of its own (no time), and the before line is heard on into it, said whole, at most
    1.15x, not pushed back nor cut; the price line follows in its own scene."""
    from bench.build_script import product_json
    from products.demo.catalog import PRODUCTS
    from templates_engine.builder import build_script
    from templates_engine.library import get_template

    product = product_json(next(p for p in PRODUCTS if p.slug == "aurora-organic-tee"))
    script = build_script(
        product=product, template=get_template("apparel-before-after"), language="en", length=6
    )
    photo = tmp_path / "unused.jpg"
    spec = RenderSpec(
        format=SMALL,
        language="en",
        audio=AudioSpec(),
        scenes=tuple(
            SceneSpec(s.duration, MotionShot((photo,)), caption=s.caption, voiceover=s.voiceover)
            for s in script.scenes
        ),
    )
    track = audio.soundtrack(spec, tmp_path / "ad.wav", n_samples=6 * 48_000)
    before, after, _ = script.scenes
    assert not after.voiceover
    said = {fit.scene: fit for fit in track.lines}
    assert said[0].said == before.voiceover and said[0].rate <= audio.MAX_SPEED
    heard = [w for words in track.words for w in words]
    start, end = before.duration, before.duration + after.duration
    assert any(w.start < start + after.duration / 2 and w.end > start for w in heard)
    # The price line may start early, inside "after" (a J-cut), but never over the before line.
    assert "24" in said[2].said and track.words[2][0].start >= heard[0].end
    assert track.words[2][0].start >= track.words[0][-1].end + audio.LINE_GAP - 0.01
    assert start < track.words[2][0].start < end + audio.VOICE_OFFSET + 0.01
    assert all(w.end <= 6 for w in heard)
