"""Campaigns in a real Chromium against a live server: make a campaign in the editor, preview its
next runs, save, "Run now", and follow the run to its items and their ads. Screenshots at 1280 px
and 390 px go to $SHOPREEL_TEST_ARTIFACTS (else a temporary folder).

No broker in the test settings: the run and its job are done in-process between browser steps,
against the database the live server shares."""

from __future__ import annotations

import os
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from campaigns.engine import run_execute, run_jobs_inline
from campaigns.models import Campaign, CampaignRun
from products.models import Product
from products.services import product_import
from tests.accounts.conftest import verified_user
from tests.factories import MembershipFactory, ProductFactory, WorkspaceFactory

pytestmark = pytest.mark.slow

WIDTHS = (1280, 390)


@pytest.fixture
def artifacts() -> Path:
    folder = Path(
        os.environ.get("SHOPREEL_TEST_ARTIFACTS") or tempfile.mkdtemp(prefix="shopreel-campaigns-")
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _screenshots(page, artifacts: Path, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(artifacts / f"campaigns-{name}-{width}.png"), full_page=True)
        # nothing is wider than the screen (a table scrolls inside its own box)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, (name, width)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})


def test_make_a_campaign_preview_it_run_it_and_follow_its_items(
    page, live_server, allow_demo_shop, settings, artifacts
):
    settings.SHOPREEL_VOICE = False
    settings.SHOPREEL_MUSIC = False
    settings.CELERY_BROKER_URL = (
        ""  # no broker: the run waits for campaigns_run_due (done here in-process)
    )
    user = verified_user("merchant")
    workspace = WorkspaceFactory(name="Demo Shop")
    MembershipFactory(workspace=workspace, user=user, role="owner")
    product = product_import(
        workspace=workspace, url=next(iter(allow_demo_shop.product_urls.values()))
    )
    sold_out = ProductFactory(
        workspace=workspace,
        title="Sold-out Lantern",
        price=Decimal("30.00"),
        currency="EUR",
        availability="OutOfStock",
        fetched_with=Product.FetchedWith.MANUAL,
    )
    base = live_server.url

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", "pw")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="New campaign").click()

    page.get_by_label("Name").fill("Weekly catalogue")
    page.get_by_label(product.title[:60]).check()
    page.get_by_label(sold_out.title).check()
    page.locator("input[name=lengths][value='6']").check()
    page.locator("input[name=lengths][value='15']").uncheck()
    page.locator("input[name=days][value='thu']").check()
    page.get_by_label("Time zone").fill("Europe/Berlin")
    with page.expect_navigation():
        page.get_by_role("button", name="Preview").click()
    times = page.locator("ol.times li")
    assert times.count() == 5 and "09:00" in times.first.inner_text()
    assert not Campaign.objects.exists()
    _screenshots(page, artifacts, "editor")

    with page.expect_navigation():
        page.get_by_role("button", name="Save campaign").click()
    campaign = Campaign.objects.get()
    assert page.url == f"{base}/app/w/{workspace.id}/campaigns/{campaign.id}/"
    _screenshots(page, artifacts, "campaign")

    with page.expect_navigation():
        page.get_by_role("button", name="Run now").click()
    run = CampaignRun.objects.get(campaign=campaign)
    assert page.url.endswith(f"/runs/{run.id}/")
    page.evaluate("window.stillHere = true")  # gone if the page were reloaded
    run_execute(run_id=run.id, claimant="e2e", slice_seconds=60, inline=True)
    run_jobs_inline(run=run)
    run.refresh_from_db()
    assert run.state == "completed", list(run.items.values("outcome", "reason"))
    # The open page follows the run in place (htmx polls its live part) and stops polling
    # once the run has ended.
    expect(page.locator("#run-live .outcome").first).to_have_text("completed", timeout=15_000)
    assert page.evaluate("window.stillHere") is True
    assert page.locator("#run-live[hx-trigger]").count() == 0
    # the screen readers' status line says it, and is not shown on the page
    # (htmx writes it once the swap has settled, a moment after the part itself has changed)
    said = page.locator("#live-said")
    expect(said).to_contain_text("Run completed", timeout=5_000)
    assert said.bounding_box()["height"] <= 1
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    assert "regenerated" in rows.nth(0).inner_text() and "new ad" in rows.nth(0).inner_text()
    assert "skipped" in rows.nth(1).inner_text() and "Out of stock" in rows.nth(1).inner_text()
    _screenshots(page, artifacts, "run")

    # the item's link opens its ad's job page, with the video
    with page.expect_navigation():
        page.get_by_role("link", name="new ad").click()
    page.locator("video").first.wait_for(state="visible")
    page.goto(f"{base}/app/w/{workspace.id}/campaigns/{campaign.id}/")
    assert "completed" in page.inner_text("main")  # the run history
    _screenshots(page, artifacts, "history")
    page.goto(f"{base}/app/w/{workspace.id}/campaigns/")
    assert "Weekly catalogue" in page.inner_text("main")
    _screenshots(page, artifacts, "list")
