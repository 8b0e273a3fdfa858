"""Members of a workspace: roles changed, removed, leaving; the last owner always stays."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiKey, Membership, Workspace
from accounts.roles import check_role, require_manager, require_owner_for
from accounts.services.workspaces import acting_role
from core.errors import ApplicationError, Conflict, NotFound


def _lock_members(workspace: Workspace) -> list[Membership]:
    """Every membership of the workspace, locked in primary-key order (the same order in every
    service, so two requests never wait on each other crosswise), so that the "at least one
    owner" count cannot change under us."""
    return list(
        Membership.objects.select_for_update(of=("self",)).filter(workspace=workspace).order_by("pk").select_related("user")
    )


def _find_member(members: list[Membership], member_id) -> Membership:
    for member in members:
        if str(member.public_id) == str(member_id):
            return member
    raise NotFound("Member not found.")


def _check_not_last_owner(members: list[Membership], target: Membership, *, action: str) -> None:
    owners = [m for m in members if m.role == Membership.Role.OWNER]
    if target.role == Membership.Role.OWNER and len(owners) == 1:
        raise Conflict(
            f"{target.user.email or target.user} is the workspace's last owner and cannot {action}: "
            "make another member an owner first.",
            code="last_owner",
        )


def membership_role_change(*, workspace: Workspace, member_id, role: str, actor=None) -> Membership:
    role = check_role(role)
    with transaction.atomic():
        members = _lock_members(workspace)
        actor_role = acting_role(workspace=workspace, actor=actor)
        require_manager(actor_role)
        target = _find_member(members, member_id)
        require_owner_for(actor_role, target.role, role)
        if target.role == role:
            return target
        if role != Membership.Role.OWNER:
            _check_not_last_owner(members, target, action="stop being an owner")
        target.role = role
        target.save(update_fields=["role"])
    return target


def membership_remove(*, workspace: Workspace, member_id, actor=None) -> Membership:
    """Take a member out of the workspace (their own API keys are revoked with it)."""
    with transaction.atomic():
        members = _lock_members(workspace)
        actor_role = acting_role(workspace=workspace, actor=actor)
        target = _find_member(members, member_id)
        if actor is None or target.user_id != actor.pk:
            require_manager(actor_role)
            require_owner_for(actor_role, target.role)
        _check_not_last_owner(members, target, action="be removed")
        _membership_delete(target)
    return target


def membership_leave(*, workspace: Workspace, user) -> None:
    with transaction.atomic():
        members = _lock_members(workspace)
        mine = next((m for m in members if m.user_id == user.pk), None)
        if mine is None:
            acting_role(workspace=workspace, actor=user)  # NotFound for strangers
            raise ApplicationError(
                "You reach this workspace through your agency; an agency leaves a client "
                "workspace by handing it over.",
                code="not_a_member",
            )
        _check_not_last_owner(members, mine, action="leave")
        _membership_delete(mine)


def membership_delete(*, membership: Membership) -> None:
    """Delete a membership as the admin does (no role checks: staff decide), revoking the keys
    its user made in the workspace, as every removal does."""
    with transaction.atomic():
        _membership_delete(membership)


def _membership_delete(membership: Membership) -> None:
    ApiKey.objects.filter(
        workspace_id=membership.workspace_id, created_by_id=membership.user_id, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    membership.delete()
