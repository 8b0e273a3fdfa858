from django.contrib import admin

from generation.models import Ad, RenderJob, RenderOutput, Shot


class ShotInline(admin.TabularInline):
    model = Shot
    extra = 0
    fields = ["index", "scene_id", "shot_type", "backend", "state", "attempts", "error"]
    readonly_fields = fields


class RenderOutputInline(admin.TabularInline):
    model = RenderOutput
    extra = 0
    fields = ["format", "video", "width", "height", "duration", "size_bytes"]
    readonly_fields = fields


@admin.register(Ad)
class AdAdmin(admin.ModelAdmin):
    list_display = ["id", "product", "template", "language", "market", "blocking_claims", "workspace", "created_at"]
    list_filter = ["template", "language", "market"]
    search_fields = ["product__title", "template"]
    readonly_fields = ["compliance", "compliance_override"]
    inlines = [ShotInline, RenderOutputInline]

    @admin.display(description="blocking claims")
    def blocking_claims(self, ad: Ad) -> str:
        """Blocking findings, and whether someone let them through."""
        blocking = [f for f in ad.compliance if f.get("severity") == "block"]
        if not blocking:
            return "-"
        by = ad.compliance_override.get("by") if ad.compliance_override else None
        return f"{len(blocking)} (overridden{' by ' + by if by else ''})" if ad.compliance_override else str(len(blocking))


@admin.register(Shot)
class ShotAdmin(admin.ModelAdmin):
    list_display = ["ad", "index", "shot_type", "backend", "state", "attempts"]
    list_filter = ["state", "backend", "shot_type"]


@admin.register(RenderJob)
class RenderJobAdmin(admin.ModelAdmin):
    list_display = ["id", "workspace", "state", "stage", "progress", "error_code", "created_at"]
    list_filter = ["state", "stage"]
    search_fields = ["source_url", "error"]


@admin.register(RenderOutput)
class RenderOutputAdmin(admin.ModelAdmin):
    list_display = ["ad", "format", "width", "height", "duration", "size_bytes"]
    list_filter = ["format"]
