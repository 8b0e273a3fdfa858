"""Admin pages for webhook endpoints and their delivery log. The signing secret is never shown:
it is stored encrypted, and support staff have no need to read it."""

from django.contrib import admin

from accounts.webhooks.models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "workspace", "active", "consecutive_failures", "created_at"]
    list_filter = ["active"]
    search_fields = ["url", "workspace__name", "workspace__slug"]
    exclude = ["secret_encrypted"]
    readonly_fields = ["consecutive_failures", "disabled_reason"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_type", "endpoint", "state", "attempts", "last_status", "next_attempt_at", "created_at"]
    list_filter = ["state", "event_type"]
    search_fields = ["endpoint__url", "event_id"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields if f.name not in ("id",)]
    list_select_related = ["endpoint"]

    def has_add_permission(self, request) -> bool:
        return False
