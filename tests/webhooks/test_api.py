"""/api/v1/webhooks/: registration refuses hostile URLs, the secret is shown once, tenants
never see each other's endpoints or logs, read-only keys read but never manage."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db.models import F

from accounts.webhooks.crypto import secret_decrypt
from accounts.webhooks.models import WebhookDelivery, WebhookEndpoint
from accounts.webhooks.services import webhook_endpoint_create
from tests.api.test_matrix import assert_error

pytestmark = pytest.mark.django_db

GOOD = {"url": "https://hooks.example.com/shopreel", "events": ["ad.completed", "product.imported"]}


def _create(api, who="owner", **body):
    return api.client(who).post("/api/v1/webhooks/", {**GOOD, **body}, format="json")


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5/hook",  # private
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://127.0.0.1:8000/admin/",  # loopback
        "http://localhost/hook",
        "http://2130706433/hook",  # 127.0.0.1 as one number
        "http://0x7f.1/hook",
        "http://[::ffff:10.0.0.1]/hook",  # IPv4-mapped private
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
        "https://user:pass@hooks.example.com/hook",
        "ftp://hooks.example.com/hook",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "",
    ],
)
def test_registration_refuses_a_hostile_url_with_a_clear_message(api, url):
    error = assert_error(_create(api, url=url), 400)
    assert error["code"] in ("webhook_url_refused", "invalid_input")
    assert "url" in json.dumps(error["detail"])
    assert not WebhookEndpoint.objects.exists()


def test_https_is_required_where_the_setting_says_so(api, settings):
    settings.SHOPREEL_WEBHOOK_REQUIRE_HTTPS = True
    error = assert_error(_create(api, url="http://hooks.example.com/hook"), 400, "webhook_url_refused")
    assert "https" in error["message"]
    assert _create(api, url="https://hooks.example.com/hook").status_code == 201


@pytest.mark.parametrize("events", [[], ["ad.deleted"], ["ping"], "ad.completed", None])
def test_events_must_be_a_list_of_the_three_events(api, events):
    assert_error(_create(api, events=events), 400, "invalid_input")
    assert not WebhookEndpoint.objects.exists()


def test_the_secret_is_shown_once_stored_encrypted_and_never_listed(api):
    client = api.client("owner")
    response = client.post("/api/v1/webhooks/", {**GOOD, "description": "CRM sync"}, format="json",
                           HTTP_IDEMPOTENCY_KEY="create-1")
    assert response.status_code == 201, response.content
    created = response.json()
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    assert created["events"] == ["product.imported", "ad.completed"]  # canonical order
    endpoint = WebhookEndpoint.objects.get(id=created["id"])
    assert secret not in endpoint.secret_encrypted and secret_decrypt(endpoint.secret_encrypted) == secret

    replay = client.post("/api/v1/webhooks/", {**GOOD, "description": "CRM sync"}, format="json",
                         HTTP_IDEMPOTENCY_KEY="create-1")
    assert replay["Idempotent-Replayed"] == "true" and replay.json()["secret"] is None
    client.post(f"/api/v1/webhooks/{endpoint.id}/test/")
    for path in ("/api/v1/webhooks/", f"/api/v1/webhooks/{endpoint.id}/", f"/api/v1/webhooks/{endpoint.id}/deliveries/"):
        text = client.get(path).content.decode()
        assert str(endpoint.id) in text
        assert secret not in text and endpoint.secret_encrypted not in text and "secret" not in text
    assert WebhookEndpoint.objects.count() == 1


def test_rotating_gives_a_new_secret_once(api):
    endpoint, old = webhook_endpoint_create(workspace=api.home.workspace, **GOOD)
    response = api.client("owner").post(f"/api/v1/webhooks/{endpoint.id}/rotate-secret/")
    assert response.status_code == 200
    new = response.json()["secret"]
    assert new != old and new.startswith("whsec_")
    endpoint.refresh_from_db()
    assert secret_decrypt(endpoint.secret_encrypted) == new
    assert new not in api.client("owner").get(f"/api/v1/webhooks/{endpoint.id}/").content.decode()


def test_patch_changes_what_is_sent_and_checks_the_url_again(api):
    endpoint, _ = webhook_endpoint_create(workspace=api.home.workspace, **GOOD)
    client = api.client("editor")
    response = client.patch(f"/api/v1/webhooks/{endpoint.id}/", {"events": ["ad.failed"], "active": False}, format="json")
    assert response.status_code == 200
    assert response.json()["events"] == ["ad.failed"] and response.json()["active"] is False
    assert_error(client.patch(f"/api/v1/webhooks/{endpoint.id}/", {"url": "http://10.1.1.1/"}, format="json"),
                 400, "webhook_url_refused")
    endpoint.refresh_from_db()
    assert endpoint.url == GOOD["url"] and endpoint.events == ["ad.failed"]


def test_delete_removes_the_endpoint_and_its_log(api):
    endpoint, _ = webhook_endpoint_create(workspace=api.home.workspace, **GOOD)
    api.client("owner").post(f"/api/v1/webhooks/{endpoint.id}/test/")
    assert api.client("owner").delete(f"/api/v1/webhooks/{endpoint.id}/").status_code == 204
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()
    assert_error(api.client("owner").get(f"/api/v1/webhooks/{endpoint.id}/"), 404, "not_found")


CALLS = [
    ("get", "/api/v1/webhooks/{id}/", None),
    ("patch", "/api/v1/webhooks/{id}/", {"description": "mine now"}),
    ("delete", "/api/v1/webhooks/{id}/", None),
    ("post", "/api/v1/webhooks/{id}/rotate-secret/", None),
    ("post", "/api/v1/webhooks/{id}/test/", None),
    ("get", "/api/v1/webhooks/{id}/deliveries/", None),
]


@pytest.mark.parametrize(("method", "path", "body"), CALLS)
@pytest.mark.parametrize("who", ["outsider", "agency-in-sister"])
def test_another_workspaces_endpoint_and_log_answer_404_and_never_their_data(api, who, method, path, body):
    endpoint, secret = webhook_endpoint_create(workspace=api.home.workspace, description="home's CRM", **GOOD)
    api.client("owner").post(f"/api/v1/webhooks/{endpoint.id}/test/")
    client = api.client("outsider") if who == "outsider" else api.client("agency", workspace=api.sister.workspace.slug)
    url = path.format(id=endpoint.id)
    response = getattr(client, method)(url, body, format="json") if body else getattr(client, method)(url)
    assert_error(response, 404, "not_found")
    text = response.content.decode()
    assert str(endpoint.id) not in text and GOOD["url"] not in text and "home's CRM" not in text
    endpoint.refresh_from_db()
    assert endpoint.description == "home's CRM" and secret_decrypt(endpoint.secret_encrypted) == secret
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1
    listed = client.get("/api/v1/webhooks/").json()["results"]
    assert str(endpoint.id) not in json.dumps(listed)


@pytest.mark.parametrize(("method", "path", "body"), [c for c in CALLS if c[0] != "get"])
def test_a_read_only_key_reads_the_endpoints_and_log_but_cannot_manage_them(api, method, path, body):
    endpoint, secret = webhook_endpoint_create(workspace=api.home.workspace, **GOOD)
    viewer = api.client("viewer")
    assert viewer.get("/api/v1/webhooks/").json()["results"][0]["id"] == str(endpoint.id)
    assert viewer.get(f"/api/v1/webhooks/{endpoint.id}/deliveries/").status_code == 200
    url = path.format(id=endpoint.id)
    response = getattr(viewer, method)(url, body, format="json") if body else getattr(viewer, method)(url)
    assert_error(response, 403, "read_only_key")
    assert_error(viewer.post("/api/v1/webhooks/", GOOD, format="json"), 403, "read_only_key")
    endpoint.refresh_from_db()
    assert secret_decrypt(endpoint.secret_encrypted) == secret and endpoint.description == ""
    assert WebhookEndpoint.objects.count() == 1 and not WebhookDelivery.objects.exists()


def test_the_delivery_log_is_cursor_paginated_newest_first(api):
    endpoint, _ = webhook_endpoint_create(workspace=api.home.workspace, **GOOD)
    client = api.client("owner")
    made = []
    for _ in range(3):  # one test event a minute per endpoint: the earlier ones are made older
        WebhookDelivery.objects.update(created_at=F("created_at") - timedelta(minutes=2))
        made.append(client.post(f"/api/v1/webhooks/{endpoint.id}/test/").json()["id"])
    first = client.get(f"/api/v1/webhooks/{endpoint.id}/deliveries/?limit=2").json()
    assert [d["id"] for d in first["results"]] == made[::-1][:2]
    second = client.get(first["next"]).json()
    assert [d["id"] for d in second["results"]] == made[:1]
    assert first["results"][0]["event_type"] == "ping" and first["results"][0]["state"] == "pending"


def test_the_admin_and_the_log_never_show_the_signing_secret(api, client, caplog):
    import logging

    from django.urls import reverse

    from tests.factories import UserFactory

    caplog.set_level(logging.DEBUG)
    response = api.client("owner").post("/api/v1/webhooks/", GOOD, format="json")
    secret = response.json()["secret"]
    endpoint = WebhookEndpoint.objects.get(id=response.json()["id"])
    api.client("owner").post(f"/api/v1/webhooks/{endpoint.id}/rotate-secret/")
    rotated = secret_decrypt(WebhookEndpoint.objects.get(id=endpoint.id).secret_encrypted)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    pages = [
        client.get(reverse("admin:accounts_webhookendpoint_changelist")).text,
        client.get(reverse("admin:accounts_webhookendpoint_change", args=[endpoint.pk])).text,
    ]
    assert all(str(endpoint.url) in page for page in pages)
    for text in [*pages, caplog.text]:
        for value in (secret, rotated, WebhookEndpoint.objects.get(id=endpoint.id).secret_encrypted):
            assert value not in text
