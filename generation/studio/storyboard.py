"""The storyboard editor's draft: the ad's script as the editor's form holds it, and the edits
made to it before it is saved (move, add and remove a scene; apply a compliance rewrite).

Framework-free: a draft is the AdScript JSON (a dict). Saving is not done here: the studio
hands the draft to ``generation.ads.ad_script_update``, the service behind the API's
``PUT /ads/{id}/script/``, which checks all of it and keeps the shots of unchanged scenes.

The scenes' durations must keep adding up to the ad's length, so removing a scene gives its
time to the scene before it (or after it, for the first), and adding one splits the time of
the scene it follows into two halves in whole frames.
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Mapping

from core.errors import InvalidInput
from templates_engine.definitions import FPS
from templates_engine.schema import MIN_SCENE_SECONDS

# The fields of a scene the form edits, in the order a card shows them.
SCENE_FIELDS = (
    "id",
    "shot_type",
    "duration",
    "camera_move",
    "image_index",
    "caption",
    "voiceover",
    "badge",
    "transition",
)
MAX_SCENES = 20
DURATION_SHOWN = 0.005  # the form shows seconds to the hundredth
_NUMBERS = {"duration": float, "image_index": int}
_ACTION = re.compile(r"^(?P<verb>up|down|remove|add)-(?P<index>\d{1,2})$")


def draft_from_form(script: dict, form: Mapping[str, str]) -> dict:
    """The saved ``script`` with its scenes and call to action replaced by the form's
    (``scenes-<i>-<field>``, ``scene_count``, ``cta``). A number that does not parse stays
    text, so the schema's check names the field instead of the form failing here."""
    try:
        count = min(int(form.get("scene_count", "")), MAX_SCENES + 1)
    except ValueError:
        raise InvalidInput(
            "The storyboard form is incomplete; reload the page.", code="bad_form"
        ) from None
    scenes = []
    for i in range(count):
        scene: dict = {}
        for name in SCENE_FIELDS:
            value = form.get(f"scenes-{i}-{name}")
            if value is None:
                continue
            value = value.replace("\r\n", "\n").strip()
            if name in _NUMBERS:
                with contextlib.suppress(ValueError):
                    value = _NUMBERS[name](value)
            scene[name] = value
        scenes.append(scene)
    # The form shows durations to the hundredth; one the user left alone keeps its exact value
    # (so the scene's shot is not made again for a rounding).
    saved = {s.get("id"): s.get("duration") for s in script.get("scenes") or []}
    for scene in scenes:
        before, now = saved.get(scene.get("id")), scene.get("duration")
        if (
            isinstance(before, int | float)
            and isinstance(now, float)
            and abs(before - now) < DURATION_SHOWN
        ):
            scene["duration"] = before
    draft = copy.deepcopy(script)
    draft["scenes"] = scenes
    if "cta" in form:
        draft["cta"] = form["cta"].strip()
    return draft


def _seconds(draft: dict, i: int) -> float:
    value = draft["scenes"][i].get("duration")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(
            f"Scene {i + 1}'s duration is not a number of seconds; fix it first.",
            code="bad_duration",
        )
    return float(value)


def _frames(seconds: float) -> int:
    return round(seconds * FPS)


def draft_edit(draft: dict, action: str) -> dict:
    """The draft after one storyboard action: ``up-<i>``, ``down-<i>``, ``remove-<i>`` or
    ``add-<i>`` (a new scene after scene i). ``InvalidInput`` for one that cannot be done."""
    match = _ACTION.match(action or "")
    if not match:
        raise InvalidInput("Unknown storyboard action.", code="bad_action")
    verb, i = match["verb"], int(match["index"])
    draft = copy.deepcopy(draft)
    scenes = draft["scenes"]
    if not 0 <= i < len(scenes):
        raise InvalidInput("That scene is no longer in the storyboard.", code="bad_action")
    if verb in ("up", "down"):
        j = i - 1 if verb == "up" else i + 1
        if 0 <= j < len(scenes):
            scenes[i], scenes[j] = scenes[j], scenes[i]
        return draft
    if verb == "remove":
        if len(scenes) == 1:
            raise InvalidInput("An ad needs at least one scene.", code="last_scene")
        heir = i - 1 if i > 0 else 1
        total = _frames(_seconds(draft, heir)) + _frames(_seconds(draft, i))
        scenes[heir]["duration"] = round(total / FPS, 4)
        del scenes[i]
        return draft
    # add: split scene i's time into two halves
    if len(scenes) >= MAX_SCENES:
        raise InvalidInput(f"An ad has at most {MAX_SCENES} scenes.", code="too_many_scenes")
    frames = _frames(_seconds(draft, i))
    if frames < 2 * _frames(MIN_SCENE_SECONDS):
        raise InvalidInput(
            f"Scene {i + 1} is too short to split (each scene needs at least {MIN_SCENE_SECONDS:g} s); "
            "lengthen it first.",
            code="scene_too_short",
        )
    first = frames // 2
    scenes[i]["duration"] = round(first / FPS, 4)
    taken = {s.get("id") for s in scenes}
    n = len(scenes) + 1
    while f"scene_{n}" in taken:
        n += 1
    new = {
        "id": f"scene_{n}",
        "shot_type": scenes[i].get("shot_type", "detail"),
        "duration": round((frames - first) / FPS, 4),
        "camera_move": scenes[i].get("camera_move", "push_in"),
        "image_index": scenes[i].get("image_index", 0),
        "caption": "",
        "voiceover": "",
        "badge": "",
        "transition": scenes[i].get("transition", "crossfade"),
    }
    scenes.insert(i + 1, new)
    return draft


def draft_apply(draft: dict, *, path: str, findings: list[dict]) -> dict:
    """The draft with the suggested rewrite of the text at ``path`` ("scenes.2.caption",
    "cta") put in; the suggestion comes from the findings on that text (the checker's, never
    the browser's), and fixes all of them."""
    suggestion = next((f["suggestion"] for f in findings if f.get("path") == path), None)
    if suggestion is None:
        raise InvalidInput("That text has no suggested rewrite any more.", code="no_suggestion")
    draft = copy.deepcopy(draft)
    parts = path.split(".")
    if parts == ["cta"]:
        draft["cta"] = suggestion
    elif len(parts) == 3 and parts[0] == "scenes" and parts[1].isdigit():
        draft["scenes"][int(parts[1])][parts[2]] = suggestion
    else:
        raise InvalidInput("That text has no suggested rewrite any more.", code="no_suggestion")
    return draft


def marked(text: str, findings: list[dict]) -> list[tuple[str, dict | None]]:
    """``text`` cut into pieces, each with the finding it belongs to (None between them), for
    showing the offending words marked inline."""
    pieces: list[tuple[str, dict | None]] = []
    at = 0
    for f in sorted(findings, key=lambda f: (f["start"], -f["end"])):
        start, end = int(f["start"]), int(f["end"])
        if start < at or end > len(text) or text[start:end] != f["text"]:
            continue  # overlapping, or about another version of the text
        if start > at:
            pieces.append((text[at:start], None))
        pieces.append((text[start:end], f))
        at = end
    if at < len(text):
        pieces.append((text[at:], None))
    return pieces
