"""What one scene's picture looks like at a given time, before its text and stickers.

Each scene is built once (sweeps, sprites, photo plates, decoders) and then asked for
frames in time order; ``picture(t)`` returns a fresh RGB frame (``t`` in the scene's own
seconds, negative while the scene is still coming in).

- A cut-out on a studio sweep (``MotionScene``, studio): the sweep drifts by whole pixels
  (one copy), the product sprite pops in and then slowly grows and drifts the other way
  (parallax), its contact shadow moving with it. Per frame: one copy, one small warp and one
  blend inside the product's box.
- A photo with surroundings: full-bleed, smart-cropped around the product, the camera
  pushing in (one warp of the picture area). In split layouts the photo fills its side and
  the other side is the style's text panel.
- The end card: a sweep in the end card's colours and the product (the cut-out, or the
  photo on a rounded card).
- ``ClipShotScene``: a pre-made clip, cover-fitted to the picture area, holding its last
  frame.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from . import plates
from .camera import ZOOM, Move, glide, make_move, render_view, view_matrix
from .errors import RenderError
from .layers import EASES, Sprite, ease_out_cubic
from .layouts import Box, Layout, caption_band
from .spec import ClipShot, MotionShot, OutputFormat
from .styles import Style

ENTRANCE = 0.45  # s the product takes to pop in


def _int_box(box: Box) -> tuple[int, int, int, int]:
    return (round(box[0]), round(box[1]), round(box[2]), round(box[3]))


def text_panel(fmt: OutputFormat, layout: Layout, style: Style, seed: int) -> np.ndarray | None:
    """The split layout's text panel (its own size), a soft vertical gradient with a little
    seeded noise; None for stacked layouts. The same for every scene of an ad: the timeline
    makes it once and hands it to each scene."""
    if layout.panel is None:
        return None
    x0, y0, x1, y1 = _int_box(layout.panel)
    w, h = x1 - x0, y1 - y0
    top = np.asarray(style.panel, np.float32)
    bottom = top * 0.86
    ramp = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    img = top * (1 - ramp) + bottom * ramp
    return plates.dither(np.broadcast_to(img, (h, w, 3)).copy(), seed, 1.0)


def photo_card(photo: np.ndarray, box: Box) -> tuple[np.ndarray, int, int]:
    """The whole photo, contained in ``box``, on a rounded card with a soft shadow."""
    x, y, w, h = plates.contain((photo.shape[1], photo.shape[0]), box)
    item = plates.resize(photo, w, h)
    pad = max(6, round(min(w, h) * 0.06))
    mask = Image.new("L", ((w + 2 * pad) * 2, (h + 2 * pad) * 2), 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        (pad * 2, pad * 2, (pad + w) * 2 - 1, (pad + h) * 2 - 1),
        radius=round(min(w, h) * 0.08),
        fill=255,
    )
    a = np.asarray(mask.reduce(2), np.float32) / 255
    shadow = plates._shadow(a, pad * 0.8, 0.45)
    shadow = np.roll(shadow, pad // 3, axis=0)
    rgba = np.zeros((h + 2 * pad, w + 2 * pad, 4), np.uint8)
    total = a + shadow * (1 - a)
    rgb = np.zeros((h + 2 * pad, w + 2 * pad, 3), np.float32)
    rgb[pad : pad + h, pad : pad + w] = item
    rgb *= (a / np.maximum(total, 1e-6))[..., None]
    rgba[..., :3] = rgb.clip(0, 255).astype(np.uint8)
    rgba[..., 3] = (total * 255).clip(0, 255).astype(np.uint8)
    return rgba, x - pad, y - pad


def _shown_box(
    shape: tuple[int, int],
    size: tuple[int, int],
    focus: Box,
    place: Box,
    plate: np.ndarray,
    move: Move,
) -> Box:
    """Where the product (``focus``, photo pixels) shows in the picture area over the whole
    camera move (the union of its boxes), picture pixels."""
    x0, y0, cw, ch = plates.cover_crop(shape, size, focus, place=place, extend=True)
    kx, ky = plate.shape[1] / cw, plate.shape[0] / ch
    fx0, fy0 = (focus[0] - x0) * kx, (focus[1] - y0) * ky  # plate pixels
    fx1, fy1 = (focus[2] - x0) * kx, (focus[3] - y0) * ky
    boxes = []
    for p in np.linspace(0.0, 1.0, 9):
        m = view_matrix(move, float(p), size, (plate.shape[1], plate.shape[0]))
        s, tx, ty = m[0, 0], m[0, 2], m[1, 2]  # frame → plate: plate = s * frame + t
        boxes.append(((fx0 - tx) / s, (fy0 - ty) / s, (fx1 - tx) / s, (fy1 - ty) / s))
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


class _Studio:
    """One cut-out on the sweep."""

    def __init__(self, sprite: Sprite, height: int) -> None:
        self.sprite = sprite
        self.height = height


class _Photo:
    """One photo plate for the picture area and its camera move."""

    def __init__(self, plate: np.ndarray, move: Move) -> None:
        # RGB: OpenCV 5.1's warp is SIMD for 3-byte pixels too, so the camera samples the
        # plate straight into the frame (no 4-byte copy of each frame, a quarter less plate).
        self.plate = plate
        self.move = move


class MotionScene:
    """A scene made from the product's photos; the scene time is split between them."""

    def __init__(
        self,
        shot: MotionShot,
        fmt: OutputFormat,
        layout: Layout,
        style: Style,
        span: float,
        *,
        end_card: bool = False,
        seed: int = 0,
        panel: np.ndarray | None = None,
    ) -> None:
        if not shot.images:
            raise RenderError("a motion shot has no product image")
        self.fmt = fmt
        self.size = (fmt.width, fmt.height)
        self.layout = layout
        self.style = style
        self.span = span
        self.seed = shot.seed + seed
        self.ease = EASES.get(style.word_ease, ease_out_cubic)
        self.panel = panel if panel is not None else text_panel(fmt, layout, style, self.seed)
        self.items: list[_Studio | _Photo] = []
        self.sweep: np.ndarray | None = None
        self.sweep_area = self.size
        studio = bool(shot.cutouts) and (shot.background == "studio" or end_card)
        if end_card or studio:
            inner, outer = (
                (style.end_inner, style.end_outer)
                if end_card
                else (style.sweep_inner, style.sweep_outer)
            )
            area = self.size if end_card or not layout.split else self._picture_size()
            self.sweep = plates.sweep(area, inner, outer, self.seed, cy=0.38 if end_card else 0.45)
            self.sweep_area = area
        box = layout.end_product if end_card else layout.product
        # Where the caption goes (stacked layouts over a photo: away from the product) and
        # whether it needs a plate to read; None: the layout's own band.
        self.caption_box: Box | None = None
        self.caption_plate = False
        photos: list[_Photo] = []
        shown: list[Box] = []  # where each photo's product shows in the frame, over the move
        for i, image in enumerate(shot.images):
            cutout = shot.cutouts[i] if i < len(shot.cutouts) else None
            if cutout is not None and (studio or end_card):
                rgba, x, y, h = plates.product_sprite(plates.load_image(cutout, rgba=True), box)
                self.items.append(_Studio(Sprite(rgba, x, y), h))
            elif end_card:
                rgba, x, y = photo_card(plates.load_image(image), box)
                self.items.append(_Studio(Sprite(rgba, x, y), rgba.shape[0]))
            else:
                photo = plates.load_image(image)
                cut = plates.load_image(cutout, rgba=True) if cutout is not None else None
                size = self._picture_size()
                px0, py0, px1, py1 = layout.picture
                bx0, by0, bx1, by1 = layout.product
                place = (
                    (bx0 - px0) / (px1 - px0),
                    (by0 - py0) / (py1 - py0),
                    (bx1 - px0) / (px1 - px0),
                    (by1 - py0) / (py1 - py0),
                )
                if not layout.split:  # still above the caption when the camera has pushed in
                    clear = 0.5 + (layout.text[1] / fmt.height - 0.02 - 0.5) / ZOOM
                    place = (place[0], place[1], place[2], min(place[3], clear))
                focus = plates.focus_box(photo, cut)
                plate = plates.cover(photo, size, focus, place=place, extend=not layout.split)
                move = make_move(shot.move if shot.move != "static" else "push_in", self.seed + i)
                whole = focus == (0.0, 0.0, float(photo.shape[1]), float(photo.shape[0]))
                if not layout.split and not whole:
                    shown.append(_shown_box(photo.shape[:2], size, focus, place, plate, move))
                photos.append(_Photo(plate, move))
                self.items.append(photos[-1])
        if photos and not layout.split:  # captions sit on the photo: darken under them
            text = layout.text
            if shown:
                union = (
                    min(b[0] for b in shown),
                    min(b[1] for b in shown),
                    max(b[2] for b in shown),
                    max(b[3] for b in shown),
                )
                text, self.caption_plate = caption_band(layout, fmt, union)
                self.caption_box = text
            for item in photos:
                if text[3] <= layout.text[1]:  # the caption is above the product
                    plates.scrim(item.plate, text[3] / fmt.height + 0.1, 0.72, from_top=True)
                else:
                    plates.scrim(item.plate, text[1] / fmt.height - 0.1, 0.72)

    def _picture_size(self) -> tuple[int, int]:
        x0, y0, x1, y1 = _int_box(self.layout.picture)
        return (x1 - x0, y1 - y0)

    def _base(self, t: float) -> np.ndarray:
        """The background: the sweep drifting by whole pixels (parallax's far layer)."""
        w, h = self.size
        frame = np.empty((h, w, 3), np.uint8)
        if self.sweep is not None:
            sh, sw = self.sweep.shape[:2]
            area_w, area_h = self.sweep_area
            p = glide(t / max(self.span, 0.1))
            room_x, room_y = (sw - area_w) // 2, (sh - area_h) // 2
            ox = room_x + round(room_x * min(1.0, self.style.drift) * (0.5 - p) * 2)
            oy = room_y + round(room_y * 0.6 * (p - 0.5))
            ox, oy = max(0, min(sw - area_w, ox)), max(0, min(sh - area_h, oy))
            src = self.sweep[oy : oy + area_h, ox : ox + area_w]
            if area_w == w and area_h == h:
                frame[:] = src
            else:
                px0, py0, px1, py1 = _int_box(self.layout.picture)
                frame[py0:py1, px0:px1] = src
        if self.panel is not None and self.layout.panel is not None:
            x0, y0, x1, y1 = _int_box(self.layout.panel)
            frame[y0:y1, x0:x1] = self.panel
        return frame

    def picture(self, t: float) -> np.ndarray:
        n = len(self.items)
        seg = self.span / n
        j = min(n - 1, max(0, int(t / seg))) if seg > 0 else 0
        local = t - j * seg
        item = self.items[j]
        if isinstance(item, _Photo):
            return self._photo(item, local / seg if seg > 0 else 0.0)
        frame = self._base(t)
        self._product(frame, item, local)
        return frame

    def _photo(self, item: _Photo, p: float) -> np.ndarray:
        pw, ph = self._picture_size()
        m = view_matrix(item.move, p, (pw, ph), (item.plate.shape[1], item.plate.shape[0]))
        # The warp writes straight into the frame's picture area: no copy after it.
        if (pw, ph) == self.size:
            return render_view(item.plate, m, (pw, ph), out=np.empty((ph, pw, 3), np.uint8))
        frame = (
            self._base(0.0) if self.panel is not None else np.zeros((*self.size[::-1], 3), np.uint8)
        )
        x0, y0, x1, y1 = _int_box(self.layout.picture)
        render_view(item.plate, m, (pw, ph), out=frame[y0:y1, x0:x1])
        return frame

    def _product(self, frame: np.ndarray, item: _Studio, t: float) -> None:
        """The product layer: pops in, then grows slowly and drifts against the sweep."""
        st = self.style
        pin = max(0.0, min(1.0, t / ENTRANCE))
        e = self.ease(pin) if st.word_ease != "elastic" else EASES["back"](pin)
        p = glide(t / max(self.span, 0.1))
        scale = (0.86 + 0.14 * e) * (1 + 0.09 * st.drift * p)
        dy = (1 - e) * 0.05 * self.size[1]
        dx = self.size[0] * 0.03 * st.drift * (p - 0.5)
        item.sprite.draw(
            frame, dx=dx, dy=dy, scale=scale, opacity=min(1.0, 0.25 + pin * 2), anchor=(0.5, 0.97)
        )

    def close(self) -> None:
        self.items.clear()
        self.sweep = None


