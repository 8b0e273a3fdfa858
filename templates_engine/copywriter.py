"""The optional LLM copywriter: a model writes the hook and each scene's caption and voice-over,
within the template's script, from the product's facts only; Shopreel checks every line.

Framework-free (``core.llm`` speaks to any OpenAI-compatible chat endpoint). The builder's
script is the frame: the same scenes, roles, durations, photos, badges and end card. The model
gets the facts (title, brand, prices as the ad writes them, features, rating and review count
when the page states them), the language, market, tone, platform, a hook angle, and per scene
its role, its seconds, and its budget from the fit rules (caption characters for two lines;
voice-over words, or characters in Chinese, Japanese and Korean, for the scene's time). It
answers ``{"scenes": [{"id", "caption", "voiceover"}, ...]}``, one entry per scene in order.
The end card (call to action) keeps the template's lines.

Every line is then checked (``check_copy``): no link, markup, emoji, hashtag or control
character; not empty where the template has a line; the caption within two lines and the
voice-over sayable in its scene (``textfit``); grounded in the facts (``grounding``: prices as
the page's, numbers and percentages from the facts, no attribute the facts lack); and the
claims check (``compliance``), where any finding, a warning too, refuses the line: a model's
copy must be at least as clean as the template's.

One refused line, or no usable answer (unreachable, timed out, HTTP error, malformed JSON,
another shape), and the whole ad keeps the template's copy: an ad reads as one voice, and a
model that invented one fact has lost the benefit of the doubt for its other lines. The result
records why (``CopyResult.record``, stored as ``Ad.copy``): ``{"source": "llm" | "template",
"model", "angle", "rejected": [{"scene", "field", "reason"}]}``, ``scene`` "" for the answer
as a whole.

Variants: ``angle_for(variant=k, ...)`` gives variant k its own hook angle (benefit, problem,
offer, social proof; offer only with a price, social proof only with a strong rating), passed
to the model and recorded.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import httpx

from core.llm import LlmEndpoint, LlmError, chat_json
from products.translation.languages import NAMES as LANGUAGE_NAMES
from templates_engine import compliance, grounding
from templates_engine.builder import VOICE_SHARE, _say_each_fact_once
from templates_engine.context import copy_context, product_facts
from templates_engine.languages import is_cjk_language, resolve_language
from templates_engine.schema import AdScript, Scene
from templates_engine.textfit import LINE_UNITS, MAX_LINES, fit_caption, speech_seconds, squash

ANGLES = ("benefit", "problem", "offer", "social_proof")
ANGLE_BRIEFS = {
    "benefit": "Open on the main benefit the features give the buyer, in their words.",
    "problem": (
        "Open on an everyday problem the product's features solve, as a short question; "
        "promise no result, amount or time frame and name no illness."
    ),
    "offer": (
        "Open on the offer: the price as given (on sale: the regular price, then the price). "
        "No urgency or stock claims."
    ),
    "social_proof": (
        "Open on what buyers say: a short question, then the page's rating and review count "
        "exactly as given. Never the bare rating alone."
    ),
}
# Scenes the model does not write: the end card states the merchant's call to action.
FIXED_SHOT_TYPES = frozenset({"cta"})
# Room left for wrapping when asking for a caption: two full lines rarely fill.
_CAPTION_SLACK = 0.8

SYSTEM_PROMPT = (
    "You write the on-screen captions and voice-over lines of a short vertical video ad for one "
    "product. You are given the product's facts, the ad's language, market, tone and platform, a "
    "hook angle for the first scene, and the scenes in order, each with its role, its length in "
    "seconds, its budget and the line it has now. Rewrite each scene's caption and voice-over so "
    "the ad is more engaging, in the ad's language, written for its readers.\n"
    "Rules:\n"
    "- Use only the facts given. Add no feature, material, certification, shipping, returns, "
    "warranty, stock or urgency claim the facts do not state.\n"
    "- Write numbers in digits. State no number, percentage or price that is not in the facts; "
    "write a price exactly as it is given.\n"
    "- No superlatives (best, #1), no health or medical claims, no guaranteed results.\n"
    "- Keep each caption within caption_max_chars and each voice-over within its word or "
    "character budget (a number takes about one word per digit). Every scene has a caption and "
    "a voice-over.\n"
    "- No emoji, hashtags, links or markup. The first scene is the hook: follow the hook angle.\n"
    "- Do not repeat the same fact in several voice-overs.\n"
    'Answer with one JSON object and nothing else: {"scenes": [{"id": "<scene id>", "caption": '
    '"...", "voiceover": "..."}, ...]} with exactly the scenes you were given, in order.'
)

_LINK = re.compile(r"(?i)https?://|www\.|\b[\w-]+\.(?:com|net|org|io|shop|store|ru|cn|xyz)\b")
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!?]|&#?\w+;|\*\*|__")
# Direction marks (U+200E/F) are allowed: Babel writes Arabic prices with them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200d\u202a-\u202e\u2066-\u2069]")
_HASHTAG = re.compile(r"(?<!\w)#[^\W\d]\w*")


@dataclass(frozen=True)
class CopyResult:
    script: AdScript  # the model's copy when accepted, else the template's script as given
    record: dict[str, Any]  # Ad.copy


def template_record() -> dict[str, Any]:
    """What ``Ad.copy`` holds when the copywriter is off: the template wrote it."""
    return {"source": "template", "model": "", "angle": "", "rejected": []}


def hook_angles(product: dict[str, Any]) -> list[str]:
    """The angles this product supports, in the order variants take them: benefit, then the
    offer when on sale, a problem, social proof when the rating is strong, the offer when only
    priced."""
    facts = product_facts(product)
    angles = ["benefit"]
    if facts.has_sale:
        angles.append("offer")
    angles.append("problem")
    if facts.strong_rating:
        angles.append("social_proof")
    if facts.price is not None and not facts.has_sale:
        angles.append("offer")
    return angles


def angle_for(*, variant: int, product: dict[str, Any]) -> str:
    """Variant k's hook angle: N variants take N different angles while there are any."""
    angles = hook_angles(product)
    return angles[variant % len(angles)]


