"""Faults on the real server stack (PostgreSQL, Redis, Celery worker processes, ffmpeg), each
ending in a finished job with one set of outputs and, with billing on, one charge:

- the whole worker SIGKILLed while it makes a shot it claimed: the watchdog gives the shots
  back and resends the shots stage to a new worker;
- Redis stopped at the moment build_script sends the shots' chord: the chord stays in the task
  outbox (written with the shots, accounts/outbox.py), and once Redis is back the outbox flush
  (beat's, every 30 s) sends it; the watchdog is not needed;
- PostgreSQL unreachable from the worker for ~10 s mid-render: the render task's DB retry
  (``generation.tasks.DB_RETRY``) tries again until the database answers.

Each test starts its own Redis (it may stop it) and, where it needs the watchdog, speeds it up (a stall limit of a
few seconds, swept by the test until it resends once) instead of beat's minute and 300 s. The
worker's moments come from tests/generation/worker_gates.py. A worker killed mid-render is in
tests/billing/test_faults.py. Each test records its figures with ``record_fault``;
``bench/faults.py`` runs them all and prints the table (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import time
from contextlib import ExitStack

import pytest
from django.db import connection

from accounts.models import DomainEvent
from billing.jobs import job_start_paid
from billing.ledger import credits_grant
from billing.models import BillingAccount, LedgerEntry, Plan
from generation.models import RenderJob
from tests.servers import TcpRelay, free_port, redis_server
from tests.workers import PeakRss, celery_workers, kill_machine, record_fault, use_broker, wait_for

pytestmark = [pytest.mark.services, pytest.mark.slow]

CREDITS = 40


@pytest.fixture
def account(settings, plans, workspace) -> BillingAccount:
    settings.SHOPREEL_BILLING = True
    account = BillingAccount.objects.create(
        workspace=workspace, plan=Plan.objects.get(slug="growth"), status=BillingAccount.Status.ACTIVE
    )
    credits_grant(account=account, credits=CREDITS, reason="test credits", reference=f"test:{account.id}")
    return account


def _charged_once(job: RenderJob, account: BillingAccount) -> int:
    """The job's charges (settle entries), after checking the account adds up."""
    settles = LedgerEntry.objects.filter(job_id=job.id, kind=LedgerEntry.Kind.SETTLE).count()
    account.refresh_from_db()
    assert (account.balance, account.reserved) == (CREDITS - job.charged, 0)
    assert DomainEvent.objects.filter(type="ad.completed", subject_id=job.id).count() == 1
    return settles


def _ended(job: RenderJob, processes) -> bool:
    job.refresh_from_db()
    for process in processes:
        assert process.poll() is None, "a worker died"
    return job.is_finished


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_shots_is_resent_by_the_watchdog_and_charged_once(
    postgres, account, allow_demo_shop, workspace, tmp_path, settings
):
    """The whole worker (main process and pool children) SIGKILLed while it makes a shot it
    claimed: the watchdog sees the heartbeat stop, gives the lost attempt's shots back and
    resends the shots stage (shots already made are kept); a new worker ends the job."""
    from generation.watchdog import jobs_watchdog_sweep

    gate = tmp_path / "gate"
    gate.mkdir()
    url = next(iter(allow_demo_shop.product_urls.values()))
    with ExitStack() as stack:
        broker = stack.enter_context(redis_server(free_port()))
        stack.enter_context(use_broker(broker))
        worker_setup = {
            "redis_url": broker, "allow_hosts": allow_demo_shop.host_port, "log_dir": tmp_path,
            "concurrency": 2, "env": {"SHOPREEL_BILLING": "on", "SHOPREEL_TEST_SHOT_GATE": str(gate)},
            "app_config": {"imports": ["tests.generation.worker_gates"]},
        }
        workers, logs = stack.enter_context(celery_workers({"doomed": "default,render"}, **worker_setup))
        rss = stack.enter_context(PeakRss(workers))
        job = job_start_paid(workspace=workspace, url=url, options={"length": 6, "formats": ["9:16"]})
        wait_for(lambda: (gate / "held").exists(), timeout=120, what="a shot to be claimed", log=logs["doomed"])
        killed = kill_machine(workers[0].pid)
        fault_at = time.monotonic()
        workers[0].wait(timeout=10)
        assert len(killed) >= 3, f"the worker and its two pool children, got {killed}"
        job.refresh_from_db()
        assert (job.state, job.stage) == (RenderJob.State.RUNNING, RenderJob.Stage.SHOTS)
        assert job.ad.shots.filter(state="running").exists(), "the killed worker held a shot"

        settings.SHOPREEL_JOB_STALL_SECONDS = 3  # beat's watchdog, sped up (see the Redis test)
        wait_for(lambda: jobs_watchdog_sweep()["resumed"] == 1, timeout=30, poll=1,
                 what="the watchdog to resend the shots")
        resent = time.monotonic() - fault_at
        again, again_logs = stack.enter_context(celery_workers({"rescuer": "default,render"}, **worker_setup))
        rss.processes.extend(again)
        wait_for(lambda: _ended(job, again), timeout=180, poll=0.2,
                 what="the resent shots and render to end the job", log=again_logs["rescuer"])
        recovered = time.monotonic() - fault_at
        log = again_logs["rescuer"].read_text()

    assert job.state == RenderJob.State.SUCCEEDED, f"{job.error}\n{log[-4000:]}"
    assert (job.resumes, job.progress) == (1, 100)
    assert list(job.outputs.values_list("format", flat=True)) == ["9:16"]
    charges = _charged_once(job, account)
    assert charges == 1 and job.charged == job.cost
    assert rss.process_peak < 1 << 30
    record_fault("SIGKILL mid-shots", resent_s=round(resent, 1), recovered_s=round(recovered, 1),
                 peak_rss_mb=rss.peak >> 20, process_peak_mb=rss.process_peak >> 20,
                 outputs=job.outputs.count(), charges=charges, worker_restarts=1)


