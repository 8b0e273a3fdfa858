"""Every endpoint by every caller: the owner's key works, the outsider's key gets 404 and never
the object, a read-only key cannot write, a revoked or missing key gets 401, a wrong method
405, and every error has the one shape."""

from __future__ import annotations

import json
import uuid

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiKey, Invitation, Membership
from accounts.services import workspace_hand_over
from generation.models import RenderJob
from products.models import Product

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "detail"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["detail"], dict)
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


# name, method, path, body, status for a key that may, writes?
ENDPOINTS = [
    ("products_list", "get", "/api/v1/products/", None, 200, False),
    ("products_retrieve", "get", "/api/v1/products/{product}/", None, 200, False),
    ("products_create_manual", "post", "/api/v1/products/",
     {"title": "Stoneware mug", "price": "12.50", "currency": "EUR"}, 201, True),
    ("products_import_url", "post", "/api/v1/products/", {"url": "https://shop.example.com/products/mug"}, 202, True),
    ("templates_list", "get", "/api/v1/templates/", None, 200, False),
    ("ads_list", "get", "/api/v1/ads/", None, 200, False),
    ("ads_retrieve", "get", "/api/v1/ads/{ad}/", None, 200, False),
    ("ads_create", "post", "/api/v1/ads/",
     {"product": "{product}", "template": "auto", "formats": ["9:16", "1:1"], "length": 15, "market": "EU"}, 202, True),
    ("ads_script_update", "put", "/api/v1/ads/{ad}/script/", {"script": "{script}"}, 200, True),
    ("jobs_retrieve", "get", "/api/v1/jobs/{job}/", None, 200, False),
    ("jobs_cancel", "post", "/api/v1/jobs/{job}/cancel/", None, 202, True),
    ("products_rescrape", "post", "/api/v1/products/{product}/rescrape/", None, 202, True),
    ("products_price_confirm", "post", "/api/v1/products/{product}/price/confirm/", {"price": "19.90"}, 200, True),
    ("products_translations_retrieve", "get", "/api/v1/products/{product}/translations/ja/", None, 200, False),
    ("products_translations_update", "put", "/api/v1/products/{product}/translations/ja/",
     {"facts": {"features.1": "ゆったりシルエット"}}, 200, True),
    ("products_translations_translate", "post", "/api/v1/products/{product}/translations/ja/translate/", None, 200, True),
    ("products_batch_create", "post", "/api/v1/products/batch/", {"urls": ["https://shop.example.com/products/mug"]}, 202, True),
    ("products_batch_retrieve", "get", "/api/v1/products/batches/{batch}/", None, 200, False),
    ("ads_render", "post", "/api/v1/ads/{ad}/render/", None, 202, True),
    ("api_keys_list", "get", "/api/v1/api-keys/", None, 200, False),
    ("api_keys_create", "post", "/api/v1/api-keys/", {"name": "CI", "scope": "read"}, 201, True),
    ("api_keys_revoke", "post", "/api/v1/api-keys/{key}/revoke/", None, 200, True),
    ("webhooks_list", "get", "/api/v1/webhooks/", None, 200, False),
    ("webhooks_create", "post", "/api/v1/webhooks/", {"url": "https://hooks.example.com/in", "events": ["ad.completed"]}, 201, True),
    ("webhooks_retrieve", "get", "/api/v1/webhooks/{webhook}/", None, 200, False),
    ("webhooks_update", "patch", "/api/v1/webhooks/{webhook}/", {"description": "CRM"}, 200, True),
    ("webhooks_rotate_secret", "post", "/api/v1/webhooks/{webhook}/rotate-secret/", None, 200, True),
    ("webhooks_test", "post", "/api/v1/webhooks/{webhook}/test/", None, 202, True),
    ("webhooks_deliveries_list", "get", "/api/v1/webhooks/{webhook}/deliveries/", None, 200, False),
    ("brand_kit_retrieve", "get", "/api/v1/brand-kit/", None, 200, False),
    ("brand_kit_update", "patch", "/api/v1/brand-kit/", {"accent_color": "#22AA55"}, 200, True),
    ("members_list", "get", "/api/v1/members/", None, 200, False),
    ("members_role_change", "post", "/api/v1/members/{member}/role/", {"role": "viewer"}, 200, True),
    ("members_remove", "post", "/api/v1/members/{member}/remove/", None, 200, True),
    ("invitations_list", "get", "/api/v1/invitations/", None, 200, False),
    ("invitations_create", "post", "/api/v1/invitations/", {"email": "new@example.com", "role": "editor"}, 201, True),
    ("invitations_revoke", "post", "/api/v1/invitations/{invitation}/revoke/", None, 200, True),
    ("billing_retrieve", "get", "/api/v1/billing/", None, 200, False),
    ("billing_ledger_list", "get", "/api/v1/billing/ledger/", None, 200, False),
]
OBJECT_ENDPOINTS = [e for e in ENDPOINTS if "{" in e[2]]
WRITE_ENDPOINTS = [e for e in ENDPOINTS if e[5]]
# Managing members needs the key's maker to be an owner or admin (an editor's write key cannot).
MANAGER_ENDPOINTS = [e for e in WRITE_ENDPOINTS if e[0].startswith(("members_", "invitations_"))]
ids = [e[0] for e in ENDPOINTS]


