"""Billing under faults, on the real server stack (PostgreSQL, Redis, Celery worker processes):

- many jobs started at once for one account can't overdraw it: exactly as many as it can
  afford are reserved and queued, the rest are refused with 402 ``insufficient_credits``;
- a render worker killed with SIGKILL mid-render (the machine lost, no shutdown) leaves its
  task unacknowledged; the broker hands it out again after the visibility timeout, a new
  worker finishes the ad, and the job is charged exactly once;
- a job whose product page is gone fails on the worker and gives everything back.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import pytest
from django.db import connections

from accounts.models import DomainEvent
from billing.jobs import job_start_paid
from billing.ledger import credits_grant
from billing.models import BillingAccount, LedgerEntry, Plan
from core.errors import PaymentRequired
from generation import workflow
from generation.models import RenderJob
from tests.servers import serve
from tests.workers import PeakRss, celery_workers, kill_machine, record_fault, wait_for

pytestmark = pytest.mark.services

# A lost task comes back this many seconds after it was handed out (Redis's default is an hour).
VISIBILITY_TIMEOUT = 5


@pytest.fixture
def billing_on(settings, plans):
    settings.SHOPREEL_BILLING = True


def _paying_account(workspace, credits: int) -> BillingAccount:
    """The workspace's account on the growth plan, active, holding exactly ``credits``."""
    account = BillingAccount.objects.create(
        workspace=workspace, plan=Plan.objects.get(slug="growth"), status=BillingAccount.Status.ACTIVE
    )
    credits_grant(account=account, credits=credits, reason="test credits", reference=f"test:{account.id}")
    account.refresh_from_db()
    assert (account.balance, account.reserved) == (credits, 0)
    return account


# --------------------------------------------------------------------- 50 concurrent starts


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_starts_reserve_exactly_what_the_account_affords(
    postgres, billing_on, workspace, queued_pipelines
):
    """30 credits, 3 per job (15 s, one format): 10 jobs are reserved and queued, 40 refused.

    The canvas is not sent to a broker: ``pipeline_signature`` is replaced at the boundary so
    the test sees exactly which jobs were queued on commit, and leaves no orphan canvases in
    the shared Redis for a later test's worker to pick up."""
    account = _paying_account(workspace, 30)
    queued = queued_pipelines

    threads_count = 50
    barrier = threading.Barrier(threads_count)
    results: list[tuple] = []
    lowest = {"balance": 30, "reserved": 0}
    running = threading.Event()
    running.set()

    def start(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            job = job_start_paid(
                workspace=workspace, url=f"https://shop.example.com/products/{i}", options={"length": 15}
            )
            results.append(("started", str(job.id), job.cost))
        except PaymentRequired as exc:
            results.append(("refused", exc.code, exc.detail))
        except BaseException as exc:  # reported by the assertion below
            results.append(("error", repr(exc)))
        finally:
            connections.close_all()

    def watch() -> None:
        # The account as other requests see it while the starts race: never below zero.
        try:
            while running.is_set():
                row = BillingAccount.objects.values("balance", "reserved").get(id=account.id)
                lowest["balance"] = min(lowest["balance"], row["balance"])
                lowest["reserved"] = min(lowest["reserved"], row["reserved"])
                time.sleep(0.005)
        finally:
            connections.close_all()

    watcher = threading.Thread(target=watch)
    threads = [threading.Thread(target=start, args=(i,)) for i in range(threads_count)]
    began = time.monotonic()
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    running.clear()
    watcher.join(timeout=10)
    elapsed = time.monotonic() - began
    assert not any(thread.is_alive() for thread in threads), "a job start hung"

    errors = [r for r in results if r[0] == "error"]
    assert not errors, errors
    started = [r for r in results if r[0] == "started"]
    refused = [r for r in results if r[0] == "refused"]
    assert (len(started), len(refused)) == (10, 40), f"{len(started)} started, {len(refused)} refused in {elapsed:.1f} s"
    assert {r[2] for r in started} == {3}
    assert all(code == "insufficient_credits" and detail == {"cost": 3, "balance": 0} for _, code, detail in refused)

    started_ids = {r[1] for r in started}
    jobs = RenderJob.objects.all()
    assert {str(job.id) for job in jobs} == started_ids  # the refused jobs were rolled back
    assert all((job.cost, job.state, job.charged) == (3, RenderJob.State.QUEUED, None) for job in jobs)
    assert sorted(queued) == sorted(started_ids)  # queued on commit, once each; nothing for a refusal

    account.refresh_from_db()
    assert (account.balance, account.reserved) == (0, 30)
    assert lowest["balance"] >= 0 and lowest["reserved"] >= 0
    reserves = LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.RESERVE)
    assert reserves.count() == 10
    assert {str(entry.job_id) for entry in reserves} == started_ids
    # One after another under the account's lock: each reserve saw the one before it.
    assert sorted(reserves.values_list("balance_after", flat=True)) == list(range(0, 30, 3))
    assert sorted(reserves.values_list("reserved_after", flat=True)) == list(range(3, 31, 3))
    assert set(LedgerEntry.objects.filter(account=account).values_list("kind", flat=True)) == {"grant", "reserve"}


