"""Fixtures shared by the generation tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def job_progress_seen(monkeypatch) -> list[int]:
    """Every progress value the job services write, in order, with the throttle off (a write
    per step); the values still reach the job row."""
    from generation import services

    seen: list[int] = []
    real_progress = services.job_progress

    def recording_progress(*, job_id, progress):
        seen.append(progress)
        real_progress(job_id=job_id, progress=progress)

    monkeypatch.setattr(services, "job_progress", recording_progress)
    monkeypatch.setattr(services, "CANCEL_POLL_SECONDS", 0.0)
    return seen
