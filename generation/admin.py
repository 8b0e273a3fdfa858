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
    list_display = ["id", "product", "template", "language", "length", "workspace", "created_at"]
    list_filter = ["template", "language"]
    search_fields = ["product__title", "template"]
    inlines = [ShotInline, RenderOutputInline]


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
