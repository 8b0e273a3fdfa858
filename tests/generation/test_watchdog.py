"""The job watchdog (generation/watchdog.py): a job whose worker stopped sending heartbeats —
killed, its message lost while Redis was down, or its last write refused by a database that
was down — is resent, cancelled or failed in plain words, never left "running" forever."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import DomainEvent
from generation import workflow
from generation.models import Ad, RenderJob, Shot
from generation.services import job_cancel
from generation.watchdog import job_recover, jobs_stalled, jobs_watchdog_sweep
from tests.factories import ProductFactory

STALL = 300


@pytest.fixture
def sent(monkeypatch, settings) -> list[tuple[str, str]]:
    """(job id, stage) of each resend, recorded at the broker's edge instead of sent."""
    settings.SHOPREEL_JOB_STALL_SECONDS = STALL
    settings.SHOPREEL_JOB_MAX_RESUMES = 2
    records: list[tuple[str, str]] = []

    class _Sent:
        def __init__(self, job_id, stage, ad_id):
            self.job_id, self.stage = job_id, stage

        def apply_async(self):
            records.append((self.job_id, self.stage))

    monkeypatch.setattr(workflow, "stage_signature", _Sent)
    return records


def _job(workspace, *, stage=RenderJob.Stage.RENDER, state=RenderJob.State.RUNNING, beat_ago: float | None = 3600, **fields):
    product = ProductFactory(workspace=workspace)
    ad = Ad.objects.create(workspace=workspace, product=product, template="t", script={})
    now = timezone.now()
    beat = None if beat_ago is None else now - timedelta(seconds=beat_ago)
    return RenderJob.objects.create(
        workspace=workspace, ad=ad, product=product, stage=stage, state=state, progress=41,
        started_at=now - timedelta(seconds=7200), heartbeat_at=beat, **fields,
    )


@pytest.mark.django_db
def test_a_lost_render_is_resent_and_its_killed_attempt_files_removed(workspace, sent, settings):
    job = _job(workspace)
    folder = Path(settings.MEDIA_ROOT) / f"workspaces/{workspace.id}/ads/{job.ad_id}/{job.id}"
    folder.mkdir(parents=True)
    (folder / ".9x16.ab12.part.mp4").write_bytes(b"x" * 1000)
    (folder / "9x16.mp4").write_bytes(b"a finished format is kept")

    assert jobs_watchdog_sweep() == {"cancelled": 0, "resumed": 1, "failed": 0, "skipped": 0}

    assert sent == [(str(job.id), "render")]
    assert sorted(p.name for p in folder.iterdir()) == ["9x16.mp4"]
    job.refresh_from_db()
    assert (job.state, job.resumes) == (RenderJob.State.RUNNING, 1)
    assert timezone.now() - job.heartbeat_at < timedelta(seconds=5)
    assert jobs_watchdog_sweep()["resumed"] == 0, "a job just resent is not resent again at once"


@pytest.mark.django_db
def test_the_shots_a_lost_worker_was_making_are_given_back_to_the_resent_shots(workspace, sent):
    from generation.shots import _shot_claim

    job = _job(workspace, stage=RenderJob.Stage.SHOTS)
    now = timezone.now()
    done, lost, waiting = (
        Shot.objects.create(workspace=workspace, ad=job.ad, index=i, shot_type="motion", state=state,
                            claimed_by="dead-task" if state != Shot.State.PENDING else "", claimed_at=now)
        for i, state in enumerate((Shot.State.DONE, Shot.State.RUNNING, Shot.State.PENDING))
    )
    assert not _shot_claim(shot_id=lost.id, claimant="resent-task"), "held by the dead task's claim"

    assert jobs_watchdog_sweep()["resumed"] == 1
    assert sent == [(str(job.id), "shots")]
    for shot in (done, lost, waiting):
        shot.refresh_from_db()
    assert (done.state, lost.state, waiting.state) == ("done", "pending", "pending")
    assert _shot_claim(shot_id=lost.id, claimant="resent-task")
    assert not _shot_claim(shot_id=done.id, claimant="resent-task"), "a made shot is kept, not made again"


