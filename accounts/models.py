"""Workspaces (one merchant each) and who belongs to them.

Every row that belongs to a merchant inherits ``WorkspaceOwned``: it carries its workspace and
a public UUID (used in URLs and the API instead of the database key).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from accounts.brand import validate_font_file, validate_hex_color, validate_logo_file


class Workspace(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner"
        ADMIN = "admin"
        EDITOR = "editor"
        VIEWER = "viewer"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique_user_per_workspace"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"


class WorkspaceOwned(models.Model):
    """Base for every merchant-owned row: the workspace it belongs to and a public UUID."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def _brand_upload_to(instance: BrandKit, filename: str) -> str:
    return f"workspaces/{instance.workspace_id}/brand/{filename}"


class BrandKit(WorkspaceOwned):
    """A workspace's look in its ads: logo and colours on the end card, caption style and
    font, and the call to action its end cards show. One per workspace; ads of a workspace
    without one use the renderer's defaults."""

    class CaptionStyle(models.TextChoices):
        OUTLINE = "outline", "Bold outline"
        BOXED = "boxed", "Boxed"
        HIGHLIGHT = "highlight", "Word-by-word highlight"

    logo = models.FileField(upload_to=_brand_upload_to, blank=True, validators=[validate_logo_file])
    primary_color = models.CharField(max_length=7, default="#111111", validators=[validate_hex_color])
    accent_color = models.CharField(max_length=7, default="#FF3B5C", validators=[validate_hex_color])
    text_color = models.CharField(max_length=7, default="#FFFFFF", validators=[validate_hex_color])
    font = models.FileField(
        upload_to=_brand_upload_to,
        blank=True,
        validators=[validate_font_file],
        help_text="A .ttf or .otf with Latin letters; used first for Latin captions.",
    )
    caption_style = models.CharField(max_length=12, choices=CaptionStyle.choices, default=CaptionStyle.OUTLINE)
    cta_text = models.CharField(
        max_length=60, blank=True, help_text="Shown on the end card instead of the template's call to action."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="brandkit_one_per_workspace"),
        ]

    def __str__(self) -> str:
        return f"Brand kit of {self.workspace}"
