from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.brand import check_font, check_hex_color, check_logo
from accounts.models import Agency, ApiKey, BrandKit, IdempotencyRecord, Membership, Workspace
from config.errors import ApplicationError, InvalidInput, NotFound

_UNSET = object()
_LOGO_EXT = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


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
    cta_text: str | None = None,
) -> BrandKit:
    """Create or change the workspace's brand kit; only the arguments given change.

    ``logo``/``font``: the new file (bytes or a file object), or None to remove it. Every
    value is checked before anything is written (logo: JPEG/PNG/WebP within limits; font: a
    .ttf/.otf with Latin letters; colours: ``#RRGGBB``); a bad one raises ``InvalidInput``
    naming the field, and the kit is left as it was.
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
    return kit


# ------------------------------------------------------------------ API keys

API_KEY_PREFIX = "sr_live_"
API_KEY_PREFIX_LENGTH = len(API_KEY_PREFIX) + 8  # "sr_live_" + 8 hex characters
# last_used_at is written at most this often per key (not one UPDATE per request).
API_KEY_TOUCH_SECONDS = 60


def api_key_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def api_key_create(
    *,
    workspace: Workspace | None = None,
    agency: Agency | None = None,
    name: str,
    scope: str = ApiKey.Scope.READ,
    created_by=None,
) -> tuple[ApiKey, str]:
    """Make a key for the workspace and return it with its plaintext, which is not stored and
    cannot be shown again: ``sr_live_<8 hex>_<43 characters of a 256-bit secret>``.

    ``created_by`` (None from the command line) must reach the workspace (a member, or the
    staff of its agency, who act as admins); a viewer may only make
    read-scope keys. With ``agency`` instead of ``workspace`` the key reaches every client
    workspace of the agency (the command line makes those; members of agencies come later)."""
    if (workspace is None) == (agency is None):
        raise InvalidInput("A key belongs to one workspace or to one agency.")
    if agency is not None and created_by is not None:
        raise InvalidInput("Agency keys are made from the command line for now.")
    if scope not in ApiKey.Scope.values:
        raise InvalidInput(
            f"The scope must be {' or '.join(ApiKey.Scope.values)}, not {scope!r}.", detail={"field": "scope"}
        )
    if created_by is not None:
        from accounts.selectors import workspace_role

        role = workspace_role(workspace=workspace, user=created_by)
        if role is None:
            raise NotFound("Workspace not found.")
        if scope == ApiKey.Scope.WRITE and role == Membership.Role.VIEWER:
            raise ApplicationError(
                "Viewers may only make read-scope keys.", code="permission_denied", detail={"field": "scope"}
            )
    name = " ".join((name or "").split())[:100] or "API key"
    for _ in range(5):  # the 32-bit visible prefix is unique; a clash is retried
        prefix = API_KEY_PREFIX + secrets.token_hex(4)
        plaintext = f"{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(
                    workspace=workspace, agency=agency, name=name, prefix=prefix, secret_hash=api_key_hash(plaintext),
                    scope=scope, created_by=created_by,
                )
        except IntegrityError:
            continue
        return key, plaintext
    raise ApplicationError("Could not make a unique key; try again.", code="api_key_failed")


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revoke the key for good; requests with it answer 401 from now on."""
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    api_key.refresh_from_db(fields=["revoked_at"])
    return api_key


def api_key_touch(*, api_key: ApiKey) -> None:
    """Record that the key was used, at most once a minute per key."""
    now = timezone.now()
    if api_key.last_used_at and now - api_key.last_used_at < timedelta(seconds=API_KEY_TOUCH_SECONDS):
        return
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now


# ------------------------------------------------------------------ Idempotency-Key

IDEMPOTENCY_KEY_MAX_LENGTH = 255
# A key may be reused for another request once its record is this old.
IDEMPOTENCY_TTL = timedelta(hours=24)


class IdempotencyConflict(ApplicationError):
    code = "idempotency_conflict"


