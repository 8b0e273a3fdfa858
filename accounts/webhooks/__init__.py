"""Outgoing webhooks: endpoints a workspace registers, events signed and POSTed to them with
retries, and a delivery log per endpoint. See docs/ARCHITECTURE.md, "Webhooks".

``tasks`` is imported here so the worker registers ``accounts.deliver_webhook``: Celery's
autodiscovery only looks at ``<app>.tasks``, and ``accounts.models`` imports this package.
"""

from accounts.webhooks import tasks  # noqa: F401