# --------------------------------------------------------------------- a worker killed mid-render


def _unacked_tasks(redis_url: str) -> list[str]:
    """Task names of the messages handed out by the broker and not acknowledged (kombu's
    Redis transport keeps them in the ``unacked`` hash until acked or restored)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        names = []
        for raw in client.hvals("unacked"):
            message, _exchange, _routing_key = json.loads(raw)
            names.append(message.get("headers", {}).get("task", "?"))
        return names
    finally:
        client.close()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_render_worker_killed_mid_render_is_charged_once_after_redelivery(
    redis_url, postgres, billing_on, allow_demo_shop, workspace, tmp_path
):
    account = _paying_account(workspace, 40)
    url = next(iter(allow_demo_shop.product_urls.values()))
    worker_setup = {
        "redis_url": redis_url, "allow_hosts": allow_demo_shop.host_port, "concurrency": 2,
        "env": {"SHOPREEL_BILLING": "on"},
        "app_config": {"broker_transport_options": {"visibility_timeout": VISIBILITY_TIMEOUT}},
    }
    timings = {}
    began = time.monotonic()

    with celery_workers({"doomed": "default,render"}, log_dir=tmp_path, **worker_setup) as (processes, logs):
        doomed, doomed_log = processes[0], logs["doomed"]
        job = job_start_paid(workspace=workspace, url=url, options={"length": 6, "formats": ["9:16", "1:1"]})
        assert job.cost == 4
        account.refresh_from_db()
        assert (account.balance, account.reserved) == (36, 4)

        def rendering():
            job.refresh_from_db()
            assert not job.is_finished, f"the job ended before the kill: {job.state} {job.error}"
            assert doomed.poll() is None, doomed_log.read_text()[-4000:]
            return job.stage == RenderJob.Stage.RENDER and job.progress > 25  # past the render's start

        wait_for(rendering, timeout=180, poll=0.05, what="the render stage to make progress", log=doomed_log)
        timings["to_render"] = time.monotonic() - began
        killed = kill_machine(doomed.pid)
        killed_at = time.monotonic()
        doomed.wait(timeout=10)
        assert doomed.returncode == -signal.SIGKILL
        assert len(killed) >= 3, f"the worker and its two pool children, got {killed}"

    job.refresh_from_db()
    assert (job.state, job.stage) == (RenderJob.State.RUNNING, RenderJob.Stage.RENDER)
    assert job.outputs.count() < 2, "the kill came after both formats were rendered"
    progress_at_kill = job.progress
    assert _unacked_tasks(redis_url) == [workflow.RENDER_AD], "the lost render task is held by the broker"
    assert not LedgerEntry.objects.filter(job_id=job.id).exclude(kind="reserve").exists()

    # The broker gives a lost message out again once it has been out longer than the timeout.
    time.sleep(max(0.0, killed_at + VISIBILITY_TIMEOUT + 1 - time.monotonic()))
    with celery_workers({"rescuer": "default,render"}, log_dir=tmp_path, **worker_setup) as (processes, logs):
        rescuer, rescuer_log = processes[0], logs["rescuer"]
        restarted = time.monotonic()

        def ended():
            job.refresh_from_db()
            assert rescuer.poll() is None, rescuer_log.read_text()[-4000:]
            return job.is_finished

        wait_for(ended, timeout=180, poll=0.2, what="the redelivered render to end the job", log=rescuer_log)
        timings["redelivered_render"] = time.monotonic() - restarted
        rescued = rescuer_log.read_text()

    timings["total"] = time.monotonic() - began
    print(f"\nkill at progress {progress_at_kill}; timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    assert job.state == RenderJob.State.SUCCEEDED, f"{job.state}: {job.error}\n{rescued[-4000:]}"
    assert f"{workflow.RENDER_AD}[" in rescued, "the new worker ran the redelivered render task"
    assert sorted(job.outputs.values_list("format", flat=True)) == ["1:1", "9:16"]

    settles = LedgerEntry.objects.filter(job_id=job.id, kind=LedgerEntry.Kind.SETTLE)
    assert settles.count() == 1
    assert not LedgerEntry.objects.filter(job_id=job.id, kind=LedgerEntry.Kind.RELEASE).exists()
    assert (job.cost, job.charged) == (4, 4)
    account.refresh_from_db()
    assert (account.balance, account.reserved) == (40 - job.charged, 0)
    assert DomainEvent.objects.filter(type="ad.completed", subject_id=job.id).count() == 1
    assert not DomainEvent.objects.filter(type="ad.failed", subject_id=job.id).exists()


def _forget_unacked(redis_url: str, job_id) -> None:
    """Drop the broker's held copy of a killed worker's task for ``job_id`` (its visibility timeout
    is an hour here), so no later test on this Redis sees it."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        for tag, raw in client.hgetall("unacked").items():
            message, _exchange, _routing_key = json.loads(raw)
            if str(job_id) in json.dumps(message.get("headers", {}).get("argsrepr", "")) + str(message.get("body", "")):
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
    finally:
        client.close()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_render_lost_with_its_worker_is_resent_by_the_watchdog_and_charged_once(
    redis_url, postgres, billing_on, allow_demo_shop, workspace, tmp_path, settings
):
    """The broker would redeliver the lost task only after its visibility timeout (an hour by
    Redis's default, 25 min as Shopreel sets it); the watchdog sees the heartbeat stop and resends
    the render within a minute, removing the killed attempt's .part files first."""
    from generation.watchdog import jobs_watchdog_sweep

    account = _paying_account(workspace, 40)
    url = next(iter(allow_demo_shop.product_urls.values()))
    worker_setup = {
        "redis_url": redis_url, "allow_hosts": allow_demo_shop.host_port, "concurrency": 2,
        "env": {"SHOPREEL_BILLING": "on"},
        "app_config": {"broker_transport_options": {"visibility_timeout": 3600}},
    }
    with celery_workers({"doomed": "default,render"}, log_dir=tmp_path, **worker_setup) as (processes, logs), \
            PeakRss(processes) as rss:
        doomed, doomed_log = processes[0], logs["doomed"]
        job = job_start_paid(workspace=workspace, url=url, options={"length": 6, "formats": ["9:16", "1:1"]})

        def rendering():
            job.refresh_from_db()
            assert not job.is_finished, f"the job ended before the kill: {job.state} {job.error}"
            return job.stage == RenderJob.Stage.RENDER and job.progress > 25

        wait_for(rendering, timeout=180, poll=0.05, what="the render stage to make progress", log=doomed_log)
        kill_machine(doomed.pid)
        fault_at = time.monotonic()
        doomed.wait(timeout=10)
    job.refresh_from_db()
    folder = Path(settings.MEDIA_ROOT) / f"workspaces/{workspace.id}/ads/{job.ad_id}/{job.id}"
    assert job.state == RenderJob.State.RUNNING
    assert list(folder.glob(".*.part.*")), "the killed render left its temporary files"

    settings.SHOPREEL_JOB_STALL_SECONDS = 2
    time.sleep(2.5)
    killed_at = time.monotonic()
    assert jobs_watchdog_sweep()["resumed"] == 1  # sent to the real broker
    assert not list(folder.glob(".*.part.*"))
    with celery_workers({"rescuer": "default,render"}, log_dir=tmp_path, **worker_setup) as (processes, logs), \
            PeakRss(processes) as rescuer_rss:
        wait_for(lambda: RenderJob.objects.get(id=job.id).is_finished, timeout=180, poll=0.2,
                 what="the resent render to end the job", log=logs["rescuer"])
    recovered_in = time.monotonic() - killed_at
    since_fault = time.monotonic() - fault_at
    _forget_unacked(redis_url, job.id)

    job.refresh_from_db()
    print(f"\nwatchdog: job done {recovered_in:.1f} s after the sweep (visibility timeout 3600 s)")
    assert job.state == RenderJob.State.SUCCEEDED, job.error
    assert sorted(job.outputs.values_list("format", flat=True)) == ["1:1", "9:16"]
    assert not list(folder.glob(".*.part.*"))
    assert LedgerEntry.objects.filter(job_id=job.id, kind=LedgerEntry.Kind.SETTLE).count() == 1
    account.refresh_from_db()
    assert (account.balance, account.reserved) == (40 - job.charged, 0)
    assert DomainEvent.objects.filter(type="ad.completed", subject_id=job.id).count() == 1
    assert max(rss.process_peak, rescuer_rss.process_peak) < 1 << 30
    record_fault("SIGKILL mid-render", resent_s=round(since_fault - recovered_in, 1),
                 recovered_s=round(since_fault, 1), peak_rss_mb=max(rss.peak, rescuer_rss.peak) >> 20,
                 process_peak_mb=max(rss.process_peak, rescuer_rss.process_peak) >> 20,
                 outputs=job.outputs.count(), worker_restarts=1,
                 charges=LedgerEntry.objects.filter(job_id=job.id, kind=LedgerEntry.Kind.SETTLE).count())


