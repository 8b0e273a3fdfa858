"""The brand kit page (``/app/w/<id>/brand/``): logo, colours, a font from the bundled ones or
the merchant's own (a .ttf/.otf upload, checked as the admin checks it), caption style and call
to action, and a preview frame drawn by the real renderer.

Everyone in the workspace sees the kit; owners, admins and editors (who make the ads it
dresses) change it. Every value goes through ``accounts.services.brand_kit_update``, which
checks it before anything is written: a refused value comes back on its field (400) and the
kit, the old logo included, stays as it was."""

from __future__ import annotations

import hashlib
import io
import logging
import tempfile
from functools import cache
from pathlib import Path

import numpy as np
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods
from PIL import Image

from accounts import selectors as account_selectors
from accounts import storage as media_storage
from accounts.media import send_stored
from accounts.models import BrandKit
from accounts.services import brand_kit_update
from accounts.views import dashboard_page
from core.errors import InvalidInput
from generation.render.errors import RenderError
from generation.render.fonts import brand_font_choices
from generation.render.spec import FORMATS, BrandSpec, MotionShot, OfferSpec, RenderSpec, SceneSpec
from generation.render.timeline import Timeline
from generation.specs import brand_spec_for, media_path
from generation.studio.views.common import refusals_to, require_writer
from products.selectors import products_for_workspace

logger = logging.getLogger(__name__)
_refusals = refusals_to("dashboard:brand-kit")
KEEP_FONT = "keep"
DEFAULT_FONT = "default"  # the renderer's own (Noto Sans), no font in the kit
PREVIEW_WIDTH = 540


@cache
def _digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _current_font(kit: BrandKit | None) -> str:
    """Which bundled font the kit holds ("" for its own file, DEFAULT_FONT for none)."""
    if kit is None or not kit.font:
        return DEFAULT_FONT
    try:
        with kit.font.open("rb") as f:
            held = hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return ""
    return next((name for name, path in brand_font_choices().items() if _digest(str(path)) == held), "")


def _values(kit: BrandKit | None) -> dict:
    kit = kit or BrandKit()
    return {
        "primary_color": kit.primary_color.upper(), "accent_color": kit.accent_color.upper(),
        "text_color": kit.text_color.upper(), "caption_style": kit.caption_style, "cta_text": kit.cta_text,
        "style": kit.style,
    }


def _page(request, access, *, values=None, error=None, status=200):
    kit = account_selectors.brand_kit_for(workspace=access.workspace)
    current_font = _current_font(kit)
    context = {
        "kit": kit, "saved": _values(kit), "values": values or {**_values(kit), "font": current_font},
        "error": error or {},
        "current_font": current_font, "fonts": list(brand_font_choices()), "default_font": DEFAULT_FONT,
        "caption_styles": BrandKit.CaptionStyle.choices, "styles": BrandKit.Style.choices, "can_write": access.can_write,
        "preview_version": int(kit.updated_at.timestamp()) if kit else 0,
    }
    return dashboard_page(request, "studio/brand.html", context, access=access, status=status)


@require_http_methods(["GET", "POST"])
@_refusals
def brand_kit(request, workspace_id):
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    if request.method == "GET":
        return _page(request, access)
    require_writer(access)
    values = {name: request.POST.get(name, "").strip() for name in (
        "primary_color", "accent_color", "text_color", "caption_style", "cta_text", "style", "font")}
    changes: dict = {name: values[name] for name in (
        "primary_color", "accent_color", "text_color", "caption_style", "cta_text", "style")}
    font = values["font"] or KEEP_FONT
    choices = brand_font_choices()
    if font == DEFAULT_FONT:
        changes["font"] = None
    elif font in choices:
        changes["font"] = choices[font].read_bytes()
    elif font != KEEP_FONT:
        error = {"field": "font", "message": f"Choose one of the fonts listed, not {font!r}."}
        return _page(request, access, values=values, error=error, status=400)
    if request.FILES.get("font_file") is not None:  # an upload wins over the list
        changes["font"] = request.FILES["font_file"]
    if request.POST.get("remove_logo") == "on":
        changes["logo"] = None
    elif request.FILES.get("logo") is not None:
        changes["logo"] = request.FILES["logo"]
    try:
        brand_kit_update(workspace=access.workspace, **changes)
    except InvalidInput as exc:
        field = (exc.detail or {}).get("field", "").replace(" colour", "_color")  # "primary colour" → its input
        if field == "font" and request.FILES.get("font_file") is not None:
            field = "font_file"  # the upload was refused, not the list's choice
        error = {"field": field or "logo", "message": exc.message}
        return _page(request, access, values=values, error=error, status=400)
    messages.success(request, "Brand kit saved. New ads use it; ads already made keep their look until rendered again.")
    return redirect("dashboard:brand-kit", workspace_id)


def _preview_spec(kit: BrandKit | None, photo: Path) -> RenderSpec:
    brand = brand_spec_for(kit) if kit else BrandSpec()
    scene = SceneSpec(duration=2.0, shot=MotionShot(images=(photo,), move="static"), shot_type="cta",
                      caption="Shop now", transition="cut")
    return RenderSpec(format=FORMATS["9:16"], scenes=(scene,), brand=brand, offer=OfferSpec(), seed=0)


@require_GET
@_refusals
def brand_preview(request, workspace_id):
    """One still of an end card for the workspace's newest product (a plain backdrop when it
    has none), drawn by the renderer with the saved brand kit: what the ads will look like."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    kit = account_selectors.brand_kit_for(workspace=access.workspace)
    product = (products_for_workspace(workspace=access.workspace).filter(images__isnull=False)
               .order_by("-created_at").first())
    image = product.images.order_by("position").first() if product else None
    # Stored photo, logo and font as local files (downloaded when media are in an object store).
    with tempfile.TemporaryDirectory(prefix="shopreel-brand-") as tmp, media_storage.downloads():
        if image is not None and Path(media_path(image.file.name)).is_file():
            photo = media_path(image.file.name)
        else:
            photo = Path(tmp) / "backdrop.png"
            Image.fromarray(np.full((1200, 1200, 3), 236, dtype=np.uint8)).save(photo)
        try:
            frame = Timeline(_preview_spec(kit, photo)).frame(1.5)
        except (RenderError, OSError) as exc:  # e.g. a logo file gone from storage
            logger.warning("brand preview of workspace %s not drawn: %s", workspace_id, exc)
            return HttpResponse("The preview could not be drawn.", status=503, content_type="text/plain")
    still = Image.fromarray(frame)
    still = still.resize((PREVIEW_WIDTH, round(still.height * PREVIEW_WIDTH / still.width)), Image.LANCZOS)
    buffer = io.BytesIO()
    still.save(buffer, format="PNG", optimize=True)
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
@_refusals
def brand_logo(request, workspace_id):
    """The saved logo, to the workspace's members only (``/media/`` is not served in production)."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    kit = account_selectors.brand_kit_for(workspace=access.workspace)
    if kit is None or not kit.logo:
        raise Http404("No logo.")
    ext = Path(kit.logo.name).suffix.lower().lstrip(".")
    content_type = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}.get(ext, "application/octet-stream")
    response = send_stored(
        kit.logo, content_type=content_type, download=False, filename=Path(kit.logo.name).name,
        cache_control="private, max-age=300",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
