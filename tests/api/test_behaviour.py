"""What the endpoints do beyond access: queueing, idempotency, pagination, filters,
throttling, validation errors in the one format."""

from __future__ import annotations

import hashlib
import json

import pytest

from accounts.api.throttling import ApiKeyRateThrottle
from accounts.models import IdempotencyRecord
from generation.models import RenderJob
from products.models import Product
from tests.api.conftest import make_product
from tests.api.test_matrix import assert_error

pytestmark = pytest.mark.django_db


def test_creating_an_ad_queues_a_render_job_for_the_product(api):
    response = api.client("owner").post(
        "/api/v1/ads/",
        {"product": str(api.home.product.id), "template": "apparel-lookbook", "formats": ["9:16", "1:1"],
         "language": "de", "length": 15, "market": "EU", "seed": 3, "voice": False},
        format="json",
    )
    assert response.status_code == 202, response.content
    body = response.json()
    job = RenderJob.objects.get(id=body["id"])
    assert job.workspace == api.home.workspace and job.product == api.home.product
    assert job.state == RenderJob.State.QUEUED and job.stage == RenderJob.Stage.SCRAPE
    assert job.options["formats"] == ["9:16", "1:1"] and job.options["language"] == "de"
    assert job.options["market"] == "EU" and job.options["voice"] is False
    assert body["state"] == "queued" and body["progress"] == 0 and body["ad"] is None


def test_creating_an_ad_with_an_override_records_which_key_decided(api):
    response = api.client("owner").post(
        "/api/v1/ads/", {"product": str(api.home.product.id), "override_compliance": True}, format="json"
    )
    job = RenderJob.objects.get(id=response.json()["id"])
    assert job.options["override_compliance"].startswith(f"API key {api.key_rows['owner'].prefix}")


def test_an_ad_can_ask_for_a_variant_of_the_script(api):
    response = api.client("owner").post(
        "/api/v1/ads/", {"product": str(api.home.product.id), "variant": 2}, format="json"
    )
    assert response.status_code == 202, response.content
    assert RenderJob.objects.get(id=response.json()["id"]).options["variant"] == 2
    response = api.client("owner").post(
        "/api/v1/ads/", {"product": str(api.home.product.id), "variant": 10}, format="json"
    )
    assert set(assert_error(response, 400, "invalid_input")["detail"]) == {"variant"}


def test_bad_ad_options_answer_400_with_the_fields(api):
    response = api.client("owner").post(
        "/api/v1/ads/", {"product": str(api.home.product.id), "formats": ["3:2"], "length": 500}, format="json"
    )
    error = assert_error(response, 400, "invalid_input")
    assert set(error["detail"]) == {"formats", "length"}
    response = api.client("owner").post(
        "/api/v1/ads/", {"product": str(api.home.product.id), "template": "no-such-template"}, format="json"
    )
    assert_error(response, 400, "unknown_template")
    assert not RenderJob.objects.filter(state=RenderJob.State.QUEUED).exists()


def test_an_ad_of_a_product_that_is_not_ready_is_refused(api):
    pending = make_product(api.home.workspace, images=0, status=Product.Status.PARTIAL)
    response = api.client("owner").post("/api/v1/ads/", {"product": str(pending.id)}, format="json")
    assert_error(response, 400, "product_not_ready")


