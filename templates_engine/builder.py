"""Write an ``AdScript`` from a product and a template.

The builder is where "tell the truth in the ad" is enforced: a scene whose copy needs a
price, a sale or a feature the product lacks uses its fallback copy or is dropped (and the
script's ``notes`` say so); features come only from the page; prices are the page's, in its
currency, formatted for the ad's locale. It also makes copy fit: captions into two lines,
voiceovers into their scene's time (scene lengths fitted to the lines first), and says each
fact once (``_say_each_fact_once``). In a short ad, where not every line has time, a scene
without one is voiced across a cut instead: the line before runs on into it (an L-cut,
``is_carried``) or the line after starts early inside it (a J-cut, ``is_led``), the scenes
re-timed for it (``voice_times`` says where the soundtrack places each line).
"""

from __future__ import annotations

import itertools
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
    shortest = _shortest_lines(planned, context, copy_lang)
    scenes = _carry_over_cuts(scenes, shortest, copy_lang, notes)
    scenes = _lead_into_cuts(scenes, shortest, copy_lang, notes)
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
# ending at least this long before the cut after it, and this long after the line before.
VOICE_OFFSET, VOICE_TAIL, LINE_GAP = 0.15, 0.12, 0.2
_EPS = 1e-9


def voice_times(scenes: list[Scene], lang: str) -> list[tuple[float, float] | None]:
    """Where the soundtrack places each scene's line, said at the voice's own pace: (start,
    end) in seconds from the ad's start, None for a scene without a line. A line starts
    ``VOICE_OFFSET`` into its scene; when the scene before has a caption and no line, it
    starts early instead, from the middle of that scene (a J-cut: audio leads picture) when
    that is at least ``VOICE_OFFSET`` before the cut, unless the scene after it has a caption
    and no line too (the line is carried over that one, an L-cut); never sooner than
    ``LINE_GAP`` after the line before it ends."""
    durations, lines, captioned = _args(scenes)
    return _voice_times(durations, lines, captioned, lambda text: speech_seconds(text, lang))


def _voice_times(durations, lines, captioned, seconds) -> list[tuple[float, float] | None]:
    out: list[tuple[float, float] | None] = []
    start, free = 0.0, -math.inf
    for i, (duration, line) in enumerate(zip(durations, lines, strict=True)):
        if not line:
            out.append(None)
        else:
            begin = start + VOICE_OFFSET
            carries = i + 1 < len(lines) and captioned[i + 1] and not lines[i + 1]
            if i and captioned[i - 1] and not lines[i - 1] and not carries:
                lead = max(start - durations[i - 1] / 2, free + LINE_GAP)
                if lead <= start - VOICE_OFFSET + _EPS:
                    begin = lead
            begin = max(begin, free + LINE_GAP)
            free = begin + seconds(line)
            out.append((begin, free))
        start += duration
    return out


def _carried(durations, lines, captioned, times, index: int) -> bool:
    if not (0 < index < len(lines) and captioned[index] and not lines[index] and times[index - 1]):
        return False
    start = sum(durations[:index])
    end = times[index - 1][1] - start
    return durations[index] / 2 - _EPS <= end <= durations[index] - VOICE_TAIL + _EPS


def _led(durations, lines, captioned, times, index: int) -> bool:
    last = len(lines) - 1
    if not (0 <= index < last and captioned[index] and not lines[index] and times[index + 1]):
        return False
    start = sum(durations[:index])
    cut = start + durations[index]
    begin, end = times[index + 1]
    return (
        begin <= cut - VOICE_OFFSET + _EPS
        and end <= cut + durations[index + 1] - VOICE_TAIL + _EPS
        and (
            begin <= start + durations[index] / 2 + _EPS
            or _carried(durations, lines, captioned, times, index)
        )
    )


def _args(scenes: list[Scene]) -> tuple[list[float], list[str], list[bool]]:
    return [s.duration for s in scenes], [s.voiceover for s in scenes], [bool(s.caption) for s in scenes]


