"""A workspace's brand kit: logo, colours and fonts, each validated before it is stored."""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import transaction

from accounts.brand import check_font, check_font_size, check_hex_color, check_logo
from accounts.models import BrandKit, Workspace
from core.errors import InvalidInput

logger = logging.getLogger(__name__)
_UNSET = object()


_LOGO_EXT = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}  # accounts.brand.LOGO_FORMATS


def _read(upload) -> bytes:
    """Bytes of an upload (a Django ``File``/``UploadedFile``, a binary file object, or bytes)."""
    if isinstance(upload, bytes | bytearray):
        return bytes(upload)
    if hasattr(upload, "seek"):
        upload.seek(0)
    return upload.read()


def brand_kit_update(
    *,
    workspace: Workspace,
    logo=_UNSET,
    font=_UNSET,
    primary_color: str | None = None,
    accent_color: str | None = None,
    text_color: str | None = None,
    caption_style: str | None = None,
    style: str | None = None,
    cta_text: str | None = None,
) -> BrandKit:
    """Create or change the workspace's brand kit; only the arguments given change. The studio's
    brand page and the API (``PATCH /api/v1/brand-kit/``) both change it here.

    ``logo``/``font``: the new file (bytes or a file object), or None to remove it. Every
    value is checked before anything is written (logo: JPEG/PNG/WebP within limits; font: a
    .ttf/.otf with Latin letters; colours: ``#RRGGBB``; ``style``: a style preset, "" for
    auto); a bad one raises ``InvalidInput`` naming the field, and the kit is left as it was.
    """
    changes: dict[str, object] = {}
    for field, value in (
        ("primary_color", primary_color),
        ("accent_color", accent_color),
        ("text_color", text_color),
    ):
        if value is not None:
            changes[field] = check_hex_color(value, field=field.replace("_color", " colour"))
    if caption_style is not None:
        if caption_style not in BrandKit.CaptionStyle.values:
            raise InvalidInput(
                f"Caption style must be one of {', '.join(BrandKit.CaptionStyle.values)}, "
                f"not {caption_style!r}.",
                detail={"field": "caption_style"},
            )
        changes["caption_style"] = caption_style
    if style is not None:
        if style not in BrandKit.Style.values:
            raise InvalidInput(
                f"Style must be one of {', '.join(v for v in BrandKit.Style.values if v)} "
                f"(or empty for auto), not {style!r}.",
                detail={"field": "style"},
            )
        changes["style"] = style
    if cta_text is not None:
        cta = " ".join(cta_text.split())
        if len(cta) > 60:
            raise InvalidInput(
                "The call to action must be 60 characters or fewer.", detail={"field": "cta_text"}
            )
        changes["cta_text"] = cta
    files: dict[str, ContentFile | None] = {}
    if logo is not _UNSET:
        if logo is None:
            files["logo"] = None
        else:
            data = _read(logo)
            info = check_logo(data)
            files["logo"] = ContentFile(data, name=f"logo.{_LOGO_EXT.get(info.format, 'png')}")
    if font is not _UNSET:
        if font is None:
            files["font"] = None
        else:
            check_font_size(getattr(font, "size", None) or 0)  # an upload too big is not read
            data = _read(font)
            files["font"] = ContentFile(data, name=f"font.{check_font(data)}")

    with transaction.atomic():
        kit, _ = BrandKit.objects.select_for_update().get_or_create(workspace=workspace)
        for field, value in changes.items():
            setattr(kit, field, value)
        old_files = []
        for field, content in files.items():
            current = getattr(kit, field)
            if current:
                old_files.append((current.storage, current.name))
            if content is None:
                setattr(kit, field, "")
            else:
                current.save(content.name, content, save=False)
        kit.save()
        # Replaced files are deleted only once the new row is committed.
        for storage, name in old_files:
            transaction.on_commit(lambda s=storage, n=name: s.delete(n))
    logger.info("brand kit updated", extra={"workspace_id": str(workspace.id), "fields": sorted([*changes, *files])})
    return kit
