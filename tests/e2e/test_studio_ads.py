"""The studio's ad side in a real Chromium against a live server: for an imported product of
the demo shop, pick a template in the gallery and make two variants side by side; watch them
finish and play; edit a caption in the storyboard, see the claims check mark it, apply the
suggested rewrite, save and re-render; download every file as one zip and check its MP4 with
ffprobe. Screenshots at 1280 px and 390 px go to $SHOPREEL_TEST_ARTIFACTS (else a temporary
folder).

The test settings have no broker: the canvases queued on commit are recorded, and the test runs
each job in-process (``job_run_inline``) against the database the live server shares."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest

from generation import services
from generation.models import RenderJob, Shot
from products import services as product_services
from tests.accounts.conftest import verified_user
from tests.factories import MembershipFactory, WorkspaceFactory

pytestmark = pytest.mark.slow

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture
def artifacts() -> Path:
    folder = Path(
        os.environ.get("SHOPREEL_TEST_ARTIFACTS") or tempfile.mkdtemp(prefix="shopreel-studio-ads-")
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _screenshots(page, artifacts: Path, name: str) -> None:
    for width in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(artifacts / f"ads-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})


def test_two_variants_storyboard_edit_with_a_rewrite_re_render_and_zip(
    page, live_server, allow_demo_shop, settings, queued_pipelines, artifacts
):
    settings.SHOPREEL_VOICE = False  # speed: the pictures and captions are what is checked here
    settings.SHOPREEL_MUSIC = False
    user = verified_user("merchant")
    workspace = WorkspaceFactory(name="Demo Shop")
    MembershipFactory(workspace=workspace, user=user, role="owner")
    base = live_server.url
    url = next(iter(allow_demo_shop.product_urls.values()))
    product = product_services.product_create_pending(workspace=workspace, url=url)
    product_services.product_scrape(product=product)
    product.refresh_from_db()
    assert product.status == "imported", product.error

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", "pw")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()

    # the gallery for the product: a 6 s ad, the recommended template, two variants
    page.goto(f"{base}/app/w/{workspace.id}/?product={product.id}")
    page.get_by_label("Length").select_option("6")
    with page.expect_navigation():
        page.get_by_role("button", name="Show templates").click()
    assert "Recommended:" in page.inner_text("#why")
    assert page.locator(".tcard input[type=radio]:checked").count() == 1
    # the price follows the choice: htmx asks for the quote with the form's choices (no token)
    with page.expect_request(lambda r: "/ads/quote/" in r.url) as quote:
        page.get_by_label("Variants").select_option("2")
    assert "variants=2" in quote.value.url and "length=6" in quote.value.url
    assert "csrfmiddlewaretoken" not in quote.value.url
    _screenshots(page, artifacts, "gallery")
    with page.expect_navigation():
        page.get_by_role("button", name="Make ad").click()
    jobs = list(RenderJob.objects.filter(workspace=workspace).order_by("created_at"))
    assert len(jobs) == 2 and sorted(queued_pipelines) == sorted(str(j.id) for j in jobs)
    assert "/jobs/compare/" in page.url
    assert page.locator(".variant").count() == 2
    _screenshots(page, artifacts, "variants-running")

    # both are made (in-process); the page notices by itself and shows both videos
    for job in jobs:
        job = services.job_run_inline(job_id=job.id)
        assert job.state == RenderJob.State.SUCCEEDED, job.error
    page.wait_for_function(
        "() => document.querySelectorAll('.variant video').length === 2", timeout=30_000
    )
    scripts = [RenderJob.objects.get(id=j.id).ad.script for j in jobs]
    assert [s["variant"] for s in scripts] == [0, 1]
    page.evaluate(
        "() => { const v = document.querySelector('.variant video'); v.muted = true; return v.play(); }"
    )
    page.wait_for_function(
        "() => document.querySelector('.variant video').currentTime > 0.3", timeout=15_000
    )
    page.evaluate(
        "() => document.querySelectorAll('video').forEach(v => { v.pause(); v.currentTime = 1; })"
    )
    _screenshots(page, artifacts, "variants-done")

    # the first variant's page: player, poster, downloads, the post text
    with page.expect_navigation():
        page.get_by_role("link", name="Open variant 1").click()
    assert page.locator("video").count() == 1
    assert product.title.split()[0] in page.input_value("#post-text")
    assert page.get_by_role("button", name="Copy").is_visible()
    _screenshots(page, artifacts, "job")

    # the storyboard: a caption with two problems, marked; one click applies a rewrite fixing both
    ad = RenderJob.objects.get(id=jobs[0].id).ad
    shots_before = {s.scene_id: s.asset for s in Shot.objects.filter(ad=ad)}
    with page.expect_navigation():
        page.get_by_role("link", name="Edit the storyboard").click()
    assert page.locator(".scene-card[id^=scene-]").count() == len(ad.script["scenes"])
    # each card shows its scene's frame from the render (loaded, not a broken image)
    assert page.locator("img[data-frame='1']").count() == len(ad.script["scenes"])
    page.wait_for_function(
        "() => [...document.querySelectorAll('img[data-frame]')].every(i => i.complete && i.naturalWidth === 360)"
    )
    _screenshots(page, artifacts, "storyboard")
    caption = page.locator("#id_scenes-0-caption")
    caption.fill("The best cure for dry skin")
    # "Save" and the rewrite's button are sent in place (htmx): the editor comes back, no page load
    page.evaluate("() => { window.samePage = true; }")
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator("mark.block", has_text="cure").wait_for()
    assert page.locator("mark.warn", has_text="best").is_visible()
    _screenshots(page, artifacts, "storyboard-findings")
    page.locator("button[value='apply:scenes.0.caption']").click()
    page.wait_for_function(
        "() => document.querySelector('#id_scenes-0-caption').value === 'The great care for dry skin'"
    )
    assert page.locator("mark").count() == 0
    assert page.evaluate("() => document.activeElement.id") == "id_scenes-0-caption"  # the field fixed
    assert page.evaluate("() => window.samePage === true")
    with page.expect_navigation():
        page.get_by_role("button", name="Save and re-render").click()
    ad.refresh_from_db()
    assert ad.script["scenes"][0]["caption"] == "The great care for dry skin"
    rerender = RenderJob.objects.filter(ad=ad).order_by("-created_at").first()
    assert rerender.id not in {j.id for j in jobs} and page.url.endswith(f"/jobs/{rerender.id}/")

    # the re-render keeps every shot (only a caption changed) and makes the ad again
    rerender = services.job_run_inline(job_id=rerender.id)
    assert rerender.state == RenderJob.State.SUCCEEDED, rerender.error
    assert {s.scene_id: s.asset for s in Shot.objects.filter(ad=ad)} == shots_before
    page.locator("video").first.wait_for(state="visible", timeout=30_000)
    _screenshots(page, artifacts, "rerendered")

    # all files as one zip; its MP4 is a real H.264 video of the ad's length
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download all files (zip)").click()
    folder = Path(tempfile.mkdtemp(prefix="shopreel-zip-"))
    try:
        with zipfile.ZipFile(download_info.value.path()) as archive:
            names = archive.namelist()
            assert sorted(n.rsplit(".", 1)[1] for n in names) == ["jpg", "mp4", "srt", "vtt"]
            archive.extractall(folder)
        mp4 = next(folder.rglob("*.mp4"))
        probe = json.loads(
            subprocess.run(
                [
                    "ffprobe",
                    "-v",
                    "error",
                    "-show_streams",
                    "-show_format",
                    "-of",
                    "json",
                    str(mp4),
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        video = next(s for s in probe["streams"] if s["codec_type"] == "video")
        assert video["codec_name"] == "h264" and (video["width"], video["height"]) == (1080, 1920)
        assert abs(float(probe["format"]["duration"]) - ad.length) < 0.5
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    page.goto(f"{base}/app/w/{workspace.id}/ads/library/")
    assert page.locator("tr[data-ad]").count() == 2
    _screenshots(page, artifacts, "library")