def _fill(tenant, value):
    if value is None:
        return None
    text = json.dumps(value)
    text = text.replace('"{script}"', json.dumps(tenant.ad.script))
    for name in ("product", "ad", "job"):
        text = text.replace("{" + name + "}", str(getattr(tenant, name).id))
    return json.loads(text)


def _webhook(tenant):
    """The tenant's webhook endpoint, made on first use (only webhook paths need one)."""
    from accounts.webhooks.models import WebhookEndpoint
    from accounts.webhooks.services import webhook_endpoint_create

    endpoint = WebhookEndpoint.objects.filter(workspace=tenant.workspace, url="https://hooks.example.com/m").first()
    return endpoint or webhook_endpoint_create(workspace=tenant.workspace, url="https://hooks.example.com/m",
                                               events=["ad.failed"], description="matrix")[0]


def _call(client, method, path, body, tenant):
    if "{webhook}" in path:
        path = path.replace("{webhook}", str(_webhook(tenant).id))
    path = path.format(product=tenant.product.id, ad=tenant.ad.id, job=tenant.job.id, key=tenant.spare_key.id, member=tenant.member.public_id,
                       invitation=tenant.invitation.id,
                       batch=tenant.batch.id)
    data = _fill(tenant, body)
    return getattr(client, method)(path, data=data, format="json") if data is not None else getattr(client, method)(path)


# Every endpoint for each key that may use it (an editor's key is refused member management:
# test_an_editors_write_key_cannot_manage_members).
WORKS = [(who, *e) for who in ("owner", "editor", "agency") for e in ENDPOINTS
         if not (who == "editor" and e in MANAGER_ENDPOINTS)]


@pytest.mark.parametrize(("who", "name", "method", "path", "body", "ok", "writes"), WORKS,
                         ids=[f"{w[0]}-{w[1]}" for w in WORKS])
def test_it_works_for_the_workspaces_keys(api, who, name, method, path, body, ok, writes):
    response = _call(api.client(who), method, path, body, api.home)
    assert response.status_code == ok, response.content
    data = response.json()
    if name == "ads_render":
        assert data["ad"] == str(api.home.ad.id) and data["state"] == "queued"
    elif name == "webhooks_test":
        assert data["event_type"] == "ping"
    elif name == "webhooks_deliveries_list":
        assert "results" in data
    elif name.startswith("webhooks_") and "{" in path:
        assert data["id"] == str(_webhook(api.home).id)
        assert ("secret" in data) == (name == "webhooks_rotate_secret")
    elif name.startswith("members_") and "{" in path:
        assert data["id"] == str(api.home.member.public_id)
    elif name.startswith("products_translations_"):
        assert data["product"] == str(api.home.product.id) and data["language"] == "ja"
    elif "{" in path:
        target = {"invitations_revoke": api.home.invitation, "products_retrieve": api.home.product, "products_rescrape": api.home.product,
                  "products_price_confirm": api.home.product, "ads_retrieve": api.home.ad,
                  "ads_script_update": api.home.ad, "jobs_retrieve": api.home.job, "jobs_cancel": api.home.job,
                  "api_keys_revoke": api.home.spare_key, "products_batch_retrieve": api.home.batch}[name]
        assert data["id"] == str(target.id)


@pytest.mark.parametrize(("name", "method", "path", "body", "ok", "writes"), ENDPOINTS, ids=ids)
def test_the_viewers_read_key_reads_but_cannot_write(api, name, method, path, body, ok, writes):
    products, jobs = Product.objects.count(), RenderJob.objects.count()
    script = dict(api.home.ad.script)
    response = _call(api.client("viewer"), method, path, body, api.home)
    if writes:
        assert_error(response, 403, "read_only_key")
        assert (Product.objects.count(), RenderJob.objects.count()) == (products, jobs)
        api.home.ad.refresh_from_db()
        api.home.job.refresh_from_db()
        api.home.spare_key.refresh_from_db()
        assert api.home.ad.script == script and not api.home.job.cancel_requested
        assert api.home.spare_key.revoked_at is None and not ApiKey.objects.filter(name="CI").exists()
        api.home.member.refresh_from_db()  # still there, still an editor
        api.home.invitation.refresh_from_db()
        assert api.home.member.role == "editor" and api.home.invitation.revoked_at is None
        assert not Invitation.objects.filter(email="new@example.com").exists()
        api.home.product.refresh_from_db()
        assert api.home.product.status == Product.Status.IMPORTED
    else:
        assert response.status_code == ok


