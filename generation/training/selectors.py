"""Reads of ModelAdapter rows."""

from __future__ import annotations

from generation.models import ModelAdapter


def adapter_for_shot(*, workspace_id, vertical: str, pipeline: str, fingerprint: str) -> ModelAdapter | None:
    """The adapter a shot uses: the newest ready one trained for this workspace and vertical,
    else the newest ready vertical-wide one; only adapters of this pipeline class and base
    weights. Another workspace's adapter is never returned."""
    ready = ModelAdapter.objects.filter(
        vertical=vertical,
        state=ModelAdapter.State.READY,
        pipeline=pipeline,
        base_fingerprint=fingerprint,
    ).order_by("-created_at")
    if workspace_id:
        own = ready.filter(workspace_id=workspace_id).first()
        if own is not None:
            return own
    return ready.filter(workspace__isnull=True).first()


def adapters_trained_with(*, workspace) -> list[ModelAdapter]:
    """The vertical-wide adapters (any state) whose dataset holds the workspace's products,
    newest first: what an opt-out of shared training does not undo by itself (operators retire
    them in the admin and retrain). Read from ``dataset["workspace_ids"]`` in Python, so it
    works on SQLite and PostgreSQL alike; there are few vertical-wide adapters."""
    wanted = str(workspace.id)
    rows = ModelAdapter.objects.filter(workspace__isnull=True).order_by("-created_at")
    return [row for row in rows if wanted in (row.dataset or {}).get("workspace_ids", [])]