def idempotency_begin(*, workspace: Workspace, key: str, fingerprint: str) -> tuple[IdempotencyRecord, bool]:
    """Claim ``key`` for this request. Returns ``(record, replay)``: ``replay`` is True when the
    same request (same fingerprint) already finished and ``record`` holds its response.

    Raises ``IdempotencyConflict`` when the key was used with another method, path or body
    (``idempotency_key_reused``) or the first request is still running
    (``idempotency_in_progress``)."""
    if not key or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise InvalidInput(
            f"The Idempotency-Key header must be 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} characters.",
            code="invalid_idempotency_key",
        )
    IdempotencyRecord.objects.filter(
        workspace=workspace, key=key, created_at__lt=timezone.now() - IDEMPOTENCY_TTL
    ).delete()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(workspace=workspace, key=key, fingerprint=fingerprint), False
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.filter(workspace=workspace, key=key).first()
    if record is None:  # the other request gave the key up in between
        raise IdempotencyConflict(
            "A request with this Idempotency-Key is still being processed; try again.",
            code="idempotency_in_progress",
        )
    if record.fingerprint != fingerprint:
        raise IdempotencyConflict(
            "This Idempotency-Key was already used with another request body; use a new key.",
            code="idempotency_key_reused",
        )
    if record.response_status is None:
        raise IdempotencyConflict(
            "A request with this Idempotency-Key is still being processed; try again.",
            code="idempotency_in_progress",
        )
    return record, True


def idempotency_finish(*, record: IdempotencyRecord, status: int, body) -> None:
    record.response_status = status
    record.response_body = body
    record.save(update_fields=["response_status", "response_body"])


def idempotency_abandon(*, record: IdempotencyRecord) -> None:
    """The request failed before answering: free the key so the client may try again."""
    IdempotencyRecord.objects.filter(pk=record.pk, response_status__isnull=True).delete()


# ------------------------------------------------------------------ members, invitations, agencies
#
# ``actor``: the user acting (the dashboard), or None for an API key, which acts for its
# workspace with the rights of an admin (it never adds, removes, promotes or demotes owners).

API_ACTOR = "api_key"


class PermissionDenied(ApplicationError):
    code = "permission_denied"


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "workspace"
    return f"{base}-{secrets.token_hex(3)}"


def _actor_role(*, workspace: Workspace, actor) -> str:
    from accounts.selectors import workspace_role

    if actor is None:
        return API_ACTOR
    role = workspace_role(workspace=workspace, user=actor)
    if role is None:
        raise NotFound("Workspace not found.")
    return role


def _require_manager(role: str) -> None:
    if role != API_ACTOR and role not in Membership.MANAGERS:
        raise PermissionDenied("Only owners and admins manage members, invitations and API keys.")


def _require_owner_for(role: str, *roles: str) -> None:
    if Membership.Role.OWNER in roles and role != Membership.Role.OWNER:
        raise PermissionDenied("Only an owner can add, remove, promote or demote owners.")


def _check_role(role: str) -> str:
    if role not in Membership.Role.values:
        raise InvalidInput(
            f"The role must be one of {', '.join(Membership.Role.values)}, not {role!r}.", detail={"field": "role"}
        )
    return role


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
        raise ApplicationError(
            f"{target.user.email or target.user} is the workspace's last owner and cannot {action}: "
            "make another member an owner first.",
            code="last_owner",
        )


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
        if _actor_role(workspace=locked, actor=actor) != Membership.Role.OWNER:
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


def membership_role_change(*, workspace: Workspace, member_id, role: str, actor=None) -> Membership:
    role = _check_role(role)
    with transaction.atomic():
        members = _lock_members(workspace)
        actor_role = _actor_role(workspace=workspace, actor=actor)
        _require_manager(actor_role)
        target = _find_member(members, member_id)
        _require_owner_for(actor_role, target.role, role)
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
        actor_role = _actor_role(workspace=workspace, actor=actor)
        target = _find_member(members, member_id)
        if actor is None or target.user_id != actor.pk:
            _require_manager(actor_role)
            _require_owner_for(actor_role, target.role)
        _check_not_last_owner(members, target, action="be removed")
        _membership_delete(target)
    return target


def membership_leave(*, workspace: Workspace, user) -> None:
    with transaction.atomic():
        members = _lock_members(workspace)
        mine = next((m for m in members if m.user_id == user.pk), None)
        if mine is None:
            _actor_role(workspace=workspace, actor=user)  # NotFound for strangers
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


# Invitations


def _invitation_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, api_key_hash(token)


