from __future__ import annotations

from rest_framework import permissions


class HasApiKeyScope(permissions.BasePermission):
    """Any key may read; only a write-scope key may change anything."""

    message = "This API key is read-only; use a key with write scope."
    code = "read_only_key"

    def has_permission(self, request, view) -> bool:
        api_key = request.auth
        if api_key is None or not getattr(request.user, "is_authenticated", False):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return api_key.can_write


class KeyCreatorManagesMembers(permissions.BasePermission):
    """Changing members or invitations also needs the person who made the key to be an owner
    or admin of its workspace now: a key never has more rights than its maker (an editor's
    write key cannot manage members, and a demoted admin's keys stop managing them). Goes after HasApiKeyScope. Keys made
    from the command line or for an agency have no maker and act as an admin."""

    message = "Only keys made by an owner or admin of this workspace manage members and invitations."
    code = "permission_denied"

    def has_permission(self, request, view) -> bool:
        api_key = request.auth
        if api_key is None or request.method in permissions.SAFE_METHODS or api_key.created_by_id is None or api_key.workspace_id is None:
            return True
        from accounts.models import Membership
        from accounts.selectors import workspace_role

        return workspace_role(workspace=api_key.workspace, user=api_key.created_by) in Membership.MANAGERS
