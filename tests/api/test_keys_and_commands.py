"""API keys (hashed, shown once, prefix, revocable, last-used time, roles), the two commands,
and the OpenAPI document and its offline docs."""

from __future__ import annotations

import json
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from accounts.models import ApiKey, Membership, Workspace
from accounts.services import api_key_create, api_key_hash, api_key_revoke
from core.errors import ApplicationError
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_key_is_stored_only_as_its_hash_with_a_visible_prefix(workspace):
    key, plaintext = api_key_create(workspace=workspace, name="Zapier", scope="write")
    assert plaintext.startswith(key.prefix + "_") and key.prefix.startswith("sr_live_") and len(key.prefix) == 16
    assert len(plaintext) > 50
    row = ApiKey.objects.get(id=key.id)
    assert row.secret_hash == api_key_hash(plaintext) and plaintext not in json.dumps(
        list(ApiKey.objects.values_list("prefix", "secret_hash", "name"))
    )
    _, other = api_key_create(workspace=workspace, name="Zapier")
    assert other != plaintext


def test_a_tampered_key_with_a_real_prefix_is_refused(api):
    real = api.keys["owner"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + real[:-1] + ("a" if real[-1] != "a" else "b"))
    assert client.get("/api/v1/products/").status_code == 401


def test_use_records_the_last_used_time_and_revoking_takes_effect_at_once(api):
    assert ApiKey.objects.get(id=api.key_rows["editor"].id).last_used_at is None
    client = api.client("editor")
    assert client.get("/api/v1/products/").status_code == 200
    assert ApiKey.objects.get(id=api.key_rows["editor"].id).last_used_at is not None
    api_key_revoke(api_key=api.key_rows["editor"])
    assert client.get("/api/v1/products/").status_code == 401


def test_a_viewer_may_only_make_read_keys_and_a_stranger_none(api):
    viewer = Membership.objects.get(workspace=api.home.workspace, role="viewer").user
    with pytest.raises(ApplicationError):
        api_key_create(workspace=api.home.workspace, name="x", scope="write", created_by=viewer)
    stranger = MembershipFactory(workspace=api.outsider.workspace).user
    with pytest.raises(ApplicationError):
        api_key_create(workspace=api.home.workspace, name="x", scope="read", created_by=stranger)
    with pytest.raises(ApplicationError):
        api_key_create(workspace=api.home.workspace, name="x", scope="admin")


def test_create_workspace_and_create_api_key_commands_give_a_working_key(db):
    out = StringIO()
    call_command("create_workspace", "Acme Outdoor", "--json", stdout=out)
    created = json.loads(out.getvalue())
    assert created["slug"] == "acme-outdoor" and Workspace.objects.filter(id=created["id"]).exists()
    with pytest.raises(CommandError):
        call_command("create_workspace", "Acme Outdoor", "--json", stdout=StringIO())

    out = StringIO()
    call_command("create_api_key", "--workspace", "acme-outdoor", "--scope", "write", "--json", stdout=out)
    key = json.loads(out.getvalue())
    assert set(key) == {"id", "key", "prefix", "scope", "workspace"} and key["scope"] == "write"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key['key']}")
    response = client.post("/api/v1/products/", {"title": "Tent"}, format="json")
    assert response.status_code == 201
    assert client.get("/api/v1/products/").json()["results"][0]["title"] == "Tent"

    with pytest.raises(CommandError):
        call_command("create_api_key", "--workspace", "nope", "--json", stdout=StringIO())
    out = StringIO()
    call_command("create_api_key", "--workspace", "acme-outdoor", "--json", stdout=out)
    assert json.loads(out.getvalue())["scope"] == "read"


def test_the_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert {"/api/v1/products/", "/api/v1/products/{product_id}/", "/api/v1/templates/", "/api/v1/ads/",
            "/api/v1/ads/{ad_id}/", "/api/v1/ads/{ad_id}/script/", "/api/v1/jobs/{job_id}/",
            "/api/v1/jobs/{job_id}/cancel/"} <= set(paths)
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    assert any(p["name"] == "Idempotency-Key" for p in paths["/api/v1/ads/"]["post"]["parameters"])


def test_schema_and_docs_are_served_without_a_key_and_offline(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"openapi" in schema.content
    for path in ("/api/v1/docs/", "/api/v1/redoc/"):
        page = client.get(path)
        assert page.status_code == 200
        html = page.content.decode()
        assert "drf_spectacular_sidecar" in html  # assets from our static files
        assert "cdn.jsdelivr" not in html and "unpkg.com" not in html


def test_agency_commands_make_clients_and_an_agency_key(db):
    out = StringIO()
    call_command("create_agency", "Loud Agency", "--json", stdout=out)
    agency = json.loads(out.getvalue())
    for name in ("Acme", "Bolt"):
        call_command("create_workspace", name, "--agency", agency["slug"], "--json", stdout=StringIO())
    out = StringIO()
    call_command("create_api_key", "--agency", agency["slug"], "--scope", "write", "--json", stdout=out)
    key = json.loads(out.getvalue())
    assert key["agency"] == "loud-agency" and "workspace" not in key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key['key']}", HTTP_SHOPREEL_WORKSPACE="bolt")
    assert client.post("/api/v1/products/", {"title": "Bolt tee"}, format="json").status_code == 201
    assert Workspace.objects.get(slug="bolt").agency.slug == "loud-agency"
    with pytest.raises(CommandError):
        call_command("create_api_key", "--workspace", "acme", "--agency", "loud-agency", stdout=StringIO())


def test_a_key_made_through_the_api_is_shown_once_and_works(api):
    client = api.client("owner")
    made = client.post("/api/v1/api-keys/", {"name": "CI", "scope": "read"}, format="json", HTTP_IDEMPOTENCY_KEY="mk")
    assert made.status_code == 201
    body = made.json()
    assert body["key"].startswith(body["prefix"]) and body["scope"] == "read"
    replay = client.post("/api/v1/api-keys/", {"name": "CI", "scope": "read"}, format="json", HTTP_IDEMPOTENCY_KEY="mk")
    assert replay.json()["id"] == body["id"] and replay.json()["key"] is None  # the secret is not kept
    listed = client.get("/api/v1/api-keys/").json()["results"]
    assert body["id"] in {k["id"] for k in listed} and all("key" not in k and "secret_hash" not in k for k in listed)
    new = APIClient()
    new.credentials(HTTP_AUTHORIZATION=f"Bearer {body['key']}")
    assert new.get("/api/v1/products/").status_code == 200
    assert new.post("/api/v1/products/", {"title": "x"}, format="json").status_code == 403
    assert client.post(f"/api/v1/api-keys/{body['id']}/revoke/").json()["revoked_at"]
    assert new.get("/api/v1/products/").status_code == 401