def _assert_members_unchanged(api):
    api.home.member.refresh_from_db()
    api.home.invitation.refresh_from_db()
    assert api.home.member.role == "editor" and api.home.invitation.revoked_at is None
    assert Membership.objects.filter(pk=api.home.member.pk).exists()
    assert not Invitation.objects.filter(email="new@example.com").exists()


@pytest.mark.parametrize(("name", "method", "path", "body", "ok", "writes"), MANAGER_ENDPOINTS, ids=[e[0] for e in MANAGER_ENDPOINTS])
def test_an_editors_write_key_cannot_manage_members(api, name, method, path, body, ok, writes):
    assert api.key_rows["editor"].can_write
    response = _call(api.client("editor"), method, path, body, api.home)
    assert_error(response, 403, "permission_denied")
    _assert_members_unchanged(api)


@pytest.mark.parametrize(("name", "method", "path", "body", "ok", "writes"), MANAGER_ENDPOINTS, ids=[e[0] for e in MANAGER_ENDPOINTS])
def test_a_demoted_owners_key_stops_managing_members(api, name, method, path, body, ok, writes):
    owner = api.key_rows["owner"].created_by
    Membership.objects.filter(workspace=api.home.workspace, user=owner).update(role="editor")
    response = _call(api.client("owner"), method, path, body, api.home)
    assert_error(response, 403, "permission_denied")
    _assert_members_unchanged(api)


@pytest.mark.parametrize(("name", "method", "path", "body", "ok", "writes"), OBJECT_ENDPOINTS, ids=[e[0] for e in OBJECT_ENDPOINTS])
def test_an_outsiders_key_gets_404_and_never_the_object(api, name, method, path, body, ok, writes):
    response = _call(api.client("outsider"), method, path, body, api.home)
    assert_error(response, 404, "not_found")
    text = response.content.decode()
    for secret in (str(api.home.product.id), api.home.product.title, str(api.home.ad.id), str(api.home.job.id),
                   str(api.home.spare_key.id), api.home.spare_key.prefix, str(api.home.batch.id)):
        assert secret not in text
    api.home.job.refresh_from_db()
    api.home.spare_key.refresh_from_db()
    assert not api.home.job.cancel_requested and api.home.spare_key.revoked_at is None


def test_an_outsider_cannot_make_an_ad_of_another_workspaces_product(api):
    response = api.client("outsider").post(
        "/api/v1/ads/", {"product": str(api.home.product.id)}, format="json"
    )
    assert_error(response, 404, "not_found")
    assert not RenderJob.objects.filter(workspace=api.outsider.workspace, product=api.home.product).exists()


@pytest.mark.parametrize("path", ["/api/v1/products/", "/api/v1/ads/"])
def test_lists_hold_only_the_keys_workspace(api, path):
    results = api.client("outsider").get(path).json()["results"]
    assert {r["id"] for r in results} == {str(getattr(api.outsider, "product" if "products" in path else "ad").id)}
    assert str(api.home.product.id) not in json.dumps(results)


