"""The beat scheduler's one periodic task: ``campaigns.run_due`` every
SHOPREEL_CAMPAIGN_TICK_SECONDS, stored in django-celery-beat's tables (``celery -A config beat
-S django`` reads them). ``migrate`` makes it, and updates its interval when the setting changed."""

from __future__ import annotations

from django.conf import settings

PERIODIC_TASK_NAME = "campaigns: run what is due"


def periodic_task_ensure(**_kwargs) -> None:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from campaigns.tasks import RUN_DUE_TASK

    every = max(int(settings.SHOPREEL_CAMPAIGN_TICK_SECONDS), 1)
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=every, period=IntervalSchedule.SECONDS
    )
    task, created = PeriodicTask.objects.get_or_create(
        name=PERIODIC_TASK_NAME,
        defaults={
            "task": RUN_DUE_TASK,
            "interval": interval,
            "queue": settings.SHOPREEL_QUEUE_DEFAULT,
        },
    )
    if not created and (task.interval_id != interval.id or task.task != RUN_DUE_TASK):
        task.interval, task.task = interval, RUN_DUE_TASK
        task.save(update_fields=["interval", "task"])
