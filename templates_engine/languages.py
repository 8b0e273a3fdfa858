"""Language tags, their Babel locales, default calls to action, and how fast each is spoken.

Templates are written per *copy language* (``core.vocabulary.LANGUAGES``: en, zh-Hans, zh-Hant, ja, ko, de, fr,
es, pt, it, ar; each written for its readers, not translated word for word); a request may name a
regional tag (``es-MX``, ``zh-CN``) which selects the copy language and, for prices, the
regional locale.
"""

from __future__ import annotations

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

# Speaking rates used to keep a voiceover inside its scene. Latin scripts are counted in
# words, Chinese in characters. Conservative ends of typical ad-read ranges.
WORDS_PER_SECOND = {"en": 2.6, "es": 2.6, "de": 2.3, "fr": 2.7, "pt": 2.5, "it": 2.6, "ar": 2.2}
CJK_CHARS_PER_SECOND = 4.5


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


def is_cjk_language(language: str) -> bool:
    return language.split("-")[0].lower() in {"zh", "ja", "ko"}
