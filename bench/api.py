"""API load benchmark: gunicorn + PostgreSQL on loopback, 10,000 ads in one workspace.

    .venv/bin/python bench/api.py [--ads 10000] [--duration 15] [--clients 16] [--workers 5]

What it does, in order:

1. PostgreSQL: ``DATABASE_URL`` when it points to PostgreSQL, else a throw-away server from
   ``scripts/services.sh`` (the script is sourced in a child shell that runs this file again and
   stops the server when it exits). The ``shopreel_bench`` database is created afresh and migrated.
2. Seeds (``seed()``, bulk inserts): the measured workspace with ``--ads`` ads, each with its
   product (two photos), a finished job and two rendered formats, plus ``--other-workspaces``
   workspaces with ``--other-ads`` ads each (tenancy as in production: the list's index has to
   pick one workspace out of several). Every ad carries a real script from the template engine.
3. An API key (read scope) for the measured workspace.
4. Queries per request, in this process (Django test client, ``CaptureQueriesContext``): the ad
   list at limit 5, 25 and 100, a deep cursor page, and the ad status; and the CPU time one
   request takes in this process (no HTTP), which other work on the machine disturbs less.
5. gunicorn (``config.wsgi``, production settings, sync workers; ``--workers`` defaults to
   2 x cores + 1) on 127.0.0.1, then ``--clients`` threads, each with its own keep-alive httpx
   client, send requests for ``--duration`` seconds per case:
   the list's first page (limit 25 and 100), deep cursor pages (cursors collected beforehand,
   ~half-way down the 10,000), and the ad status ``GET /api/v1/ads/{id}/`` of random ads.
   Printed per case: requests per second, p50 / p95 / p99 latency, errors.

The environment is explicit (production settings need it): ``SECRET_KEY``, ``DATABASE_URL``,
``ALLOWED_HOSTS=127.0.0.1``, ``DEBUG=false``, and ``SHOPREEL_API_RATE=100000000/min`` so the per-key
throttle never refuses a bench request (it still runs: its cache look-up is in the figures);
``SHOPREEL_CACHE_URL`` is the Redis of ``scripts/services.sh`` (``REDIS_URL``), so the workers
share the throttle's counts as production's do.
The load generator runs on the same machine as the server: on a 2-core host it takes CPU
from gunicorn, so the figures are a floor.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BENCH_DB = "shopreel_bench"
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DEBUG": "false",
    "SHOPREEL_API_RATE": "100000000/min",  # the throttle runs but never refuses a bench request
    "DATABASE_CONN_MAX_AGE": "60",
    "LOG_LEVEL": "ERROR",
    "EMAIL_HOST": "127.0.0.1",  # production settings require one; the bench sends no email
}


# ------------------------------------------------------------------ seeding


@dataclass
class Seeded:
    workspace: object
    ad_ids: list[str]
    others: int  # ads in the other workspaces
    seconds: float


def seed(*, ads: int, other_workspaces: int = 3, other_ads: int = 1000, batch_size: int = 2000) -> Seeded:
    """``ads`` ads (product with two photos, one finished job, two rendered formats, a real
    script) in a new workspace, and ``other_ads`` ads in each of ``other_workspaces`` others.
    Bulk inserts; needs Django set up and a migrated database."""
    from django.db import transaction

    from accounts.models import Workspace
    from generation import services as generation_services
    from products.models import Product, ProductImage

    started = time.perf_counter()
    measured = None
    ad_ids: list[str] = []
    with transaction.atomic():
        for index, count in enumerate([ads, *[other_ads] * other_workspaces]):
            workspace = Workspace.objects.create(name=f"Bench shop {index}", slug=f"bench-{index}-{random.randrange(10**9)}")
            template_product = Product.objects.create(
                workspace=workspace, title="Northwind Aurora Organic Tee", brand="Northwind", price="24.00",
                currency="USD", vertical="apparel", status=Product.Status.IMPORTED,
                features=["Organic cotton, 180 gsm", "Relaxed fit"], source_url="https://shop.example/tee",
            )
            for k in range(2):
                ProductImage.objects.create(workspace=workspace, product=template_product, position=k, width=1200,
                                            height=1200, file=f"workspaces/{workspace.id}/p/{template_product.id}/{k}.jpg")
            model = generation_services.ad_create(
                workspace=workspace, product=template_product, options={"template": "auto", "length": 15}
            )
            ids = _seed_workspace(workspace=workspace, model=model, count=count, batch_size=batch_size)
            if index == 0:
                measured, ad_ids = workspace, [str(model.id), *ids]
    return Seeded(workspace=measured, ad_ids=ad_ids, others=other_ads * other_workspaces,
                  seconds=time.perf_counter() - started)


def _seed_workspace(*, workspace, model, count: int, batch_size: int) -> list[str]:
    """``count - 1`` more ads like ``model`` (the workspace's first, made by the template engine)."""
    from generation.models import Ad, RenderJob, RenderOutput
    from products.models import Product, ProductImage

    ids: list[str] = []
    for start in range(0, max(count - 1, 0), batch_size):
        n = min(batch_size, count - 1 - start)
        products = Product.objects.bulk_create(
            [Product(workspace=workspace, title=f"Aurora Tee no. {start + i}", brand="Northwind", price="24.00",
                     currency="USD", vertical="apparel", status=Product.Status.IMPORTED,
                     source_url=f"https://shop.example/products/tee-{start + i}",
                     features=["Organic cotton, 180 gsm", "Relaxed fit"]) for i in range(n)],
            batch_size=batch_size,
        )
        ProductImage.objects.bulk_create(
            [ProductImage(workspace=workspace, product=p, position=k, file=f"workspaces/{workspace.id}/p/{p.id}/{k}.jpg",
                          width=1200, height=1200, phash="0f0f0f0f0f0f0f0f") for p in products for k in range(2)],
            batch_size=batch_size,
        )
        new_ads = Ad.objects.bulk_create(
            [Ad(workspace=workspace, product=p, template=model.template, language=model.language, length=model.length,
                formats=["9:16", "1:1"], script=model.script, market=model.market, compliance=model.compliance)
             for p in products],
            batch_size=batch_size,
        )
        jobs = RenderJob.objects.bulk_create(
            [RenderJob(workspace=workspace, product=ad.product, ad=ad, source_url=ad.product.source_url,
                       state=RenderJob.State.SUCCEEDED, stage=RenderJob.Stage.DONE, progress=100)
             for ad in new_ads],
            batch_size=batch_size,
        )
        RenderOutput.objects.bulk_create(
            [RenderOutput(workspace=workspace, ad=job.ad, job=job, format=fmt, video=f"ads/{job.ad_id}/{k}.mp4",
                          poster=f"ads/{job.ad_id}/{k}.jpg", srt=f"ads/{job.ad_id}/{k}.srt",
                          vtt=f"ads/{job.ad_id}/{k}.vtt", width=1080, height=1920 if k == 0 else 1080,
                          duration=15.0, size_bytes=4_000_000)
             for job in jobs for k, fmt in enumerate(("9:16", "1:1"))],
            batch_size=batch_size,
        )
        ids.extend(str(ad.id) for ad in new_ads)
    return ids


# ------------------------------------------------------------------ queries per request


def queries_per_request(*, key: str, ad_id: str) -> dict[str, int]:
    """Queries one request makes, measured in this process with Django's test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HOST="127.0.0.1")
    client.get("/api/v1/ads/?limit=1")  # the key's last-used time is written once a minute
    counts = {}
    deep = None
    for name, path in (("list limit=5", "/api/v1/ads/?limit=5"), ("list limit=25", "/api/v1/ads/?limit=25"),
                       ("list limit=100", "/api/v1/ads/?limit=100"), ("status", f"/api/v1/ads/{ad_id}/")):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, response.content[:300]
        counts[name] = len(queries)
        if name == "list limit=25":
            deep = response.json()["next"]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(deep.split("127.0.0.1", 1)[1]).status_code == 200
    counts["list limit=25, page 2"] = len(queries)
    return counts


def cpu_per_request(*, key: str, paths: dict[str, str], repeat: int = 20) -> dict[str, float]:
    """CPU milliseconds of this process per request (Django test client, no HTTP): a figure
    other work on a shared machine disturbs far less than wall-clock latency."""
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HOST="127.0.0.1")
    result = {}
    for name, path in paths.items():
        assert client.get(path).status_code == 200
        started = time.process_time()
        for _ in range(repeat):
            client.get(path)
        result[name] = 1000 * (time.process_time() - started) / repeat
    return result


# ------------------------------------------------------------------ load


@dataclass
class Case:
    name: str
    paths: list[str]
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0


def drive(*, base: str, key: str, case: Case, clients: int, duration: float) -> None:
    """``clients`` threads, each a keep-alive httpx client, request ``case.paths`` (at random)
    for ``duration`` seconds."""
    import httpx

    stop = time.perf_counter() + duration
    lock = threading.Lock()

    def run(seed_: int) -> None:
        rng = random.Random(seed_)
        own: list[float] = []
        errors = 0
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
            while time.perf_counter() < stop:
                path = case.paths[rng.randrange(len(case.paths))]
                began = time.perf_counter()
                try:
                    ok = http.get(path).status_code == 200
                except httpx.HTTPError:
                    ok = False
                own.append(time.perf_counter() - began)
                errors += not ok
        with lock:
            case.latencies.extend(own)
            case.errors += errors

    began = time.perf_counter()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    case.seconds = time.perf_counter() - began


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(case: Case) -> dict:
    lat = case.latencies
    return {
        "case": case.name, "requests": len(lat), "rps": len(lat) / case.seconds if case.seconds else 0.0,
        "p50_ms": 1000 * statistics.median(lat), "p95_ms": 1000 * _percentile(lat, 0.95),
        "p99_ms": 1000 * _percentile(lat, 0.99), "errors": case.errors,
    }


def _collect_cursors(*, base: str, key: str, limit: int, pages: range) -> list[str]:
    """Paths of cursor pages ``pages`` deep (walked once, before the clock starts)."""
    import httpx

    found, path = [], f"/api/v1/ads/?limit={limit}"
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
        for page in range(pages.stop):
            body = http.get(path).json()
            if page in pages:
                found.append(path)
            if not body["next"]:
                break
            path = body["next"].split(base, 1)[1] if body["next"].startswith(base) else body["next"]
    return found


def _wait_for(base: str, process: subprocess.Popen, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited at start; see its log above")
        try:
            httpx.get(f"{base}/api/v1/schema/", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within a minute")


# ------------------------------------------------------------------ main


def _database_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _create_database(url: str) -> str:
    """A fresh ``shopreel_bench`` database on the server of ``url``; its URL."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    return urlunsplit(parts._replace(path=f"/{BENCH_DB}"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ads", type=int, default=10_000)
    parser.add_argument("--other-workspaces", type=int, default=3)
    parser.add_argument("--other-ads", type=int, default=1_000)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per case")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()

    url = _database_url()
    if url is None:  # start PostgreSQL (and Redis) from scripts/services.sh, then come back here
        command = (f"source {shlex.quote(str(ROOT / 'scripts/services.sh'))} && "
                   f"{shlex.quote(sys.executable)} {shlex.quote(__file__)} {shlex.join(sys.argv[1:])}")
        return subprocess.call(["bash", "-c", command], cwd=ROOT)

    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": _create_database(url)}
    if os.environ.get("REDIS_URL"):  # the throttle's counts in a cache shared by the workers, as in production
        env["SHOPREEL_CACHE_URL"] = os.environ["REDIS_URL"]
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.services import api_key_create

    call_command("migrate", verbosity=0)
    seeded = seed(ads=args.ads, other_workspaces=args.other_workspaces, other_ads=args.other_ads)
    print(f"seeded {len(seeded.ad_ids)} ads (+{seeded.others} in {args.other_workspaces} other workspaces) "
          f"in {seeded.seconds:.1f} s")
    _, key = api_key_create(workspace=seeded.workspace, name="bench", scope="read")
    counts = queries_per_request(key=key, ad_id=seeded.ad_ids[len(seeded.ad_ids) // 2])
    print("queries per request:", ", ".join(f"{k}: {v}" for k, v in counts.items()))
    cpu = cpu_per_request(key=key, paths={
        "list limit=25": "/api/v1/ads/?limit=25", "list limit=100": "/api/v1/ads/?limit=100",
        "status": f"/api/v1/ads/{seeded.ad_ids[len(seeded.ad_ids) // 3]}/",
    })
    print("CPU ms per request (in process, no HTTP):", ", ".join(f"{k}: {v:.1f}" for k, v in cpu.items()))

    port = args.port or random.randrange(20000, 40000)
    base = f"http://127.0.0.1:{port}"
    gunicorn = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--worker-class", "sync", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    results = []
    try:
        _wait_for(base, gunicorn)
        print("load average (1, 5, 15 min) as the load starts: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
        middle = max(1, args.ads // 25 // 2)
        deep = _collect_cursors(base=base, key=key, limit=25, pages=range(middle, middle + 20))
        ads = random.Random(7).sample(seeded.ad_ids, min(len(seeded.ad_ids), 2000))
        cases = [
            Case("ad list, first page (limit 25)", ["/api/v1/ads/?limit=25"]),
            Case("ad list, first page (limit 100)", ["/api/v1/ads/?limit=100"]),
            Case(f"ad list, deep cursor pages (limit 25, pages {middle}-{middle + 19})", deep),
            Case("ad status (GET /ads/{id}/, random ads)", [f"/api/v1/ads/{ad_id}/" for ad_id in ads]),
        ]
        for case in cases:
            drive(base=base, key=key, case=Case("warm-up", case.paths), clients=args.clients, duration=2)
            drive(base=base, key=key, case=case, clients=args.clients, duration=args.duration)
            row = report(case)
            results.append(row)
            print(f"{row['case']}: {row['rps']:.0f} req/s, p50 {row['p50_ms']:.0f} ms, p95 {row['p95_ms']:.0f} ms, "
                  f"p99 {row['p99_ms']:.0f} ms, errors {row['errors']} of {row['requests']}", flush=True)
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
    summary = {"machine": f"{os.cpu_count()} cores", "workers": args.workers, "clients": args.clients,
               "duration_s": args.duration, "ads": len(seeded.ad_ids), "queries": counts, "cpu_ms": cpu,
               "load_average": os.getloadavg(), "cases": results}
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
