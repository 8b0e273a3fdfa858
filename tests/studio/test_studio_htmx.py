"""The studio with htmx loaded: a poll or an in-place form whose session has ended opens the
login page (``HX-Redirect``, coming back to the page shown) instead of swapping it into the
live part; the short "Product link" form's price follows its choices; the live parts say their
state to screen readers."""

from __future__ import annotations

import pytest
from django.test import Client

from billing.ledger import account_for_workspace
from billing.models import Plan
from generation.models import RenderJob

pytestmark = pytest.mark.django_db

URL = "https://shop.example.com/products/mug"
LOGIN = "/accounts/login/"


@pytest.fixture
def job(team) -> RenderJob:
    return RenderJob.objects.create(workspace=team.workspace, source_url=URL, state="running", stage="shots", progress=40)


def _w(team):
    return f"/app/w/{team.workspace.id}"


def _hx(page: str) -> dict:
    """What htmx sends: its marker and the URL of the page the browser shows."""
    return {"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"}


# ------------------------------------------------------------------ the session ends


def test_a_poll_after_the_session_ended_opens_the_login_page(client, team, job):
    page = f"{_w(team)}/jobs/{job.id}/"
    team.login(client, "viewer")
    assert client.get(page, headers=_hx(page)).status_code == 200
    client.logout()
    response = client.get(page, headers=_hx(page))
    assert response.status_code == 200 and response["HX-Redirect"] == f"{LOGIN}?next={page}"
    assert not response.has_header("Location") and "<form" not in response.text
    # without htmx: the usual redirect
    plain = client.get(page)
    assert plain.status_code == 302 and plain["Location"] == f"{LOGIN}?next={page}"


def test_a_variant_poll_comes_back_to_the_side_by_side_page(client, team, job):
    other = RenderJob.objects.create(workspace=team.workspace, source_url=URL, state="queued")
    page = f"{_w(team)}/jobs/compare/?jobs={job.id},{other.id}"
    response = client.get(f"{_w(team)}/jobs/compare/?jobs={job.id}&n=1", headers=_hx(page))
    assert response["HX-Redirect"] == f"{LOGIN}?next=" + page.replace("?", "%3F").replace("=", "%3D").replace(",", "%2C")


def test_a_form_sent_in_place_after_the_session_ended_changes_nothing(client, team, job):
    page = f"{_w(team)}/jobs/{job.id}/"
    response = client.post(f"{page}cancel/", headers=_hx(page))
    assert response["HX-Redirect"] == f"{LOGIN}?next={page}"  # the job's page, not the cancel's URL
    assert RenderJob.objects.get(id=job.id).cancel_requested is False
    # a form refused for its token once the session (and its cookies) are gone: the login too
    strict = Client(enforce_csrf_checks=True)
    refused = strict.post(f"{page}cancel/", headers=_hx(page))
    assert refused.status_code == 200 and refused["HX-Redirect"] == f"{LOGIN}?next={page}"
    assert strict.post(f"{page}cancel/").status_code == 403  # without htmx: the 403 page


