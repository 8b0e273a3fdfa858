"""The ad in time: scenes, their text and stickers, and the transitions between them.

``Timeline.frame(t)`` is the frame contract the encoder pulls from (seconds → HxWx3 uint8
RGB). Scenes are built lazily, in order, and released once passed, so memory stays flat.
A frame is the current scene's picture with its decor; inside a transition (centred on the
cut) it is ``transitions.combine`` of the outgoing and incoming scenes' finished frames, each
with only its own decor, and a scene's decor is drawn only inside the scene's own time, so at
most one caption is ever on screen. ``last_captions`` says how many captions the last frame
drew (the tests read it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import stickers
from .decor import Decor
from .layouts import layout_for
from .scenes import ClipShotScene, MotionScene, text_panel
from .spec import ClipShot, MotionShot, RenderSpec, SceneSpec, WordTiming
from .styles import Style, style_for
from .transitions import combine, kinds_for

RTL_LANGUAGES = {"ar", "he", "fa", "ur"}


def is_rtl(language: str) -> bool:
    return language.lower().split("-")[0] in RTL_LANGUAGES


@dataclass
class _Slot:
    scene: SceneSpec
    index: int
    start: float
    end: float
    out_kind: str  # the transition into the next scene
    out_len: float  # its length (0 for a cut), centred on ``end``
    visual: MotionScene | ClipShotScene | None = None
    decor: Decor | None = None


class Timeline:
    """Scenes in time, built lazily and released after use."""

    def __init__(self, spec: RenderSpec, style: Style | None = None) -> None:
        self.spec = spec
        self.style = style or style_for(spec)
        self.size = (spec.format.width, spec.format.height)
        self.rtl = is_rtl(spec.language)
        self.layout = layout_for(spec.format, rtl=self.rtl)
        self.plans = stickers.plan(spec.scenes, spec.offer, spec.brand)
        # Per scene, the spoken words (seconds from the start of the ad) once the soundtrack
        # is made; captions pop word by word as they are said.
        self.words: tuple[tuple[WordTiming, ...], ...] = ()
        self.last_captions = 0
        self._panel: np.ndarray | None = None
        kinds = kinds_for(spec, self.style)
        self.slots: list[_Slot] = []
        start = 0.0
        scenes = spec.scenes
        for i, scene in enumerate(scenes):
            end = start + scene.duration
            kind = kinds[i]
            length = 0.0
            if kind != "cut" and i + 1 < len(scenes):
                length = min(
                    self.style.transition_s, 0.5 * scene.duration, 0.5 * scenes[i + 1].duration
                )
            self.slots.append(_Slot(scene, i, start, end, kind, length))
            start = end

    # ------------------------------------------------------------ building

    def _text_panel(self) -> np.ndarray | None:
        """The split layout's text panel, made once for all the ad's scenes (None when the
        layout has none)."""
        if self._panel is None and self.layout.panel is not None:
            self._panel = text_panel(self.spec.format, self.layout, self.style, self.spec.seed)
        return self._panel

    def _build(self, slot: _Slot) -> None:
        spec, scene = self.spec, slot.scene
        end_card = scene.shot_type == "cta"
        if isinstance(scene.shot, ClipShot):
            slot.visual = ClipShotScene(
                scene.shot, spec.format, self.layout, self.style, panel=self._text_panel()
            )
            on_photo = True
            caption_box, caption_plate = None, False
        else:
            assert isinstance(scene.shot, MotionShot)
            slot.visual = MotionScene(
                scene.shot,
                spec.format,
                self.layout,
                self.style,
                scene.duration,
                end_card=end_card,
                seed=spec.seed + slot.index * 101,
                panel=self._text_panel(),
            )
            on_photo = slot.visual.sweep is None
            caption_box, caption_plate = slot.visual.caption_box, slot.visual.caption_plate
        spoken = self.words[slot.index] if slot.index < len(self.words) else ()
        local = tuple(WordTiming(w.start - slot.start, w.end - slot.start, w.text) for w in spoken)
        slot.decor = Decor(
            scene,
            fmt=spec.format,
            layout=self.layout,
            style=self.style,
            brand=spec.brand,
            language=spec.language,
            offer=spec.offer,
            plan=self.plans[slot.index],
            duration=scene.duration,
            spoken=local,
            last=slot.index == len(self.slots) - 1,
            on_photo=on_photo,
            caption_box=caption_box,
            caption_plate=caption_plate,
        )

    def decor(self, index: int) -> Decor:
        slot = self.slots[index]
        if slot.decor is None:
            self._build(slot)
        assert slot.decor is not None
        return slot.decor

    def prepare(self, budget_bytes: int) -> None:
        """Build scenes ahead of the encode while memory allows."""
        used = 0.0
        for slot in self.slots:
            shot = slot.scene.shot
            images = len(shot.images) if isinstance(shot, MotionShot) else 0
            used += images * self.size[0] * self.size[1] * 4 * 1.3
            if used > budget_bytes:
                break
            if slot.visual is None:
                self._build(slot)

    # ------------------------------------------------------------ frames

    def _slot_at(self, t: float) -> int:
        for i, slot in enumerate(self.slots):
            if t < slot.end:
                return i
        return len(self.slots) - 1

    def _scene_frame(self, index: int, t: float) -> tuple[np.ndarray, bool]:
        slot = self.slots[index]
        if slot.visual is None:
            self._build(slot)
        assert slot.visual is not None and slot.decor is not None
        local = t - slot.start
        img = slot.visual.picture(local)
        drew = slot.decor.draw(img, local)
        return img, drew

    def frame(self, t: float) -> np.ndarray:
        """The finished frame at ``t`` seconds (RGB uint8, HxWx3)."""
        k = self._slot_at(t)
        for old in self.slots[: max(0, k - 1)]:  # frames come in order: earlier scenes are done
            self._release(old)
        slot = self.slots[k]
        pair = None
        if slot.out_len > 0 and t >= slot.end - slot.out_len / 2 and k + 1 < len(self.slots):
            pair = (k, k + 1, slot)
        elif k > 0:
            prev = self.slots[k - 1]
            if prev.out_len > 0 and t < prev.end + prev.out_len / 2:
                pair = (k - 1, k, prev)
        if pair is None:
            img, drew = self._scene_frame(k, t)
            self.last_captions = int(drew)
            return img
        a_i, b_i, edge = pair
        p = (t - (edge.end - edge.out_len / 2)) / edge.out_len
        a, drew_a = self._scene_frame(a_i, t)
        b, drew_b = self._scene_frame(b_i, t)
        self.last_captions = int(drew_a) + int(drew_b)
        return combine(edge.out_kind, a, b, p, accent=self.style.highlight, rtl=self.rtl)

    def _release(self, slot: _Slot) -> None:
        if slot.visual is not None:
            slot.visual.close()
            slot.visual = None
        slot.decor = None

    def close(self) -> None:
        for slot in self.slots:
            self._release(slot)
