from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from accounts.models import Membership, Workspace


def workspace_create(*, name: str, slug: str | None = None, owner=None) -> Workspace:
    with transaction.atomic():
        workspace = Workspace.objects.create(name=name, slug=slug or slugify(name)[:60])
        if owner is not None:
            Membership.objects.create(workspace=workspace, user=owner, role=Membership.Role.OWNER)
    return workspace


def workspace_get_or_create_default() -> Workspace:
    """The workspace the command line works in (settings.SHOPREEL_DEFAULT_WORKSPACE)."""
    slug = settings.SHOPREEL_DEFAULT_WORKSPACE
    workspace, _ = Workspace.objects.get_or_create(slug=slug, defaults={"name": slug.title()})
    return workspace
