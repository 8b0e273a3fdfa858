from django.contrib import admin

from campaigns.models import Campaign, CampaignRun, RunItem


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "workspace", "enabled", "next_run_at", "budget_credits", "regenerate")
    list_filter = ("enabled", "regenerate")
    search_fields = ("name",)
    raw_id_fields = ("workspace", "products", "batch")


class RunItemInline(admin.TabularInline):
    model = RunItem
    fields = ("product_title", "key", "state", "outcome", "reason", "ad", "job", "cost")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(CampaignRun)
class CampaignRunAdmin(admin.ModelAdmin):
    list_display = ("campaign", "slot", "trigger", "state", "queued_credits", "finished_at")
    list_filter = ("state", "trigger")
    readonly_fields = [f.name for f in CampaignRun._meta.fields]
    inlines = [RunItemInline]

    def has_add_permission(self, request):
        return False
