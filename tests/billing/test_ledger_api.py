"""The billing API: the account summary and the ledger for a workspace's keys, client usage and
caps for an agency's key. The shared world (tests/api/conftest.py): home and sister are clients
of the agency "loud" (one pool), rival pays alone. The two workspace operations are also in the
API matrix (tests/api/test_matrix.py); the agency-only ones don't fit its shape (a workspace key
gets 404, the agency key names no workspace), so their owner / read-only / outsider / wrong-method
cases are here."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from accounts.services import api_key_create, workspace_hand_over
from billing.ledger import account_for_workspace, credits_grant, credits_reserve, credits_settle
from billing.models import BillingAccount, ClientCap
from core.errors import PaymentRequired
from tests.api.test_matrix import assert_error

pytestmark = pytest.mark.django_db

PLAN_FIELDS = {"slug", "name", "monthly_credits", "max_length_seconds", "max_formats", "generative_shots", "seats"}
ENTRY_FIELDS = {"id", "kind", "balance_change", "reserved_change", "balance_after", "reserved_after", "reason", "job",
                "reference", "flagged", "workspace", "created_at"}


def agency_client(api, key: str | None = None) -> APIClient:
    """The agency's key (or ``key``), naming no client workspace."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key or api.keys['agency']}")
    return client


@pytest.fixture
def seeded(api, plans):
    """The seeded plans, in the shared world."""
    return api


# ------------------------------------------------------------------ GET /billing/


def test_the_summary_shows_the_plan_status_and_credits_of_the_pool(seeded, settings):
    api = seeded
    settings.SHOPREEL_BILLING, settings.SHOPREEL_BILLING_LOW_BALANCE = True, 20
    body = api.client("owner").get("/api/v1/billing/").json()
    assert set(body) == {"plan", "status", "period_end", "balance", "reserved", "pool", "low_balance", "billing"}
    assert set(body["plan"]) == PLAN_FIELDS
    assert body["plan"] == {"slug": "trial", "name": "Free trial", "monthly_credits": 30, "max_length_seconds": 15,
                            "max_formats": 1, "generative_shots": False, "seats": 1}
    assert {k: v for k, v in body.items() if k != "plan"} == {
        "status": "trialing", "period_end": None, "balance": 30, "reserved": 0, "pool": "agency",
        "low_balance": False, "billing": "on",
    }
    # the sister client sees the same pool; the agency key naming either client too
    pool = BillingAccount.objects.get(agency=api.agency)
    credits_reserve(workspace=api.sister.workspace, job_id=uuid.uuid4(), credits=15)
    for client in (api.client("agency", workspace="southwind"), api.client("agency"), api.client("viewer")):
        body = client.get("/api/v1/billing/").json()
        assert (body["balance"], body["reserved"], body["low_balance"]) == (15, 15, True)
    assert BillingAccount.objects.filter(agency=api.agency).get().id == pool.id


def test_a_workspace_paying_alone_sees_its_own_account(seeded, settings):
    api = seeded
    settings.SHOPREEL_BILLING = False
    account = BillingAccount.objects.create(workspace=api.outsider.workspace, status="none")
    credits_grant(account=account, credits=500, reason="pack", reference="cs_9", kind="purchase")
    body = api.client("outsider").get("/api/v1/billing/").json()
    assert body == {"plan": None, "status": "none", "period_end": None, "balance": 500, "reserved": 0,
                    "pool": "workspace", "low_balance": False, "billing": "off"}
    # home's pool is untouched by rival's account, and the other way round
    assert api.client("owner").get("/api/v1/billing/").json()["balance"] == 30


def test_the_period_end_is_shown(seeded):
    api = seeded
    account = account_for_workspace(workspace=api.home.workspace)
    BillingAccount.objects.filter(id=account.id).update(status="active", current_period_end="2030-01-31T12:00:00Z")
    body = api.client("owner").get("/api/v1/billing/").json()
    assert body["status"] == "active" and body["period_end"].startswith("2030-01-31T12:00:00")


# ------------------------------------------------------------------ GET /billing/ledger/


def _pool_with_movements(api):
    """The pool: its welcome grant, a staff grant, home's settled job, sister's held job."""
    pool = account_for_workspace(workspace=api.home.workspace)
    credits_grant(account=pool, credits=100, reason="Agency: June", reference="in_june")
    home_job, sister_job = uuid.uuid4(), uuid.uuid4()
    credits_reserve(workspace=api.home.workspace, job_id=home_job, credits=12)
    credits_settle(job_id=home_job, charged=9)
    credits_reserve(workspace=api.sister.workspace, job_id=sister_job, credits=20)
    return pool, home_job, sister_job


