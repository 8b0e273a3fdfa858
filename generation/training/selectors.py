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
