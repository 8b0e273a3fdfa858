"""Checkout and the portal against the fake Stripe: what is sent, what comes back, who may,
and a clear refusal when billing is off or not configured."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import Agency
from accounts.services import api_key_create
from billing import stripe_client
from billing.checkout import checkout_session_create, portal_session_create
from billing.ledger import account_for_workspace
from billing.models import BillingAccount, Plan
from billing.stripe_client import BillingNotConfigured
from core.errors import Conflict, InvalidInput
from tests.billing.fake_stripe import FakeStripe, configure, stock_prices
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db

SITE = "https://app.shopreel.example"
SUCCESS = f"{SITE}/app/done/"
CANCEL = f"{SITE}/app/cancelled/"


@pytest.fixture
def fake(settings, plans):
    with FakeStripe() as fake:
        configure(settings, fake)
        settings.SHOPREEL_SITE_URL = SITE
        stock_prices(fake)
        yield fake


def test_plan_checkout_makes_the_customer_once_and_sends_subscription_mode_with_the_plans_price(fake, workspace):
    url = checkout_session_create(workspace=workspace, plan_slug="starter", success_url=SUCCESS, cancel_url=CANCEL)

    account = BillingAccount.objects.get(workspace=workspace)
    [customer_call] = fake.calls("POST", "/v1/customers")
    assert customer_call.params["metadata"] == {"billing_account": str(account.id), "workspace": str(workspace.id)}
    assert customer_call.headers.get("idempotency-key") == f"shopreel-customer-{account.id}"
    assert account.stripe_customer_id.startswith("cus_")
    assert fake.get("customer", account.stripe_customer_id)["metadata"]["billing_account"] == str(account.id)

    [call] = fake.calls("POST", "/v1/checkout/sessions")
    sent = call.params
    assert sent["mode"] == "subscription"
    assert sent["line_items"] == [{"price": "price_starter_m", "quantity": "1"}]
    assert sent["customer"] == account.stripe_customer_id
    assert sent["client_reference_id"] == str(account.id)
    assert sent["metadata"]["plan"] == "starter"
    assert sent["subscription_data"]["metadata"] == {"billing_account": str(account.id), "plan": "starter"}
    assert (sent["success_url"], sent["cancel_url"]) == (SUCCESS, CANCEL)
    session = next(iter(fake.objects["checkout.session"].values()))
    assert url == session["url"] and url.startswith("https://checkout.stripe.com/c/pay/cs_")

    # A second checkout (a pack) reuses the customer.
    checkout_session_create(workspace=workspace, pack_slug="pack-500", success_url=SUCCESS, cancel_url=CANCEL)
    assert len(fake.calls("POST", "/v1/customers")) == 1
    assert fake.calls("POST", "/v1/checkout/sessions")[1].params["customer"] == account.stripe_customer_id


def test_pack_checkout_is_payment_mode_with_the_packs_price(fake, workspace):
    checkout_session_create(workspace=workspace, pack_slug="pack-500", success_url=SUCCESS, cancel_url=CANCEL)
    [call] = fake.calls("POST", "/v1/checkout/sessions")
    account = BillingAccount.objects.get(workspace=workspace)
    assert call.params["mode"] == "payment"
    assert call.params["line_items"] == [{"price": "price_pack_500", "quantity": "1"}]
    assert call.params["metadata"]["pack"] == "pack-500"
    assert call.params["payment_intent_data"]["metadata"] == {"billing_account": str(account.id), "pack": "pack-500"}
    assert call.params["client_reference_id"] == str(account.id)
    assert "subscription_data" not in call.params


def test_an_agency_clients_checkout_pays_into_the_agency_pool_on_the_agencys_customer(fake):
    agency = Agency.objects.create(name="Loud Agency", slug="loud")
    client_a, client_b = WorkspaceFactory(agency=agency), WorkspaceFactory(agency=agency)
    checkout_session_create(workspace=client_a, pack_slug="pack-500", success_url=SUCCESS, cancel_url=CANCEL)
    checkout_session_create(workspace=client_b, pack_slug="pack-500", success_url=SUCCESS, cancel_url=CANCEL)
    account = BillingAccount.objects.get(agency=agency)
    [customer_call] = fake.calls("POST", "/v1/customers")
    assert customer_call.params["name"] == "Loud Agency"
    assert customer_call.params["metadata"] == {"billing_account": str(account.id), "agency": str(agency.id)}
    assert {c.params["client_reference_id"] for c in fake.calls("POST", "/v1/checkout/sessions")} == {str(account.id)}


def test_a_plan_without_a_stripe_price_or_a_bad_choice_is_refused_before_stripe_is_called(fake, workspace):
    with pytest.raises(BillingNotConfigured, match="stripe_price_id") as refused:
        checkout_session_create(workspace=workspace, plan_slug="growth", success_url=SUCCESS, cancel_url=CANCEL)
    assert refused.value.code == "stripe_price_missing"
    with pytest.raises(InvalidInput) as unknown:
        checkout_session_create(workspace=workspace, plan_slug="platinum", success_url=SUCCESS, cancel_url=CANCEL)
    assert unknown.value.code == "unknown_plan"
    with pytest.raises(InvalidInput, match="not sold"):
        checkout_session_create(workspace=workspace, plan_slug="trial", success_url=SUCCESS, cancel_url=CANCEL)
    with pytest.raises(InvalidInput, match="either a plan or a credit pack"):
        checkout_session_create(workspace=workspace, plan_slug="starter", pack_slug="pack-500",
                                success_url=SUCCESS, cancel_url=CANCEL)
    assert fake.requests == []


def test_return_urls_must_be_on_the_site_and_default_to_the_workspace_page(fake, workspace):
    with pytest.raises(InvalidInput, match="must be on this site") as refused:
        checkout_session_create(workspace=workspace, plan_slug="starter",
                                success_url="https://evil.example/phish", cancel_url=CANCEL)
    assert "success_url" in refused.value.detail
    with pytest.raises(InvalidInput, match="must be on this site"):
        portal_session_create(workspace=workspace, return_url="http://app.shopreel.example/app/")  # http, not https
    with pytest.raises(InvalidInput, match="http"):
        checkout_session_create(workspace=workspace, plan_slug="starter", success_url="javascript:alert(1)",
                                cancel_url=CANCEL)
    assert fake.requests == []

    checkout_session_create(workspace=workspace, plan_slug="starter", success_url=None, cancel_url="")
    [call] = fake.calls("POST", "/v1/checkout/sessions")
    assert call.params["success_url"] == f"{SITE}/app/w/{workspace.id}/"
    assert call.params["cancel_url"] == f"{SITE}/app/w/{workspace.id}/"


def test_an_account_that_subscribes_changes_plan_in_the_portal_not_a_second_checkout(fake, workspace):
    account = account_for_workspace(workspace=workspace)
    BillingAccount.objects.filter(id=account.id).update(
        stripe_subscription_id="sub_live", status=BillingAccount.Status.ACTIVE
    )
    with pytest.raises(Conflict) as refused:
        checkout_session_create(workspace=workspace, plan_slug="pro", success_url=SUCCESS, cancel_url=CANCEL)
    assert refused.value.code == "already_subscribed"
    # Credits can still be bought.
    checkout_session_create(workspace=workspace, pack_slug="pack-500", success_url=SUCCESS, cancel_url=CANCEL)


def test_portal_needs_a_customer_and_sends_it_with_the_return_url(fake, workspace):
    with pytest.raises(Conflict) as refused:
        portal_session_create(workspace=workspace, return_url=SUCCESS)
    assert refused.value.code == "no_stripe_customer"

    checkout_session_create(workspace=workspace, plan_slug="starter", success_url=SUCCESS, cancel_url=CANCEL)
    url = portal_session_create(workspace=workspace, return_url=f"{SITE}/app/billing/")
    account = BillingAccount.objects.get(workspace=workspace)
    [call] = fake.calls("POST", "/v1/billing_portal/sessions")
    assert call.params == {"customer": account.stripe_customer_id, "return_url": f"{SITE}/app/billing/"}
    assert url.startswith("https://billing.stripe.com/p/session/bps_")


def test_stripe_refusing_or_unreachable_is_a_clear_error(fake, workspace):
    fake.fail("POST", "/v1/checkout/sessions", status=500)
    with pytest.raises(stripe_client.StripeUnavailable, match="try again"):
        checkout_session_create(workspace=workspace, plan_slug="starter", success_url=SUCCESS, cancel_url=CANCEL)
    Plan.objects.filter(slug="starter").update(stripe_price_id="price_deleted_in_stripe")
    with pytest.raises(stripe_client.StripeRefused, match="No such price"):
        checkout_session_create(workspace=workspace, plan_slug="starter", success_url=SUCCESS, cancel_url=CANCEL)
    with pytest.raises(stripe_client.StripeNotFound):
        stripe_client.subscription_get(subscription_id="sub_missing")


@pytest.mark.parametrize(("change", "missing"), [
    ({"SHOPREEL_BILLING": False}, "SHOPREEL_BILLING"),
    ({"STRIPE_SECRET_KEY": ""}, "STRIPE_SECRET_KEY"),
])
def test_billing_off_or_without_a_key_refuses_every_call_naming_what_is_missing(fake, settings, workspace, change, missing):
    for name, value in change.items():
        setattr(settings, name, value)
    calls = [
        lambda: checkout_session_create(workspace=workspace, plan_slug="starter", success_url=SUCCESS, cancel_url=CANCEL),
        lambda: checkout_session_create(workspace=workspace, pack_slug="pack-500", success_url=SUCCESS, cancel_url=CANCEL),
        lambda: portal_session_create(workspace=workspace, return_url=SUCCESS),
        lambda: stripe_client.subscription_get(subscription_id="sub_x"),
        lambda: stripe_client.customer_create(name="x", metadata={}, idempotency_key="k"),
    ]
    for call in calls:
        with pytest.raises(BillingNotConfigured, match=missing) as refused:
            call()
        assert refused.value.status == 409 and refused.value.detail == {"missing": missing}
    assert fake.requests == []
    assert not BillingAccount.objects.filter(workspace=workspace).exists()


# ------------------------------------------------------------------ the API


@pytest.fixture
def keys(db):
    """A workspace paying for itself (write and read keys) and an agency client (its own write
    key, and the agency's key)."""
    cache.clear()
    agency = Agency.objects.create(name="Loud Agency", slug="loud")
    solo = WorkspaceFactory(slug="solo")
    client = WorkspaceFactory(slug="client", agency=agency)
    found = {"solo": solo, "client": client}
    for name, kwargs in (
        ("solo-write", {"workspace": solo, "scope": "write"}),
        ("solo-read", {"workspace": solo, "scope": "read"}),
        ("client-write", {"workspace": client, "scope": "write"}),
        ("agency", {"agency": agency, "scope": "write"}),
    ):
        _row, found[name] = api_key_create(name=name, **kwargs)
    return found


def _client(keys, who: str, workspace: str | None = None) -> APIClient:
    api = APIClient()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {keys[who]}"}
    if workspace:
        headers["HTTP_SHOPREEL_WORKSPACE"] = workspace
    api.credentials(**headers)
    return api


def test_api_checkout_answers_the_url_and_an_idempotent_retry_opens_no_second_session(fake, keys):
    api = _client(keys, "solo-write")
    first = api.post("/api/v1/billing/checkout/", {"plan": "starter"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    assert first.json()["url"].startswith("https://checkout.stripe.com/c/pay/cs_")
    again = api.post("/api/v1/billing/checkout/", {"plan": "starter"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert len(fake.calls("POST", "/v1/checkout/sessions")) == 1
    call = fake.calls("POST", "/v1/checkout/sessions")[0]
    solo = keys["solo"]
    assert call.params["success_url"] == f"{SITE}/app/w/{solo.id}/?checkout=success"
    assert call.params["cancel_url"] == f"{SITE}/app/w/{solo.id}/?checkout=cancelled"

    pack = api.post("/api/v1/billing/checkout/", {"pack": "pack-500", "success_url": f"{SITE}/thanks/"}, format="json")
    assert pack.status_code == 201
    assert fake.calls("POST", "/v1/checkout/sessions")[1].params["success_url"] == f"{SITE}/thanks/"


def test_api_checkout_refuses_bad_input_read_keys_and_other_methods(fake, keys):
    api = _client(keys, "solo-write")
    for body, code in (
        ({}, "invalid_input"),
        ({"plan": "starter", "pack": "pack-500"}, "invalid_input"),
        ({"plan": "platinum"}, "unknown_plan"),
        ({"pack": "pack-500", "success_url": "https://evil.example/"}, "invalid_input"),
    ):
        response = api.post("/api/v1/billing/checkout/", body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert response.json()["error"]["code"] == code
    read = _client(keys, "solo-read").post("/api/v1/billing/checkout/", {"plan": "starter"}, format="json")
    assert read.status_code == 403 and read.json()["error"]["code"] == "read_only_key"
    assert api.get("/api/v1/billing/checkout/").status_code == 405
    assert api.get("/api/v1/billing/portal/").status_code == 405
    assert APIClient().post("/api/v1/billing/checkout/", {"plan": "starter"}, format="json").status_code == 401
    assert fake.calls("POST", "/v1/checkout/sessions") == []


def test_api_without_a_site_url_defaults_to_the_requests_own_site(fake, keys, settings):
    settings.SHOPREEL_SITE_URL = ""
    api = _client(keys, "solo-write")
    assert api.post("/api/v1/billing/checkout/", {"plan": "starter"}, format="json").status_code == 201
    [call] = fake.calls("POST", "/v1/checkout/sessions")
    assert call.params["success_url"] == f"http://testserver/app/w/{keys['solo'].id}/?checkout=success"
    off_site = api.post("/api/v1/billing/checkout/", {"plan": "starter", "cancel_url": f"{SITE}/x/"}, format="json")
    assert off_site.status_code == 400


def test_api_agency_client_checkout_by_any_write_key_but_the_portal_by_the_agency_only(fake, keys):
    own = _client(keys, "client-write")
    assert own.post("/api/v1/billing/checkout/", {"pack": "pack-500"}, format="json").status_code == 201
    refused = own.post("/api/v1/billing/portal/", {}, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "billing_managed_by_agency"

    agency = _client(keys, "agency", workspace="client")
    portal = agency.post("/api/v1/billing/portal/", {"return_url": f"{SITE}/agency/"}, format="json")
    assert portal.status_code == 201, portal.content
    assert portal.json()["url"].startswith("https://billing.stripe.com/p/session/")
    [call] = fake.calls("POST", "/v1/billing_portal/sessions")
    assert call.params["customer"] == BillingAccount.objects.get(agency__slug="loud").stripe_customer_id


def test_api_portal_before_any_payment_and_with_billing_off(fake, keys, settings):
    api = _client(keys, "solo-write")
    response = api.post("/api/v1/billing/portal/", {}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "no_stripe_customer"
    settings.SHOPREEL_BILLING = False
    off = api.post("/api/v1/billing/checkout/", {"plan": "starter"}, format="json")
    assert off.status_code == 409
    assert off.json()["error"]["code"] == "billing_not_configured"
    assert "SHOPREEL_BILLING" in off.json()["error"]["message"]
