"""Which of a product's words are translated, each under a stable key, and how they go back.

Keys (``source_facts``), from the product's ``as_script_input()`` shape:

- ``title``: the product's name. Not machine-translated (titles are mostly brand and model
  names); a merchant's translation is used when there is one.
- ``features.<i>``: the page's feature bullets, in page order.
- ``description.<i>``: when the page has no feature bullets, the description's first sentences
  (at most ``MAX_SNIPPETS``, each short enough to be a caption), which the script builder then
  uses as features.
- ``variants.<i>.name`` and ``variants.<i>.options.<option>``: a variant's name and its option
  values (``{"size": "M", "color": "White"}``: ``variants.0.options.color`` is "White").

A key names a slot on the page, so a merchant's edit stays with its slot when a rescrape
changes the words in it (and is then marked possibly outdated). ``apply_texts`` puts texts
back into a copy of the product dict: the description becomes the translated snippets.
Framework-free.
"""

from __future__ import annotations

import copy
import re
from typing import Any

MAX_SNIPPETS = 5
MAX_SNIPPET_CHARS = 200
MAX_FEATURES = 12
MACHINE_KEYS_EXCLUDE = ("title",)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")  # noqa: RUF001 - CJK sentence ends
_ENDS = (".", "!", "?", "。", "！", "？")  # noqa: RUF001


def source_facts(product: dict[str, Any]) -> dict[str, str]:
    """``{key: text}`` for every translatable text of ``product``, in a stable order."""
    facts: dict[str, str] = {}
    if _clean(product.get("title")):
        facts["title"] = _clean(product.get("title"))
    features = [f for f in (product.get("features") or []) if isinstance(f, str) and _clean(f)]
    for i, feature in enumerate(features[:MAX_FEATURES]):
        facts[f"features.{i}"] = _clean(feature)
    if not features:  # the script builder reads the description only when a page has no bullets
        for i, snippet in enumerate(description_snippets(product.get("description") or "")):
            facts[f"description.{i}"] = snippet
    for i, variant in enumerate(product.get("variants") or []):
        if not isinstance(variant, dict):
            continue
        if isinstance(variant.get("name"), str) and _clean(variant["name"]):
            facts[f"variants.{i}.name"] = _clean(variant["name"])
        options = variant.get("options")
        for name, value in options.items() if isinstance(options, dict) else ():
            if _option_key(name) and isinstance(value, str) and _clean(value):
                facts[f"variants.{i}.options.{name}"] = _clean(value)
    return facts


def description_snippets(description: str) -> list[str]:
    """The first sentences of the description that are short enough to be a caption."""
    sentences = [_clean(s) for s in _SENTENCE_END.split(_clean(description))]
    return [s for s in sentences if s and len(s) <= MAX_SNIPPET_CHARS][:MAX_SNIPPETS]


def apply_texts(product: dict[str, Any], texts: dict[str, str]) -> dict[str, Any]:
    """A copy of ``product`` with each key's text put in its place (keys absent keep theirs)."""
    out = copy.deepcopy(product)
    if "title" in texts:
        out["title"] = texts["title"]
    features = [f for f in (out.get("features") or []) if isinstance(f, str) and _clean(f)]
    out["features"] = [texts.get(f"features.{i}", _clean(f)) for i, f in enumerate(features)]
    snippets = [
        texts[k] for k in sorted((k for k in texts if k.startswith("description.")), key=_index)
    ]
    if snippets:
        out["description"] = " ".join(s if s.endswith(_ENDS) else s + _end_for(s) for s in snippets)
    for i, variant in enumerate(out.get("variants") or []):
        if not isinstance(variant, dict):
            continue
        if f"variants.{i}.name" in texts:
            variant["name"] = texts[f"variants.{i}.name"]
        options = variant.get("options")
        if isinstance(options, dict):
            variant["options"] = {
                k: texts.get(f"variants.{i}.options.{k}", v) for k, v in options.items()
            }
    return out


def _option_key(name: object) -> bool:
    """An option name usable in a key: short, no dots ("size", "color")."""
    return (
        isinstance(name, str) and 0 < len(name) <= 30 and "." not in name and name == name.strip()
    )


def _index(key: str) -> int:
    return int(key.split(".")[1])


def _end_for(text: str) -> str:
    return "。" if re.search(r"[\u3040-\u30ff\u3400-\u9fff]", text) else "."


def _clean(value: Any) -> str:
    return " ".join(str(value).split()) if value else ""
