from django.contrib import admin

from generation.models import Ad, ModelAdapter, RenderJob, RenderOutput, Shot


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


@admin.register(ModelAdapter)
class ModelAdapterAdmin(admin.ModelAdmin):
    """Fine-tuned adapters: made by `manage.py finetune` or the gpu task, never here; staff
    can read them, retire one (delete the row; the diffusion backend stops using it) or ask a
    running one to stop (cancel_requested)."""

    list_display = [
        "id", "vertical", "workspace", "pipeline", "state", "rank", "steps", "final_loss", "contributors", "created_at",
    ]
    list_filter = ["state", "vertical", "pipeline"]
    # A workspace id finds the shared adapters trained with its products (after an opt-out).
    search_fields = ["id", "vertical", "workspace__slug", "path", "dataset__workspace_ids"]

    @admin.display(description="trained on")
    def contributors(self, obj) -> str:
        """How many workspaces' products it learnt from (ids in ``dataset``)."""
        ids = (obj.dataset or {}).get("workspace_ids")
        return f"{len(ids)} workspace{'s' if len(ids) != 1 else ''}" if ids is not None else "—"
    fields = [
        "workspace", "vertical", "pipeline", "base_weights_dir", "base_fingerprint", "rank", "steps",
        "learning_rate", "final_loss", "dataset", "path", "state", "error", "cancel_requested",
        "seconds", "created_at", "finished_at",
    ]
    readonly_fields = [f for f in fields if f != "cancel_requested"]

    def has_add_permission(self, request) -> bool:
        return False