@pytest.mark.django_db
def test_a_job_with_a_fresh_heartbeat_or_already_finished_is_left_alone(workspace, sent):
    _job(workspace, beat_ago=10)
    _job(workspace, state=RenderJob.State.SUCCEEDED, stage=RenderJob.Stage.DONE)
    _job(workspace, state=RenderJob.State.QUEUED, stage=RenderJob.Stage.SCRAPE, beat_ago=None)
    assert not jobs_stalled().exists()
    assert jobs_watchdog_sweep()["resumed"] == 0 and sent == []


@pytest.mark.django_db
def test_each_stage_is_resent_from_where_it_stopped(workspace, sent):
    jobs = {stage: _job(workspace, stage=stage) for stage in ("scrape", "script", "shots", "render")}
    jobs_watchdog_sweep()
    assert sorted(sent) == sorted((str(job.id), stage) for stage, job in jobs.items())


@pytest.mark.django_db
def test_a_lost_job_whose_cancel_was_asked_is_cancelled(workspace, sent):
    job = _job(workspace, cancel_requested=True)
    assert jobs_watchdog_sweep()["cancelled"] == 1
    job.refresh_from_db()
    assert job.state == RenderJob.State.CANCELLED and sent == []
    assert DomainEvent.objects.filter(type="job.cancelled", subject_id=job.id).count() == 1


@pytest.mark.django_db
def test_a_job_lost_again_and_again_fails_in_plain_words(workspace, sent):
    job = _job(workspace, resumes=2)
    assert jobs_watchdog_sweep()["failed"] == 1
    job.refresh_from_db()
    assert (job.state, job.error_code) == (RenderJob.State.FAILED, "worker_lost")
    assert "Nothing was charged" in job.error and "make the ad again" in job.error
    assert DomainEvent.objects.filter(type="ad.failed", subject_id=job.id).count() == 1


@pytest.mark.django_db
def test_two_sweeps_reading_the_same_lost_job_resume_it_once(workspace, sent):
    job = _job(workspace)
    first, second = RenderJob.objects.get(id=job.id), RenderJob.objects.get(id=job.id)
    assert job_recover(job=first) == "resumed"
    assert job_recover(job=second) == "skipped"
    assert len(sent) == 1


@pytest.mark.django_db
def test_a_broker_still_down_is_tried_again_by_the_next_sweep(workspace, sent, monkeypatch):
    job = _job(workspace)

    class _Down:
        def __init__(self, *args):
            pass

        def apply_async(self):
            raise ConnectionError("Error 111 connecting to localhost:6379. Connection refused.")

    with monkeypatch.context() as patch:
        patch.setattr(workflow, "stage_signature", _Down)
        assert jobs_watchdog_sweep()["skipped"] == 1
    job.refresh_from_db()
    assert job.resumes == 0 and job.state == RenderJob.State.RUNNING
    assert jobs_watchdog_sweep()["resumed"] == 1 and sent == [(str(job.id), "render")]


@pytest.mark.django_db
def test_cancel_of_a_job_no_worker_holds_happens_now(workspace, sent):
    queued = _job(workspace, state=RenderJob.State.QUEUED, stage=RenderJob.Stage.SCRAPE, beat_ago=None)
    lost = _job(workspace)  # "running, 41 %" with no heartbeat for an hour
    held = _job(workspace, beat_ago=5)
    for job in (queued, lost, held):
        job_cancel(job=job)
        job.refresh_from_db()
    assert queued.state == lost.state == RenderJob.State.CANCELLED
    assert held.state == RenderJob.State.RUNNING and held.cancel_requested, "a worker holds it: it stops itself"


@pytest.mark.django_db
def test_a_database_that_goes_away_mid_step_does_not_fail_the_job(workspace, monkeypatch):
    """Fault injection at the database driver's edge: the step is retried by its task (then
    resent by the watchdog), instead of failing the merchant's ad with "Something went wrong"."""
    from django.db import OperationalError

    from generation import services, tasks

    job = _job(workspace, beat_ago=1)
    job.ad.formats = ["9:16"]
    job.ad.save()

    def gone(**_kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "render_spec_for", lambda **_kwargs: None)
    monkeypatch.setattr(services, "_render_one", gone)
    with pytest.raises(OperationalError):
        services.job_render(job_id=job.id)
    job.refresh_from_db()
    assert job.state == RenderJob.State.RUNNING and job.error == ""
    assert OperationalError in tasks.render_ad.autoretry_for
