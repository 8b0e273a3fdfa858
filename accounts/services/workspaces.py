"""Workspaces (one merchant each): create, hand over to the merchant, training opt-in."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from accounts.models import Agency, Membership, Workspace
from accounts.roles import API_ACTOR, PermissionDenied
from core.errors import InvalidInput, NotFound


def agency_create(*, name: str, slug: str | None = None) -> Agency:
    return Agency.objects.create(name=name, slug=slug or slugify(name)[:60])


def workspace_hand_over(*, workspace: Workspace) -> Workspace:
    """The agency gives the workspace to its merchant: the agency's keys stop reaching it."""
    Workspace.objects.filter(pk=workspace.pk).update(agency=None)
    workspace.agency = None
    return workspace


def workspace_create(*, name: str, slug: str | None = None, owner=None, agency: Agency | None = None) -> Workspace:
    with transaction.atomic():
        workspace = Workspace.objects.create(name=name, slug=slug or slugify(name)[:60], agency=agency)
        if owner is not None:
            Membership.objects.create(workspace=workspace, user=owner, role=Membership.Role.OWNER)
    return workspace


def workspace_get_or_create_default() -> Workspace:
    """The workspace the command line works in (settings.SHOPREEL_DEFAULT_WORKSPACE)."""
    slug = settings.SHOPREEL_DEFAULT_WORKSPACE
    workspace, _ = Workspace.objects.get_or_create(slug=slug, defaults={"name": slug.title()})
    return workspace


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "workspace"
    return f"{base}-{secrets.token_hex(3)}"


def acting_role(*, workspace: Workspace, actor) -> str:
    from accounts.selectors import workspace_role

    if actor is None:
        return API_ACTOR
    role = workspace_role(workspace=workspace, user=actor)
    if role is None:
        raise NotFound("Workspace not found.")
    return role


def workspace_training_share_set(*, workspace: Workspace, share: bool, actor) -> Workspace:
    """Opt the workspace in to (or out of) shared training: whether its products may train the
    vertical-wide adapters other merchants' shots use. Owners only. Opting out leaves it out
    of every adapter trained from now on (and fails a vertical-wide training that is running
    with it); adapters already trained with it stay until an operator retires them
    (``generation.training.selectors.adapters_trained_with``)."""
    if not isinstance(share, bool):
        raise InvalidInput("share_for_training must be true or false.", detail={"field": "share_for_training"})
    with transaction.atomic():
        locked = Workspace.objects.select_for_update().get(pk=workspace.pk)
        if acting_role(workspace=locked, actor=actor) != Membership.Role.OWNER:
            raise PermissionDenied("Only an owner decides whether the workspace shares its products for training.")
        if locked.share_for_training != share:
            locked.share_for_training = share
            locked.save(update_fields=["share_for_training"])
    workspace.share_for_training = share
    return locked


def user_workspace_create(*, user) -> Workspace:
    """The workspace a new user gets on sign-up, with them as its owner."""
    local = (user.email or user.get_username()).split("@")[0][:80] or "My"
    name = f"{local}'s shop"
    return workspace_create(name=name, slug=_unique_slug(name), owner=user)
