from __future__ import annotations

from accounts.models import BrandKit, Workspace
from config.errors import NotFound


def workspace_for_user(*, user, workspace_id) -> Workspace:
    """A workspace the user is a member of; any other answers NotFound, never its data."""
    workspace = Workspace.objects.filter(id=workspace_id, memberships__user=user).first()
    if workspace is None:
        raise NotFound("Workspace not found.")
    return workspace


def workspace_by_slug(*, slug: str) -> Workspace:
    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        raise NotFound(f"No workspace with the slug {slug!r}.")
    return workspace


def brand_kit_for(*, workspace: Workspace) -> BrandKit | None:
    """The workspace's brand kit, or None when it has not made one."""
    return BrandKit.objects.filter(workspace=workspace).first()