def is_carried(scenes: list[Scene], index: int, lang: str) -> bool:
    """Whether the previous scene's line is heard through scene ``index`` (which has a caption
    and no line of its own): it runs on into it, through at least half of it, and ends a
    breath before it does (an L-cut, ``_carry_over_cuts``)."""
    durations, lines, captioned = _args(scenes)
    return _carried(durations, lines, captioned, voice_times(scenes, lang), index)


def is_led(scenes: list[Scene], index: int, lang: str) -> bool:
    """Whether the next scene's line is heard in scene ``index`` (which has a caption and no
    line of its own): it starts early, from the middle of the scene (or a breath after a line
    carried into it), at least ``VOICE_OFFSET`` before the cut, and ends a breath before its
    own scene does, at the voice's own pace (a J-cut, ``_lead_into_cuts``)."""
    durations, lines, captioned = _args(scenes)
    return _led(durations, lines, captioned, voice_times(scenes, lang), index)


def voice_room(scenes: list[Scene], index: int, lang: str) -> float:
    """The seconds scene ``index``'s line may take: its scene, the scene after it when the line
    is carried over that (``is_carried``), and the part of the scene before it where the line
    already plays when it is led (``is_led``)."""
    durations, lines, captioned = _args(scenes)
    times = voice_times(scenes, lang)
    return _room(durations, lines, captioned, times, index)


def _room(durations, lines, captioned, times, index: int) -> float:
    room = durations[index]
    if _carried(durations, lines, captioned, times, index + 1):
        room += durations[index + 1]
    if index and _led(durations, lines, captioned, times, index - 1):
        room += sum(durations[:index]) - times[index][0]
    return room


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


