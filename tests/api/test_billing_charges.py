"""What an API client sees of charging: the price before, 402 with the cost and the balance
when it can't be paid (nothing queued), and the cost and charge on the job."""

from __future__ import annotations

import pytest

from billing.ledger import account_for_workspace
from billing.models import Plan
from generation.models import RenderJob


@pytest.fixture
def billing_on(settings, plans):
    settings.SHOPREEL_BILLING = True


def _agency_pool(api, *, balance: int):
    """home is an agency client: it spends from the agency's pool."""
    account = account_for_workspace(workspace=api.home.workspace)
    account.plan, account.status, account.balance = Plan.objects.get(slug="agency"), "active", balance
    account.save()
    return account


def test_the_quote_shows_the_price_before_the_work(api, billing_on):
    _agency_pool(api, balance=10)
    response = api.client("viewer").get("/api/v1/ads/quote/?length=15&formats=9:16&formats=1:1")
    assert response.status_code == 200
    assert response.json() == {
        "cost": 6, "breakdown": {"credits": 6, "video": 6, "generative": 0}, "billing": "on",
        "balance": 10, "reserved": 0, "affordable": True,
    }


def test_an_ad_it_cant_pay_for_is_402_and_nothing_is_queued(api, billing_on, django_capture_on_commit_callbacks):
    _agency_pool(api, balance=5)
    jobs = RenderJob.objects.count()
    with django_capture_on_commit_callbacks() as queued:
        response = api.client("owner").post(
            "/api/v1/ads/", {"product": str(api.home.product.id), "length": 15, "formats": ["9:16", "1:1"]},
            format="json",
        )
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "insufficient_credits"
    assert response.json()["error"]["detail"] == {"cost": 6, "balance": 5}
    assert RenderJob.objects.count() == jobs and not queued


def test_a_queued_ad_shows_what_it_holds(api, billing_on, django_capture_on_commit_callbacks):
    account = _agency_pool(api, balance=10)
    with django_capture_on_commit_callbacks():
        response = api.client("owner").post(
            "/api/v1/ads/", {"product": str(api.home.product.id), "length": 15}, format="json"
        )
    assert response.status_code == 202, response.json()
    assert (response.json()["cost"], response.json()["charged"]) == (3, None)
    account.refresh_from_db()
    assert (account.balance, account.reserved) == (7, 3)


def test_with_billing_off_jobs_show_no_cost(api):
    job = api.client("owner").get(f"/api/v1/jobs/{api.home.job.id}/").json()
    assert (job["cost"], job["charged"]) == (None, None)