def write_copy(
    script: AdScript,
    *,
    product: dict[str, Any],
    endpoint: LlmEndpoint,
    market: str,
    angle: str,
    language: str = "",
    client: httpx.Client | None = None,
) -> CopyResult:
    """Ask the model for the copy of ``script`` (the builder's, from ``product``) and check it.
    ``language`` is the tag the script was asked in when regional ("es-MX": prices as Mexico
    writes them); by default the script's copy language.

    Never raises for what the model does: a refused or missing answer gives the template's
    script back with the reasons recorded."""
    if angle not in ANGLES:
        raise ValueError(f"unknown hook angle {angle!r}; choose from {', '.join(ANGLES)}")
    record = {"source": "template", "model": endpoint.model, "angle": angle, "rejected": []}
    written = [s for s in script.scenes if s.shot_type not in FIXED_SHOT_TYPES]
    if not written:
        return CopyResult(script, record)
    user = copy_request(script, product=product, market=market, angle=angle, language=language)
    try:
        answer = chat_json(endpoint, system=SYSTEM_PROMPT, user=user, client=client)
        lines = _parse(answer, [s.id for s in written])
    except LlmError as exc:
        return _fallback(script, record, [_reject("", "", str(exc))])
    candidate, rejected = check_copy(script, lines, product=product, market=market, language=language)
    if rejected:
        return _fallback(script, record, rejected)
    note = f"Copy written by {endpoint.model} with a {angle.replace('_', ' ')} hook, checked against the page's facts."
    candidate = candidate.model_copy(update={"notes": [*candidate.notes, note]})
    return CopyResult(candidate, {**record, "source": "llm"})


def copy_request(
    script: AdScript, *, product: dict[str, Any], market: str, angle: str, language: str = ""
) -> str:
    """The user message: the facts, the style and each scene's budget, as JSON."""
    lang = script.language
    facts = product_facts(product)
    context = copy_context(facts, locale=_locale(language or lang), cta=script.cta)
    given = {
        "title": facts.title,
        "short_title": facts.short_title,
        "brand": facts.brand,
        "features": list(facts.features),
        **{
            key: str(context[key])
            for key in ("price", "regular_price", "savings", "discount_percent", "rating", "rating_scale", "review_count")
            if context.get(key) not in (None, "")
        },
    }
    if "discount_percent" in given:
        given["discount_percent"] += "%"
    scenes = [
        {
            "id": s.id,
            "role": "hook" if i == 0 else s.shot_type,
            "seconds": round(s.duration, 1),
            **_budget(s, lang),
            "now": {"caption": s.caption, "voiceover": s.voiceover},
        }
        for i, s in enumerate(script.scenes)
        if s.shot_type not in FIXED_SHOT_TYPES
    ]
    end_card = [
        {"caption": s.caption, "voiceover": s.voiceover}
        for s in script.scenes
        if s.shot_type in FIXED_SHOT_TYPES
    ]
    return json.dumps(
        {
            "language": f"{LANGUAGE_NAMES.get(lang, lang)} ({lang})",
            "market": market,
            "platform": script.platform or "any short-video feed",
            "tone": script.tone or "friendly",
            "hook_angle": angle,
            "hook_brief": ANGLE_BRIEFS[angle],
            "facts": given,
            "scenes": scenes,
            "end_card_after_these_scenes": end_card[0] if end_card else None,
        },
        ensure_ascii=False,
    )


def _budget(scene: Scene, lang: str) -> dict[str, int]:
    """What the model is asked to stay within; the checks measure the real text."""
    seconds = scene.duration * VOICE_SHARE
    if is_cjk_language(lang):
        unit = "말" if lang.startswith("ko") else "字"
        return {
            "caption_max_chars": int(MAX_LINES * 16 * _CAPTION_SLACK),
            "voiceover_max_chars": _units_within(unit, lang, seconds),
        }
    return {
        "caption_max_chars": int(MAX_LINES * LINE_UNITS * _CAPTION_SLACK),
        "voiceover_max_words": _units_within("words ", lang, seconds),
    }


