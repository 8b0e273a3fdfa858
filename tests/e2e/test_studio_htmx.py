"""The studio's htmx parts in a real Chromium against a live server, as a keyboard and screen
reader user meets them: the job's state read out when it changes, the focus kept after the
in-place cancel, the short form's price following its choices, and a poll after the session
ended opening the login page (coming back to the job's page) instead of swapping it in.

Skipped where /usr/bin/chromium is missing, except where SHOPREEL_TEST_REQUIRE_SERVICES=1."""

from __future__ import annotations

import re

import pytest

from billing.ledger import account_for_workspace
from billing.models import Plan
from generation.models import RenderJob
from tests.accounts.conftest import verified_user
from tests.factories import MembershipFactory, WorkspaceFactory

pytestmark = pytest.mark.slow

URL = "https://shop.example.com/products/mug"


def _log_in(page, base, user) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", "pw")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def test_the_job_page_with_a_keyboard_a_screen_reader_and_an_ended_session(page, live_server, settings, plans):
    settings.SHOPREEL_BILLING = True
    user = verified_user("merchant")
    workspace = WorkspaceFactory(name="Demo Shop")
    MembershipFactory(workspace=workspace, user=user, role="owner")
    account = account_for_workspace(workspace=workspace)
    account.plan = Plan.objects.get(slug="growth")
    account.status = "active"
    account.save()
    base = live_server.url
    _log_in(page, base, user)

    # the short form: its price follows the length chosen (htmx asks for the quote)
    assert "costs 3 credits" in page.inner_text("#price")
    with page.expect_response(lambda r: "/ads/quote/" in r.url):
        page.get_by_label("Length").select_option("60")
    page.wait_for_function("() => !document.querySelector('#price').innerText.includes('costs 3 credits')")
    assert "credits" in page.inner_text("#price")

    # a running job: a new stage is read out (the status line), once
    job = RenderJob.objects.create(workspace=workspace, source_url=URL, state="running", stage="shots", progress=40)
    other = RenderJob.objects.create(workspace=workspace, source_url=URL, state="running", stage="shots", progress=10)
    page.goto(f"{base}/app/w/{workspace.id}/jobs/{job.id}/")
    RenderJob.objects.filter(id=job.id).update(stage="render", progress=80)
    page.wait_for_function(
        "() => document.getElementById('live-said').textContent === 'State: Running, stage: Render'", timeout=10_000
    )

    # the poll does not take the focus from the Cancel button; pressed, the focus goes to the state
    page.focus("#cancel-job")
    page.wait_for_timeout(3_000)  # a poll or more
    assert page.evaluate("() => document.activeElement.id") == "cancel-job"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'job-progress'")
    assert "cancel" in page.inner_text("#job-progress").lower()

    # the session ends: the next poll opens the login page, which comes back to the job
    page.goto(f"{base}/app/w/{workspace.id}/jobs/{other.id}/")
    page.context.clear_cookies()
    page.wait_for_url(f"{base}/accounts/login/?next=/app/w/{workspace.id}/jobs/{other.id}/", timeout=10_000)
    assert page.locator("#job-live").count() == 0


def test_an_in_place_form_after_signing_in_again_in_another_tab_and_a_failure_said(page, live_server):
    """Signing in again in another tab gives the browser a new CSRF token: the open page's
    in-place form still goes through (it sends the token the browser holds, not the one it was
    drawn with; it was a silent 403). A request that fails is said on the page, with what was
    typed left in place."""
    user = verified_user("merchant")
    workspace = WorkspaceFactory(name="Two Tabs")
    MembershipFactory(workspace=workspace, user=user, role="owner")
    base = live_server.url
    _log_in(page, base, user)
    page.goto(f"{base}/app/w/{workspace.id}/products/")
    drawn_with = page.locator("#import-box input[name=csrfmiddlewaretoken]").input_value()

    # another tab signs out and in again (the browser's cookies, shared by every tab)
    page.context.clear_cookies()
    tab = page.context.request
    form = tab.get(f"{base}/accounts/login/").text()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    signed_in = tab.post(
        f"{base}/accounts/login/",
        form={"login": user.email, "password": "pw", "csrfmiddlewaretoken": token},
        max_redirects=0,
    )
    assert signed_in.status == 302
    assert page.locator("#import-box input[name=csrfmiddlewaretoken]").input_value() == drawn_with

    page.fill("#id_links", "   ")  # no link: refused on the field by the view itself
    with page.expect_response(lambda r: r.url.endswith("/products/import/")) as answer:
        page.click("#import-submit")
    assert answer.value.status == 400  # the form's own refusal, not the CSRF check's 403
    page.locator("#links-error", has_text="Paste at least one product link").wait_for()
    assert page.locator("#htmx-error").is_hidden()

    # the server fails (a 502 from a proxy): said, and the links typed are still there
    page.route("**/products/import/", lambda route: route.fulfill(status=502, body="Bad gateway"))
    page.fill("#id_links", "https://shop.example.com/products/mug")
    page.click("#import-submit")
    page.locator("#htmx-error").wait_for()
    assert "could not do that just now (502)" in page.inner_text("#htmx-error")
    assert page.input_value("#id_links") == "https://shop.example.com/products/mug"
