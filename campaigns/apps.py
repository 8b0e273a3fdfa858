from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CampaignsConfig(AppConfig):
    """Scheduled campaigns (see the package docstring)."""

    name = "campaigns"

    def ready(self) -> None:
        from accounts.events import event_consumer_register
        from campaigns.beat import periodic_task_ensure
        from campaigns.services import job_ended_consume

        # A job's end gives its run item an outcome, and a finished ad its facts record.
        event_consumer_register(
            job_ended_consume, types=("ad.completed", "ad.failed", "job.cancelled")
        )
        # The beat scheduler's one periodic task, made (or its interval updated) by migrate.
        post_migrate.connect(periodic_task_ensure, sender=self)
