"""Hostile input answers a JSON error, never a 500 or Django's HTML page: forged cursors,
oversized bodies, bodies nested too deep, binary files given as feeds."""

from __future__ import annotations

import base64
import io
import json
import os

import pytest

from tests.api.test_matrix import assert_error

pytestmark = pytest.mark.django_db

LISTS = ["/api/v1/products/", "/api/v1/ads/", "/api/v1/api-keys/", "/api/v1/webhooks/", "/api/v1/members/",
         "/api/v1/invitations/"]
FORGED = [
    base64.b64encode(b"p=notadate").decode(),
    base64.b64encode(b"o=1&r=1&p=2026-13-45T99:99:99").decode(),
    base64.b64encode(b"o=-5").decode(),
    "garbage!!",
    base64.b64encode(b"\xff\xfe\x00").decode(),
]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("cursor", FORGED)
def test_a_forged_cursor_is_a_400(api, path, cursor):
    error = assert_error(api.client("owner").get(path, {"cursor": cursor}), 400, "invalid_cursor")
    assert "cursor" in error["message"].lower()


def test_a_real_cursor_still_pages(api):
    client = api.client("owner")
    first = client.get("/api/v1/api-keys/", {"limit": 1}).json()
    assert first["next"]
    second = client.get(first["next"])
    assert second.status_code == 200 and second.json()["results"]


def test_a_body_over_the_upload_limit_is_a_413_in_the_api_format(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000_000
    body = b'{"url": "' + b"a" * 10_000_000 + b'"}'
    response = api.client("owner").generic("POST", "/api/v1/products/", body, content_type="application/json")
    error = assert_error(response, 413, "payload_too_large")
    assert "MB" in error["message"]


NESTED = {
    ("post", "/api/v1/products/"): "url",
    ("post", "/api/v1/ads/"): "template",
    ("put", "/api/v1/ads/{ad}/script/"): "script",
}


@pytest.mark.parametrize(("method", "path"), list(NESTED))
def test_a_body_nested_too_deep_is_a_400(api, method, path):
    body = ("{" + f'"{NESTED[method, path]}": ' + "[" * 1000 + "]" * 1000 + "}").encode()
    response = api.client("owner").generic(
        method.upper(), path.format(ad=api.home.ad.id), body, content_type="application/json"
    )
    error = assert_error(response, 400, "invalid_input")
    assert "nested too deep" in error["message"]


def test_a_body_nested_a_little_is_still_read(api):
    response = api.client("owner").post(
        "/api/v1/ads/", {"product": str(api.home.product.id), "brief": [[["fine"]]]}, format="json"
    )
    assert response.status_code != 500 and "nested" not in response.content.decode()


@pytest.mark.parametrize("data", [os.urandom(4096), b"\x00" * 100 + b"http://x", b"a" * 200_000 + b",b\n"])
def test_a_binary_file_given_as_a_feed_is_catalog_invalid(api, data):
    response = api.client("owner").post(
        "/api/v1/products/batch/", {"file": io.BytesIO(data)}, format="multipart"
    )
    assert response.status_code != 500, response.content
    if response.status_code != 202:  # some random bytes read as a list of (bad) rows
        assert_error(response, 400, "catalog_invalid")


def test_the_batch_endpoint_with_its_own_parsers_refuses_deep_nesting_too(api):
    body = ('{"urls": ' + "[" * 1000 + "]" * 1000 + "}").encode()
    response = api.client("owner").generic("POST", "/api/v1/products/batch/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "nested too deep" in assert_error(response, 400, "invalid_input")["message"]


def test_a_body_too_big_read_outside_a_view_is_a_413_on_api_paths_only(rf):
    from django.core.exceptions import RequestDataTooBig

    from accounts.api.errors import bad_request

    response = bad_request(rf.post("/api/v1/products/"), RequestDataTooBig("too big"))
    assert response.status_code == 413
    assert json.loads(response.content)["error"]["code"] == "payload_too_large"
    assert bad_request(rf.post("/app/"), RequestDataTooBig("too big")).status_code == 400


def test_a_recursion_error_past_the_parser_is_a_400_not_a_500():
    from accounts.api.errors import exception_handler

    response = exception_handler(RecursionError("maximum recursion depth exceeded"), {})
    assert response.status_code == 400 and response.data["error"]["code"] == "invalid_input"
    assert "nested too deep" in response.data["error"]["message"]
