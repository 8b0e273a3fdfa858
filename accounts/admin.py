from django.contrib import admin

from accounts.models import Agency, ApiKey, BrandKit, IdempotencyRecord, Membership, Workspace
from accounts.services import api_key_revoke


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


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


@admin.register(BrandKit)
class BrandKitAdmin(admin.ModelAdmin):
    """Field validators check the logo (as an image), the font (with fontTools) and the
    colours, the same checks ``brand_kit_update`` makes."""

    list_display = ["workspace", "caption_style", "primary_color", "accent_color", "updated_at"]
    list_filter = ["caption_style"]
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
