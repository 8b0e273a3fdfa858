"""Language tags as translation needs them: one key per copy language, names for prompts and
the codes multilingual translation models use. Framework-free."""

from __future__ import annotations

from core.vocabulary import LANGUAGES

NAMES = {
    "en": "English",
    "zh-Hans": "Simplified Chinese",
    "zh-Hant": "Traditional Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "pt": "Portuguese",
    "it": "Italian",
    "ar": "Arabic",
}
# NLLB-200's codes; M2M100 writes __<iso 639-1>__; Marian multi-target models >>iso 639-3<<.
NLLB = {
    "en": "eng_Latn",
    "zh-Hans": "zho_Hans",
    "zh-Hant": "zho_Hant",
    "ja": "jpn_Jpan",
    "ko": "kor_Hang",
    "de": "deu_Latn",
    "fr": "fra_Latn",
    "es": "spa_Latn",
    "pt": "por_Latn",
    "it": "ita_Latn",
    "ar": "arb_Arab",
}
ISO3 = {
    "en": "eng",
    "zh-Hans": "zho_Hans",
    "zh-Hant": "zho_Hant",
    "ja": "jpn",
    "ko": "kor",
    "de": "deu",
    "fr": "fra",
    "es": "spa",
    "pt": "por",
    "it": "ita",
    "ar": "ara",
}
_ZH_TRADITIONAL = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")


def copy_language(tag: str) -> str:
    """The copy language (``core.vocabulary.LANGUAGES``) a tag belongs to, or "" when none:
    "en-US" → "en", "zh-CN" → "zh-Hans", "zh-TW" → "zh-Hant", "pt-BR" → "pt"."""
    tag = (tag or "").strip().replace("_", "-").lower()
    if not tag:
        return ""
    if tag.startswith("zh"):
        return "zh-Hant" if tag.startswith(_ZH_TRADITIONAL) else "zh-Hans"
    base = tag.split("-")[0]
    return base if base in LANGUAGES else ""


def language_name(code: str) -> str:
    return NAMES.get(code, code)


def base(code: str) -> str:
    """The two-letter part: "zh-Hans" → "zh"."""
    return code.split("-")[0].lower()


_SCRIPTS = (
    ("ja", r"[\u3040-\u30ff]"),  # kana: Japanese, even with kanji
    ("ko", r"[\uac00-\ud7af]"),
    ("ar", r"[\u0600-\u06ff]"),
    ("zh-Hans", r"[\u3400-\u9fff]"),
)


def page_language(tag: str, texts: list[str]) -> str:
    """The copy language of a product page: its declared ``lang`` when it names one of ours,
    else a guess from the script of its texts (kana → ja, hangul → ko, Arabic → ar, Han →
    zh-Hans), else "en" for Latin text (pages and hand-entered products without a ``lang``
    are most often English; a German page without one is then translated "from English",
    which an LLM handles and the protected-token check still guards)."""
    import re

    declared = copy_language(tag)
    if declared:
        return declared
    joined = " ".join(texts)
    for code, pattern in _SCRIPTS:
        if re.search(pattern, joined):
            return code
    return "en"
