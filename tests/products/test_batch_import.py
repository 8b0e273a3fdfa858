"""Batch import through the API (POST /api/v1/products/batch/, GET /api/v1/products/batches/{id}/):
a list of links against the demo shop, uploaded and fetched feeds, hostile input, and a batch
run again after its worker died. The task function is called directly; one test runs a real
worker against the real broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from products.models import ImportBatch, ImportBatchRow, Product
from products.services import import_batch_create, import_batch_run
from products.tasks import import_batch
from tests.api import conftest as api_conftest
from tests.api.test_matrix import assert_error
from tests.products.test_import import _jpeg
from tests.servers import serve

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
api = api_conftest.api  # the shared API world (owner, viewer, outsider, agency keys), as in tests/api


@pytest.fixture
def demo(allow_demo_shop, settings):
    settings.SHOPREEL_BROWSER_FALLBACK = False  # the demo shop's pages are static
    return allow_demo_shop


def _feed(host: str) -> bytes:
    return f"""<?xml version="1.0"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel><title>Shop</title>
<item><g:id>SKU-1</g:id><title>Cotton Tee</title><link>http://127.0.0.1:9/gone/tee</link>
<g:price>25.00 EUR</g:price><g:image_link>http://{host}/tee.jpg</g:image_link></item>
<item><g:id>SKU-1</g:id><title>Cotton Tee again</title><g:price>25.00 EUR</g:price></item>
<item><g:id>SKU-2</g:id><title>No Photo Candle</title><g:price>12.00 EUR</g:price></item>
<item><g:id>SKU-3</g:id><g:price>1 EUR</g:price></item>
</channel></rss>""".encode()


def _new_batches(api):
    """Batches made by the test (the shared API world has a finished one per workspace)."""
    return ImportBatch.objects.exclude(id__in=[api.home.batch.id, api.sister.batch.id, api.outsider.batch.id])


def _rows(batch) -> list[tuple]:
    return [(r.position, r.state, r.outcome, r.error_code) for r in batch.rows.order_by("position")]


# ------------------------------------------------------------------ links


def test_a_list_of_links_imports_each_row_and_reports_it(api, demo, django_capture_on_commit_callbacks):
    tee, serum = demo.product_urls["aurora-organic-tee"], demo.product_urls["lumen-hydrating-serum"]
    urls = [tee, serum, tee.upper().replace("/PRODUCTS/AURORA-ORGANIC-TEE", "/products/aurora-organic-tee/"),
            "ftp://files.example.com/list.csv", "javascript:alert(1)", "http://10.0.0.7/p",
            f"{demo.base_url}/products/no-such-thing"]
    client = api.client("owner")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/api/v1/products/batch/", {"urls": urls}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["state"], body["total"], body["done"], body["failed"]) == ("queued", 7, 3, 2)
    assert len(callbacks) == 1  # the task goes out once the batch is committed
    assert [r["outcome"] for r in body["rows"]] == ["", "", "duplicate", "skipped", "skipped", "", ""]
    assert body["rows"][2]["duplicate_of"] == 1 and "row 1" in body["rows"][2]["message"]

    import_batch(body["id"])  # what the worker runs

    body = client.get(f"/api/v1/products/batches/{body['id']}/").json()
    assert (body["state"], body["total"], body["done"], body["failed"]) == ("done", 7, 7, 4)
    rows = body["rows"]
    assert [(r["position"], r["outcome"], r["error_code"]) for r in rows] == [
        (1, "imported", ""), (2, "imported", ""), (3, "duplicate", ""), (4, "skipped", "invalid_row"),
        (5, "skipped", "invalid_row"), (6, "failed", "url_blocked"), (7, "failed", "http_404"),
    ]
    assert rows[2]["product"] == rows[0]["product"]  # one product for the repeated link
    assert all(r["message"] for r in rows[3:]) and rows[3]["input"] == "ftp://files.example.com/list.csv"
    products = Product.objects.filter(workspace=api.home.workspace).exclude(id=api.home.product.id)
    assert products.count() == 4  # tee, serum, and the two failed links keep their error
    tee_product = products.get(id=rows[0]["product"])
    assert tee_product.status == Product.Status.IMPORTED and tee_product.images.exists()
    assert products.get(id=rows[5]["product"]).error_code == "url_blocked"


def test_too_many_or_no_links_are_refused_with_nothing_stored(api):
    client = api.client("owner")
    for urls in ([f"https://shop.example/p/{i}" for i in range(501)], [], "https://shop.example/p"):
        assert_error(client.post("/api/v1/products/batch/", {"urls": urls}, format="json"), 400, "invalid_input")
    assert_error(client.post("/api/v1/products/batch/", {}, format="json"), 400, "invalid_input")
    both = {"urls": ["https://a.example/p"], "feed_url": "https://a.example/feed.xml"}
    assert_error(client.post("/api/v1/products/batch/", both, format="json"), 400, "invalid_input")
    assert not _new_batches(api).exists()


# ------------------------------------------------------------------ feeds


def test_an_uploaded_merchant_feed_makes_products_from_the_feeds_own_data(api, settings):
    routes = {}
    with serve(routes) as host:
        routes["/tee.jpg"] = (200, "image/jpeg", _jpeg((240, 240, 240), square=(300, 200, 500, 600)))
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        upload = SimpleUploadedFile("feed.xml", _feed(host), content_type="application/xml")
        response = api.client("owner").post("/api/v1/products/batch/", {"file": upload}, format="multipart")
        assert response.status_code == 202, response.content
        batch = ImportBatch.objects.get(id=response.json()["id"])
        assert batch.source == "file" and batch.total == 4
        import_batch(str(batch.id))
    batch.refresh_from_db()
    assert (batch.state, batch.done, batch.failed) == ("done", 4, 1)
    assert _rows(batch) == [(1, "done", "imported", ""), (2, "done", "duplicate", ""),
                            (3, "done", "partial", "no_image"), (4, "done", "skipped", "invalid_row")]
    # The feed is the merchant's truth: the product page (unreachable here) is never needed.
    tee = batch.rows.get(position=1).product
    assert (tee.title, str(tee.price), tee.currency, tee.sku, tee.fetched_with) == ("Cotton Tee", "25.00", "EUR", "SKU-1", "manual")
    assert batch.rows.get(position=2).product == tee
    detail = api.client("owner").get(f"/api/v1/products/batches/{batch.id}/").json()
    assert detail["rows"][0]["input"] == "SKU-1 Cotton Tee"


def test_a_tsv_feed_and_a_csv_of_links_upload(api, demo):
    tsv = "id\ttitle\tprice\timage_link\nA1\tRunning Cap\t15.00 USD\t\n"
    csv = f"url,note\n{demo.product_urls['terra-stoneware-mug']},mug\n"
    client = api.client("owner")
    for name, data in (("feed.tsv", tsv), ("links.csv", csv)):
        upload = SimpleUploadedFile(name, data.encode(), content_type="text/plain")
        response = client.post("/api/v1/products/batch/", {"file": upload}, format="multipart")
        assert response.status_code == 202, response.content
        import_batch(response.json()["id"])
    outcomes = [b.rows.get().outcome for b in _new_batches(api).order_by("created_at")]
    assert outcomes == ["partial", "imported"]  # the cap has no photo; the mug page has all


def test_a_billion_laughs_feed_is_refused_clearly_and_nothing_is_stored(api):
    bomb = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;">]>
<rss><channel><item><title>&d;</title></item></channel></rss>"""
    xxe = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss><channel><item><title>&x;</title></item></channel></rss>"""
    for data in (bomb, xxe, b"<rss><channel><item><title>unclosed"):
        upload = SimpleUploadedFile("feed.xml", data, content_type="application/xml")
        error = assert_error(api.client("owner").post("/api/v1/products/batch/", {"file": upload}, format="multipart"),
                             400, "catalog_invalid")
        assert "XML" in error["message"] and "root:" not in error["message"]
    assert not _new_batches(api).exists() and not Product.objects.filter(title__contains="aaaa").exists()


def test_an_oversize_upload_is_refused_with_413(api, settings):
    settings.SHOPREEL_BATCH_MAX_BYTES = 200_000
    links = "".join(f"https://shop.example/products/{i:06d}\n" for i in range(8000)).encode()  # ~300 kB
    upload = SimpleUploadedFile("links.csv", links, content_type="text/csv")
    response = api.client("owner").post("/api/v1/products/batch/", {"file": upload}, format="multipart")
    error = assert_error(response, 413, "payload_too_large")
    assert "MB" in error["message"] or "large" in error["message"]
    assert not _new_batches(api).exists()


def test_nul_bytes_and_overlong_cells_in_a_file_are_rows_not_errors(api):
    data = b"https://shop.example/p/\x001\n" + b"https://shop.example/" + b"x" * 3000 + b"\n" + b"no\x00link\n"
    upload = SimpleUploadedFile("links.csv", data, content_type="text/csv")
    response = api.client("owner").post("/api/v1/products/batch/", {"file": upload}, format="multipart")
    assert response.status_code == 202, response.content
    rows = response.json()["rows"]
    assert rows[0]["input"] == "https://shop.example/p/1" and rows[0]["state"] == "pending"
    assert (rows[1]["outcome"], len(rows[1]["input"])) == ("skipped", 2000) and "2,000" in rows[1]["message"]
    assert rows[2]["outcome"] == "skipped"


def test_a_feed_with_more_rows_than_a_batch_takes_is_refused(api, settings):
    settings.SHOPREEL_CATALOG_MAX_ROWS = 3
    links = "".join(f"https://shop.example/products/{i}\n" for i in range(4)).encode()
    upload = SimpleUploadedFile("links.csv", links, content_type="text/csv")
    error = assert_error(api.client("owner").post("/api/v1/products/batch/", {"file": upload}, format="multipart"),
                         400, "too_many_rows")
    assert "3" in error["message"]


def test_a_feed_link_is_fetched_by_the_worker_and_a_private_one_fails_the_batch(api, demo, settings):
    csv = f"{demo.product_urls['pulse-wireless-headphones']}\n".encode()
    routes = {}
    with serve(routes) as host:
        routes["/feed.csv"] = (200, "text/csv", csv)
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host, demo.host_port]
        client = api.client("owner")
        ok = client.post("/api/v1/products/batch/", {"feed_url": f"http://{host}/feed.csv"}, format="json").json()
        # A literal private or metadata address is refused at once, nothing stored...
        before = ImportBatch.objects.count()
        for hostile in ("http://169.254.169.254/feed.xml", "http://10.0.0.1/feed.csv", "http://127.0.0.1:9/f"):
            refused = client.post("/api/v1/products/batch/", {"feed_url": hostile}, format="json")
            assert_error(refused, 400, "invalid_feed_url")
            assert "refused" in refused.json()["error"]["message"]
        assert ImportBatch.objects.count() == before
        # ...and one that got past that (saved before the rule, or a name that resolves to a
        # private address later) is refused by the worker's fetcher.
        blocked = {"id": str(ImportBatch.objects.create(
            workspace=api.home.workspace, source=ImportBatch.Source.FEED_URL, feed_url="http://169.254.169.254/feed.xml"
        ).id)}
        assert ok["state"] == "queued" and ok["total"] == 0
        import_batch(ok["id"])
        import_batch(blocked["id"])
    ok = client.get(f"/api/v1/products/batches/{ok['id']}/").json()
    assert (ok["state"], ok["total"], ok["done"], ok["rows"][0]["outcome"]) == ("done", 1, 1, "imported")
    blocked = client.get(f"/api/v1/products/batches/{blocked['id']}/").json()
    assert (blocked["state"], blocked["error_code"], blocked["rows"]) == ("failed", "url_blocked", [])
    assert "could not be fetched" in blocked["error"]


# ------------------------------------------------------------------ idempotency and redelivery


def test_the_same_upload_with_the_same_key_is_one_batch(api):
    client = api.client("owner")
    key = str(uuid.uuid4())

    def post(data: bytes):
        upload = SimpleUploadedFile("links.csv", data, content_type="text/csv")
        return client.post("/api/v1/products/batch/", {"file": upload}, format="multipart", HTTP_IDEMPOTENCY_KEY=key)

    first, again = post(b"https://shop.example/a\n"), post(b"https://shop.example/a\n")
    assert first.status_code == again.status_code == 202 and again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"] and _new_batches(api).count() == 1
    assert_error(post(b"https://shop.example/b\n"), 422, "idempotency_key_reused")


def test_a_redelivered_batch_imports_each_row_once(workspace, demo):
    urls = [demo.product_urls["aurora-organic-tee"], demo.product_urls["terra-stoneware-mug"],
            demo.product_urls["lumen-hydrating-serum"]]
    batch = import_batch_create(workspace=workspace, urls=urls)
    # The first worker claimed row 1, made its product and died; row 2 is being run right now
    # by a live worker (claimed a moment ago).
    assert import_batch_run(batch_id=batch.id, slice_seconds=0) is True  # one row, then "more"
    first = batch.rows.get(position=1)
    ImportBatchRow.objects.filter(id=first.id).update(state="running", claimed_at=timezone.now() - timedelta(hours=1))
    ImportBatch.objects.filter(id=batch.id).update(done=0)
    ImportBatchRow.objects.filter(batch=batch, position=2).update(state="running", claimed_at=timezone.now())

    assert import_batch_run(batch_id=batch.id) is False
    batch.refresh_from_db()
    assert _rows(batch) == [(1, "done", "imported", ""), (2, "running", "", ""), (3, "done", "imported", "")]
    assert batch.state == "running" and batch.done == 2  # row 2 is still its live worker's
    assert Product.objects.filter(workspace=workspace).count() == 2  # row 1 kept its one product

    import_batch_run(batch_id=batch.id)  # run again: nothing is imported twice
    assert Product.objects.filter(workspace=workspace).count() == 2 and batch.rows.filter(state="done").count() == 2


def test_a_row_that_breaks_is_recorded_and_the_batch_goes_on(workspace, demo):
    batch = import_batch_create(workspace=workspace, urls=[demo.product_urls["terra-stoneware-mug"]])
    broken = ImportBatchRow.objects.create(
        workspace=workspace, batch=batch, position=2, item={"title": "From an older version", "colour": "red"}
    )
    ImportBatch.objects.filter(id=batch.id).update(total=2)
    import_batch_run(batch_id=batch.id)
    batch.refresh_from_db()
    broken.refresh_from_db()
    assert (batch.state, batch.done, batch.failed) == ("done", 2, 1)
    assert broken.outcome == "failed" and broken.error_code == "internal_error" and "Traceback" not in broken.message
    assert batch.rows.get(position=1).outcome == "imported"


def test_the_task_queues_the_next_slice_while_rows_are_left(workspace, demo, settings, monkeypatch):
    from products.services import batches

    monkeypatch.setattr(batches, "BATCH_SLICE_SECONDS", 0.0)
    batch = import_batch_create(workspace=workspace, urls=[demo.product_urls["terra-stoneware-mug"],
                                                                  demo.product_urls["aurora-organic-tee"]])
    sent = []
    monkeypatch.setattr(import_batch, "delay", lambda batch_id: sent.append(batch_id))
    import_batch(str(batch.id))
    assert sent == [str(batch.id)] and batch.rows.filter(state="done").count() == 1
    import_batch(str(batch.id))
    batch.refresh_from_db()
    assert batch.state == "done" and sent == [str(batch.id)]


# ------------------------------------------------------------------ the real worker


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_imports_a_batch_from_the_api(api, demo, redis_url, postgres, settings, tmp_path):
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "CELERY_BROKER_URL": redis_url, "CELERY_RESULT_BACKEND": redis_url,
           "MEDIA_ROOT": str(settings.MEDIA_ROOT), "SHOPREEL_FETCH_ALLOW_HOSTS": demo.host_port,
           "SHOPREEL_BROWSER_FALLBACK": "false"}
    log = tmp_path / "worker.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "default", "-c", "1",
         "-n", f"batch-{uuid.uuid4().hex[:8]}@%h", "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    try:
        urls = [*demo.product_urls.values(), "http://127.0.0.1:1/closed"]
        response = api.client("owner").post("/api/v1/products/batch/", {"urls": urls}, format="json")
        assert response.status_code == 202, response.content
        deadline, body = time.monotonic() + 120, response.json()
        while time.monotonic() < deadline and body["state"] != "done" and process.poll() is None:
            time.sleep(0.5)
            body = api.client("owner").get(f"/api/v1/products/batches/{body['id']}/").json()
        assert body["state"] == "done", log.read_text()[-3000:]
        assert [r["outcome"] for r in body["rows"]] == ["imported"] * (len(urls) - 1) + ["failed"]
        assert "products.import_batch" in log.read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


# ------------------------------------------------------------------ hostile feeds (security review)


def test_formula_looking_cells_are_plain_text_rows(api, settings):
    """Spreadsheet formulas in a merchant's file are not ours to run: they are links that are
    not links (skipped rows) or titles kept as the text they are, never an error."""
    csv = '=HYPERLINK("http://evil.example","x")\n+cmd|\' /C calc\'!A0\n@SUM(1+1)\n-2+3\n'
    tsv = "id\ttitle\tprice\timage_link\n=A1\t=1+1 Cap\t15.00 USD\t\n"
    client = api.client("owner")
    response = client.post("/api/v1/products/batch/", {"file": SimpleUploadedFile("f.csv", csv.encode())},
                           format="multipart")
    assert response.status_code == 202, response.content
    assert [row["outcome"] for row in response.json()["rows"]] == ["skipped"] * 4
    assert response.json()["rows"][0]["input"].startswith("=HYPERLINK(")
    response = client.post("/api/v1/products/batch/", {"file": SimpleUploadedFile("f.tsv", tsv.encode())},
                           format="multipart")
    assert response.status_code == 202, response.content
    assert response.json()["rows"][0]["input"] == "=A1 =1+1 Cap"
    import_batch(response.json()["id"])
    assert Product.objects.get(title="=1+1 Cap").status in ("imported", "partial")


def test_a_gzip_bomb_feed_link_stops_at_the_byte_cap(api, settings):
    """The worker reads a feed link through the safe fetcher, whose cap counts the decoded
    bytes: a few kB of gzip that would inflate to 50 MB fails the batch, plainly."""
    import gzip
    from http.server import BaseHTTPRequestHandler

    from tests.servers import run_server

    settings.SHOPREEL_BATCH_MAX_BYTES = 1_000_000
    bomb = gzip.compress(b"https://shop.example/p/1\n" + b"\n" * 50_000_000, compresslevel=9)
    assert len(bomb) < 100_000

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(bomb)))
            self.end_headers()
            self.wfile.write(bomb)

        def log_message(self, *args):
            pass

    with run_server(Handler) as server:
        host = f"127.0.0.1:{server.server_address[1]}"
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        response = api.client("owner").post("/api/v1/products/batch/", {"feed_url": f"http://{host}/f.csv"}, format="json")
        assert response.status_code == 202, response.content
        started = time.monotonic()
        import_batch(response.json()["id"])
        assert time.monotonic() - started < 30
    batch = ImportBatch.objects.get(id=response.json()["id"])
    assert batch.state == "failed" and batch.rows.count() == 0
    assert "could not be fetched" in batch.error and batch.error_code