@pytest.mark.django_db(transaction=True)
def test_redis_stopped_while_the_shots_chord_is_sent_the_job_still_finishes_once(
    postgres, account, allow_demo_shop, workspace, tmp_path, settings
):
    """The shots' chord is written to the task outbox with the shots; Redis dies as it is sent,
    so it stays there, and the outbox flush sends it once Redis is back (no watchdog resend).

    Celery 5.7 / kombu 5.7: a worker holding an unacknowledged task when Redis goes away may
    stop with "Unrecoverable error" (exit status 0) instead of reconnecting. The test restarts it
    as systemd's ``Restart=always`` would (docs/OPERATIONS.md), and counts the restarts."""
    from accounts.models import OutboxMessage
    from accounts.outbox import outbox_flush

    outage = 10.0
    port = free_port()
    gate = tmp_path / "gate"
    gate.mkdir()
    url = next(iter(allow_demo_shop.product_urls.values()))
    worker_setup = {
        "redis_url": f"redis://127.0.0.1:{port}/0", "allow_hosts": allow_demo_shop.host_port,
        "log_dir": tmp_path, "concurrency": 2,
        "env": {"SHOPREEL_BILLING": "on", "SHOPREEL_TEST_PUBLISH_GATE": str(gate)},
        "app_config": {"imports": ["tests.generation.worker_gates"]},
    }
    chord_kept = OutboxMessage.objects.filter(signature__task="celery.chord")
    first_redis = redis_server(port)
    broker = first_redis.__enter__()
    first_redis_alive = True
    try:
        with ExitStack() as stack:
            stack.enter_context(use_broker(broker))
            workers, logs = stack.enter_context(celery_workers({"worker": "default,render"}, **worker_setup))
            rss = stack.enter_context(PeakRss(workers))
            job = job_start_paid(workspace=workspace, url=url, options={"length": 6, "formats": ["9:16"]})
            wait_for(lambda: (gate / "held").exists(), timeout=120, what="build_script to send the chord",
                     log=logs["worker"])
            job.refresh_from_db()
            assert (job.state, job.stage) == (RenderJob.State.RUNNING, RenderJob.Stage.SHOTS)
            assert chord_kept.count() == 1, "the chord is in the outbox as soon as the shots exist"

            first_redis_alive = False
            first_redis.__exit__(None, None, None)  # Redis is gone, and every message it held
            fault_at = time.monotonic()
            (gate / "go").touch()
            time.sleep(outage)
            job.refresh_from_db()
            assert (job.state, job.stage, job.progress) == (RenderJob.State.RUNNING, RenderJob.Stage.SHOTS, 15)
            assert not job.outputs.exists()
            assert chord_kept.count() == 1, "the failed send keeps the chord for the flush"

            stack.enter_context(redis_server(port))
            stack.enter_context(use_broker(broker))  # this process's pooled connections died with Redis
            restarts = sum(worker.poll() is not None for worker in workers)
            if restarts:  # the supervisor starts it again
                again, again_logs = stack.enter_context(
                    celery_workers({"restarted": "default,render"}, **worker_setup)
                )
                rss.processes.extend(again)
                logs.update(again_logs)
            alive = [worker for worker in rss.processes if worker.poll() is None]
            # Beat's outbox flush (every 30 s): the chord is sent once its backoff is over.
            wait_for(lambda: outbox_flush()["sent"] and not chord_kept.exists(), timeout=90, poll=1,
                     what="the outbox flush to send the chord")
            resent = time.monotonic() - fault_at
            last_log = logs["restarted" if restarts else "worker"]
            wait_for(lambda: _ended(job, alive), timeout=120, poll=0.2,
                     what="the shots and render to end the job", log=last_log)
            recovered = time.monotonic() - fault_at
            log = last_log.read_text()
    finally:
        if first_redis_alive:
            first_redis.__exit__(None, None, None)

    assert job.state == RenderJob.State.SUCCEEDED, f"{job.error}\n{log[-4000:]}"
    assert (job.resumes, job.progress) == (0, 100), "finished by the outbox, not by a watchdog resend"
    assert list(job.outputs.values_list("format", flat=True)) == ["9:16"]
    charges = _charged_once(job, account)
    assert charges == 1 and job.charged == job.cost
    assert rss.process_peak < 1 << 30
    record_fault("Redis down while the chord is sent", outage_s=outage, resent_s=round(resent, 1),
                 recovered_s=round(recovered, 1), peak_rss_mb=rss.peak >> 20,
                 process_peak_mb=rss.process_peak >> 20, outputs=job.outputs.count(),
                 charges=charges, worker_restarts=restarts)