def test_a_page_of_another_origin_is_not_a_next(client, team, job):
    poll = f"{_w(team)}/jobs/{job.id}/"
    response = client.get(poll, headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example.com/x"})
    assert response["HX-Redirect"] == f"{LOGIN}?next={poll}"  # the poll's own page
    sent = client.post(f"{poll}cancel/", headers={"HX-Request": "true"})
    assert sent["HX-Redirect"] == LOGIN  # a POST-only URL is no page to come back to


def test_a_signed_in_members_refusal_stays_a_refusal(client, team, job):
    page = f"{_w(team)}/jobs/{job.id}/"
    team.login(client, "viewer")
    refused = client.post(f"{page}cancel/", headers=_hx(page))
    assert refused.status_code == 403 and not refused.has_header("HX-Redirect")
    team.login(client, "outsider")
    assert client.get(page, headers=_hx(page)).status_code == 404


# ------------------------------------------------------------------ the short "Make ad" form


@pytest.fixture
def billing_on(settings, plans, team):
    settings.SHOPREEL_BILLING = True
    account = account_for_workspace(workspace=team.workspace)
    account.plan = Plan.objects.get(slug="growth")
    account.status = "active"
    account.save()
    return account


def test_the_link_forms_price_follows_its_choices(client, team, billing_on):
    team.login(client, "editor")
    text = client.get(f"{_w(team)}/").text
    form = text.split('id="make-ad"')[1].split("</form>")[0]
    assert '<label for="id_url">Product link</label>' in form and '<button type="submit" class="primary">Make ad</button>' in form
    assert "hx-post" not in form and "hx-boost" not in text  # a plain POST: the job's page opens
    assert f'aria-live="polite" hx-get="{_w(team)}/ads/quote/" hx-trigger="change from:#make-ad"' in form
    assert "costs <strong>3 credits</strong>" in form
    quote = client.get(f"{_w(team)}/ads/quote/", {"language": "en", "length": "15", "formats": ["9:16", "1:1"]})
    assert "costs <strong>6 credits</strong>" in quote.text and 'aria-live="polite"' in quote.text


def test_without_billing_the_link_form_asks_for_no_price(client, team):
    team.login(client, "editor")
    text = client.get(f"{_w(team)}/").text
    assert "Make ad</button>" in text and "/ads/quote/" not in text and "credit" not in text


# ------------------------------------------------------------------ accessibility


def test_the_live_parts_tell_screen_readers_when_their_state_changes(client, team, job):
    page = f"{_w(team)}/jobs/{job.id}/"
    team.login(client, "editor")
    text = client.get(page).text
    # a status line that stays on the page (a part swapped in anew is not read out)
    assert '<p id="live-said" class="visually-hidden" role="status" aria-live="polite"></p>' in text
    live = client.get(page, headers=_hx(page)).text
    assert live.lstrip().startswith('<div id="job-live" data-said="State: Running, stage: Shots"')
    # the poll swaps the Cancel button anew: its id lets htmx give it its focus back
    assert '<button type="submit" id="cancel-job">Cancel</button>' in live and "autofocus" not in live
    # the in-place cancel took the button away: the focus goes to what happened instead
    cancelled = client.post(f"{page}cancel/", headers=_hx(page)).text
    assert 'class="job-progress" data-state="' in cancelled and 'tabindex="-1" autofocus>' in cancelled
    compare = client.get(f"{_w(team)}/jobs/compare/?jobs={job.id}").text
    assert 'id="live-said"' in compare and 'data-said="Variant 1: ' in compare and 'id="open-variant-1"' in compare
    # an ended job's page changes no more: nothing to announce
    RenderJob.objects.filter(id=job.id).update(state="failed")
    assert 'id="live-said"' not in client.get(page).text


def test_the_product_lists_count_and_an_imports_end_are_read_out(client, team, queued_pipelines):
    from products.models import ImportBatch
    from tests.factories import ProductFactory

    ProductFactory(workspace=team.workspace, title="Blue mug")
    ProductFactory(workspace=team.workspace, title="Red mug")
    team.login(client, "editor")
    products = f"{_w(team)}/products/"
    page = client.get(products).text
    assert 'id="live-said"' in page and 'data-said="2 products"' in page
    found = client.get(products, {"q": "blue"}, headers=_hx(products)).text
    assert found.lstrip().startswith('<div id="product-results" data-said="1 product matches"')
    client.post(f"{products}import/", {"links": "https://shop.example.com/a"})
    batch = ImportBatch.objects.get()
    rows = f"{_w(team)}/products/imports/{batch.id}/"
    assert 'id="live-said"' in client.get(rows).text
    assert 'data-said="Importing…"' in client.get(rows, headers=_hx(rows)).text
    ImportBatch.objects.filter(id=batch.id).update(state="done", done=1, failed=1)
    assert 'data-said="Import done: 1 of 1 read, 1 not imported."' in client.get(rows, headers=_hx(rows)).text
