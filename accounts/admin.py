from django.contrib import admin

from accounts.models import BrandKit, Membership, Workspace


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "id", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


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