def _invitation_send(invitation, token: str, site_url: str | None) -> None:
    """Send the invitation's email once the transaction that made the token commits. The link
    starts with ``SHOPREEL_SITE_URL`` where it is set, else ``site_url`` (the request's own,
    from the dashboard and the API): a secret link never takes its host from a request header
    when the site's address is known."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.urls import reverse

    site_url = (settings.SHOPREEL_SITE_URL or site_url or "").rstrip("/")
    if not site_url:
        raise ApplicationError(
            "Set SHOPREEL_SITE_URL (https://app.example.com) so invitation emails can link to the dashboard.",
            code="site_url_missing",
        )
    context = {
        "invitation": invitation,
        "workspace": invitation.workspace,
        "inviter": invitation.invited_by,
        "accept_url": site_url + reverse("dashboard:invitation-accept", args=[token]),
        "days": settings.SHOPREEL_INVITATION_DAYS,
    }
    subject = " ".join(render_to_string("accounts/email/invitation_subject.txt", context).split())
    body = render_to_string("accounts/email/invitation_message.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [invitation.email]))


def _check_email(email: str) -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email = (email or "").strip().lower()
    try:
        if len(email) > 254:  # the column's length (RFC 5321's limit)
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise InvalidInput(f"{email!r} is not an email address.", detail={"field": "email"}) from None
    return email


def invitation_create(
    *,
    workspace: Workspace,
    email: str,
    role: str = Membership.Role.EDITOR,
    actor=None,
    hand_over: bool = False,
    site_url: str | None = None,
):
    """Invite ``email`` to the workspace with ``role``; the link goes out by email after commit
    and works for ``SHOPREEL_INVITATION_DAYS`` days, once."""
    from accounts.models import Invitation

    email = _check_email(email)
    role = _check_role(role)
    if not hand_over:
        actor_role = _actor_role(workspace=workspace, actor=actor)
        _require_manager(actor_role)
        _require_owner_for(actor_role, role)
    if Membership.objects.filter(workspace=workspace, user__email__iexact=email).exists():
        raise ApplicationError(f"{email} is already a member of this workspace.", code="already_member")
    now = timezone.now()
    token, token_hash = _invitation_token()
    try:
        with transaction.atomic():
            # An expired invitation to the same address no longer counts as open.
            Invitation.objects.filter(
                workspace=workspace, email=email, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lte=now
            ).update(revoked_at=now)
            invitation = Invitation.objects.create(
                workspace=workspace, email=email, role=role, token_hash=token_hash, invited_by=actor,
                hand_over=hand_over, sent_at=now, expires_at=now + timedelta(days=settings.SHOPREEL_INVITATION_DAYS),
            )
            _invitation_send(invitation, token, site_url)
    except IntegrityError:
        raise ApplicationError(
            f"{email} already has an open invitation to this workspace; re-send or revoke it.",
            code="already_invited",
        ) from None
    return invitation


def _lock_open_invitation(*, workspace: Workspace, invitation_id, actor):
    """The open invitation, locked, once ``actor`` may manage it (a manager; an owner for an
    owner's invitation, unless it hands the workspace over)."""
    from accounts.models import Invitation

    invitation = (
        Invitation.objects.select_for_update().select_related("workspace").filter(workspace=workspace, id=invitation_id).first()
    )
    if invitation is None:
        raise NotFound("Invitation not found.")
    if invitation.accepted_at or invitation.revoked_at:
        raise ApplicationError(f"This invitation was already {invitation.state}.", code=f"invitation_{invitation.state}")
    actor_role = _actor_role(workspace=workspace, actor=actor)
    _require_manager(actor_role)
    if not invitation.hand_over:
        _require_owner_for(actor_role, invitation.role)
    return invitation


def invitation_resend(*, workspace: Workspace, invitation_id, actor=None, site_url: str | None = None):
    """Send the invitation again with a new link (the old one stops working) and a new expiry."""
    with transaction.atomic():
        invitation = _lock_open_invitation(workspace=workspace, invitation_id=invitation_id, actor=actor)
        token, invitation.token_hash = _invitation_token()
        invitation.sent_at = timezone.now()
        invitation.expires_at = invitation.sent_at + timedelta(days=settings.SHOPREEL_INVITATION_DAYS)
        invitation.save(update_fields=["token_hash", "sent_at", "expires_at", "updated_at"])
        _invitation_send(invitation, token, site_url)
    return invitation


def invitation_revoke(*, workspace: Workspace, invitation_id, actor=None):
    with transaction.atomic():
        invitation = _lock_open_invitation(workspace=workspace, invitation_id=invitation_id, actor=actor)
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
    return invitation


def invitation_accept(*, token: str, user) -> Membership:
    """Accept the invitation the link's token names, as ``user``, who must have verified the
    address it was sent to. Single use: the row is locked and marked accepted. A member keeps
    the higher of their role and the invited one. A hand-over makes them an owner and takes
    the workspace out of its agency."""
    from allauth.account.models import EmailAddress

    from accounts.models import AgencyMembership, Invitation

    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().select_related("workspace").filter(token_hash=api_key_hash(token or "")).first()
        )
        if invitation is None:
            raise NotFound("This invitation link is not valid: it was re-sent, or mistyped. Ask for a new one.")
        if invitation.state != "open":
            raise ApplicationError(
                f"This invitation was already {invitation.state}. Ask the workspace's owner for a new one.",
                code=f"invitation_{invitation.state}",
            )
        if not EmailAddress.objects.filter(user=user, email__iexact=invitation.email, verified=True).exists():
            raise ApplicationError(
                f"This invitation is for {invitation.email}: log in with that address (or sign up with it).",
                code="invitation_other_email",
            )
        workspace = Workspace.objects.select_for_update().get(pk=invitation.workspace_id)
        if invitation.hand_over and workspace.agency_id is None:
            # Another hand-over of the same workspace was accepted first: this one hands
            # nothing over, and must not make a second stranger an owner.
            raise ApplicationError(
                "This workspace was already handed over to someone else; this invitation no longer works.",
                code="invitation_revoked",
            )
        members = _lock_members(workspace)
        membership = next((m for m in members if m.user_id == user.pk), None)
        if membership is None:
            membership = Membership.objects.create(workspace=workspace, user=user, role=invitation.role)
        elif Membership.RANK[invitation.role] > Membership.RANK[membership.role]:
            membership.role = invitation.role
            membership.save(update_fields=["role"])
        if invitation.hand_over and workspace.agency_id is not None:
            staff = AgencyMembership.objects.filter(agency_id=workspace.agency_id).values("user_id")
            # Keys agency staff made in the workspace go with the agency, unless they are members.
            ApiKey.objects.filter(workspace=workspace, created_by__in=staff, revoked_at__isnull=True).exclude(
                created_by__in=Membership.objects.filter(workspace=workspace).values("user_id")
            ).update(revoked_at=timezone.now())
            workspace_hand_over(workspace=workspace)
            # Every other open invitation was sent while the agency ran the workspace (by its
            # staff, its keys, or for another hand-over): none may let the agency, or anyone
            # else it invited, back in. The new owner invites afresh.
            Invitation.objects.filter(workspace=workspace, accepted_at__isnull=True, revoked_at__isnull=True).exclude(
                pk=invitation.pk
            ).update(revoked_at=timezone.now())
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return membership


