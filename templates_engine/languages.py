"""Language tags, their Babel locales, default calls to action, and how fast each is spoken.

Templates are written per *copy language* (``en``, ``zh-Hans``, ``es``); a request may name a
regional tag (``es-MX``, ``zh-CN``) which selects the copy language and, for prices, the
regional locale.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

# Regional or loose tags → the copy language templates are written in.
_ALIASES = {
    "zh": "zh-Hans", "zh-cn": "zh-Hans", "zh-sg": "zh-Hans", "zh-hans-cn": "zh-Hans",
}

# Locale used for prices when the request names only the copy language.
_DEFAULT_LOCALE = {"en": "en_US", "es": "es_ES", "zh-Hans": "zh_Hans_CN"}

DEFAULT_CTA = {"en": "Shop now", "es": "Cómpralo ya", "zh-Hans": "立即选购"}

# Speaking rates used to keep a voiceover inside its scene. Latin scripts are counted in
# words, Chinese in characters. Conservative ends of typical ad-read ranges.
WORDS_PER_SECOND = {"en": 2.6, "es": 2.6}
CJK_CHARS_PER_SECOND = 4.5


def resolve_language(requested: str, available: list[str]) -> tuple[str, str]:
    """Map a requested tag onto one of ``available``; return ``(copy_language, babel_locale)``.

    Matching is case-insensitive and understands regional tags (``es-MX`` → ``es``). Raises
    ``LookupError`` when no available language matches.
    """
    tag = requested.strip().replace("_", "-")
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
    return _DEFAULT_LOCALE.get(copy_lang, copy_lang.replace("-", "_"))


def is_cjk_language(language: str) -> bool:
    return language.split("-")[0].lower() in {"zh", "ja", "ko"}
