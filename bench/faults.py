"""Faults on the real server stack: how long a job takes to end after each, the workers' peak
memory, and what it left (outputs, charges); and the API throttle under a concurrent burst.

    .venv/bin/python bench/faults.py [--only redis] [--skip-throttle]

The faults are the suite's own fault tests (one scenario, one place), run by pytest against
PostgreSQL and Redis from ``scripts/services.sh`` (started in a child shell that runs this file
again when ``REDIS_URL`` is not set) with real Celery workers and ffmpeg:

- SIGKILL mid-shots and mid-render (the whole worker tree, as a lost machine): the watchdog,
  sped up to a 2 or 3 s stall limit, resends the stage to a new worker;
- Redis stopped while build_script sends the shots' chord, for 10 s: the chord stays in the
  task outbox; the outbox flush sends it once Redis is back (no watchdog resend);
- PostgreSQL unreachable from the worker for 10 s mid-render: the render task's DB retry.

Each test appends its figures to the file named by SHOPREEL_FAULT_REPORT
(``tests.workers.record_fault``): ``recovered_s`` from the fault to the job's end, ``resent_s``
from the fault to the watchdog's resend (the Redis fault: to the outbox flush's send), ``peak_rss_mb`` the highest resident size of one
worker with its pool children and their ffmpeg (summed, so shared pages count per process),
``process_peak_mb`` the highest of any one of those processes, the job's outputs and its
charges (settle entries). Figures from the tests' timings: a production watchdog adds its
stall limit (SHOPREEL_JOB_STALL_SECONDS, 300 s) and up to one sweep period (60 s) to
``resent_s``.

Throttle: 10 and 20 client threads, released together, each asking 30 times with one API key
limited to 120/min (``accounts.api.throttling.ApiKeyRateThrottle``, counts in the Redis cache);
printed: requests let through.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FAULT_TESTS = {
    "shots": "tests/generation/test_faults.py::test_a_worker_killed_mid_shots_is_resent_by_the_watchdog_and_charged_once",
    "render": "tests/billing/test_faults.py::test_a_render_lost_with_its_worker_is_resent_by_the_watchdog_and_charged_once",
    "redis": "tests/generation/test_faults.py::test_redis_stopped_while_the_shots_chord_is_sent_the_job_still_finishes_once",
    "postgres": "tests/generation/test_faults.py::test_postgresql_gone_mid_render_the_render_is_retried_and_charged_once",
}
COLUMNS = ("fault", "resent_s", "recovered_s", "peak_rss_mb", "process_peak_mb", "outputs", "charges",
           "worker_restarts")


def run_faults(names: list[str]) -> list[dict]:
    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as report:
        path = Path(report.name)
    env = {**os.environ, "SHOPREEL_FAULT_REPORT": str(path)}
    tests = [FAULT_TESTS[name] for name in names]
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests]
    code = subprocess.call(command, cwd=ROOT, env=env)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    path.unlink()
    if code:
        print(f"pytest exited {code}: the table holds only the faults whose test passed")
    return rows


def throttle_burst(clients: int, *, each: int = 30, limit: int = 120) -> int:
    """Requests let through out of ``clients * each`` sent together with one key."""
    import threading
    from types import SimpleNamespace

    from django.core.cache import cache

    from accounts.api.throttling import ApiKeyRateThrottle

    ApiKeyRateThrottle.THROTTLE_RATES = {"api_key": f"{limit}/min"}
    key = SimpleNamespace(auth=SimpleNamespace(pk=f"bench-{clients}-{os.getpid()}"))
    cache.clear()
    allowed = [0] * clients
    start = threading.Barrier(clients)

    def client(i: int) -> None:
        throttle = ApiKeyRateThrottle()
        start.wait()
        for _ in range(each):
            allowed[i] += bool(throttle.allow_request(key, None))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(allowed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=sorted(FAULT_TESTS), action="append", help="run these faults only")
    parser.add_argument("--skip-throttle", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):  # start PostgreSQL and Redis, then come back here
        command = (f"source {shlex.quote(str(ROOT / 'scripts/services.sh'))} && "
                   f"{shlex.quote(sys.executable)} {shlex.quote(__file__)} {shlex.join(sys.argv[1:])}")
        return subprocess.call(["bash", "-c", command], cwd=ROOT)

    rows = run_faults(args.only or list(FAULT_TESTS))
    print("\n| " + " | ".join(COLUMNS) + " |\n|" + " --- |" * len(COLUMNS))
    for row in rows:
        print("| " + " | ".join(str(row.get(column, "")) for column in COLUMNS) + " |")

    if not args.skip_throttle:
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
        os.environ["SHOPREEL_CACHE_URL"] = os.environ["REDIS_URL"]  # the counts in Redis, as in production
        import django

        django.setup()
        for clients in (10, 20):
            print(f"throttle 120/min, {clients} clients x 30 requests at once: "
                  f"{throttle_burst(clients)} of {clients * 30} let through")
    return 0


if __name__ == "__main__":
    sys.exit(main())