def test_the_ledger_shows_the_workspaces_own_jobs_and_the_pools_grants_newest_first(seeded):
    api = seeded
    _, home_job, sister_job = _pool_with_movements(api)
    results = api.client("owner").get("/api/v1/billing/ledger/").json()["results"]
    assert all(set(r) == ENTRY_FIELDS for r in results)
    assert [(r["kind"], r["balance_change"], r["reserved_change"], r["workspace"]) for r in results] == [
        ("settle", 3, -12, "northwind"),
        ("reserve", -12, 12, "northwind"),
        ("grant", 100, 0, None),
        ("grant", 30, 0, None),
    ]
    settle = results[0]
    assert settle["job"] == str(home_job) and settle["reason"] == f"ad job {str(home_job)[:8]}: 9 of 12 held credits charged"
    assert (settle["balance_after"], settle["reserved_after"], settle["flagged"]) == (121, 0, False)
    assert results[2]["reference"] == "in_june" and results[2]["job"] is None
    assert str(sister_job) not in str(results)
    # the sister client sees its own job and the same grants, not home's
    sister = api.client("agency", workspace="southwind").get("/api/v1/billing/ledger/").json()["results"]
    assert [(r["kind"], r["workspace"]) for r in sister] == [("reserve", "southwind"), ("grant", None), ("grant", None)]
    assert str(home_job) not in str(sister)


def test_an_outsider_sees_only_its_own_ledger(seeded):
    api = seeded
    _pool_with_movements(api)
    results = api.client("outsider").get("/api/v1/billing/ledger/").json()["results"]
    assert [(r["kind"], r["balance_after"], r["workspace"]) for r in results] == [("grant", 30, None)]
    account = BillingAccount.objects.get(workspace=api.outsider.workspace)
    assert {r["id"] for r in results} == {str(e.id) for e in account.entries.all()}
    # naming home in the header does not reach it
    client = api.client("outsider", workspace="northwind")
    assert_error(client.get("/api/v1/billing/ledger/"), 404, "not_found")
    assert_error(client.get("/api/v1/billing/"), 404, "not_found")


def test_the_ledger_is_cursor_paginated(seeded):
    api = seeded
    pool = account_for_workspace(workspace=api.home.workspace)
    for month in range(6):
        credits_grant(account=pool, credits=1, reason=f"month {month}", reference=f"in_{month}")
    first = api.client("viewer").get("/api/v1/billing/ledger/?limit=4").json()
    assert [r["reason"] for r in first["results"]] == ["month 5", "month 4", "month 3", "month 2"]
    second = api.client("viewer").get(first["next"]).json()
    assert [r["reason"] for r in second["results"]] == ["month 1", "month 0", "Free trial: welcome credits"]
    assert second["next"] is None and second["previous"]


@pytest.mark.parametrize("path", ["/api/v1/billing/", "/api/v1/billing/ledger/"])
def test_the_workspace_operations_read_with_any_key_and_refuse_writes(seeded, path):
    api = seeded
    for who in ("owner", "editor", "viewer", "agency", "outsider"):
        assert api.client(who).get(path).status_code == 200, who
    for method in ("post", "put", "patch", "delete"):
        assert_error(getattr(api.client("owner"), method)(path), 405, "method_not_allowed")
    assert_error(api.client(None).get(path), 401, "not_authenticated")
    assert_error(api.client("revoked").get(path), 401, "authentication_failed")
    assert_error(agency_client(api).get(path), 400, "workspace_required")


# ------------------------------------------------------------------ agencies: clients and caps


def test_the_agency_lists_each_clients_usage_this_month_and_cap(seeded):
    api = seeded
    _pool_with_movements(api)
    ClientCap.objects.create(workspace=api.sister.workspace, monthly_credits=50)
    body = agency_client(api).get("/api/v1/billing/clients/").json()
    assert set(body) == {"month_start", "results"} and body["month_start"].endswith(("T00:00:00Z", "T00:00:00+00:00"))
    assert body["results"] == [
        {"id": str(api.home.workspace.id), "workspace": "northwind", "name": "Northwind", "used": 9, "cap": None},
        {"id": str(api.sister.workspace.id), "workspace": "southwind", "name": "Southwind", "used": 20, "cap": 50},
    ]
    # the header naming a client changes nothing: the list is the agency's
    assert api.client("agency").get("/api/v1/billing/clients/").json() == body
    # a handed-over workspace is no longer the agency's client
    workspace_hand_over(workspace=api.sister.workspace)
    assert [r["workspace"] for r in agency_client(api).get("/api/v1/billing/clients/").json()["results"]] == ["northwind"]


