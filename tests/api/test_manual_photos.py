"""A product made by hand through the API: the request stores the facts and answers 202 at once
(pending); a worker fetches the photo links, keeps the good ones and names each bad one."""

from __future__ import annotations

import shutil
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler

import pytest

from accounts import outbox
from accounts.models import OutboxMessage
from products.models import Product
from products.tasks import fetch_photos
from tests.api.test_matrix import assert_error
from tests.products.test_import import _jpeg
from tests.servers import run_server, serve
from tests.workers import celery_workers, wait_for

FACTS = {"title": "Stoneware mug", "price": "12.50", "currency": "EUR", "vertical": "home",
         "features": ["Dishwasher safe"]}


@pytest.fixture
def sent(monkeypatch, settings) -> list:
    """A broker is configured; the messages the outbox sends are recorded at the broker's edge."""
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    messages: list = []
    monkeypatch.setattr(outbox, "publish", messages.append)
    return messages


@pytest.fixture
def slow_shop(settings):
    """A shop whose every photo takes 3 s to start answering."""

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(3)
            body = _jpeg((30, 90, 160))
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    with run_server(Slow) as server:
        host = f"127.0.0.1:{server.server_address[1]}"
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        yield host


def test_ten_slow_photo_links_answer_at_once_with_the_product_pending(
    api, sent, slow_shop, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.client("owner").post(
            "/api/v1/products/", {**FACTS, "images": [f"http://{slow_shop}/{i}.jpg" for i in range(10)]},
            format="json",
        )
    elapsed = time.monotonic() - started
    assert response.status_code == 202, response.content
    assert elapsed < 2, f"the request took {elapsed:.1f} s"
    body = response.json()
    assert body["status"] == "pending" and body["images"] == [] and body["photo_errors"] == []
    assert body["title"] == "Stoneware mug" and body["price"] == "12.50" and body["fetched_with"] == "manual"
    [message] = sent
    assert message.task == "products.fetch_photos" and message.args == [body["id"]]
    assert not OutboxMessage.objects.exists()  # sent after commit, its row gone


def test_the_worker_keeps_the_good_photos_and_names_each_bad_link(api, sent, settings):
    routes = {
        "/front.jpg": (200, "image/jpeg", _jpeg((200, 30, 30), square=(250, 200, 550, 600))),
        "/side.jpg": (200, "image/jpeg", _jpeg((40, 90, 160))),
        "/page.html": (200, "text/html", b"<html>not a photo</html>"),
    }
    with serve(routes) as host:
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        links = [f"http://{host}/front.jpg", f"http://{host}/gone.jpg", f"http://{host}/side.jpg",
                 f"http://{host}/page.html"]
        response = api.client("owner").post("/api/v1/products/", {**FACTS, "images": links}, format="json")
        assert response.status_code == 202
        product_id = response.json()["id"]
        fetch_photos(product_id)  # what the worker runs
        fetch_photos(product_id)  # a repeated message finds the work done
    body = api.client("viewer").get(f"/api/v1/products/{product_id}/").json()
    assert body["status"] == "imported" and body["error"] == ""
    assert len(body["images"]) == 2
    assert [error["url"] for error in body["photo_errors"]] == [links[1], links[3]]
    assert all(error["error"] for error in body["photo_errors"])
    assert "404" in body["photo_errors"][0]["error"] or "not found" in body["photo_errors"][0]["error"].lower()
    product = Product.objects.get(id=product_id)
    assert product.price == Decimal("12.50") and product.features == ["Dishwasher safe"]
    assert [image.source_url for image in product.images.order_by("position")] == [links[0], links[2]]


def test_links_past_the_photo_limit_are_named_not_fetched(api, sent, settings):
    settings.SHOPREEL_MAX_IMAGES = 1
    routes = {"/a.jpg": (200, "image/jpeg", _jpeg((200, 30, 30))), "/b.jpg": (200, "image/jpeg", _jpeg((30, 30, 200)))}
    with serve(routes) as host:
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        links = [f"http://{host}/a.jpg", f"http://{host}/b.jpg"]
        response = api.client("owner").post("/api/v1/products/", {**FACTS, "images": links}, format="json")
        fetch_photos(response.json()["id"])
    body = api.client("viewer").get(f"/api/v1/products/{response.json()['id']}/").json()
    assert body["status"] == "imported" and len(body["images"]) == 1
    assert body["photo_errors"] == [{"url": links[1], "error": "Not used: a product keeps at most 1 photos."}]


def test_no_usable_photo_leaves_the_facts_partial_saying_why(api, sent, settings):
    with serve({}) as host:
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        response = api.client("owner").post(
            "/api/v1/products/", {**FACTS, "images": [f"http://{host}/a.jpg"]}, format="json"
        )
        fetch_photos(response.json()["id"])
    body = api.client("viewer").get(f"/api/v1/products/{response.json()['id']}/").json()
    assert body["status"] == "partial" and body["error_code"] == "no_image" and "photo" in body["error"]
    assert body["title"] == "Stoneware mug" and len(body["photo_errors"]) == 1


def test_a_photo_link_refused_on_its_face_is_a_400_and_nothing_is_made(api, sent):
    response = api.client("owner").post(
        "/api/v1/products/",
        {**FACTS, "images": ["https://cdn.example.com/a.jpg", "http://169.254.169.254/latest/x.jpg"]},
        format="json",
    )
    error = assert_error(response, 400, "invalid_photo_url")
    assert error["detail"] == {"field": "images", "index": 1} and error["message"].startswith("Photo 2:")
    assert not Product.objects.filter(title="Stoneware mug").exists() and not sent


def test_without_photo_links_the_product_is_finished_at_once(api, sent):
    response = api.client("owner").post("/api/v1/products/", FACTS, format="json")
    assert response.status_code == 201 and response.json()["status"] == "partial" and not sent


def test_without_a_broker_the_photos_are_fetched_in_process_after_commit(
    api, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_BROKER_URL = ""  # the embedded defaults: no worker would take a message
    with serve({"/a.jpg": (200, "image/jpeg", _jpeg((30, 160, 60)))}) as host:
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        with django_capture_on_commit_callbacks(execute=True):
            response = api.client("owner").post(
                "/api/v1/products/", {**FACTS, "images": [f"http://{host}/a.jpg"]}, format="json"
            )
    assert response.status_code == 202
    product = Product.objects.get(id=response.json()["id"])
    assert product.status == Product.Status.IMPORTED and product.images.count() == 1
    assert not OutboxMessage.objects.exists()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")
def test_a_real_worker_fetches_the_photos_of_a_product_made_by_hand(api, settings, redis_url, postgres, tmp_path):
    settings.CELERY_BROKER_URL = redis_url
    with serve({"/a.jpg": (200, "image/jpeg", _jpeg((160, 60, 30)))}) as host:
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        with celery_workers({"default": settings.SHOPREEL_QUEUE_DEFAULT}, redis_url=redis_url,
                            allow_hosts=host, log_dir=tmp_path) as (_processes, logs):
            response = api.client("owner").post(
                "/api/v1/products/", {**FACTS, "images": [f"http://{host}/a.jpg", f"http://{host}/b.jpg"]},
                format="json",
            )
            assert response.status_code == 202
            product_id = response.json()["id"]
            wait_for(lambda: Product.objects.get(id=product_id).status != Product.Status.PENDING,
                     timeout=60, what="the photos fetched", log=logs["default"])
    body = api.client("viewer").get(f"/api/v1/products/{product_id}/").json()
    assert body["status"] == "imported" and len(body["images"]) == 1
    assert [error["url"] for error in body["photo_errors"]] == [f"http://{host}/b.jpg"]
