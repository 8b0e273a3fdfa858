"""The campaigns API on the one API base: the stable interface, and every operation by every
caller (owner, editor, agency: works; viewer: reads only; outsider: 404; wrong method: 405)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from campaigns.engine import run_execute
from campaigns.models import AdFacts, Campaign, CampaignRun
from campaigns.services import campaign_create
from products.models import Product
from tests.api.test_matrix import assert_error

pytestmark = pytest.mark.django_db

BODY = {
    "name": "Black Friday",
    "products": ["{product}"],
    "formats": ["9:16", "1:1"],
    "languages": ["en", "de"],
    "length": 15,
    "variants": 2,
    "schedule": {"weekly": {"days": ["mon", "thu"], "time": "09:00"}},
}


def _body(tenant, body=BODY):
    return json.loads(json.dumps(body).replace("{product}", str(tenant.product.id)))


def _campaign(tenant) -> Campaign:
    Product.objects.filter(id=tenant.product.id).update(fetched_with=Product.FetchedWith.MANUAL)
    return campaign_create(workspace=tenant.workspace, data=_body(tenant))


def test_the_stable_interface_create_run_and_read_the_items(api):
    client = api.client("owner")
    Product.objects.filter(id=api.home.product.id).update(fetched_with=Product.FetchedWith.MANUAL)
    created = client.post("/api/v1/campaigns/", _body(api.home), format="json")
    assert created.status_code == 201, created.content
    campaign = created.json()
    assert campaign["products"] == [str(api.home.product.id)]
    assert (
        campaign["formats"],
        campaign["languages"],
        campaign["lengths"],
        campaign["variants"],
    ) == (["9:16", "1:1"], ["en", "de"], [15.0], 2)
    assert campaign["timezone"] == "UTC" and campaign["schedule"]["weekly"] == {
        "days": ["mon", "thu"],
        "time": "09:00",
    }
    assert len(campaign["next_runs"]) == 5 and campaign["next_runs"][0] == campaign[
        "next_run_at"
    ].replace("+00:00", "Z")

    started = client.post(f"/api/v1/campaigns/{campaign['id']}/run/")
    assert started.status_code == 202, started.content
    run_id = started.json()["run"]
    again = client.post(f"/api/v1/campaigns/{campaign['id']}/run/").json()
    assert (again["run"], again["created"]) == (run_id, False)  # pressed twice: one run

    run_execute(run_id=run_id, claimant="test", slice_seconds=60)  # what the worker does
    run = client.get(f"/api/v1/campaigns/{campaign['id']}/runs/{run_id}/").json()
    assert run["state"] == "running"  # its jobs are queued
    assert len(run["items"]) == 4  # one product x 2 languages x 2 variants
    first = run["items"][0]
    assert (first["product"], first["outcome"], first["reason_code"], first["ad"]) == (
        str(api.home.product.id),
        "",
        "new",
        None,
    )
    assert first["job"] and first["language"] == "en" and first["variant"] == 0
    listed = client.get(f"/api/v1/campaigns/{campaign['id']}/runs/").json()["results"]
    assert [r["id"] for r in listed] == [run_id] and "items" not in listed[0]


def test_a_schedule_in_another_zone_and_a_one_off(api):
    client = api.client("owner")
    body = {
        **_body(api.home),
        "schedule": {"weekly": {"days": ["mon"], "time": "09:00"}, "timezone": "America/New_York"},
    }
    campaign = client.post("/api/v1/campaigns/", body, format="json").json()
    assert campaign["timezone"] == "America/New_York"
    assert all(
        t.endswith(("13:00:00Z", "14:00:00Z")) for t in campaign["next_runs"]
    )  # 09:00 EDT / EST
    once = {**_body(api.home), "schedule": {"at": "2031-12-24T09:00:00+01:00"}}
    campaign = client.post("/api/v1/campaigns/", once, format="json").json()
    assert campaign["next_runs"] == ["2031-12-24T08:00:00Z"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"schedule": {"weekly": {"days": ["funday"], "time": "09:00"}}}, "invalid_schedule"),
        ({"schedule": {"cron": "* * * * *"}}, "schedule_too_frequent"),
        ({"schedule": {"at": "2031-12-24T09:00", "timezone": "Mars/Base"}}, "invalid_timezone"),
        ({"formats": ["3:2"]}, "invalid_input"),
        ({"languages": ["xx"]}, "unsupported_language"),
        ({"variants": 9}, "invalid_input"),
        ({"budget_credits": 0}, "invalid_input"),
        ({"products": []}, "invalid_input"),
    ],
)
def test_bad_fields_are_refused_with_their_code_and_nothing_is_made(api, change, code):
    response = api.client("owner").post(
        "/api/v1/campaigns/", {**_body(api.home), **change}, format="json"
    )
    assert_error(response, 400, code)
    assert not Campaign.objects.exists()


def test_another_workspaces_product_is_not_found_and_not_named(api):
    response = api.client("outsider").post("/api/v1/campaigns/", _body(api.home), format="json")
    error = assert_error(response, 400, "product_not_found")
    assert str(api.home.product.id) not in json.dumps(error)


def test_patch_pauses_and_resumes(api):
    campaign = _campaign(api.home)
    client = api.client("owner")
    paused = client.patch(
        f"/api/v1/campaigns/{campaign.id}/", {"enabled": False}, format="json"
    ).json()
    assert paused["enabled"] is False and paused["next_runs"] == []
    resumed = client.patch(
        f"/api/v1/campaigns/{campaign.id}/", {"enabled": True, "budget_credits": 30}, format="json"
    ).json()
    assert resumed["enabled"] is True and resumed["budget_credits"] == 30 and resumed["next_runs"]
    assert resumed["name"] == "Black Friday"  # what was not sent stays


def test_ads_stale_true_lists_the_ads_whose_price_or_availability_changed(api):
    ad = api.home.ad
    client = api.client("owner")
    AdFacts.objects.create(
        workspace=api.home.workspace,
        ad=ad,
        price=ad.product.price,
        currency=ad.product.currency,
        availability=ad.product.availability,
        title=ad.product.title,
    )
    assert client.get("/api/v1/ads/?stale=true").json()["results"] == []
    Product.objects.filter(id=ad.product_id).update(price=Decimal("1.00"))
    assert [a["id"] for a in client.get("/api/v1/ads/?stale=true").json()["results"]] == [
        str(ad.id)
    ]
    assert str(ad.id) not in json.dumps(client.get("/api/v1/ads/?stale=false").json())
    assert str(ad.id) in json.dumps(client.get("/api/v1/ads/").json())
    assert_error(client.get("/api/v1/ads/?stale=maybe"), 400)


# ------------------------------------------------------------------ every operation, every caller

OPERATIONS = [
    ("campaigns_list", "get", "/api/v1/campaigns/", None, 200, False),
    ("campaigns_create", "post", "/api/v1/campaigns/", BODY, 201, True),
    ("campaigns_retrieve", "get", "/api/v1/campaigns/{campaign}/", None, 200, False),
    ("campaigns_update", "patch", "/api/v1/campaigns/{campaign}/", {"name": "Renamed"}, 200, True),
    ("campaigns_destroy", "delete", "/api/v1/campaigns/{campaign}/", None, 204, True),
    ("campaigns_run", "post", "/api/v1/campaigns/{campaign}/run/", None, 202, True),
    ("campaigns_runs_list", "get", "/api/v1/campaigns/{campaign}/runs/", None, 200, False),
    (
        "campaigns_runs_retrieve",
        "get",
        "/api/v1/campaigns/{campaign}/runs/{run}/",
        None,
        200,
        False,
    ),
]


def _call(client, method, path, body, tenant, campaign, run):
    path = path.format(campaign=campaign.id, run=run.id)
    data = _body(tenant, body) if body is not None else None
    return (
        getattr(client, method)(path, data=data, format="json")
        if data is not None
        else getattr(client, method)(path)
    )


@pytest.fixture
def world(api):
    campaign = _campaign(api.home)
    run = CampaignRun.objects.create(
        workspace=api.home.workspace, campaign=campaign, slot=campaign.next_run_at
    )
    return api, campaign, run


@pytest.mark.parametrize("who", ["owner", "editor", "agency"])
@pytest.mark.parametrize(
    ("name", "method", "path", "body", "ok", "writes"), OPERATIONS, ids=[o[0] for o in OPERATIONS]
)
def test_it_works_for_the_workspaces_keys(world, who, name, method, path, body, ok, writes):
    api, campaign, run = world
    client = api.client(who, workspace=api.home.workspace.slug if who == "agency" else None)
    response = _call(client, method, path, body, api.home, campaign, run)
    assert response.status_code == ok, response.content
    if name in ("campaigns_retrieve", "campaigns_update"):
        assert response.json()["id"] == str(campaign.id)
    if name == "campaigns_runs_retrieve":
        assert response.json()["id"] == str(run.id) and response.json()["items"] == []
    if name == "campaigns_destroy":
        assert not Campaign.objects.filter(id=campaign.id).exists()


@pytest.mark.parametrize(
    ("name", "method", "path", "body", "ok", "writes"), OPERATIONS, ids=[o[0] for o in OPERATIONS]
)
def test_the_viewers_read_key_reads_but_cannot_write(world, name, method, path, body, ok, writes):
    api, campaign, run = world
    response = _call(api.client("viewer"), method, path, body, api.home, campaign, run)
    if writes:
        assert_error(response, 403, "read_only_key")
        assert Campaign.objects.get(id=campaign.id).name == "Black Friday"
        assert Campaign.objects.count() == 1 and CampaignRun.objects.count() == 1
    else:
        assert response.status_code == ok


@pytest.mark.parametrize(
    ("name", "method", "path", "body", "ok", "writes"),
    [o for o in OPERATIONS if "{" in o[2]],
    ids=[o[0] for o in OPERATIONS if "{" in o[2]],
)
def test_an_outsider_gets_404_and_never_the_object(world, name, method, path, body, ok, writes):
    api, campaign, run = world
    for client in (
        api.client("outsider"),
        api.client("agency", workspace=api.sister.workspace.slug),
    ):
        response = _call(client, method, path, body, api.home, campaign, run)
        assert_error(response, 404, "not_found")
        assert (
            str(campaign.id) not in response.content.decode()
            and "Black Friday" not in response.content.decode()
        )
    assert (
        Campaign.objects.get(id=campaign.id).name == "Black Friday"
        and CampaignRun.objects.count() == 1
    )


def test_lists_hold_only_the_keys_workspace(world):
    api, campaign, _run = world
    assert api.client("outsider").get("/api/v1/campaigns/").json()["results"] == []
    assert [c["id"] for c in api.client("owner").get("/api/v1/campaigns/").json()["results"]] == [
        str(campaign.id)
    ]


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/v1/campaigns/", ["put", "patch", "delete"]),
        ("/api/v1/campaigns/{campaign}/", ["post", "put"]),
        ("/api/v1/campaigns/{campaign}/run/", ["get", "put", "patch", "delete"]),
        ("/api/v1/campaigns/{campaign}/runs/", ["post", "put", "patch", "delete"]),
        ("/api/v1/campaigns/{campaign}/runs/{run}/", ["post", "put", "patch", "delete"]),
    ],
)
def test_a_wrong_method_gets_405(world, path, methods):
    api, campaign, run = world
    for method in methods:
        assert_error(
            _call(api.client("owner"), method, path, None, api.home, campaign, run),
            405,
            "method_not_allowed",
        )


def test_without_a_key_401(world):
    api, campaign, _run = world
    assert_error(
        api.client(None).get(f"/api/v1/campaigns/{campaign.id}/"), 401, "not_authenticated"
    )


def test_the_schema_documents_the_campaign_operations(api):
    schema = api.client("owner").get("/api/v1/schema/?format=json").json()
    operations = {
        op["operationId"]
        for path in schema["paths"].values()
        for op in path.values()
        if isinstance(op, dict)
    }
    assert {o[0] for o in OPERATIONS} <= operations
    stale = [
        p for p in schema["paths"]["/api/v1/ads/"]["get"]["parameters"] if p["name"] == "stale"
    ]
    assert stale and stale[0]["schema"]["type"] == "boolean"


def test_a_new_schedule_keeps_the_campaigns_own_zone_unless_it_names_another(api):
    client = api.client("owner")
    body = {
        **_body(api.home),
        "schedule": {"weekly": {"days": ["mon"], "time": "09:00"}, "timezone": "Asia/Tokyo"},
    }
    campaign = client.post("/api/v1/campaigns/", body, format="json").json()
    path = f"/api/v1/campaigns/{campaign['id']}/"
    changed = client.patch(
        path, {"schedule": {"weekly": {"days": ["tue"], "time": "10:00"}}}, format="json"
    ).json()
    assert changed["timezone"] == "Asia/Tokyo" and changed["next_runs"][0].endswith("01:00:00Z")
    moved = client.patch(
        path, {"schedule": {"at": "2031-01-01T10:00", "timezone": ""}}, format="json"
    ).json()
    assert moved["timezone"] == "UTC" and moved["next_runs"] == ["2031-01-01T10:00:00Z"]
