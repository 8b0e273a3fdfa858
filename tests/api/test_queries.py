"""No N+1: the number of queries a request makes does not grow with the page size (lists) or
with what an object holds (an ad's files, a job's files, a batch's rows)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import api_key_create
from generation.models import Ad, RenderJob, RenderOutput
from products.models import ImportBatch, ImportBatchRow, Product, ProductImage

pytestmark = pytest.mark.django_db

MANY = 60


def _seed(tenant, count: int) -> None:
    """``count`` more products (two photos each), each with an ad, two jobs with two files
    each, and as many API keys; bulk-created (the counts are what matter here)."""
    workspace = tenant.workspace
    products = Product.objects.bulk_create(
        Product(workspace=workspace, title=f"Mug {i}", status=Product.Status.IMPORTED, price=9, currency="EUR")
        for i in range(count)
    )
    ProductImage.objects.bulk_create(
        ProductImage(workspace=workspace, product=p, position=i, file=f"p/{p.id}/{i}.jpg", width=8, height=8)
        for p in products for i in range(2)
    )
    ads = Ad.objects.bulk_create(
        Ad(workspace=workspace, product=p, template=tenant.ad.template, script=tenant.ad.script, formats=["9:16", "1:1"])
        for p in products
    )
    jobs = RenderJob.objects.bulk_create(
        RenderJob(workspace=workspace, product=ad.product, ad=ad, state=RenderJob.State.SUCCEEDED, progress=100)
        for ad in ads for _ in range(2)
    )
    RenderOutput.objects.bulk_create(
        RenderOutput(workspace=workspace, ad=job.ad, job=job, format=fmt, video="a.mp4", poster="a.jpg", srt="a.srt",
                     vtt="a.vtt", width=8, height=8, duration=6, size_bytes=1)
        for job in jobs for fmt in ("9:16", "1:1")
    )
    for i in range(count):
        api_key_create(workspace=workspace, name=f"key {i}", scope="read")


def _count(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/products/", "/api/v1/products/?status=imported&search=mug", "/api/v1/ads/", "/api/v1/api-keys/"],
)
def test_a_list_makes_as_many_queries_for_5_rows_as_for_50(api, path):
    _seed(api.home, MANY)
    client = api.client("owner")
    client.get("/api/v1/templates/")  # the key's last-used time is written once a minute: not counted
    joiner = "&" if "?" in path else "?"
    small = client.get(f"{path}{joiner}limit=5").json()
    large = client.get(f"{path}{joiner}limit=50").json()
    assert (len(small["results"]), len(large["results"])) == (5, 50)
    assert _count(client, f"{path}{joiner}limit=5") == _count(client, f"{path}{joiner}limit=50")
    # a deep page (the cursor) costs the same again
    assert _count(client, large["next"].split("testserver", 1)[1]) == _count(client, f"{path}{joiner}limit=50")


def test_an_ads_status_costs_the_same_with_one_file_or_forty(api):
    client = api.client("owner")
    client.get("/api/v1/templates/")
    ad, job = api.home.ad, api.home.job
    before = (_count(client, f"/api/v1/ads/{ad.id}/"), _count(client, f"/api/v1/jobs/{job.id}/"))
    for n in range(20):
        extra = RenderJob.objects.create(workspace=ad.workspace, product=ad.product, ad=ad, state="succeeded")
        RenderOutput.objects.bulk_create(
            RenderOutput(workspace=ad.workspace, ad=ad, job=job if fmt == "1:1" and n == 0 else extra, format=fmt,
                         video="a.mp4", poster="a.jpg", srt="a.srt", vtt="a.vtt", width=8, height=8, duration=6,
                         size_bytes=1)
            for fmt in ("9:16", "1:1")
        )
    body = client.get(f"/api/v1/jobs/{job.id}/").json()
    assert len(body["outputs"]) == 2
    after = (_count(client, f"/api/v1/ads/{ad.id}/"), _count(client, f"/api/v1/jobs/{job.id}/"))
    assert before == after


def test_a_batch_costs_the_same_with_one_row_or_five_hundred(api):
    client = api.client("owner")
    client.get("/api/v1/templates/")
    batch = api.home.batch
    one = _count(client, f"/api/v1/products/batches/{batch.id}/")
    product = api.home.product
    rows = ImportBatchRow.objects.bulk_create(
        ImportBatchRow(workspace=batch.workspace, batch=batch, position=i, url=f"https://shop.example/p/{i}",
                       state="done", outcome="imported", product=product)
        for i in range(2, 501)
    )
    ImportBatchRow.objects.filter(id__in=[r.id for r in rows[::2]]).update(duplicate_of=rows[1])
    ImportBatch.objects.filter(id=batch.id).update(total=500, done=500)
    body = client.get(f"/api/v1/products/batches/{batch.id}/").json()
    assert len(body["rows"]) == 500 and body["rows"][1]["duplicate_of"] == 3
    assert _count(client, f"/api/v1/products/batches/{batch.id}/") == one


# ------------------------------------------------------------------ bench/api.py's seeding


def _bench_module():
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "api.py"
    spec = importlib.util.spec_from_file_location("bench_api", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_api_benchs_seeding_makes_what_it_measures():
    bench = _bench_module()
    seeded = bench.seed(ads=50, other_workspaces=2, other_ads=5, batch_size=20)
    ads = Ad.objects.filter(workspace=seeded.workspace)
    assert ads.count() == len(seeded.ad_ids) == 50 and seeded.others == 10
    assert Ad.objects.exclude(workspace=seeded.workspace).count() == 10
    assert RenderOutput.objects.filter(workspace=seeded.workspace).count() == 2 * 49  # all but the template's ad
    assert ProductImage.objects.filter(workspace=seeded.workspace).count() == 2 * 50
    assert all(ad.script == ads.first().script and ad.script["scenes"] for ad in ads)
    _, key = api_key_create(workspace=seeded.workspace, name="bench", scope="read")
    counts = bench.queries_per_request(key=key, ad_id=seeded.ad_ids[-1])
    assert len(set(counts.values())) == 1, counts  # every page size, a deep page and the status alike
