"""Write an ``AdScript`` from a product and a template.

The builder is where "tell the truth in the ad" is enforced: a scene whose copy needs a
price, a sale or a feature the product lacks uses its fallback copy or is dropped (and the
script's ``notes`` say so); features come only from the page; prices are the page's, in its
currency, formatted for the ad's locale. It also makes copy fit: captions into two lines,
voiceovers into their scene's time (scene lengths fitted to the lines first), and says each
fact once (``_say_each_fact_once``).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateError

from templates_engine import sandbox
from templates_engine.context import MIN_REVIEWS_TO_STATE, ProductFacts, copy_context, product_facts
from templates_engine.definitions import (
    FPS,
    MAX_SCENE_SECONDS,
    TONES,
    CopyDef,
    SceneDef,
    TemplateDef,
)
from templates_engine.errors import ScriptError
from templates_engine.languages import DEFAULT_CTA, MAX_SPEED, resolve_language
from templates_engine.schema import MIN_SCENE_SECONDS, AdScript, Scene
from templates_engine.textfit import (
    clauses,
    clean_end,
    end_sentence,
    fit_caption,
    fit_voiceover,
    holds_price,
    shorter_lines,
    speech_seconds,
    squash,
    text_units,
)
from templates_engine.timing import allocate_frames, fit_to_needs, length_frames

FORMATS = ("9:16", "1:1", "4:5", "16:9")
# Where the ad will run. Short-form feeds (swiped past in a second) get hard cuts throughout;
# the others keep the template's transitions. "" means any.
PLATFORMS = ("", "tiktok", "reels", "shorts", "youtube", "facebook", "instagram")
SHORT_FORM = frozenset({"tiktok", "reels", "shorts"})
# Scenes that close the ad stay last whatever the variant: the offer, then the end card.
_CLOSING = frozenset({"offer", "cta"})
MAX_CTA_CHARS = 40
BADGE_UNITS = 20
# Leave a breath at each cut: a voiceover may use this share of its scene.
VOICE_SHARE = 0.9
# A line with no shorter version that fits may be said faster (at most MAX_SPEED) and fill its
# scene but for the soundtrack's breath: it starts 0.15 s in and ends 0.12 s before the cut.
HURRIED_BREATH = 0.3


def hurried_budget(seconds: float) -> float:
    """The longest line (at the voice's own pace) a scene of ``seconds`` can say at up to
    ``MAX_SPEED``, leaving the breath; never more than the scene, nor less than a line at the
    voice's own pace may take (``VOICE_SHARE``)."""
    return max(seconds * VOICE_SHARE, min(seconds, (seconds - HURRIED_BREATH) * MAX_SPEED))


@dataclass(frozen=True)
class _Planned:
    scene: SceneDef
    copy: CopyDef
    feature: str | None


def build_script(
    *,
    product: dict[str, Any],
    template: TemplateDef,
    language: str = "en",
    length: float = 15,
    seed: int = 0,
    cta: str | None = None,
    formats: tuple[str, ...] | list[str] = ("9:16",),
    why: str = "",
    variant: int = 0,
    platform: str = "",
    tone: str = "",
) -> AdScript:
    """Build the script for one ad.

    ``product`` is ``ExtractedProduct.to_json()``; the builder reads title, brand, price,
    regular_price, currency, features, description, images and availability. ``cta`` None
    means the language's default call to action, "" means none (end-card scenes are dropped).
    ``why`` is stored as the script's reason (the picker's). Deterministic for a ``seed``.
    ``variant`` k > 0 gives another hook and another order of the middle scenes (the hook
    opens and the offer/end card close every variant); ``variants(...)`` makes N of them.
    ``platform`` (``PLATFORMS``) and ``tone`` (``definitions.TONES``; variants tagged with it
    are preferred where the template has them) are recorded on the script.
    Raises ``ScriptError`` for a request that cannot be met, saying what would work.
    """
    # 1. Check the request before any work.
    copy_lang, locale, frames_total = _check_inputs(template, language, length, formats, product)
    facts = product_facts(product)
    _check_needs(template, facts)
    platform, tone = _check_style(platform, tone, variant)
    cta_text = DEFAULT_CTA.get(copy_lang, "") if cta is None else " ".join(cta.split())[:MAX_CTA_CHARS]
    notes: list[str] = []

    # 2. Decide which scenes the product can support truthfully, and with which copy.
    planned = _plan_scenes(template, facts, copy_lang, length, seed, cta_text, notes, variant=variant, tone=tone)
    if not planned:
        raise ScriptError(
            f"template {template.slug!r} has no scene this product can fill at {length:g} s "
            "(it lacks the price, sale or features the scenes need); pick another template"
        )

    # 3. Time: whole frames, summing exactly to the length.
    try:
        frames = allocate_frames([p.scene.share for p in planned], frames_total)
    except ValueError as exc:
        raise ScriptError(f"cannot time this ad: {exc}") from exc

    # 4. Render and fit the copy; choose each scene's photo.
    context = copy_context(facts, locale=locale, cta=cta_text)
    frames = _fit_frames_to_lines(planned, frames, context, copy_lang)
    images = _ImageCycle(facts.image_count)
    scenes = [
        _render_scene(p, n / FPS, images.pick(p.scene.image), context, copy_lang, notes)
        for p, n in zip(planned, frames, strict=True)
    ]
    scenes = _say_each_fact_once(scenes, context, copy_lang, notes)
    scenes = _carry_over_cuts(scenes, _shortest_lines(planned, context, copy_lang), copy_lang, notes)
    if platform in SHORT_FORM:
        scenes = [scene.model_copy(update={"transition": "cut"}) for scene in scenes]
    return AdScript(
        template=template.slug,
        vertical=template.vertical,
        structure=template.structure,
        language=copy_lang,
        length=frames_total / FPS,
        seed=seed,
        cta=cta_text,
        scenes=scenes,
        why=why,
        notes=notes,
        variant=variant,
        platform=platform,
        tone=tone,
    )


def variants(*, count: int, **kwargs: Any) -> list[AdScript]:
    """``count`` scripts for the same request, variant 0 first, each with its own hook and
    scene order where the template allows (a template with one hook repeats it)."""
    if not 1 <= count <= 10:
        raise ScriptError(f"ask for 1 to 10 variants, not {count}")
    return [build_script(**kwargs, variant=k) for k in range(count)]


def _check_style(platform: str, tone: str, variant: int) -> tuple[str, str]:
    platform = (platform or "").strip().lower()
    tone = (tone or "").strip().lower()
    if platform not in PLATFORMS:
        raise ScriptError(f"unknown platform {platform!r}; choose from {', '.join(p for p in PLATFORMS if p)}")
    if tone and tone not in TONES:
        raise ScriptError(f"unknown tone {tone!r}; choose from {', '.join(TONES)}")
    if variant < 0:
        raise ScriptError("the variant number must be 0 or more")
    return platform, tone


def _check_inputs(
    template: TemplateDef, language: str, length: float, formats, product: dict[str, Any]
) -> tuple[str, str, int]:
    try:
        copy_lang, locale = resolve_language(language, template.languages)
    except LookupError:
        raise ScriptError(
            f"template {template.slug!r} is not written in {language!r}; "
            f"it is available in {', '.join(template.languages)}"
        ) from None
    if not template.supports_length(length):
        raise ScriptError(
            f"template {template.slug!r} makes ads from {min(template.lengths):g} to "
            f"{max(template.lengths):g} s, not {length:g} s"
        )
    try:
        frames_total = length_frames(length)
    except ValueError as exc:
        raise ScriptError(str(exc)) from None
    unknown = [f for f in formats if f not in FORMATS]
    if not formats or unknown:
        raise ScriptError(f"unknown format(s) {unknown or '(none given)'}; choose from {', '.join(FORMATS)}")
    if not product.get("images"):
        raise ScriptError("the product has no images; every shot is made from a product photo")
    return copy_lang, locale, frames_total


def _check_needs(template: TemplateDef, facts: ProductFacts) -> None:
    if template.needs.price and facts.price is None:
        raise ScriptError(
            f"template {template.slug!r} states the price, and the product page shows none; "
            "pick a template that does not need a price"
        )
    if template.needs.rating and facts.rating is None:
        raise ScriptError(
            f"template {template.slug!r} cites the product's rating, and the product page "
            "shows none; pick a template that does not need a rating"
        )
    if template.needs.sale and not facts.has_sale:
        raise ScriptError(
            f"template {template.slug!r} is for products on sale, and the page shows no "
            "regular price above the current price; pick another template"
        )


def _plan_scenes(
    template: TemplateDef, facts: ProductFacts, lang: str, length: float, seed: int,
    cta_text: str, notes: list[str], *, variant: int = 0, tone: str = "",
) -> list[_Planned]:
    features = list(facts.features)
    planned: list[_Planned] = []
    included = template.scenes_for(length)
    hooks = len(_pool(included[0], lang, tone)) if included else 1
    hook_offset, rotation = _variant_plan(variant, hooks, len(_middle(included)[1]))
    scene_defs = _ordered(included, rotation)
    for position, scene in enumerate(scene_defs):
        if scene.shot_type == "cta" and not cta_text:
            notes.append(f"Left out the {scene.id!r} scene: the call to action is turned off.")
            continue
        pool = _pool(scene, lang, tone)
        pick = random.Random(f"{seed}:{template.slug}:{scene.id}").randrange(len(pool))  # noqa: S311 - copy choice, not security
        if position == 0:  # the hook: each variant opens differently where there are several
            pick = (pick + hook_offset) % len(pool)
        copy = pool[pick]
        lacking = _lacking(copy.variables(), facts, bool(features))
        if lacking:
            fallback = scene.fallback.get(lang)
            if fallback is None:
                notes.append(f"Left out the {scene.id!r} scene: the product page shows no {lacking}.")
                continue
            notes.append(f"Rewrote the {scene.id!r} scene without a {lacking}: the page shows none.")
            copy = fallback
        feature = features.pop(0) if "feature" in copy.variables() else None
        planned.append(_Planned(scene, copy, feature))
    if facts.features_from_description and any(p.feature for p in planned):
        notes.append("The page lists no feature bullets; features are sentences from its description.")
    return planned


def _pool(scene: SceneDef, lang: str, tone: str) -> list[CopyDef]:
    """The copy variants to choose among: those written for ``tone`` when there are any,
    else the template's own voice (untagged variants)."""
    options = scene.variants(lang)
    toned = [v for v in options if v.tone == tone] if tone else []
    return toned or [v for v in options if v.tone is None] or options


def _middle(scenes: list[SceneDef]) -> tuple[int, list[SceneDef]]:
    """The scenes a variant may reorder: after the hook, before the closing offer/end card."""
    end = len(scenes)
    while end > 1 and scenes[end - 1].shot_type in _CLOSING:
        end -= 1
    return end, scenes[1:end]


def _variant_plan(variant: int, hooks: int, middle: int) -> tuple[int, int]:
    """Variant k → (hook offset, rotation of the middle scenes). Variant 0 is (0, 0); each next
    variant is the first unused combination that differs from the previous in both, else in
    either, so N variants are as different as the template allows (they repeat after all)."""
    combos = [(h, r) for r in range(max(middle, 1)) for h in range(max(hooks, 1))]
    order = [combos.pop(0)]
    while combos:
        prev = order[-1]
        both = [c for c in combos if c[0] != prev[0] and c[1] != prev[1]]
        nxt = (both or combos)[0]
        combos.remove(nxt)
        order.append(nxt)
    return order[variant % len(order)]


def _ordered(scenes: list[SceneDef], rotation: int) -> list[SceneDef]:
    """Rotate the middle scenes: the hook stays first, closing scenes last."""
    end, middle = _middle(scenes)
    if rotation == 0 or len(middle) < 2:
        return scenes
    k = rotation % len(middle)
    return [scenes[0], *middle[k:], *middle[:k], *scenes[end:]]


def _lacking(used: frozenset[str], facts: ProductFacts, feature_left: bool) -> str:
    if used & sandbox.PRICE_VARS and facts.price is None:
        return "price"
    if used & sandbox.SALE_VARS and not facts.has_sale:
        return "sale price"
    if used & sandbox.FEATURE_VARS and not feature_left:
        return "further feature"
    if used & sandbox.RATING_VARS and facts.rating is None:
        return "rating"
    if used & sandbox.REVIEW_VARS and (facts.review_count or 0) < MIN_REVIEWS_TO_STATE:
        return "review count"
    return ""


class _ImageCycle:
    """Fixed indexes wrap around the photos there are; "next" takes the photo after the last
    one used, so consecutive scenes show different photos when there are several."""

    def __init__(self, count: int):
        self.count = count
        self.last = -1

    def pick(self, image: int | str) -> int:
        index = (self.last + 1) % self.count if image == "next" else int(image) % self.count
        self.last = index
        return index


def _fit_frames_to_lines(
    planned: list[_Planned], frames: list[int], context: dict[str, Any], lang: str
) -> list[int]:
    """Scene lengths fitted to the lines (``speech_seconds``; ``timing.fit_to_needs``). First
    every scene gets the time to say the shortest version of its line (or its caption) at the
    top of the natural pace (``MAX_SPEED``), so no captioned scene falls silent; when the ad
    is too short for that, the fewest lines go (``_first_to_go``). Then a price line gets the
    time for both prices at the voice's own pace, taken from the others down to that, else at
    the top of it, else more lines go; then every shortest line at its own pace; then what
    is still spare goes to scenes whose whole line (nothing repeated) does not fit yet."""
    scratch: list[str] = []
    full = [_render_scene(p, MAX_SCENE_SECONDS, 0, context, lang, scratch) for p in planned]
    lines = [s.voiceover for s in _say_each_fact_once(full, context, lang, scratch)]

    def frames_for(text: str) -> int:
        return math.ceil(speech_seconds(text, lang) / VOICE_SHARE * FPS) if text else 0

    def hurried_frames(text: str) -> int:  # the inverse of hurried_budget
        if not text:
            return 0
        said = speech_seconds(text, lang)
        return min(frames_for(text), math.ceil(max(said, said / MAX_SPEED + HURRIED_BREATH) * FPS))

    least = [
        min(filter(None, ((shorter_lines(line, lang) or [line])[-1], _said_caption(s.caption, line, lang))), key=frames_for)
        if line else ""
        for line, s in zip(lines, full, strict=True)
    ]
    shortest = [frames_for(text) for text in least]
    hurried = [hurried_frames(text) for text in least]
    # When even that is more than the ad, the fewest lines go (fewer facts) so the others
    # are said whole; never a price.
    lo = round(MIN_SCENE_SECONDS * FPS)
    for i in _first_to_go(lines, hurried):
        if sum(max(need, lo) for need in hurried) <= sum(frames):
            break
        shortest[i] = hurried[i] = 0
    frames = fit_to_needs(frames, hurried)
    # A price is said whole: it goes first, at the voice's own pace if the other lines can
    # give it time down to their hurried shortest, else hurried itself, else other lines go
    # one by one (fewer facts) until it fits.
    price = [need if holds_price(line) else 0 for line, need in zip(lines, shortest, strict=True)]
    price_hurried = [need if price[i] else 0 for i, need in enumerate(hurried)]
    keep = list(hurried)
    tries = [(price, None), (price_hurried, None)]
    tries += [(price_hurried, i) for i in _first_to_go(lines, hurried)]
    for want, gone in tries:
        if gone is not None:
            keep[gone] = shortest[gone] = hurried[gone] = 0
        moved = fit_to_needs(frames, want, keep=keep)
        if all(have >= need for have, need in zip(moved, want, strict=True)):
            frames = moved  # only when it lets every price be said; else nothing is gained
            break
    frames = fit_to_needs(frames, shortest, keep=[max(a, b) for a, b in zip(keep, price, strict=True)])
    whole = [max(frames_for(line), least) for line, least in zip(lines, shortest, strict=True)]
    return fit_to_needs(frames, whole)


def _shortest_lines(planned: list[_Planned], context: dict[str, Any], lang: str) -> list[str]:
    """Each scene's shortest line (``shorter_lines``), "" where the template writes none."""
    scratch: list[str] = []
    lines = [_render_scene(p, MAX_SCENE_SECONDS, 0, context, lang, scratch).voiceover for p in planned]
    return [(shorter_lines(line, lang) or [line])[-1] if line else "" for line in lines]


def _first_to_go(lines: list[str], needs: list[int]) -> list[int]:
    """Which lines to leave out first when not all fit: the middle and closing scenes', the
    longest first (one long line rather than two short ones), then the hook's; none that
    says a price."""
    rest = sorted(range(1, len(lines)), key=lambda i: -needs[i])
    return [i for i in (*rest, 0) if i < len(lines) and lines[i] and not holds_price(lines[i])]


def _said_caption(caption: str, line: str, lang: str) -> str:
    """The scene's caption as a spoken sentence: what a voice-over falls back to when not
    even the shortest version of its own line can be said in the scene. Never for a price
    line (it is said as written: old price, then new) nor a caption without words."""
    if holds_price(line) or not any(ch.isalpha() for ch in caption):
        return ""
    return end_sentence(clean_end(caption, lang), lang)


# Where the soundtrack places a line (``generation.render.audio``): this far into its scene,
# and ending at least this long before the cut after it.
VOICE_OFFSET, VOICE_TAIL = 0.15, 0.12


def carried_line_end(scenes: list[Scene], index: int, lang: str) -> float | None:
    """When scene ``index`` has a caption and no line of its own, the time (from its start)
    at which the previous scene's line, said at the voice's own pace, ends; None when there
    is no previous line. The scene is *carried* when that line runs on through at least half
    of it and ends before it does (``_carry_over_cuts``)."""
    if index == 0 or not scenes[index - 1].voiceover:
        return None
    before = scenes[index - 1]
    return VOICE_OFFSET + speech_seconds(before.voiceover, lang) - before.duration


def is_carried(scenes: list[Scene], index: int, lang: str) -> bool:
    """Whether the previous scene's line is heard through scene ``index``: it runs on into
    it, through at least half of it, and ends a breath before it does."""
    end = carried_line_end(scenes, index, lang)
    seconds = scenes[index].duration
    return end is not None and seconds / 2 - 1e-9 <= end <= seconds - VOICE_TAIL + 1e-9


def _carry_over_cuts(scenes: list[Scene], shortest: list[str], lang: str, notes: list[str]) -> list[Scene]:
    """A scene whose line had to go for time (a short ad: 1-2 s scenes) is not left silent:
    the previous scene's line is carried over the cut into it, as an editor's L-cut. When
    that scene lost its line too, its shortest line (``shortest``; none that states a number,
    which may be a fact said elsewhere) is said across both. The pair is re-timed so the line
    starts in its own scene and runs on through half of the next (which lasts
    ``MIN_SCENE_SECONDS``), ending a breath before the cut after it; the time the pair no
    longer needs goes to the scene after it (else the one before). A scene whose template
    writes no line is silent by design and left so."""
    frames = [round(s.duration * FPS) for s in scenes]
    lo = round(MIN_SCENE_SECONDS * FPS)
    scenes = list(scenes)
    carried: list[int] = []
    for j in range(1, len(scenes)):
        s, before = scenes[j], scenes[j - 1]
        if not (s.caption and not s.voiceover and shortest[j]) or j - 1 in carried:
            continue
        line = before.voiceover
        if not line and before.caption and not any(ch.isdigit() for ch in shortest[j - 1]):
            line = shortest[j - 1]
        if not line:
            continue
        end = (VOICE_OFFSET + speech_seconds(line, lang)) * FPS  # in frames
        pair = frames[j - 1] + frames[j]
        first = math.floor(end) - lo // 2
        want = first + lo
        spare = pair - want
        other = j + 1 if j + 1 < len(scenes) else j - 2
        if spare and (other < 0 or other in carried):
            continue
        trial = [*scenes[: j - 1], before.model_copy(update={"duration": first / FPS, "voiceover": line}),
                 s.model_copy(update={"duration": lo / FPS})]
        if first < lo or want > pair or not is_carried(trial, j, lang):
            continue
        frames[j - 1], frames[j] = first, lo
        if spare:
            frames[other] += spare
        if line != before.voiceover:
            scenes[j - 1] = before.model_copy(update={"voiceover": line})
            notes.append(f"The {before.id!r} scene says its shortest line, over the {s.id!r} scene too.")
        else:
            notes.append(f"The {before.id!r} line runs on over the {s.id!r} scene, whose own line had no time.")
        carried.append(j)
    return [s.model_copy(update={"duration": n / FPS}) for s, n in zip(scenes, frames, strict=True)]


# Facts a script states as values: said at most once in voice, shown at most twice as text.
_FACTS = ("rating", "review_count", "price", "regular_price", "savings", "discount_percent")
MAX_SHOWN = 2


def _say_each_fact_once(
    scenes: list[Scene], context: dict[str, Any], lang: str, notes: list[str]
) -> list[Scene]:
    """A later voice-over drops the clauses that repeat a fact already said (the rating,
    reviews, a price); a badge repeating a fact already shown twice is left off. A line made
    only of repeats is kept as it is (a scene with a caption keeps its voice)."""
    values = {name: str(context[name]) for name in _FACTS if context.get(name) not in (None, "")}
    said: set[str] = set()
    shown: dict[str, int] = dict.fromkeys(values, 0)
    out = []
    for scene in scenes:
        voiceover, badge = scene.voiceover, scene.badge
        again = {name for name in said if values[name] in voiceover}
        if again:
            kept = [c for c in clauses(voiceover) if not any(values[n] in c for n in again)]
            shorter = end_sentence(clean_end("".join(kept).strip(), lang), lang)
            if any(ch.isalnum() for ch in shorter):
                voiceover = shorter
                notes.append(f"Left out of the {scene.id!r} voiceover what an earlier scene said.")
        said |= {name for name, v in values.items() if v in voiceover}
        for name, v in values.items():
            shown[name] += v in scene.caption
        if badge and any(shown[n] >= MAX_SHOWN and v in badge for n, v in values.items()):
            badge = ""
        for name, v in values.items():
            shown[name] += bool(badge) and v in badge
        out.append(scene.model_copy(update={"voiceover": voiceover, "badge": badge}))
    return out


def _render_scene(
    p: _Planned, seconds: float, image_index: int, base: dict[str, Any], lang: str, notes: list[str]
) -> Scene:
    context = {**base, "feature": p.feature} if p.feature else base
    # A badge is decoration: when it needs data the product lacks (a price), it is left off.
    badge_ok = sandbox.variables(p.copy.badge) <= set(context)
    try:
        caption = sandbox.render(p.copy.caption, context)
        voiceover = sandbox.render(p.copy.voiceover, context)
        badge = sandbox.render(p.copy.badge, context) if badge_ok else ""
    except (TemplateError, TypeError, ValueError) as exc:  # checked at load; here = template bug
        raise ScriptError(f"scene {p.scene.id!r} could not be written: {exc}") from exc
    caption, cut = fit_caption(caption, lang)
    if cut:
        notes.append(f"Shortened the {p.scene.id!r} caption to fit two lines.")
    asked = voiceover
    voiceover, shortened = fit_voiceover(voiceover, lang, seconds * VOICE_SHARE)
    if shortened and p.feature and len(voiceover) < len(p.feature):
        # The lead-in ("Plus: …") is what to drop first, not the feature itself.
        alone, _ = fit_voiceover(p.feature.rstrip(".") + ".", lang, seconds * VOICE_SHARE)
        voiceover = alone if len(alone) > len(voiceover) else voiceover
    if asked and caption and not voiceover:
        # A captioned scene keeps a voice: the longest version that can be said at the top of
        # the natural pace (the soundtrack speeds it up), else the caption said as a sentence.
        for line in (asked, _said_caption(caption, asked, lang)):
            voiceover, _ = fit_voiceover(line, lang, hurried_budget(seconds)) if line else ("", True)
            if voiceover:
                break
    if voiceover and voiceover == squash(asked) and shortened:
        notes.append(f"The voice says the {p.scene.id!r} line a little faster to fit {seconds:.1f} s.")
    elif shortened:
        what = "Shortened" if voiceover else "Left out"
        notes.append(f"{what} the {p.scene.id!r} voiceover to fit {seconds:.1f} s.")
    badge, _ = fit_caption(badge, lang, max_lines=1) if text_units(badge) <= BADGE_UNITS else ("", True)
    return Scene(
        id=p.scene.id,
        shot_type=p.scene.shot_type,
        duration=seconds,
        camera_move=p.scene.camera_move,
        image_index=image_index,
        caption=caption,
        voiceover=voiceover,
        transition=p.scene.transition,
        badge=badge,
    )

