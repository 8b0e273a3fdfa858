"""The studio's htmx parts in a real Chromium against a live server, as a keyboard and screen
reader user meets them: the job's state read out when it changes, the focus kept after the
in-place cancel, the short form's price following its choices, and a poll after the session
ended opening the login page (coming back to the job's page) instead of swapping it in.

Skipped where /usr/bin/chromium is missing, except where SHOPREEL_TEST_REQUIRE_SERVICES=1."""

from __future__ import annotations

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