# Agencies


def agency_create_for_user(*, name: str, user) -> Agency:
    """A new agency with ``user`` on its staff."""
    from accounts.models import AgencyMembership

    name = " ".join((name or "").split())[:120]
    if not name:
        raise InvalidInput("The agency needs a name.", detail={"field": "name"})
    with transaction.atomic():
        agency = agency_create(name=name, slug=_unique_slug(name))
        AgencyMembership.objects.create(agency=agency, user=user)
    return agency


def agency_staff_remove(*, agency: Agency, user) -> bool:
    """Take ``user`` off the agency's staff: from the next request they reach none of its
    client workspaces, and the API keys they made in those workspaces are revoked (unless they
    are also a member there, whose keys go with that membership). False when they were not on
    the staff. The admin's delete goes through here too."""
    from accounts.models import AgencyMembership

    with transaction.atomic():
        deleted, _ = AgencyMembership.objects.filter(agency=agency, user=user).delete()
        if not deleted:
            return False
        ApiKey.objects.filter(
            workspace__agency=agency, created_by=user, revoked_at__isnull=True
        ).exclude(workspace__memberships__user=user).update(revoked_at=timezone.now())
    return True


def _require_staff(*, agency: Agency, user) -> None:
    from accounts.models import AgencyMembership

    if not AgencyMembership.objects.filter(agency=agency, user=user).exists():
        raise NotFound("Agency not found.")


def agency_client_create(*, agency: Agency, name: str, actor) -> Workspace:
    """A client workspace run by the agency (its staff reach it until it is handed over)."""
    _require_staff(agency=agency, user=actor)
    name = " ".join((name or "").split())[:120]
    if not name:
        raise InvalidInput("The workspace needs a name.", detail={"field": "name"})
    return workspace_create(name=name, slug=_unique_slug(name), agency=agency)


def agency_hand_over_start(*, agency: Agency, workspace: Workspace, email: str, actor, site_url: str | None = None):
    """Invite the merchant as the workspace's owner; when they accept, the agency's access
    (its staff and its keys) ends."""
    _require_staff(agency=agency, user=actor)
    if workspace.agency_id != agency.pk:
        raise NotFound("Workspace not found.")
    return invitation_create(
        workspace=workspace, email=email, role=Membership.Role.OWNER, actor=actor, hand_over=True, site_url=site_url
    )