def test_the_agency_caps_a_client_and_the_cap_refuses_its_jobs_with_402(seeded):
    api = seeded
    client = agency_client(api)
    response = client.put("/api/v1/billing/clients/southwind/cap/", {"monthly_credits": 10}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"id": str(api.sister.workspace.id), "workspace": "southwind", "name": "Southwind",
                               "used": 0, "cap": 10}
    assert ClientCap.objects.get(workspace=api.sister.workspace).monthly_credits == 10
    credits_reserve(workspace=api.sister.workspace, job_id=uuid.uuid4(), credits=8)
    with pytest.raises(PaymentRequired) as refused:
        credits_reserve(workspace=api.sister.workspace, job_id=uuid.uuid4(), credits=3)
    assert refused.value.code == "client_cap_reached" and refused.value.status == 402
    # home has no cap; by id as well as by slug; raising it lets the job through
    credits_reserve(workspace=api.home.workspace, job_id=uuid.uuid4(), credits=5)
    response = client.put(f"/api/v1/billing/clients/{api.sister.workspace.id}/cap/", {"monthly_credits": 11}, format="json")
    assert response.json()["cap"] == 11 and response.json()["used"] == 8
    credits_reserve(workspace=api.sister.workspace, job_id=uuid.uuid4(), credits=3)
    # null removes the cap
    response = client.put("/api/v1/billing/clients/southwind/cap/", {"monthly_credits": None}, format="json")
    assert response.status_code == 200 and response.json()["cap"] is None
    assert not ClientCap.objects.exists()


@pytest.mark.parametrize("body", [{}, {"monthly_credits": -1}, {"monthly_credits": "lots"}, {"monthly_credits": 2**31}])
def test_a_bad_cap_is_refused_with_400(seeded, body):
    api = seeded
    response = agency_client(api).put("/api/v1/billing/clients/southwind/cap/", body, format="json")
    error = assert_error(response, 400, "invalid_input")
    assert "monthly_credits" in error["detail"]
    assert not ClientCap.objects.exists()


def test_the_agency_cannot_cap_a_workspace_that_is_not_its_client(seeded):
    api = seeded
    for ref in ("rival", str(api.outsider.workspace.id), "no-such-shop"):
        response = agency_client(api).put(f"/api/v1/billing/clients/{ref}/cap/", {"monthly_credits": 1}, format="json")
        assert_error(response, 404, "not_found")
    workspace_hand_over(workspace=api.sister.workspace)
    response = agency_client(api).put("/api/v1/billing/clients/southwind/cap/", {"monthly_credits": 1}, format="json")
    assert_error(response, 404, "not_found")
    assert not ClientCap.objects.exists()


@pytest.mark.parametrize("who", ["owner", "editor", "viewer", "outsider"])
def test_a_workspace_key_gets_404_from_the_agency_operations(seeded, who):
    api = seeded
    client = api.client(who)
    assert_error(client.get("/api/v1/billing/clients/"), 404, "not_found")
    response = client.put("/api/v1/billing/clients/northwind/cap/", {"monthly_credits": 1}, format="json")
    assert_error(response, 404, "not_found")
    assert "Northwind" not in response.content.decode()
    assert not ClientCap.objects.exists()


def test_an_agency_read_key_lists_but_cannot_cap(seeded):
    api = seeded
    _, read_key = api_key_create(agency=api.agency, name="agency read", scope="read")
    client = agency_client(api, read_key)
    assert client.get("/api/v1/billing/clients/").status_code == 200
    response = client.put("/api/v1/billing/clients/northwind/cap/", {"monthly_credits": 1}, format="json")
    assert_error(response, 403, "read_only_key")
    assert not ClientCap.objects.exists()


def test_the_agency_operations_need_a_key_and_the_right_method(seeded):
    api = seeded
    for path in ("/api/v1/billing/clients/", "/api/v1/billing/clients/northwind/cap/"):
        assert_error(api.client(None).get(path), 401, "not_authenticated")
        assert_error(api.client("revoked").get(path), 401, "authentication_failed")
    for method in ("post", "put", "patch", "delete"):
        assert_error(getattr(agency_client(api), method)("/api/v1/billing/clients/"), 405, "method_not_allowed")
    for method in ("get", "post", "patch", "delete"):
        assert_error(getattr(agency_client(api), method)("/api/v1/billing/clients/northwind/cap/"), 405,
                     "method_not_allowed")