# --------------------------------------------------------------------- a failure on the worker


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_product_page_is_gone_fails_on_the_worker_and_gives_everything_back(
    redis_url, postgres, billing_on, workspace, tmp_path
):
    account = _paying_account(workspace, 40)
    with serve({}) as host, celery_workers(  # every path answers 404
        {"worker": "default,render"}, redis_url=redis_url, allow_hosts=host, log_dir=tmp_path,
        env={"SHOPREEL_BILLING": "on"},
    ) as (processes, logs):
        job = job_start_paid(workspace=workspace, url=f"http://{host}/products/gone", options={"length": 6})
        account.refresh_from_db()
        assert (job.cost, account.balance, account.reserved) == (2, 38, 2)

        def ended():
            job.refresh_from_db()
            assert processes[0].poll() is None, logs["worker"].read_text()[-4000:]
            return job.is_finished

        wait_for(ended, timeout=90, poll=0.2, what="the job to fail", log=logs["worker"])

    assert (job.state, job.error_code, job.charged) == (RenderJob.State.FAILED, "http_404", 0)
    account.refresh_from_db()
    assert (account.balance, account.reserved) == (40, 0)
    assert list(LedgerEntry.objects.filter(job_id=job.id).order_by("created_at").values_list("kind", flat=True)) == [
        "reserve", "release"
    ]
    assert DomainEvent.objects.filter(type="ad.failed", subject_id=job.id).count() == 1