def _lead_into_cuts(
    scenes: list[Scene], shortest: list[str], lang: str, notes: list[str]
) -> list[Scene]:
    """A captioned scene still silent after ``_carry_over_cuts`` (its line had no time, nor
    was the line before carried over it) is voiced by the next scene's line starting early
    inside it: a J-cut, audio leading picture (``is_led``). With an L-cut over its first half
    (the scene before says its shortest line, when it had none, running on through half of
    it), a short ad's voice runs on across both cuts: the hook's line into the feature scene,
    the price line from the feature scene's second half into the end card. The scene and its
    neighbours (three in a row) are re-timed in whole frames, each at least
    ``MIN_SCENE_SECONDS``, the ad's length unchanged; a neighbour that had no line may say its
    shortest (none that states a number said elsewhere). A plan is kept only when it voices
    more of the scenes the template writes a line for, and every line still fits at the
    natural pace (``voice_room``, ``hurried_budget``); of those, the one that moves the
    fewest frames. A scene whose template writes no line stays silent, by design."""
    n = len(scenes)
    if n < 2:
        return scenes
    lo = round(MIN_SCENE_SECONDS * FPS)
    frames = [round(s.duration * FPS) for s in scenes]
    lines = [s.voiceover for s in scenes]
    captioned = [bool(s.caption) for s in scenes]
    wanted = [bool(s.caption and shortest[k]) for k, s in enumerate(scenes)]
    said: dict[str, float] = {}

    def seconds(text: str) -> float:
        if text not in said:
            said[text] = speech_seconds(text, lang)
        return said[text]

    def voiced(fr: list[int], ln: list[str]) -> tuple[list[bool], list[float]] | None:
        """Which scenes are heard and each line's room; None when a line would not fit: at
        the top of the natural pace, and at the voice's own pace unless it is the line it
        was, with no less room than it had (a re-timing never hurries a line)."""
        durations = [f / FPS for f in fr]
        times = _voice_times(durations, ln, captioned, seconds)
        rooms = [_room(durations, ln, captioned, times, k) for k in range(n)]
        for k, line in enumerate(ln):
            if not line:
                continue
            if seconds(line) > hurried_budget(rooms[k]) + _EPS:
                return None
            cut = sum(durations[: k + 1])
            if _carried(durations, ln, captioned, times, k + 1):
                cut += durations[k + 1]
            kept = line == lines[k] and rooms[k] >= base_rooms[k] - _EPS
            if times[k][1] > cut - VOICE_TAIL + _EPS and not kept:
                return None
        heard = [
            bool(ln[k])
            or _carried(durations, ln, captioned, times, k)
            or _led(durations, ln, captioned, times, k)
            for k in range(n)
        ]
        return heard, rooms

    def count(heard: list[bool]) -> int:
        return sum(h and w for h, w in zip(heard, wanted, strict=True))

    base_rooms = [-math.inf] * n  # the first judgement: each line as the script has it
    now = voiced(frames, lines)
    if now is None:
        return scenes
    heard, base_rooms = now
    for j in range(n):
        if not wanted[j] or heard[j]:
            continue
        first = max(0, min(j - 1, n - 3))
        window = list(range(first, min(n, first + 3)))
        options = [[lines[k]] for k in window]
        for at, k in enumerate(window):
            if lines[k] or not wanted[k]:
                continue
            for line in (shortest[k], _said_caption(scenes[k].caption, scenes[k].caption, lang)):
                if any(ch.isdigit() for ch in line) and any(ch.isdigit() for ch in "".join(lines)):
                    continue  # a number may be a fact another line says
                if line and line not in options[at]:
                    options[at].append(line)
        total = sum(frames[k] for k in window)
        step = max(1, (total - lo * len(window)) // 30)
        splits = {tuple(frames[k] for k in window)}
        for a in range(lo, total - lo * (len(window) - 1) + 1, step):
            if len(window) == 2:
                splits.add((a, total - a))
                continue
            for b in range(lo, total - a - lo + 1, step):
                splits.add((a, b, total - a - b))
        order = sorted(splits, key=lambda sp: (_moved(sp, [frames[k] for k in window]), sp))
        best, best_count = None, count(heard)
        for choice in _product(options):
            trial_lines = list(lines)
            for k, line in zip(window, choice, strict=True):
                trial_lines[k] = line
            for split in order:
                trial_frames = list(frames)
                for k, f in zip(window, split, strict=True):
                    trial_frames[k] = f
                judged = voiced(trial_frames, trial_lines)
                if judged is None or not judged[0][j]:
                    continue
                trial, rooms = judged
                moved = _moved(trial_frames, frames)
                gained = count(trial)
                if gained > best_count or (best and gained == best_count and moved < best[0]):
                    best, best_count = (moved, trial_frames, trial_lines, trial, rooms), gained
                break  # later splits move more frames
        if best is None:
            continue
        old = [f / FPS for f in frames]
        old_times = _voice_times(old, lines, captioned, seconds)
        _, frames, new_lines, new_heard, new_rooms = best
        for k in range(n):
            if new_lines[k] != lines[k] and new_lines[k] == shortest[k]:
                notes.append(
                    f"The {scenes[k].id!r} scene says its shortest line: the scenes around it were re-timed."
                )
            elif new_lines[k] != lines[k]:
                notes.append(
                    f"The {scenes[k].id!r} scene says its caption: not even its shortest line has time."
                )
        durations = [f / FPS for f in frames]
        times = _voice_times(durations, new_lines, captioned, seconds)
        for k in range(n):
            if _carried(durations, new_lines, captioned, times, k) and not _carried(
                old, lines, captioned, old_times, k
            ):
                notes.append(
                    f"The {scenes[k - 1].id!r} line runs on over the {scenes[k].id!r} scene, "
                    "whose own line had no time."
                )
        lines, heard, base_rooms = new_lines, new_heard, new_rooms
    durations = [f / FPS for f in frames]
    times = _voice_times(durations, lines, captioned, seconds)
    for k in range(n):
        if wanted[k] and _led(durations, lines, captioned, times, k):
            notes.append(
                f"The {scenes[k + 1].id!r} line starts early, over the end of the "
                f"{scenes[k].id!r} scene, whose own line had no time."
            )
    return [
        s.model_copy(update={"duration": f / FPS, "voiceover": line})
        for s, f, line in zip(scenes, frames, lines, strict=True)
    ]


def _moved(split: list[int] | tuple[int, ...], frames: list[int]) -> int:
    """Frames moved between scenes, counted at both ends."""
    return sum(abs(a - b) for a, b in zip(split, frames, strict=True))


def _product(options: list[list[str]]) -> list[tuple[str, ...]]:
    """Every choice of one line per scene, the scenes' own lines first."""
    return list(itertools.product(*options))


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

