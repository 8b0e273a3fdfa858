"""Who may do what in a workspace: the role checks shared by services and selectors.

``API_ACTOR`` is an API key, which acts for its workspace with the rights of an admin (it
never adds, removes, promotes or demotes owners)."""

from __future__ import annotations

from accounts.models import Membership
from core.errors import InvalidInput, PermissionDenied

API_ACTOR = "api_key"


def require_manager(role: str) -> None:
    if role != API_ACTOR and role not in Membership.MANAGERS:
        raise PermissionDenied("Only owners and admins manage members, invitations and API keys.")


def require_owner_for(role: str, *roles: str) -> None:
    if Membership.Role.OWNER in roles and role != Membership.Role.OWNER:
        raise PermissionDenied("Only an owner can add, remove, promote or demote owners.")


def check_role(role: str) -> str:
    if role not in Membership.Role.values:
        raise InvalidInput(
            f"The role must be one of {', '.join(Membership.Role.values)}, not {role!r}.", detail={"field": "role"}
        )
    return role
