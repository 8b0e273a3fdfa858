from django.contrib import admin

from accounts.models import (
    Agency,
    AgencyMembership,
    ApiKey,
    BrandKit,
    DomainEvent,
    IdempotencyRecord,
    Invitation,
    Membership,
    OutboxMessage,
    Workspace,
)
from accounts.services import agency_staff_remove, api_key_revoke, membership_delete


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    # Removing a member revokes their keys: that goes through the Membership page's delete
    # (membership_delete), never through this inline's checkbox.
    can_delete = False


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "agency", "id", "created_at"]
    list_filter = ["agency"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "id", "created_at"]
    search_fields = ["name", "slug"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "workspace__name"]
    autocomplete_fields = ["user", "workspace"]

    # Deleting here is removing the member: the keys they made in the workspace go with them.
    def delete_model(self, request, obj) -> None:
        membership_delete(membership=obj)

    def delete_queryset(self, request, queryset) -> None:
        for membership in queryset:
            membership_delete(membership=membership)


@admin.register(BrandKit)
class BrandKitAdmin(admin.ModelAdmin):
    """Field validators check the logo (as an image), the font (with fontTools) and the
    colours, the same checks ``brand_kit_update`` makes."""

    list_display = ["workspace", "style", "caption_style", "primary_color", "accent_color", "updated_at"]
    list_filter = ["style", "caption_style"]
    search_fields = ["workspace__name", "workspace__slug"]
    autocomplete_fields = ["workspace"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are made with ``create_api_key`` (shown once); here they are listed and revoked."""

    list_display = ["prefix", "name", "workspace", "agency", "scope", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope"]
    search_fields = ["prefix", "name", "workspace__slug"]
    readonly_fields = ["prefix", "secret_hash", "workspace", "agency", "created_by", "created_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        for key in queryset:
            api_key_revoke(api_key=key)


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    """Read-only: the stored first responses to POSTs sent with an Idempotency-Key."""

    list_display = ["key", "workspace", "response_status", "created_at"]
    search_fields = ["key", "workspace__slug"]
    readonly_fields = ["workspace", "key", "fingerprint", "response_status", "response_body", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AgencyMembership)
class AgencyMembershipAdmin(admin.ModelAdmin):
    """Agency staff: they reach the agency's client workspaces as admins."""

    list_display = ["user", "agency", "created_at"]
    search_fields = ["user__email", "agency__name"]
    autocomplete_fields = ["user", "agency"]

    # Removing staff here revokes the keys they made in client workspaces (agency_staff_remove).
    def delete_model(self, request, obj) -> None:
        agency_staff_remove(agency=obj.agency, user=obj.user)

    def delete_queryset(self, request, queryset) -> None:
        for staff in queryset.select_related("agency", "user"):
            agency_staff_remove(agency=staff.agency, user=staff.user)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are made, re-sent and revoked from the dashboard or the API (the token is
    only ever in the email); here they are looked up."""

    list_display = ["email", "workspace", "role", "hand_over", "sent_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role", "hand_over"]
    search_fields = ["email", "workspace__slug"]
    readonly_fields = [f.name for f in Invitation._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(DomainEvent)
class DomainEventAdmin(admin.ModelAdmin):
    """Read-only: events are facts recorded by services, never edited by hand."""

    list_display = ("type", "subject_id", "workspace", "created_at")
    list_filter = ("type",)
    search_fields = ("subject_id", "workspace__slug")
    list_select_related = ("workspace",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


from accounts.webhooks import admin as webhooks_admin  # noqa: E402, F401  (registers the webhook pages)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: task messages waiting for the broker (accounts/outbox.py); an operator sees
    what is held and why, and ``manage.py outbox_flush`` sends it."""

    list_display = ("task", "attempts", "last_error", "next_attempt_at", "created_at")
    readonly_fields = ("signature", "attempts", "last_error", "next_attempt_at", "created_at")

    @admin.display(description="task")
    def task(self, obj: OutboxMessage) -> str:
        return str(obj.signature.get("task") or obj.signature.get("subtask_type") or "?")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
