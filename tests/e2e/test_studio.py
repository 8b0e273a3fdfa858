"""The studio in a real Chromium against a live server: log in, paste the demo shop's product
link, "Make ad", watch the job's page update by itself (htmx polling) to the finished video, play it, and
download the MP4. Screenshots at 1280 px and 390 px go to $SHOPREEL_TEST_ARTIFACTS (else a
temporary folder).

The test settings have no broker: the canvas queued on commit is recorded instead, and the test
runs the job in-process (``job_run_inline``) against the database the live server shares.

Skipped where /usr/bin/chromium is missing, except where SHOPREEL_TEST_REQUIRE_SERVICES=1."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from generation import services
from generation.models import RenderJob
from tests.accounts.conftest import verified_user
from tests.factories import MembershipFactory, WorkspaceFactory

pytestmark = pytest.mark.slow

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture
def artifacts() -> Path:
    folder = Path(os.environ.get("SHOPREEL_TEST_ARTIFACTS") or tempfile.mkdtemp(prefix="shopreel-studio-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _screenshots(page, artifacts: Path, name: str) -> None:
    for width in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(artifacts / f"studio-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})


def test_paste_a_link_make_an_ad_watch_it_finish_play_and_download(
    page, live_server, allow_demo_shop, settings, queued_pipelines, artifacts
):
    settings.SHOPREEL_VOICE = False  # speed: the pictures and captions are what is checked here
    settings.SHOPREEL_MUSIC = False
    queued = queued_pipelines
    user = verified_user("merchant")
    workspace = WorkspaceFactory(name="Demo Shop")
    MembershipFactory(workspace=workspace, user=user, role="owner")
    base = live_server.url
    url = next(iter(allow_demo_shop.product_urls.values()))

    # log in: the studio is the workspace's first page
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", "pw")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert page.url == f"{base}/app/w/{workspace.id}/"
    _screenshots(page, artifacts, "form")

    # make an ad
    page.get_by_label("Product link").fill(url)
    page.get_by_label("Length").select_option("6")
    with page.expect_navigation():
        page.get_by_role("button", name="Make ad").click()
    job = RenderJob.objects.get(workspace=workspace)
    assert page.url == f"{base}/app/w/{workspace.id}/jobs/{job.id}/"
    assert queued == [str(job.id)]
    assert page.locator("progress#job-bar").is_visible()
    assert page.get_by_role("button", name="Cancel").is_visible()
    # htmx is loaded (our own copy) and the live part polls the page
    assert page.evaluate("() => window.htmx && window.htmx.version").startswith("2.")
    assert page.locator("#job-live[hx-trigger]").count() == 1
    _screenshots(page, artifacts, "running")

    # the job runs (in-process here); the live part swaps the video in by itself, no page load
    page.evaluate("() => { window.samePage = true; }")
    job = services.job_run_inline(job_id=job.id)
    assert job.state == RenderJob.State.SUCCEEDED, job.error
    video = page.locator("video").first
    video.wait_for(state="visible", timeout=30_000)
    assert "Succeeded" in page.inner_text("#job-progress")
    assert page.evaluate("() => window.samePage === true")
    assert page.locator("#job-live[hx-trigger]").count() == 0  # the polling stopped

    # it plays
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.5", timeout=15_000)

    # "Download MP4" gives the MP4
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download MP4").click()
    head = Path(download_info.value.path()).read_bytes()[:12]
    assert head[4:8] == b"ftyp"

    page.evaluate("() => { const v = document.querySelector('video'); v.pause(); v.currentTime = 1; }")
    _screenshots(page, artifacts, "job")
    page.goto(f"{base}/app/w/{workspace.id}/")
    _screenshots(page, artifacts, "list")
