"""Workspaces (one merchant each) and who belongs to them.

Every row that belongs to a merchant inherits ``WorkspaceOwned``: it carries its workspace and
a public UUID (used in URLs and the API instead of the database key).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.brand import validate_font_file, validate_hex_color, validate_logo_file
from accounts.ownership import WorkspaceOwned  # also the base of other apps' merchant-owned rows


class Agency(models.Model):
    """An agency that runs ads for several merchants: it owns their workspaces (its clients)
    until it hands one over. An agency-scoped API key reaches every client workspace."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Workspace(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    # The agency whose client this merchant is (None: the merchant runs it alone).
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="workspaces")
    # Consent for shared fine-tuning (generation/training/data.py): only opted-in workspaces'
    # products train vertical-wide adapters, which shape every merchant's shots.
    share_for_training = models.BooleanField(
        default=False,
        help_text=(
            "Let this workspace's product photos and ad scripts train the shared adapters of its "
            "vertical, which are used for other merchants' videos too. Off: only this workspace's "
            "own adapters learn from them. Turning it off leaves them out of every adapter trained "
            "afterwards."
        ),
    )
    # The workspace's own defaults: schedules run in its time zone (an IANA name, checked by
    # ``accounts.services`` against zoneinfo); a new ad starts from its language, market and formats.
    timezone = models.CharField(max_length=64, default="UTC")
    default_language = models.CharField(max_length=16, default="en")
    default_market = models.CharField(max_length=8, blank=True, default="")
    default_formats = models.JSONField(default=list, blank=True)
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

    # The member's id in URLs and the API (the database key stays internal); unique: the
    # lookup of membership_get() and the member endpoints.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(auto_now_add=True)

    # Who may do what: owners and admins manage members, invitations and keys; editors make
    # ads; viewers read. Only owners add, remove, promote or demote owners.
    MANAGERS = (Role.OWNER, Role.ADMIN)
    WRITERS = (Role.OWNER, Role.ADMIN, Role.EDITOR)
    RANK = {Role.VIEWER: 0, Role.EDITOR: 1, Role.ADMIN: 2, Role.OWNER: 3}  # the higher of two roles wins

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique_user_per_workspace"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"


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
    class Style(models.TextChoices):
        # The renderer's style presets (generation.render.spec.STYLE_PRESETS).
        AUTO = "", "Auto (by the ad's tone, else the product's vertical)"
        CLEAN = "clean", "Clean studio"
        BOLD = "bold", "Bold sale"
        PREMIUM = "premium", "Premium"
        PLAYFUL = "playful", "Playful"

    caption_style = models.CharField(max_length=12, choices=CaptionStyle.choices, default=CaptionStyle.OUTLINE)
    style = models.CharField(
        max_length=12, choices=Style.choices, default=Style.AUTO, blank=True,
        help_text="The ads' look: palette, type, motion, transitions and stickers.",
    )
    cta_text = models.CharField(
        max_length=60, blank=True, help_text="Shown on the end card instead of the template's call to action."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="brandkit_one_per_workspace"),
        ]

    def __str__(self) -> str:
        return f"Brand kit of {self.workspace}"


class ApiKey(models.Model):
    """A key for the REST API, scoped to one workspace or to an agency (all its client
    workspaces, one chosen per request), with read or read-write scope.

    Only the SHA-256 of the key is stored; the key itself is shown once, when it is made. The
    first 16 characters (``sr_live_`` + 8 hex) are kept in clear as ``prefix``: they identify
    the key in lists and find its row, and are never enough to use it.
    """

    class Scope(models.TextChoices):
        READ = "read"
        WRITE = "write"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.CASCADE, related_name="api_keys"
    )
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)  # unique: the authentication lookup
    secret_hash = models.CharField(max_length=64)  # sha256 hex of the whole key
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.READ)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(workspace__isnull=False, agency__isnull=True)
                | models.Q(workspace__isnull=True, agency__isnull=False),
                name="apikey_workspace_xor_agency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name}, {self.scope})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE


class IdempotencyRecord(models.Model):
    """The first response to a POST sent with an ``Idempotency-Key``, kept per workspace so a
    retry with the same key and body gets the same answer, and another body is refused."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # sha256 of method, path and canonical body
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)  # null: in progress
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # idempotency_begin(): one record per key and workspace, claimed by the insert.
            models.UniqueConstraint(fields=["workspace", "key"], name="idempotency_unique_key_per_workspace"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.response_status or 'in progress'})"


class AgencyMembership(models.Model):
    """A user on an agency's staff: they reach every client workspace of the agency with the
    rights of an admin (never an owner), and only while the workspace is the agency's."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agency_memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # workspace_role() and agency_for_user(): is this user on this agency's staff.
            models.UniqueConstraint(fields=["agency", "user"], name="agencymembership_unique_user_per_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.agency}"


class Invitation(WorkspaceOwned):
    """An invitation to join a workspace with a role, sent by email as a link with a secret
    token (only its SHA-256 is stored). Open until it is accepted (once), revoked, or expires;
    re-sending makes a new token (the old link stops working) and a new expiry.

    ``hand_over``: the agency hands the workspace to its merchant; accepting makes the
    merchant an owner and takes the workspace out of the agency."""

    email = models.EmailField()  # stored lower-case
    role = models.CharField(max_length=10, choices=Membership.Role.choices, default=Membership.Role.EDITOR)
    token_hash = models.CharField(max_length=64, unique=True)  # unique: the accept link's lookup
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hand_over = models.BooleanField(default=False)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # invitation_create(): one open invitation per address and workspace.
            models.UniqueConstraint(
                fields=["workspace", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.workspace_id} ({self.role})"

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"
class DomainEvent(models.Model):
    """Something a service finished that others care about (a product imported, an ad
    completed or failed; later a credit grant, a campaign run). Written by
    ``accounts.events.event_record`` in the same transaction as the conditional UPDATE that
    finished the work, so a redelivered task records none. ``data`` is the emitting app's own
    representation of the subject; consumers (webhooks, billing, the studio) read it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=64)
    subject_id = models.UUIDField(null=True, blank=True)  # the product, job, grant... it is about
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # A workspace's newest events (the studio's live feed, the admin), optionally of one type.
            models.Index(fields=["workspace", "-created_at"], name="event_workspace_newest"),
            # Everything that happened to one subject (a job's story).
            models.Index(fields=["subject_id"], name="event_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.subject_id} ({self.workspace_id})"


from accounts.webhooks.models import WebhookDelivery, WebhookEndpoint  # noqa: E402, F401  (app label: accounts)


class OutboxMessage(models.Model):
    """A Celery task (or canvas) to send, written in the transaction that made its work: the
    broker being down when that transaction commits loses nothing (accounts/outbox.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    signature = models.JSONField()  # celery Signature.as_dict-like: task, args, options; canvases nest
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(db_index=True)  # outbox_flush(): due messages, oldest first

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"outbox {self.signature.get('task', '?')} ({self.attempts} attempts)"