def _units_within(unit: str, lang: str, seconds: float) -> int:
    """How many ``unit``s (a typical word or character) the voice says within ``seconds``."""
    n = 0
    while n < 200 and speech_seconds(unit * (n + 1), lang) <= seconds:
        n += 1
    return n


def _parse(answer: dict[str, Any], ids: list[str]) -> dict[str, tuple[str, str]]:
    """``{scene id: (caption, voiceover)}`` from the model's object, or ``LlmError`` saying
    what was wrong with its shape."""
    scenes = answer.get("scenes")
    if not isinstance(scenes, list):
        raise LlmError('the model\'s answer has no "scenes" list')
    got = [s.get("id") if isinstance(s, dict) else None for s in scenes]
    if got != ids:
        raise LlmError(f"the model answered scenes {got[:20]} for scenes {ids}")
    out = {}
    for scene in scenes:
        caption, voiceover = scene.get("caption"), scene.get("voiceover")
        if not isinstance(caption, str) or not isinstance(voiceover, str):
            raise LlmError(f"the model's scene {scene['id']!r} has no caption or voice-over text")
        out[scene["id"]] = (squash(caption), squash(voiceover))
    return out


def check_copy(
    script: AdScript,
    lines: dict[str, tuple[str, str]],
    *,
    product: dict[str, Any],
    market: str,
    language: str = "",
) -> tuple[AdScript, list[dict[str, str]]]:
    """``script`` with ``lines`` in place (scene id -> (caption, voice-over)), and every reason
    to refuse them ([] when all hold). Facts are said once, as the builder says them."""
    lang = script.language
    facts = product_facts(product)
    context = copy_context(facts, locale=_locale(language or lang), cta=script.cta)
    template_text = [f"{s.caption} {s.voiceover} {s.badge}" for s in script.scenes]
    texts = grounding.fact_texts(facts, product)
    numbers, percents = grounding.fact_numbers([*texts, *template_text], context)
    # What the template's own lines say is the library's reviewed wording ("3 reasons", a
    # sale's "limited time" in Chinese), so the model may say it too.
    texts = [*texts, *template_text]
    prices = grounding.page_prices(context)
    rejected: list[dict[str, str]] = []
    scenes = []
    for scene in script.scenes:
        if scene.id not in lines:
            scenes.append(scene)
            continue
        caption, voiceover = lines[scene.id]
        for field, text, before in (("caption", caption, scene.caption), ("voiceover", voiceover, scene.voiceover)):
            for reason in _line_problems(field, text, before, scene, lang):
                rejected.append(_reject(scene.id, field, reason))
            for reason in grounding.ungrounded(text, facts_text=texts, numbers=numbers, percents=percents, prices=prices):
                rejected.append(_reject(scene.id, field, reason))
        scenes.append(scene.model_copy(update={"caption": caption, "voiceover": voiceover}))
    candidate = script.model_copy(update={"scenes": scenes})
    for f in compliance.check_script(candidate, product=product, market=market):
        if f.scene in lines and f.field in ("caption", "voiceover"):
            rejected.append(_reject(f.scene, f.field, f"{f.rule}: {f.message}"))
    if not rejected:
        candidate = candidate.model_copy(update={"scenes": _say_each_fact_once(scenes, context, lang, [])})
    return candidate, rejected


def _line_problems(field: str, text: str, before: str, scene: Scene, lang: str) -> list[str]:
    if not text:
        return [f"the {field} is empty and the template has one"] if before else []
    problems = []
    if _LINK.search(text):
        problems.append("holds a link")
    if _MARKUP.search(text):
        problems.append("holds markup")
    if _CONTROL.search(text):
        problems.append("holds control or direction-override characters")
    if _HASHTAG.search(text):
        problems.append("holds a hashtag")
    if any(_emoji(ch) for ch in text):
        problems.append("holds an emoji, which the captions' fonts cannot draw")
    if field == "caption" and fit_caption(text, lang)[1]:
        problems.append("does not fit on screen in two lines")
    if field == "voiceover":
        needed, limit = speech_seconds(text, lang), scene.duration * VOICE_SHARE
        if needed > limit:
            problems.append(f"takes about {needed:.1f} s to say and the scene leaves {limit:.1f} s")
    return problems


def _emoji(ch: str) -> bool:
    code = ord(ch)
    return (0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF or code == 0xFE0F) and ch not in "★☆"


def _reject(scene: str, field: str, reason: str) -> dict[str, str]:
    return {"scene": scene, "field": field, "reason": reason}


def _fallback(script: AdScript, record: dict[str, Any], rejected: list[dict[str, str]]) -> CopyResult:
    first = rejected[0]
    where = f"the {first['scene']!r} {first['field']}: " if first["scene"] else ""
    note = f"The model's copy was not used ({where}{first['reason']}); the template's copy is."
    script = script.model_copy(update={"notes": [*script.notes, note]})
    return CopyResult(script, {**record, "source": "template", "rejected": rejected})


def _locale(language: str) -> str:
    try:
        return resolve_language(language, [language])[1]
    except LookupError:
        return "en_US"