def test_importing_a_url_creates_a_pending_product_and_queues_nothing_until_commit(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.client("owner").post("/api/v1/products/", {"url": "https://shop.example.com/p/9"}, format="json")
    assert response.status_code == 202
    product = Product.objects.get(id=response.json()["id"])
    assert product.status == Product.Status.PENDING and product.workspace == api.home.workspace
    assert len(callbacks) == 1  # the import task, sent once the row is committed


def test_a_product_made_by_hand_without_a_photo_is_partial_and_says_why(api):
    response = api.client("owner").post(
        "/api/v1/products/", {"title": "Stoneware mug", "price": "12.50", "currency": "EUR", "vertical": "home"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "partial" and "photo" in body["error"] and body["price"] == "12.50"
    assert body["fetched_with"] == "manual" and body["vertical"] == "home"


@pytest.mark.parametrize(
    ("payload", "field"),
    [({}, "non_field_errors"), ({"url": "ftp://x"}, "url"), ({"url": "https://a.example/p", "title": "x"}, "non_field_errors"),
     ({"title": "Mug", "price": "cheap"}, "price")],
)
def test_bad_product_input_answers_400_naming_the_field(api, payload, field):
    error = assert_error(api.client("owner").post("/api/v1/products/", payload, format="json"), 400, "invalid_input")
    assert field in error["detail"]


def test_a_bad_script_edit_answers_400_keyed_by_path_and_changes_nothing(api):
    script = dict(api.home.ad.script)
    scenes = [dict(s) for s in script["scenes"]]
    scenes[1]["caption"] = "word " * 80
    response = api.client("owner").put(
        f"/api/v1/ads/{api.home.ad.id}/script/", {"script": {**script, "scenes": scenes}}, format="json"
    )
    error = assert_error(response, 400, "invalid_input")
    assert any(key.startswith("scenes.1") for key in error["detail"])
    api.home.ad.refresh_from_db()
    assert api.home.ad.script == script


def test_cancelling_a_queued_job_sets_the_flag(api):
    job = RenderJob.objects.create(workspace=api.home.workspace, product=api.home.product)
    response = api.client("editor").post(f"/api/v1/jobs/{job.id}/cancel/")
    assert response.status_code == 202 and response.json()["cancel_requested"] is True


def test_ad_and_job_show_progress_and_file_urls_per_format(api):
    ad = api.client("viewer").get(f"/api/v1/ads/{api.home.ad.id}/").json()
    assert ad["job"]["state"] == "succeeded" and ad["job"]["progress"] == 100
    [files] = ad["outputs"]
    assert files["format"] == "9:16"
    for kind in ("video", "poster", "srt", "vtt"):
        assert files[kind].startswith("http://testserver/media-links/")  # signed (test_media_links.py)
    assert files["expires_at"]
    job = api.client("viewer").get(f"/api/v1/jobs/{api.home.job.id}/").json()
    assert job["ad"] == str(api.home.ad.id) and job["outputs"][0]["format"] == files["format"]
    assert job["outputs"][0]["video"].startswith("http://testserver/media-links/video.")


# ------------------------------------------------------------------ Idempotency-Key


def test_the_same_idempotency_key_and_body_replays_the_first_response(api):
    client = api.client("owner")
    body = {"title": "Stoneware mug", "price": "12.50", "currency": "EUR"}
    first = client.post("/api/v1/products/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/products/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Product.objects.filter(title="Stoneware mug").count() == 1


def test_the_same_idempotency_key_with_another_body_is_refused(api):
    client = api.client("owner")
    client.post("/api/v1/products/", {"title": "Mug"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    response = client.post("/api/v1/products/", {"title": "Plate"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert_error(response, 422, "idempotency_key_reused")
    assert not Product.objects.filter(title="Plate").exists()
    # another endpoint with the same key is another request too
    response = client.post(f"/api/v1/jobs/{api.home.job.id}/cancel/", HTTP_IDEMPOTENCY_KEY="k-2")
    assert_error(response, 422, "idempotency_key_reused")


def test_an_ad_posted_twice_with_one_key_queues_one_job(api):
    client = api.client("owner")
    body = {"product": str(api.home.product.id)}
    first = client.post("/api/v1/ads/", body, format="json", HTTP_IDEMPOTENCY_KEY="ad-1")
    again = client.post("/api/v1/ads/", body, format="json", HTTP_IDEMPOTENCY_KEY="ad-1")
    assert first.json()["id"] == again.json()["id"]
    assert RenderJob.objects.filter(state=RenderJob.State.QUEUED).count() == 1


def test_idempotency_keys_are_per_workspace(api):
    body = {"title": "Mug"}
    api.client("owner").post("/api/v1/products/", body, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    response = api.client("outsider").post("/api/v1/products/", body, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Product.objects.filter(title="Mug").count() == 2


def test_a_failed_request_frees_its_idempotency_key(api):
    client = api.client("owner")
    response = client.post("/api/v1/ads/", {"product": str(api.outsider.product.id)}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert_error(response, 404)
    assert not IdempotencyRecord.objects.filter(key="k-3").exists()
    response = client.post("/api/v1/ads/", {"product": str(api.home.product.id)}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert response.status_code == 202


def test_an_idempotency_key_still_in_progress_answers_409(api):
    body = {"title": "Mug"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    fingerprint = hashlib.sha256(f"POST /api/v1/products/\n{text}".encode()).hexdigest()
    IdempotencyRecord.objects.create(workspace=api.home.workspace, key="busy", fingerprint=fingerprint)
    response = api.client("owner").post("/api/v1/products/", body, format="json", HTTP_IDEMPOTENCY_KEY="busy")
    assert_error(response, 409, "idempotency_in_progress")
    assert not Product.objects.filter(title="Mug").exists()


def test_an_overlong_idempotency_key_is_refused(api):
    response = api.client("owner").post("/api/v1/products/", {"title": "Mug"}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 300)
    assert_error(response, 400, "invalid_idempotency_key")


# ------------------------------------------------------------------ lists


def test_cursor_pagination_walks_every_product_once(api):
    for i in range(23):
        make_product(api.home.workspace, title=f"Item {i}", images=0)
    client, seen, url = api.client("viewer"), [], "/api/v1/products/?limit=10"
    pages = 0
    while url:
        body = client.get(url).json()
        assert set(body) == {"next", "previous", "results"}
        assert len(body["results"]) <= 10
        seen += [r["id"] for r in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 3 and len(seen) == len(set(seen)) == 24


def test_product_filters_and_search(api):
    make_product(api.home.workspace, title="Walnut desk lamp", vertical="home", images=0, status=Product.Status.PARTIAL)
    client = api.client("viewer")

    def titles(query):
        return {r["title"] for r in client.get(f"/api/v1/products/?{query}").json()["results"]}

    assert titles("vertical=home") == {"Walnut desk lamp"}
    assert titles("status=partial") == {"Walnut desk lamp"}
    assert titles("search=desk%20walnut") == {"Walnut desk lamp"}
    assert titles("search=aurora") == {api.home.product.title}
    assert_error(client.get("/api/v1/products/?status=lost"), 400, "invalid_input")


def test_template_list_filters(api):
    client = api.client("viewer")
    rows = client.get("/api/v1/templates/").json()["results"]
    assert len(rows) >= 18 and {"slug", "vertical", "languages", "lengths"} <= set(rows[0])
    apparel = client.get("/api/v1/templates/?vertical=apparel&language=ja").json()["results"]
    assert apparel and all(r["vertical"] == "apparel" and "ja" in r["languages"] for r in apparel)


# ------------------------------------------------------------------ throttling


def test_requests_are_throttled_per_key(api, monkeypatch):
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "3/min"})
    owner = api.client("owner")
    for _ in range(3):
        assert owner.get("/api/v1/templates/").status_code == 200
    error = assert_error(owner.get("/api/v1/templates/"), 429, "throttled")
    assert error["detail"]["retry_after"] > 0
    assert api.client("editor").get("/api/v1/templates/").status_code == 200  # another key, own count


# ------------------------------------------------------------------ queries per page


@pytest.mark.parametrize(("path", "make"), [("/api/v1/products/", "product"), ("/api/v1/ads/", "ad")])
def test_queries_per_page_do_not_grow_with_the_page(api, path, make):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from generation.models import RenderOutput

    def add(n):
        for _ in range(n):
            product = make_product(api.home.workspace, images=2)
            if make == "ad":
                ad = api.home.ad
                ad.pk = None
                ad.id = None
                ad.product = product
                ad.save()
                job = RenderJob.objects.create(workspace=api.home.workspace, product=product, ad=ad)
                RenderOutput.objects.create(
                    workspace=api.home.workspace, ad=ad, job=job, format="1:1", video="a.mp4", poster="a.jpg",
                    srt="a.srt", vtt="a.vtt", width=1080, height=1080, duration=6, size_bytes=1,
                )

    client = api.client("owner")
    client.get(path)  # the key's last-used time is written once a minute: not in the counts
    counts = []
    for n in (2, 20):
        add(n)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{path}?limit=100").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# ------------------------------------------------------------------ re-render, re-scrape


def test_re_rendering_queues_a_new_job_for_the_same_ad_once_at_a_time(api):
    client = api.client("owner")
    response = client.post(f"/api/v1/ads/{api.home.ad.id}/render/")
    assert response.status_code == 202
    job = RenderJob.objects.get(id=response.json()["id"])
    assert job.ad == api.home.ad and job.product == api.home.product and job.state == RenderJob.State.QUEUED
    assert job.options["formats"] == api.home.ad.formats and job.options["template"] == api.home.ad.template
    assert_error(client.post(f"/api/v1/ads/{api.home.ad.id}/render/"), 409, "ad_busy")
    ad = client.get(f"/api/v1/ads/{api.home.ad.id}/").json()
    assert ad["job"]["id"] == str(job.id) and ad["outputs"]  # the last render's files stay until replaced


def test_re_scraping_sets_the_product_pending_and_queues_its_page(api, django_capture_on_commit_callbacks):
    client = api.client("owner")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/api/v1/products/{api.home.product.id}/rescrape/")
    assert response.status_code == 202 and response.json()["status"] == "pending" and len(callbacks) == 1
    assert_error(client.post(f"/api/v1/products/{api.home.product.id}/rescrape/"), 409, "product_busy")
    manual = make_product(api.home.workspace, fetched_with=Product.FetchedWith.MANUAL)
    assert_error(client.post(f"/api/v1/products/{manual.id}/rescrape/"), 400, "no_source_page")


def test_a_re_render_job_goes_past_scrape_and_script_to_the_shots_of_the_same_ad(api):
    from generation import services
    from generation.models import Ad

    job = services.ad_render_start(ad=api.home.ad)
    ads = Ad.objects.count()
    services.job_scrape(job_id=job.id)
    services.job_build_script(job_id=job.id)
    job.refresh_from_db()
    assert job.stage == RenderJob.Stage.SHOTS and job.ad_id == api.home.ad.id and Ad.objects.count() == ads


def test_an_unsupported_language_is_refused_before_anything_is_queued(api, django_capture_on_commit_callbacks):
    from generation.models import RenderJob

    jobs = RenderJob.objects.count()
    with django_capture_on_commit_callbacks() as queued:
        response = api.client("owner").post(
            "/api/v1/ads/", {"product": str(api.home.product.id), "language": "xx"}, format="json"
        )
    assert response.status_code == 400 and "language" in response.json()["error"]["detail"]
    assert RenderJob.objects.count() == jobs and not queued