@pytest.mark.parametrize(("name", "method", "path", "body", "ok", "writes"), ENDPOINTS, ids=ids)
@pytest.mark.parametrize(
    ("auth", "code"),
    [("revoked", "authentication_failed"), (None, "not_authenticated"), ("unknown", "authentication_failed"),
     ("basic", "authentication_failed")],
)
def test_revoked_missing_or_unknown_keys_get_401(api, auth, code, name, method, path, body, ok, writes):
    client = api.client(None)
    if auth == "revoked":
        client = api.client("revoked")
    elif auth == "unknown":
        client.credentials(HTTP_AUTHORIZATION="Bearer sr_live_00000000_" + "x" * 43)
    elif auth == "basic":
        client.credentials(HTTP_AUTHORIZATION="Basic b3duZXI6cGFzcw==")
    response = _call(client, method, path, body, api.home)
    error = assert_error(response, 401, code)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert str(api.home.product.id) not in json.dumps(error)


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/v1/products/", ["put", "patch", "delete"]),
        ("/api/v1/products/{product}/", ["post", "put", "patch", "delete"]),
        ("/api/v1/templates/", ["post", "put", "delete"]),
        ("/api/v1/ads/", ["put", "patch", "delete"]),
        ("/api/v1/ads/{ad}/", ["post", "put", "patch", "delete"]),
        ("/api/v1/ads/{ad}/script/", ["get", "post", "patch", "delete"]),
        ("/api/v1/ads/{ad}/render/", ["get", "put", "delete"]),
        ("/api/v1/products/{product}/rescrape/", ["get", "put", "delete"]),
        ("/api/v1/products/{product}/price/confirm/", ["get", "put", "patch", "delete"]),
        ("/api/v1/products/batch/", ["get", "put", "patch", "delete"]),
        ("/api/v1/products/batches/{batch}/", ["post", "put", "patch", "delete"]),
        ("/api/v1/jobs/{job}/", ["post", "put", "patch", "delete"]),
        ("/api/v1/jobs/{job}/cancel/", ["get", "put", "delete"]),
        ("/api/v1/api-keys/", ["put", "patch", "delete"]),
        ("/api/v1/api-keys/{key}/revoke/", ["get", "put", "patch", "delete"]),
        ("/api/v1/webhooks/", ["put", "patch", "delete"]),
        ("/api/v1/webhooks/{webhook}/", ["post", "put"]),
        ("/api/v1/webhooks/{webhook}/rotate-secret/", ["get", "put", "patch", "delete"]),
        ("/api/v1/webhooks/{webhook}/test/", ["get", "put", "patch", "delete"]),
        ("/api/v1/webhooks/{webhook}/deliveries/", ["post", "put", "patch", "delete"]),
        ("/api/v1/brand-kit/", ["post", "put", "delete"]),
        ("/api/v1/members/", ["post", "put", "patch", "delete"]),
        ("/api/v1/members/{member}/role/", ["get", "put", "patch", "delete"]),
        ("/api/v1/members/{member}/remove/", ["get", "put", "patch", "delete"]),
        ("/api/v1/invitations/", ["put", "patch", "delete"]),
        ("/api/v1/invitations/{invitation}/revoke/", ["get", "put", "patch", "delete"]),
        ("/api/v1/billing/", ["post", "put", "patch", "delete"]),
        ("/api/v1/billing/ledger/", ["post", "put", "patch", "delete"]),
    ],
)
def test_a_wrong_method_gets_405(api, path, methods):
    for method in methods:
        response = _call(api.client("owner"), method, path, None, api.home)
        assert_error(response, 405, "method_not_allowed")


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/api/v1/products/not-a-uuid/", f"/api/v1/jobs/{uuid.uuid4()}/"])
def test_unknown_urls_and_ids_answer_404_in_the_error_format(api, path):
    assert_error(api.client("owner").get(path), 404, "not_found")


# ------------------------------------------------------------------ agencies


@pytest.mark.parametrize(("name", "method", "path", "body", "ok", "writes"), OBJECT_ENDPOINTS, ids=[e[0] for e in OBJECT_ENDPOINTS])
def test_a_workspace_key_cannot_reach_the_agencys_other_client(api, name, method, path, body, ok, writes):
    assert_error(_call(api.client("owner"), method, path, body, api.sister), 404, "not_found")
    # not by naming the other client either
    client = api.client("owner", workspace=api.sister.workspace.slug)
    assert_error(_call(client, method, path, body, api.sister), 404, "not_found")


@pytest.mark.parametrize(("name", "method", "path", "body", "ok", "writes"), OBJECT_ENDPOINTS, ids=[e[0] for e in OBJECT_ENDPOINTS])
def test_an_agency_key_reaches_each_client_it_names_and_no_one_else(api, name, method, path, body, ok, writes):
    sister = api.client("agency", workspace=str(api.sister.workspace.id))
    assert _call(sister, method, path, body, api.sister).status_code == ok
    # the home client's objects are not in the sister workspace
    assert_error(_call(sister, method, path, body, api.home), 404, "not_found")
    # a workspace that is not its client
    outsider = api.client("agency", workspace=api.outsider.workspace.slug)
    assert_error(_call(outsider, method, path, body, api.outsider), 404, "not_found")


def test_an_agency_key_must_name_the_client_workspace(api):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api.keys['agency']}")
    assert_error(client.get("/api/v1/products/"), 400, "workspace_required")


def test_a_handed_over_workspace_is_out_of_the_agencys_reach(api):
    client = api.client("agency", workspace=api.sister.workspace.slug)
    assert client.get("/api/v1/products/").status_code == 200
    workspace_hand_over(workspace=api.sister.workspace)
    assert_error(client.get("/api/v1/products/"), 404, "not_found")
    # the merchant's own keys are untouched by the hand-over
    assert api.client("owner").get("/api/v1/products/").status_code == 200
