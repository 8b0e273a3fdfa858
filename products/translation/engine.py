"""Any backend's translations, checked: ``translate_checked`` and ``translator_from_settings``.

A translator has ``name`` (recorded with each translation), ``placeholders`` (whether figures
are masked before sending) and ``translate(texts, *, source, target) -> list[str]``, raising
``TranslationUnavailable`` (try later) or ``TranslationRefused`` (the answer as a whole is
unusable). ``translate_checked`` wraps any of them with the rules every translation obeys:

1. a text with nothing but figures and names ("XL", "WH-1000XM5") is kept, not sent;
2. figures and names are masked for translators that follow placeholders;
3. each answer is cleaned and refused when it is empty, far longer than its source, holds
   markup, a link or a control character the source did not, or lost a placeholder;
4. the protected-token check (``protect.check``): every price, number with unit, brand and
   model name of the source, no more and no fewer, or the answer is refused.

A refused or failed text keeps its source words; the outcome says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from products.translation import protect
from products.translation.errors import (
    TranslationNotConfigured,
    TranslationRefused,
    TranslationUnavailable,
)

TRANSLATED, KEPT, REFUSED, FAILED = "translated", "kept", "refused", "failed"
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!?]|&#?\w+;")
_LINK = re.compile(r"(?i)https?://|www\.|\w+\.(?:com|net|org|io|ru|cn|xyz)\b")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


class Translator(Protocol):
    name: str
    placeholders: bool

    def translate(self, texts: list[str], *, source: str, target: str) -> list[str]: ...


@dataclass(frozen=True)
class Outcome:
    text: str  # the translation; the source when not translated
    status: str  # TRANSLATED, KEPT (nothing to translate), REFUSED (the check said no), FAILED (try later)
    reason: str = ""


def translate_checked(
    translator: Translator,
    texts: list[str],
    *,
    source: str,
    target: str,
    keep: tuple[str, ...] = (),
) -> list[Outcome]:
    """One outcome per text, in order; never raises for what the backend answers."""
    outcomes: list[Outcome | None] = [None] * len(texts)
    todo: list[int] = []
    for i, text in enumerate(texts):
        if protect.only_protected(text, keep=keep):
            outcomes[i] = Outcome(text, KEPT)
        else:
            todo.append(i)
    if todo:
        masked = [
            protect.mask(texts[i], keep=keep) if translator.placeholders else (texts[i], [])
            for i in todo
        ]
        try:
            answers = translator.translate([m for m, _ in masked], source=source, target=target)
            if len(answers) != len(todo):
                raise TranslationRefused(
                    f"{len(answers)} translations came back for {len(todo)} texts"
                )
        except TranslationUnavailable as exc:
            answers = [FailedAnswer(f"{translator.name}: {exc}")] * len(todo)
        except TranslationRefused as exc:
            answers = [FailedAnswer(f"{translator.name} gave an unusable answer: {exc}")] * len(
                todo
            )
        for i, (_, tokens), answer in zip(todo, masked, answers, strict=True):
            outcomes[i] = _judge(texts[i], answer, tokens, keep=keep)
    return [o for o in outcomes if o is not None]


class FailedAnswer(str):
    """No answer for this text: the reason, standing where the translation would."""


def _judge(source: str, answer: str, tokens: list[str], *, keep: tuple[str, ...]) -> Outcome:
    if isinstance(answer, FailedAnswer):
        return Outcome(source, FAILED, str(answer))
    text = " ".join(answer.split())
    problem = _hostile(source, text)
    if problem:
        return Outcome(source, REFUSED, problem)
    if tokens:
        try:
            text = protect.unmask(text, tokens)
        except protect.PlaceholderError as exc:
            return Outcome(source, REFUSED, str(exc))
    problems = protect.check(source, text, keep=keep)
    if problems:
        return Outcome(
            source, REFUSED, f"the translation changed figures or names: {'; '.join(problems)}"
        )
    return Outcome(text, TRANSLATED)


def _hostile(source: str, text: str) -> str:
    if not text:
        return "the translation is empty"
    if len(text) > max(120, 4 * len(source)):
        return f"the translation is {len(text)} characters long for a source of {len(source)}"
    if _CONTROL.search(text):
        return "the translation holds control or direction-override characters"
    if _MARKUP.search(text) and not _MARKUP.search(source):
        return "the translation holds markup"
    if _LINK.search(text) and not _LINK.search(source):
        return "the translation holds a link"
    return ""


def translator_from_settings() -> Translator | None:
    """The configured backend, or None for ``SHOPREEL_TRANSLATION=none``. Raises
    ``TranslationNotConfigured`` naming the missing setting when one is switched on without
    what it needs."""
    from django.conf import settings

    mode = settings.SHOPREEL_TRANSLATION
    if mode == "none":
        return None
    if mode == "llm":
        from core.llm import LlmEndpoint
        from products.translation.llm import LlmTranslator

        missing = [
            name
            for name in ("SHOPREEL_LLM_BASE_URL", "SHOPREEL_LLM_MODEL")
            if not getattr(settings, name)
        ]
        if missing:
            raise TranslationNotConfigured(
                f"SHOPREEL_TRANSLATION=llm, but {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set.",
                detail={"missing": ", ".join(missing)},
            )
        try:
            endpoint = LlmEndpoint(
                base_url=settings.SHOPREEL_LLM_BASE_URL,
                model=settings.SHOPREEL_LLM_MODEL,
                api_key=settings.SHOPREEL_LLM_API_KEY,
                timeout=settings.SHOPREEL_LLM_TIMEOUT,
            )
        except ValueError as exc:
            raise TranslationNotConfigured(f"SHOPREEL_LLM_BASE_URL: {exc}") from None
        return LlmTranslator(endpoint)
    if mode == "local":
        from products.translation.local import LocalTranslator

        if not settings.SHOPREEL_TRANSLATION_MODEL_DIR:
            raise TranslationNotConfigured(
                "SHOPREEL_TRANSLATION=local, but SHOPREEL_TRANSLATION_MODEL_DIR is not set.",
                detail={"missing": "SHOPREEL_TRANSLATION_MODEL_DIR"},
            )
        return LocalTranslator(
            settings.SHOPREEL_TRANSLATION_MODEL_DIR, device=settings.SHOPREEL_TRANSLATION_DEVICE
        )
    raise TranslationNotConfigured(f"SHOPREEL_TRANSLATION must be none, llm or local, not {mode!r}")