@pytest.mark.django_db(transaction=True)
def test_postgresql_gone_mid_render_the_render_is_retried_and_charged_once(
    postgres, account, allow_demo_shop, workspace, tmp_path
):
    """The worker reaches PostgreSQL through a relay the test cuts for ``outage`` seconds while
    the ad renders: its connections are reset and new ones refused, as in a restart or a
    failover. (The test's own connection, and so the other tests, are untouched: stopping the
    session's server would take them down too.)"""
    outage = 10.0
    db = connection.settings_dict
    gate = tmp_path / "gate"
    gate.mkdir()
    url = next(iter(allow_demo_shop.product_urls.values()))
    with ExitStack() as stack:
        relay = stack.enter_context(TcpRelay((db["HOST"], int(db["PORT"]))))
        broker = stack.enter_context(redis_server(free_port()))
        stack.enter_context(use_broker(broker))
        workers, logs = stack.enter_context(celery_workers(
            {"worker": "default,render"}, redis_url=broker, allow_hosts=allow_demo_shop.host_port,
            log_dir=tmp_path, concurrency=2,
            env={"SHOPREEL_BILLING": "on", "SHOPREEL_TEST_RENDER_GATE": str(gate),
                 "DATABASE_URL": f"postgres://{db['USER']}@127.0.0.1:{relay.port}/{db['NAME']}"},
            app_config={"imports": ["tests.generation.worker_gates"]},
        ))
        rss = stack.enter_context(PeakRss(workers))
        job = job_start_paid(workspace=workspace, url=url, options={"length": 6, "formats": ["9:16"]})

        wait_for(lambda: (gate / "held").exists(), timeout=180, what="the render to make progress",
                 log=logs["worker"])
        relay.down()
        fault_at = time.monotonic()
        (gate / "go").touch()
        time.sleep(outage)
        job.refresh_from_db()
        assert (job.state, job.stage) == (RenderJob.State.RUNNING, RenderJob.Stage.RENDER)
        relay.up()
        wait_for(lambda: _ended(job, workers), timeout=180, poll=0.2,
                 what="the retried render to end the job", log=logs["worker"])
        recovered = time.monotonic() - fault_at
        log = logs["worker"].read_text()

    assert job.state == RenderJob.State.SUCCEEDED, f"{job.error}\n{log[-4000:]}"
    assert "OperationalError" in log and "retry" in log.lower(), "the render met the outage and was retried"
    assert (job.resumes, job.progress) == (0, 100)
    assert list(job.outputs.values_list("format", flat=True)) == ["9:16"]
    charges = _charged_once(job, account)
    assert charges == 1 and job.charged == job.cost
    assert rss.process_peak < 1 << 30
    record_fault("PostgreSQL down mid-render", outage_s=outage, recovered_s=round(recovered, 1),
                 peak_rss_mb=rss.peak >> 20, process_peak_mb=rss.process_peak >> 20,
                 outputs=job.outputs.count(), charges=charges, worker_restarts=0)
