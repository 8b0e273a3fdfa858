"""Workspaces (one merchant each): create, hand over to the merchant, training opt-in, settings."""

from __future__ import annotations

import functools
import secrets
import zoneinfo

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from accounts.models import Agency, Membership, Workspace
from accounts.roles import API_ACTOR, PermissionDenied
from core.errors import InvalidInput, NotFound
from core.vocabulary import FORMATS, LANGUAGES, MARKETS


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


def workspace_settings_update(
    *, workspace: Workspace, actor, name: str, timezone: str, default_language: str, default_market: str,
    default_formats: list[str],
) -> Workspace:
    """The workspace's name and defaults: its time zone (an IANA name zoneinfo knows; campaigns
    run on it), and the language, market and formats a new ad starts from. Owners and admins
    only. Everything is checked before anything changes; the first problem is an
    ``InvalidInput`` whose ``detail["field"]`` names the field."""
    clean_name = " ".join((name or "").replace("\x00", "").split())  # no NUL byte reaches the database
    if not clean_name or len(clean_name) > 120:
        raise InvalidInput("Give the workspace a name of at most 120 characters.", detail={"field": "name"})
    zone = (timezone or "").strip()
    if zone not in _time_zones():
        raise InvalidInput(
            f"{zone[:64] or 'An empty name'} is not a time zone we know: pick one from the list, like Europe/Berlin.",
            detail={"field": "timezone"},
        )
    if default_language not in LANGUAGES:
        raise InvalidInput("Pick a language from the list.", detail={"field": "default_language"})
    market = (default_market or "").strip().upper()
    if market and market not in MARKETS:
        raise InvalidInput(f"Pick a market from the list ({', '.join(MARKETS)}).", detail={"field": "default_market"})
    formats = list(dict.fromkeys(default_formats or ()))
    if any(f not in FORMATS for f in formats):
        raise InvalidInput(f"Formats are {', '.join(FORMATS)}.", detail={"field": "default_formats"})
    formats = [f for f in FORMATS if f in formats]  # the vocabulary's order
    with transaction.atomic():
        locked = Workspace.objects.select_for_update().get(pk=workspace.pk)
        if acting_role(workspace=locked, actor=actor) not in (*Membership.MANAGERS, API_ACTOR):
            raise PermissionDenied("Only owners and admins change the workspace's settings.")
        locked.name, locked.timezone, locked.default_language = clean_name, zone, default_language
        locked.default_market, locked.default_formats = market, formats
        locked.save(update_fields=["name", "timezone", "default_language", "default_market", "default_formats"])
    return locked


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def workspace_time_zones() -> list[str]:
    """The time zones a workspace may pick (IANA names zoneinfo knows), sorted."""
    return sorted(_time_zones())
