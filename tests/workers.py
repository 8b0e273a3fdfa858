"""Real Celery worker processes for server-stack tests: started against the test's broker,
PostgreSQL database and MEDIA_ROOT, stopped (SIGTERM, then kill) when the test ends."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]

# ``celery -A config worker``, with SHOPREEL_TEST_CELERY_CONFIG (JSON) applied to the app first.
_CONFIGURED_WORKER = (
    "import json, os, sys\n"
    "from config.celery_app import app\n"
    "app.conf.update(json.loads(os.environ['SHOPREEL_TEST_CELERY_CONFIG']))\n"
    "app.worker_main(sys.argv[1:])\n"
)


@contextmanager
def celery_workers(
    queues: dict[str, str],
    *,
    redis_url: str,
    allow_hosts: str,
    log_dir: Path,
    concurrency: int = 1,
    env: dict[str, str] | None = None,
    app_config: dict | None = None,
) -> Iterator[tuple[list[subprocess.Popen], dict[str, Path]]]:
    """One worker per entry of ``queues`` (name → comma-separated queues), each logging to
    ``log_dir/<name>.log``; ``env`` adds settings. ``app_config`` sets Celery settings that
    the project's settings don't read from the environment (e.g. ``broker_transport_options``)
    on the worker's app before it starts. Yields the processes and the log paths."""
    db = connection.settings_dict
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "SHOPREEL_FETCH_ALLOW_HOSTS": allow_hosts,
        **(env or {}),
    }
    launcher = [sys.executable, "-m", "celery", "-A", "config"]
    if app_config is not None:
        environ["SHOPREEL_TEST_CELERY_CONFIG"] = json.dumps(app_config)
        launcher = [sys.executable, "-c", _CONFIGURED_WORKER]
    processes, logs = [], {}
    try:
        for name, names in queues.items():
            logs[name] = log_dir / f"{name}.log"
            processes.append(subprocess.Popen(
                [*launcher, "worker", "-Q", names,
                 "-c", str(concurrency), "-n", f"{name}-{uuid.uuid4().hex[:8]}@%h",
                 "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
                cwd=ROOT, env=environ, stdout=logs[name].open("w"), stderr=subprocess.STDOUT,
            ))  # fmt: skip
        yield processes, logs
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


# --- faults ---------------------------------------------------------------------------------


def wait_for(condition, *, timeout: float, what: str, poll: float = 0.1, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(poll)
    tail = f"\n--- {log.name} ---\n{log.read_text()[-4000:]}" if log and log.exists() else ""
    pytest.fail(f"timed out after {timeout:g} s waiting for {what}{tail}")


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux /proc): the worker, its pool children, their ffmpeg."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, ()))
    return tree


def signal_all(pids, sig) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def kill_machine(pid: int) -> list[int]:
    """SIGKILL a worker and everything under it at once, as a lost machine would: the tree is
    frozen first (SIGSTOP, until no new process appears) so no child finishes or forks meanwhile."""
    frozen: set[int] = set()
    while True:
        tree = set(process_tree(pid))
        if tree <= frozen:
            break
        signal_all(tree - frozen, signal.SIGSTOP)
        frozen |= tree
    signal_all(frozen, signal.SIGKILL)
    return sorted(frozen)


@contextmanager
def use_broker(url: str) -> Iterator[None]:
    """This process's Celery app uses ``url`` as its broker and result backend for the block
    (pooled connections dropped on the way in and out): the test's own Redis, which it may stop
    and start. The backend matters for chords, whose count of finished tasks lives there."""
    from kombu import pools

    from config.celery_app import app

    def point(broker: str, backend: str) -> None:
        app.conf.broker_url, app.conf.result_backend = broker, backend
        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None
        app._backend_cache = None  # the cached backend client (thread-safe ones are shared)
        with contextlib.suppress(AttributeError):
            del app._local.backend

    previous = (app.conf.broker_url, app.conf.result_backend)
    point(url, url)
    try:
        yield
    finally:
        import gc

        gc.collect()  # results sent meanwhile let go of their backend while it is still up
        point(*previous)


def rss_of(pid: int) -> int:
    """Resident bytes of one process (0 once it is gone)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class PeakRss:
    """Samples the given worker processes every ``every`` s in a thread while the ``with`` block
    runs: ``peak`` is the highest resident size of one worker with its children (summed),
    ``process_peak`` the highest of any single process among them."""

    def __init__(self, processes: list[subprocess.Popen], *, every: float = 0.2):
        import threading

        self.processes, self.every, self.peak, self.process_peak = processes, every, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            for process in self.processes:
                if process.poll() is None:
                    sizes = [rss_of(pid) for pid in process_tree(process.pid)]
                    self.peak = max(self.peak, sum(sizes))
                    self.process_peak = max(self.process_peak, *sizes)
            self._stop.wait(self.every)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def record_fault(fault: str, **figures) -> None:
    """Print a fault test's figures, and add them as one JSON line to the file named by
    SHOPREEL_FAULT_REPORT when set (bench/faults.py collects them into its table)."""
    print(f"\n{fault}: " + ", ".join(f"{key} {value}" for key, value in figures.items()))
    report = os.environ.get("SHOPREEL_FAULT_REPORT")
    if report:
        with open(report, "a") as out:
            out.write(json.dumps({"fault": fault, **figures}) + "\n")