class ClipShotScene:
    """A pre-made video (diffusion / try-on shot), cover-fitted, holding its last frame."""

    def __init__(
        self,
        shot: ClipShot,
        fmt: OutputFormat,
        layout: Layout | None = None,
        style: Style | None = None,
        panel: np.ndarray | None = None,
    ) -> None:
        from moviepy import VideoFileClip  # heavy import; only clip scenes need it

        from .layouts import layout_for

        path = Path(shot.path)
        if not path.is_file():
            raise RenderError(f"video clip missing: {path}")
        try:
            self.clip = VideoFileClip(str(path), audio=False)
        except (OSError, KeyError, IndexError, ValueError) as exc:
            raise RenderError(f"video clip could not be read: {path}") from exc
        if not self.clip.duration or not self.clip.fps:
            self.clip.close()
            raise RenderError(f"video clip has no frames: {path}")
        self.size = (fmt.width, fmt.height)
        self.layout = layout = layout or layout_for(fmt)
        self.panel = None
        if style is not None:
            self.panel = panel if panel is not None else text_panel(fmt, layout, style, 0)
        if style is None:  # alone (no style to paint a panel with): the whole frame
            from dataclasses import replace

            self.layout = layout = replace(
                layout, picture=(0, 0, fmt.width, fmt.height), panel=None
            )
        x0, y0, x1, y1 = _int_box(layout.picture)
        self.area = (x0, y0, x1, y1)
        self.last_t = max(0.0, self.clip.duration - 1.5 / self.clip.fps)
        sw, sh = self.clip.size
        aw, ah = x1 - x0, y1 - y0
        scale = max(aw / sw, ah / sh)
        cw, ch = aw / scale, ah / scale
        self.crop = (round((sw - cw) / 2), round((sh - ch) / 2), round(cw), round(ch))

    def picture(self, t: float) -> np.ndarray:
        src = self.clip.get_frame(min(max(0.0, t), self.last_t))
        x, y, w, h = self.crop
        src = src[y : y + h, x : x + w]
        x0, y0, x1, y1 = self.area
        size = (x1 - x0, y1 - y0)
        shrinking = w > size[0]
        img = cv2.resize(src, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
        if size == self.size:
            return img
        frame = np.zeros((self.size[1], self.size[0], 3), np.uint8)
        if self.panel is not None and self.layout.panel is not None:
            px0, py0, px1, py1 = _int_box(self.layout.panel)
            frame[py0:py1, px0:px1] = self.panel
        frame[y0:y1, x0:x1] = img
        return frame

    frame = picture  # the frame contract: seconds → HxWx3 uint8 RGB

    def close(self) -> None:
        self.clip.close()
