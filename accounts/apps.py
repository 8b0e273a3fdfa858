from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and workspaces"

    def ready(self) -> None:
        from accounts.events import event_consumer_register
        from accounts.webhooks.models import WebhookEvent
        from accounts.webhooks.services import webhook_event_consume

        event_consumer_register(webhook_event_consume, types=tuple(WebhookEvent.values))
