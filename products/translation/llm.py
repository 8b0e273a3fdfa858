"""The ``llm`` backend: product facts translated by any OpenAI-compatible chat endpoint.

One request per batch of facts. The prompt sends the facts as a JSON object of numbered texts
with figures and names already swapped for ``[[Tn]]`` placeholders, and asks for
``{"translations": {"1": "...", ...}}`` back. The answer must have exactly the numbers sent,
each a string; anything else refuses the whole batch (``TranslationRefused``). Framework-free.
"""

from __future__ import annotations

import json

import httpx

from core.llm import LlmEndpoint, LlmRefused, LlmUnavailable, chat_json
from products.translation.errors import TranslationRefused, TranslationUnavailable
from products.translation.languages import language_name

BATCH_ITEMS = 20
BATCH_CHARS = 4000

SYSTEM_PROMPT = (
    "You translate short product facts for e-commerce video ads. Translate each text into the "
    "target language as a native copywriter would write a caption: short, natural, no added claims, "
    "nothing left out. Placeholders such as [[T1]] stand for prices, numbers with units, brand and "
    "model names: copy every placeholder exactly once, unchanged, into the translation. Never add "
    "numbers, prices, names or links. Answer with one JSON object and nothing else: "
    '{"translations": {"<number>": "<translation>", ...}} with exactly the numbers you were given.'
)


class LlmTranslator:
    """Translates through ``endpoint``; follows placeholders, so figures are masked before sending."""

    placeholders = True

    def __init__(self, endpoint: LlmEndpoint, *, client: httpx.Client | None = None):
        self.endpoint = endpoint
        self.client = client

    @property
    def name(self) -> str:
        return f"llm:{self.endpoint.model}"[:80]

    def translate(self, texts: list[str], *, source: str, target: str) -> list[str]:
        out: list[str] = []
        own = self.client is None  # one connection for all the batches of this call
        client = self.client or httpx.Client(timeout=self.endpoint.timeout, follow_redirects=False)
        try:
            for batch in _batches(texts):
                out += self._translate_batch(batch, source=source, target=target, client=client)
        finally:
            if own:
                client.close()
        return out

    def _translate_batch(
        self, texts: list[str], *, source: str, target: str, client: httpx.Client
    ) -> list[str]:
        numbered = {str(i): text for i, text in enumerate(texts, start=1)}
        user = json.dumps(
            {
                "source_language": language_name(source) if source else "detect it",
                "target_language": language_name(target),
                "texts": numbered,
            },
            ensure_ascii=False,
        )
        try:
            answer = chat_json(self.endpoint, system=SYSTEM_PROMPT, user=user, client=client)
        except LlmUnavailable as exc:
            raise TranslationUnavailable(str(exc)) from None
        except LlmRefused as exc:
            raise TranslationRefused(str(exc)) from None
        translations = answer.get("translations")
        if not isinstance(translations, dict):
            raise TranslationRefused('the model\'s answer has no "translations" object')
        if set(translations) != set(numbered):
            raise TranslationRefused(
                f"the model answered texts {sorted(translations)[:10]} for texts {sorted(numbered)}"
            )
        if not all(isinstance(value, str) for value in translations.values()):
            raise TranslationRefused(
                "the model answered something other than text for a translation"
            )
        return [translations[key] for key in numbered]


def _batches(texts: list[str]) -> list[list[str]]:
    batches: list[list[str]] = [[]]
    size = 0
    for text in texts:
        if batches[-1] and (len(batches[-1]) >= BATCH_ITEMS or size + len(text) > BATCH_CHARS):
            batches.append([])
            size = 0
        batches[-1].append(text)
        size += len(text)
    return [b for b in batches if b]
