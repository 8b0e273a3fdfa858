from django.apps import AppConfig


class BillingConfig(AppConfig):
    """Plans, Stripe subscriptions and the credit ledger (billing/ledger.py, billing/jobs.py)."""

    name = "billing"

    def ready(self) -> None:
        from accounts.events import event_consumer_register
        from billing.jobs import job_ended

        # Critical: a job's end and its charge commit together, or the task is retried.
        event_consumer_register(job_ended, types=("ad.completed", "ad.failed", "job.cancelled"), critical=True)
