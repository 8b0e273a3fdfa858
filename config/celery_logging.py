"""Celery's side of the log context (core/logcontext.py).

- Each task's log lines carry ``task_id`` and ``task_name``, the ``*_id`` arguments it was
  called with (``job_id``, ``product_id``…) and, where one of them names a workspace's row,
  that row's ``workspace_id``: bound on ``task_prerun``, dropped on ``task_postrun``.
- The worker's own log handlers (Celery sets them up, with ``--loglevel``) get the context
  filter, and the JSON formatter when ``SHOPREEL_LOG_FORMAT=json``.

Nothing here may fail a task: a lookup that fails (the database is down) leaves the field out.
"""

from __future__ import annotations

import logging

from celery import signals

from core import logcontext

# Task arguments that name a workspace's row (app_label.Model): its workspace_id is bound too.
WORKSPACE_ROWS = {
    "job_id": "generation.RenderJob",
    "product_id": "products.Product",
    "batch_id": "products.ImportBatch",
    "run_id": "campaigns.CampaignRun",
    "delivery_id": "accounts.WebhookDelivery",
}

_tokens: dict[str, object] = {}


def _workspace_of(ids: dict[str, str]) -> str | None:
    from django.apps import apps

    for name, label in WORKSPACE_ROWS.items():
        if name not in ids:
            continue
        try:
            model = apps.get_model(label)
            workspace_id = model.objects.filter(pk=ids[name]).values_list("workspace_id", flat=True).first()
        except Exception:  # a malformed id, the database down: the line goes out without it
            logging.getLogger(__name__).debug("no workspace for the log context", exc_info=True)
            continue
        if workspace_id is not None:
            return str(workspace_id)
    return None


@signals.task_prerun.connect
def _bind_task(sender=None, task_id=None, task=None, args=(), kwargs=None, **_):
    try:
        ids = logcontext.call_ids(task.run, args or (), kwargs or {}) if task is not None else {}
        fields = {"task_id": task_id, "task_name": getattr(task, "name", None), **ids}
        if "workspace_id" not in ids:
            fields["workspace_id"] = _workspace_of(ids)
        _tokens[task_id] = logcontext.push(**fields)
    except Exception:  # never fail a task for its log fields
        logging.getLogger(__name__).warning("log context not bound", exc_info=True)


@signals.task_postrun.connect
def _unbind_task(sender=None, task_id=None, **_):
    token = _tokens.pop(task_id, None)
    if token is not None:
        logcontext.pop(token)


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def _worker_handlers(logger=None, **_):
    from django.conf import settings

    for handler in getattr(logger, "handlers", ()):
        if not any(isinstance(f, logcontext.ContextFilter) for f in handler.filters):
            handler.addFilter(logcontext.ContextFilter())
        if getattr(settings, "SHOPREEL_LOG_FORMAT", "text") == "json":
            handler.setFormatter(logcontext.json_formatter())
