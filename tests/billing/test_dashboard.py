"""The dashboard's billing page: what each member sees, who may buy, and another workspace's
page is a 404."""

from __future__ import annotations

import pytest

from billing.ledger import account_for_workspace, credits_grant
from billing.models import CreditPack
from tests.billing.fake_stripe import FakeStripe, configure
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(plans):
    workspace = WorkspaceFactory()
    people = {role: MembershipFactory(workspace=workspace, role=role).user for role in ("owner", "admin", "viewer")}
    return workspace, people


def _page(client, user, workspace):
    client.force_login(user)
    return client.get(f"/app/w/{workspace.id}/billing/")


def test_members_see_balance_held_credits_ledger_and_a_low_balance_warning(client, settings, shop):
    settings.SHOPREEL_BILLING = True
    workspace, people = shop
    account = account_for_workspace(workspace=workspace)  # the trial's 30 credits
    response = _page(client, people["viewer"], workspace)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<strong class="balance">30</strong>' in html and '<strong class="reserved">0</strong>' in html
    assert "Free trial: welcome credits" in html  # the ledger
    assert "Buy credits" not in html  # viewers don't buy
    settings.SHOPREEL_BILLING_LOW_BALANCE = 50
    assert "Low balance" in _page(client, people["viewer"], workspace).content.decode()
    credits_grant(account=account, credits=100, reason="bonus")
    assert "Low balance" not in _page(client, people["viewer"], workspace).content.decode()


def test_an_owner_buys_a_pack_through_checkout(client, settings, shop):
    workspace, people = shop
    with FakeStripe() as fake:
        configure(settings, fake)
        fake.price("price_pack_100", unit_amount=2500, recurring=False)
        CreditPack.objects.filter(slug="pack-100").update(stripe_price_id="price_pack_100")
        client.force_login(people["owner"])
        assert "Buy 100 credits" in client.get(f"/app/w/{workspace.id}/billing/").content.decode()
        response = client.post(f"/app/w/{workspace.id}/billing/checkout/", {"pack": "pack-100"})
    [call] = fake.calls("POST", "/v1/checkout/sessions")
    assert call.params["mode"] == "payment" and call.params["line_items"][0]["price"] == "price_pack_100"
    assert response.status_code == 302 and response["Location"].startswith("https://checkout.stripe.com/")


def test_a_viewer_cannot_buy_and_an_outsider_gets_404(client, settings, shop):
    settings.SHOPREEL_BILLING = True
    workspace, people = shop
    client.force_login(people["viewer"])
    assert client.post(f"/app/w/{workspace.id}/billing/checkout/", {"pack": "pack-100"}).status_code == 403
    client.force_login(UserFactory())
    assert client.get(f"/app/w/{workspace.id}/billing/").status_code == 404
    assert client.post(f"/app/w/{workspace.id}/billing/portal/").status_code == 404


def test_wrong_methods_are_refused(client, shop):
    workspace, people = shop
    client.force_login(people["owner"])
    assert client.post(f"/app/w/{workspace.id}/billing/").status_code == 405
    assert client.get(f"/app/w/{workspace.id}/billing/checkout/").status_code == 405


def test_with_billing_off_the_page_says_so(client, settings, shop):
    settings.SHOPREEL_BILLING = False
    workspace, people = shop
    html = _page(client, people["owner"], workspace).content.decode()
    assert "Billing is off on this server" in html
