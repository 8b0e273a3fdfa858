"""Language tags, their Babel locales, default calls to action, and how fast each is spoken.

Templates are written per *copy language* (``core.vocabulary.LANGUAGES``: en, zh-Hans, zh-Hant, ja, ko, de, fr,
es, pt, it, ar; each written for its readers, not translated word for word); a request may name a
regional tag (``es-MX``, ``zh-CN``) which selects the copy language and, for prices, the
regional locale.
"""

from __future__ import annotations

from typing import NamedTuple

from babel import Locale, UnknownLocaleError

# Regional or loose tags → the copy language templates are written in.
_ALIASES = {
    "zh": "zh-Hans", "zh-cn": "zh-Hans", "zh-sg": "zh-Hans", "zh-hans-cn": "zh-Hans",
    "zh-tw": "zh-Hant", "zh-hk": "zh-Hant", "zh-mo": "zh-Hant", "zh-hant-tw": "zh-Hant",
}

# Regional aliases whose prices follow their own region (HK$ written the Hong Kong way).
_REGIONAL_ALIAS_LOCALE = {"zh-hk": "zh_Hant_HK", "zh-mo": "zh_Hant_MO", "zh-sg": "zh_Hans_SG"}


# Locale used for prices when the request names only the copy language.
_DEFAULT_LOCALE = {
    "en": "en_US", "es": "es_ES", "zh-Hans": "zh_Hans_CN", "zh-Hant": "zh_Hant_TW", "ja": "ja_JP",
    "ko": "ko_KR", "de": "de_DE", "fr": "fr_FR", "pt": "pt_BR", "it": "it_IT", "ar": "ar_SA",
}

DEFAULT_CTA = {
    "en": "Shop now", "es": "Cómpralo ya", "zh-Hans": "立即选购", "zh-Hant": "立即選購",
    "ja": "今すぐチェック", "ko": "지금 구매하기", "de": "Jetzt entdecken", "fr": "Je craque",
    "pt": "Compre agora", "it": "Acquista ora", "ar": "تسوّق الآن",
}


class Pace(NamedTuple):
    """Seconds the default voice takes per ASCII letter, other letter, Han character, kana or
    hangul syllable, digit and currency sign, and per clause mark inside a line
    (``textfit.speech_seconds``)."""

    latin: float
    letter: float
    han: float
    syllable: float
    digit: float
    currency: float
    pause: float


# How fast the default voice (espeak-ng) speaks each copy language, fitted to it by least
# squares on every shipped template's voiceovers and their shorter versions for the demo
# products (320-410 lines a language; ``bench/speech_pace.py``). Every line also takes
# ``PACE_BASE``. Counted per character, so Japanese and Chinese lines (no spaces) are timed
# like any other; the median error is 4-7 % a line (counting words, it was 10-19 %).
PACE_BASE = 0.1
# The fastest a line is spoken (x the voice's own pace): a hurried speaker is ~15 % faster;
# beyond that text-to-speech sounds like fast-forward, so a longer line is shortened instead.
# The builder may count on it for a line that has no shorter version; the soundtrack
# (``generation.render.audio``) holds every engine to it.
MAX_SPEED = 1.15
VOICE_PACE = {
    "en": Pace(0.065, 0.065, 0, 0, 0.41, 0.26, 0.37),
    "de": Pace(0.070, 0.070, 0, 0, 0.44, 0.29, 0.30),
    "fr": Pace(0.059, 0.059, 0, 0, 0.31, 0.45, 0.33),
    "es": Pace(0.065, 0.065, 0, 0, 0.41, 0.44, 0.37),
    "it": Pace(0.067, 0.067, 0, 0, 0.44, 0.05, 0.37),
    "pt": Pace(0.071, 0.071, 0, 0, 0.46, 0.44, 0.30),
    # Arabic is fitted to the slow side (``--expectile 0.9``): its numbers ("312", "1,284") and
    # English words are said up to 40 % slower than its median line, and a hurried line has
    # no time to spare; espeak is now at most 17 % slower than the estimate (1.07x at p95).
    "ar": Pace(0.070, 0.118, 0, 0, 0.545, 0.739, 0.347),  # "US$" is said as several words
    "ja": Pace(0.067, 0, 0.196, 0.136, 0.46, 0.04, 0.14),  # a kanji reads as 1-3 kana
    "zh": Pace(0.066, 0, 0.284, 0, 0.45, 0.06, 0.10),
    "ko": Pace(0.070, 0, 0, 0.194, 0.38, 0.14, 0.23),
}


def resolve_language(requested: str, available: list[str]) -> tuple[str, str]:
    """Map a requested tag onto one of ``available``; return ``(copy_language, babel_locale)``.

    Matching is case-insensitive and understands regional tags (``es-MX`` → ``es``). Raises
    ``LookupError`` when no available language matches.
    """
    tag = requested.strip().replace("_", "-")
    if tag.lower().startswith(("zh-hant-", "zh-hans-")):  # zh-Hant-HK: the script decides
        tag = "-".join(tag.split("-")[:2]) if tag.lower() not in _ALIASES else tag
    lower = {lang.lower(): lang for lang in available}
    candidates = [tag.lower(), _ALIASES.get(tag.lower(), "").lower()]
    if "-" in tag and not tag.lower().startswith("zh"):  # zh-TW is not zh-Hans copy
        base = tag.split("-")[0].lower()
        candidates += [base, _ALIASES.get(base, "").lower()]
    for cand in candidates:
        if cand and cand in lower:
            copy_lang = lower[cand]
            return copy_lang, _locale_for(tag, copy_lang)
    raise LookupError(requested)


def _locale_for(tag: str, copy_lang: str) -> str:
    """A Babel locale for prices: the regional tag when Babel knows it, else the default."""
    if tag.lower() != copy_lang.lower() and tag.lower() not in _ALIASES:
        try:
            return str(Locale.parse(tag, sep="-"))
        except (ValueError, UnknownLocaleError):
            pass
    return _REGIONAL_ALIAS_LOCALE.get(tag.lower()) or _DEFAULT_LOCALE.get(copy_lang, copy_lang.replace("-", "_"))


def voice_pace(language: str) -> Pace:
    """The pace for a copy language or a regional tag (``zh-Hant`` speaks like ``zh-Hans``);
    a language without one is timed like English."""
    tag = language.replace("_", "-")
    return VOICE_PACE.get(tag) or VOICE_PACE.get(tag.split("-")[0]) or VOICE_PACE["en"]


def is_cjk_language(language: str) -> bool:
    return language.split("-")[0].lower() in {"zh", "ja", "ko"}
