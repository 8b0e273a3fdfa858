"""The studio's campaign pages with Django's test client: the editor and its preview, run now,
the run's items linking to their ads, stale ads, and who may see and do what."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.engine import run_execute
from campaigns.models import AdFacts, Campaign, CampaignRun
from campaigns.services import campaign_create
from generation.models import Ad, RenderJob
from products.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _product(workspace, title="Linen Shirt"):
    return ProductFactory(
        workspace=workspace,
        title=title,
        price=Decimal("49.00"),
        currency="EUR",
        availability="InStock",
        fetched_with=Product.FetchedWith.MANUAL,
    )


def _form(product, **extra):
    return {
        "name": "Weekly shirts",
        "source": "products",
        "products": [str(product.id)],
        "languages": ["en", "de"],
        "formats": ["9:16"],
        "lengths": ["15"],
        "variants": "1",
        "schedule_kind": "weekly",
        "days": ["mon", "thu"],
        "time": "09:00",
        "timezone": "Europe/Berlin",
        "regenerate": "changed",
        "enabled": "1",
        **extra,
    }


def _campaign(team, product):
    return campaign_create(
        workspace=team.workspace,
        data={
            "name": "Weekly shirts",
            "products": [str(product.id)],
            "languages": ["en"],
            "formats": ["9:16"],
            "length": 15,
            "schedule": {"weekly": {"days": ["mon"], "time": "09:00"}},
        },
    )


def test_the_editor_previews_the_next_runs_in_the_zone_then_saves(team, client):
    team.login(client, "editor")
    product = _product(team.workspace)
    base = f"/app/w/{team.workspace.id}/campaigns/"
    preview = client.post(f"{base}new/", {**_form(product), "action": "preview"})
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "Europe/Berlin" in text and "09:00" in text and ("Monday" in text and "Thursday" in text)
    assert not Campaign.objects.exists()  # a preview saves nothing

    saved = client.post(f"{base}new/", {**_form(product), "action": "save"})
    campaign = Campaign.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"{base}{campaign.id}/"
    assert (campaign.languages, campaign.timezone, campaign.schedule["weekly"]["days"]) == (
        ["en", "de"],
        "Europe/Berlin",
        ["mon", "thu"],
    )
    page = client.get(saved["Location"]).content.decode()
    assert "Weekly shirts" in page and "Run now" in page and "Next runs" in page
    listing = client.get(base).content.decode()
    assert "Weekly shirts" in listing


def test_a_bad_schedule_is_shown_on_the_form_with_what_was_typed(team, client):
    team.login(client, "owner")
    product = _product(team.workspace)
    response = client.post(
        f"/app/w/{team.workspace.id}/campaigns/new/",
        {**_form(product, cron="* * * * *"), "schedule_kind": "cron"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "at most once an hour" in text and 'value="Weekly shirts"' in text
    assert not Campaign.objects.exists()


def test_run_now_leads_to_the_run_and_its_items_link_to_their_ads(team, client):
    team.login(client, "editor")
    product = _product(team.workspace)
    campaign = _campaign(team, product)
    response = client.post(f"/app/w/{team.workspace.id}/campaigns/{campaign.id}/run/")
    run = CampaignRun.objects.get(campaign=campaign)
    assert response.status_code == 302 and response["Location"].endswith(f"/runs/{run.id}/")
    # pressed again while it runs: the same run
    again = client.post(f"/app/w/{team.workspace.id}/campaigns/{campaign.id}/run/")
    assert again["Location"] == response["Location"] and CampaignRun.objects.count() == 1
    run_execute(run_id=run.id, claimant="test", slice_seconds=60)
    page = client.get(response["Location"]).content.decode()
    job = RenderJob.objects.get(product=product)
    assert "Linen Shirt" in page and "making" in page and f"/jobs/{job.id}/" in page
    assert 'id="run-live"' in page and "hx-trigger" in page  # it follows the run in place
    # the poll gets the live part alone, never cached, and it says what changed
    part = client.get(response["Location"], headers={"HX-Request": "true"})
    assert part["Cache-Control"] == "no-store" and "HX-Request" in part["Vary"]
    text = part.content.decode()
    assert "<html" not in text
    assert 'data-said="Run ' in text and "making" in text and "hx-get" in text
    assert "HX-Request" in client.get(response["Location"])["Vary"]


def test_the_run_page_stops_polling_once_the_run_has_ended(team, client):
    team.login(client, "viewer")
    product = _product(team.workspace)
    campaign = _campaign(team, product)
    run = CampaignRun.objects.create(
        workspace=team.workspace,
        campaign=campaign,
        slot=timezone.now(),
        state="completed",
        counts={"regenerated": 0, "unchanged": 0, "skipped": 1, "failed": 0},
    )
    url = f"/app/w/{team.workspace.id}/campaigns/{campaign.id}/runs/{run.id}/"
    page = client.get(url).content.decode()
    assert 'id="run-live"' in page and "hx-trigger" not in page and 'id="refresh"' not in page
    part = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in part and "1 skipped" in part


def test_stale_ads_are_listed_with_what_they_show_and_what_the_page_says(team, client):
    team.login(client, "viewer")
    product = _product(team.workspace, title="Wool Scarf")
    ad = Ad.objects.create(workspace=team.workspace, product=product, template="t", script={})
    RenderJob.objects.create(workspace=team.workspace, product=product, ad=ad, state="succeeded")
    AdFacts.objects.create(
        workspace=team.workspace,
        ad=ad,
        price=Decimal("49.00"),
        currency="EUR",
        availability="InStock",
    )
    assert "Every ad shows" in client.get(f"/app/w/{team.workspace.id}/campaigns/").content.decode()
    Product.objects.filter(id=product.id).update(price=Decimal("39.00"))
    assert "1 ad</a> shows" in client.get(f"/app/w/{team.workspace.id}/campaigns/").content.decode()
    page = client.get(f"/app/w/{team.workspace.id}/campaigns/stale-ads/").content.decode()
    assert "Wool Scarf" in page and "49.00" in page and "39.00" in page


def test_a_viewer_sees_but_cannot_edit_or_run(team, client):
    team.login(client, "viewer")
    campaign = _campaign(team, _product(team.workspace))
    base = f"/app/w/{team.workspace.id}/campaigns/"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}{campaign.id}/").status_code == 200
    assert "Run now" not in client.get(f"{base}{campaign.id}/").content.decode()
    assert client.get(f"{base}new/").status_code == 403
    assert client.post(f"{base}{campaign.id}/run/").status_code == 403
    assert client.post(f"{base}{campaign.id}/delete/").status_code == 403
    assert not CampaignRun.objects.exists() and Campaign.objects.filter(id=campaign.id).exists()


def test_an_outsider_gets_404_everywhere_and_a_wrong_method_405(team, client):
    campaign = _campaign(team, _product(team.workspace))
    run = CampaignRun.objects.create(
        workspace=team.workspace, campaign=campaign, slot=campaign.next_run_at
    )
    team.login(client, "outsider")
    base = f"/app/w/{team.workspace.id}/campaigns/"
    for path in (
        base,
        f"{base}new/",
        f"{base}stale-ads/",
        f"{base}{campaign.id}/",
        f"{base}{campaign.id}/edit/",
        f"{base}{campaign.id}/runs/{run.id}/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"{base}{campaign.id}/run/").status_code == 404
    # the outsider's own workspace does not reach it either
    own = f"/app/w/{team.outsider_workspace.id}/campaigns/{campaign.id}/"
    assert client.get(own).status_code == 404
    team.login(client, "owner")
    assert client.get(f"{base}{campaign.id}/run/").status_code == 405
    assert client.post(f"{base}{campaign.id}/runs/{run.id}/").status_code == 405


def test_a_forged_product_id_is_refused_on_the_form_not_a_crash(team, client):
    team.login(client, "owner")
    form = _form(_product(team.workspace), products=["not-an-id"])
    response = client.post(f"/app/w/{team.workspace.id}/campaigns/new/", {**form, "action": "save"})
    assert response.status_code == 400 and "is not an id" in response.content.decode()
    assert not Campaign.objects.exists()
