"""The studio's pages with Django's test client: the tenant matrix of every view (owner and
editor work, a viewer sees but cannot make or cancel, an outsider gets 404, a wrong method 405),
private media, refusals shown as messages, and the price and balance with billing on."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from billing.ledger import account_for_workspace
from billing.models import Plan
from generation.models import Ad, RenderJob, RenderOutput
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

URL = "https://shop.example.com/products/mug"
HX = {"HX-Request": "true"}  # what htmx sends with each of its requests
MP4 = b"\x00\x00\x00\x20ftypisom" + b"\x00" * 64


@pytest.fixture
def queued(queued_pipelines) -> list[str]:
    """Jobs whose canvas was queued on commit (recorded at the broker's edge: tests/conftest.py)."""
    return queued_pipelines


@pytest.fixture
def job(team) -> RenderJob:
    return RenderJob.objects.create(workspace=team.workspace, source_url=URL, state="running", stage="shots", progress=40)


@pytest.fixture
def done_job(team) -> RenderJob:
    """A finished job with one 9:16 output (small stand-in files)."""
    product = ProductFactory(workspace=team.workspace, title="Blue mug")
    ad = Ad.objects.create(workspace=team.workspace, product=product, template="t", script={}, formats=["9:16"])
    job = RenderJob.objects.create(
        workspace=team.workspace, source_url=URL, product=product, ad=ad, state="succeeded", stage="done", progress=100
    )
    output = RenderOutput(workspace=team.workspace, ad=ad, job=job, format="9:16", width=1080, height=1920,
                          duration=6.0, size_bytes=len(MP4))
    output.video.save("ad-9x16.mp4", ContentFile(MP4), save=False)
    output.poster.save("ad-9x16.jpg", ContentFile(b"\xff\xd8\xff\xe0jpeg"), save=False)
    output.srt.save("ad-9x16.srt", ContentFile(b"1\n00:00:00,000 --> 00:00:01,000\nHi\n"), save=False)
    output.vtt.save("ad-9x16.vtt", ContentFile(b"WEBVTT\n"), save=False)
    output.save()
    return job


def _w(team, who="owner"):
    workspace = team.outsider_workspace if who == "outsider-own" else team.workspace
    return f"/app/w/{workspace.id}"


# ------------------------------------------------------------------ the studio page


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_writers_see_the_form_and_the_recent_jobs(client, team, job, who):
    team.login(client, who)
    page = client.get(f"{_w(team)}/")
    assert page.status_code == 200
    text = page.text
    assert '<label for="id_url">Product link</label>' in text and "Make ad</button>" in text
    assert f'/jobs/{job.id}/"' in text and "40%" in text and "Running" in text
    assert 'value="9:16" checked' in text and '<option value="15" selected>' in text


def test_a_viewer_sees_the_list_but_no_form(client, team, job):
    team.login(client, "viewer")
    page = client.get(f"{_w(team)}/")
    assert page.status_code == 200 and f'/jobs/{job.id}/"' in page.text
    assert "Make ad</button>" not in page.text


def test_an_outsider_gets_404_and_a_wrong_method_405(client, team, job):
    team.login(client, "outsider")
    assert client.get(f"{_w(team)}/").status_code == 404
    assert client.post(f"{_w(team)}/ads/", {"url": URL}).status_code == 404
    team.login(client, "owner")
    assert client.post(f"{_w(team)}/").status_code == 405
    assert client.get(f"{_w(team)}/ads/").status_code == 405


def test_the_list_is_scoped_to_the_workspace(client, team, job):
    other = RenderJob.objects.create(workspace=team.outsider_workspace, source_url="https://rival.example.com/p")
    team.login(client, "owner")
    assert str(other.id) not in client.get(f"{_w(team)}/").text


# ------------------------------------------------------------------ making an ad


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_make_ad_queues_a_job_and_redirects_to_its_page(client, team, queued, who, django_capture_on_commit_callbacks):
    team.login(client, who)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{_w(team)}/ads/", {"url": URL, "language": "de", "length": "6", "formats": ["9:16", "1:1"]})
    job = RenderJob.objects.get(workspace=team.workspace)
    assert response.status_code == 302 and response["Location"] == f"{_w(team)}/jobs/{job.id}/"
    assert job.source_url == URL and queued == [str(job.id)]
    assert job.options["language"] == "de" and job.options["length"] == 6 and job.options["formats"] == ["9:16", "1:1"]


def test_a_viewer_cannot_make_an_ad(client, team, queued):
    team.login(client, "viewer")
    assert client.post(f"{_w(team)}/ads/", {"url": URL, "language": "en", "length": "15", "formats": ["9:16"]}).status_code == 403
    assert not RenderJob.objects.exists() and not queued


@pytest.mark.parametrize("link", ["not a link", "ftp://shop.example.com/p", ""])
def test_a_bad_link_comes_back_on_its_field_with_the_choices_kept(client, team, queued, link):
    team.login(client, "editor")
    response = client.post(
        f"{_w(team)}/ads/", {"url": link, "language": "de", "length": "6", "formats": ["1:1", "16:9"]}
    )
    assert response.status_code == 400
    assert '<span class="field-error" id="url-error" role="alert">The product link must be a web address' in response.text
    assert 'aria-describedby="url-error"' in response.text and f'value="{link}"' in response.text
    assert '<option value="de" selected>' in response.text and '<option value="6" selected>' in response.text
    assert 'value="1:1" checked' in response.text and 'value="16:9" checked' in response.text
    assert 'value="9:16" checked' not in response.text  # the workspace's default is not put back
    assert not RenderJob.objects.exists() and not queued


# ------------------------------------------------------------------ billing on


@pytest.fixture
def billing_on(settings, plans, team):
    settings.SHOPREEL_BILLING = True
    account = account_for_workspace(workspace=team.workspace)
    account.plan = Plan.objects.get(slug="growth")
    account.status = "active"
    account.save()
    return account


def test_with_billing_on_the_price_and_balance_show(client, team, billing_on):
    team.login(client, "editor")
    text = client.get(f"{_w(team)}/").text
    account = account_for_workspace(workspace=team.workspace)
    assert "costs <strong>3 credits</strong>" in text
    assert f"Your balance: <strong>{account.balance} credit" in text
    assert "An ad that fails costs nothing." in text


def test_too_few_credits_is_a_message_and_nothing_is_queued(client, team, billing_on, queued):
    team.login(client, "editor")
    response = client.post(
        f"{_w(team)}/ads/", {"url": URL, "language": "en", "length": "60", "formats": list(("9:16", "1:1", "4:5", "16:9"))},
    )
    assert response.status_code == 400
    assert 'id="make-error" role="alert"' in response.text and "credits" in response.text
    assert f'value="{URL}"' in response.text and '<option value="60" selected>' in response.text
    assert all(f'value="{f}" checked' in response.text for f in ("9:16", "1:1", "4:5", "16:9"))
    assert not RenderJob.objects.exists() and not queued


# ------------------------------------------------------------------ the job's page


@pytest.mark.parametrize("who", ["owner", "editor", "viewer"])
def test_members_see_the_job_and_its_progress(client, team, job, who):
    team.login(client, who)
    page = client.get(f"{_w(team)}/jobs/{job.id}/")
    assert page.status_code == 200
    assert '<progress id="job-bar" max="100" value="40">' in page.text and ">Refresh</a>" in page.text
    assert ("Cancel</button>" in page.text) is (who != "viewer")
    # the page loads htmx from our own static files, and its live part polls the page itself
    assert '<script src="/static/django_htmx/htmx-2.min.js" defer>' in page.text
    assert f'hx-get="{_w(team)}/jobs/{job.id}/" hx-trigger="every 2.5s' in page.text
    assert "HX-Request" in page["Vary"]
    # htmx's poll gets the live part alone, never cached
    fragment = client.get(f"{_w(team)}/jobs/{job.id}/", headers=HX)
    assert fragment.status_code == 200 and fragment["Cache-Control"] == "no-store"
    assert "HX-Request" in fragment["Vary"]
    assert fragment.text.lstrip().startswith('<div id="job-live"') and "<html" not in fragment.text
    assert 'data-finished="0"' in fragment.text and 'hx-trigger="every 2.5s' in fragment.text
    assert ("Cancel</button>" in fragment.text) is (who != "viewer")


def test_htmx_restoring_the_page_from_its_history_gets_the_whole_page(client, team, job):
    team.login(client, "viewer")
    for extra in ({"HX-History-Restore-Request": "true"}, {"HX-Boosted": "true"}):
        page = client.get(f"{_w(team)}/jobs/{job.id}/", headers={**HX, **extra})
        assert page.status_code == 200 and "<html" in page.text and 'id="job-live"' in page.text


def test_the_poll_stops_when_the_job_ends_and_the_ad_shows_in_place(client, team, job, done_job):
    team.login(client, "viewer")
    url = f"{_w(team)}/jobs/{job.id}/"
    RenderJob.objects.filter(id=job.id).update(state="failed", error="The page has no product on it.")
    ended = client.get(url, headers=HX).text
    assert 'data-finished="1"' in ended and "The page has no product on it." in ended
    assert "hx-trigger" not in ended and "hx-get" not in ended and "Refresh</a>" not in ended
    made = client.get(f"{_w(team)}/jobs/{done_job.id}/", headers=HX).text
    assert "<html" not in made and "hx-trigger" not in made
    assert "<video" in made and "Download MP4</a>" in made and 'id="post-text"' in made


def test_an_outsider_gets_404_for_the_job_and_a_wrong_method_405(client, team, job):
    team.login(client, "outsider")
    for path in ("", "files/9:16/video/"):
        assert client.get(f"{_w(team)}/jobs/{job.id}/{path}").status_code == 404
    assert client.get(f"{_w(team)}/jobs/{job.id}/", headers=HX).status_code == 404
    assert client.post(f"{_w(team)}/jobs/{job.id}/cancel/").status_code == 404
    assert client.post(f"{_w(team)}/jobs/{job.id}/cancel/", headers=HX).status_code == 404
    team.login(client, "owner")
    assert client.post(f"{_w(team)}/jobs/{job.id}/").status_code == 405
    assert client.post(f"{_w(team)}/jobs/{job.id}/progress/").status_code == 404  # the old poll's URL is gone
    assert client.get(f"{_w(team)}/jobs/{job.id}/cancel/").status_code == 405
    assert client.get(f"{_w(team)}/jobs/{job.id}/cancel/", headers=HX).status_code == 405
    # the job is reached only through its own workspace
    team.login(client, "outsider")
    assert client.get(f"/app/w/{team.outsider_workspace.id}/jobs/{job.id}/").status_code == 404


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_writers_cancel_a_running_job(client, team, job, who):
    team.login(client, who)
    response = client.post(f"{_w(team)}/jobs/{job.id}/cancel/")
    assert response.status_code == 302 and response["Location"] == f"{_w(team)}/jobs/{job.id}/"
    assert RenderJob.objects.get(id=job.id).cancel_requested is True


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_cancel_sent_in_place_answers_with_the_live_part(client, team, job, who):
    team.login(client, who)
    response = client.post(f"{_w(team)}/jobs/{job.id}/cancel/", headers=HX)
    job.refresh_from_db()
    assert response.status_code == 200 and job.cancel_requested is True
    assert response.text.lstrip().startswith('<div id="job-live"') and "<html" not in response.text
    assert "Cancel</button>" not in response.text
    if job.state == RenderJob.State.CANCELLED:  # no worker held it: cancelled at once, the poll ends
        assert "The job was cancelled" in response.text and "hx-trigger" not in response.text
    else:  # a worker stops it: the poll goes on until it has
        assert "Cancelling…" in response.text and "hx-trigger" in response.text
    # cancelling again once it has ended answers how it ended, in place
    RenderJob.objects.filter(id=job.id).update(state="cancelled")
    again = client.post(f"{_w(team)}/jobs/{job.id}/cancel/", headers=HX)
    assert again.status_code == 200 and "The job was cancelled" in again.text


def test_a_viewer_cannot_cancel(client, team, job):
    team.login(client, "viewer")
    assert client.post(f"{_w(team)}/jobs/{job.id}/cancel/").status_code == 403
    assert client.post(f"{_w(team)}/jobs/{job.id}/cancel/", headers=HX).status_code == 403
    assert RenderJob.objects.get(id=job.id).cancel_requested is False


def test_a_failed_job_says_what_happened_and_what_to_do(client, team, job):
    RenderJob.objects.filter(id=job.id).update(state="failed", error="The page has no product on it.")
    team.login(client, "viewer")
    page = client.get(f"{_w(team)}/jobs/{job.id}/").text
    assert "The page has no product on it." in page and "make the ad again" in page
    assert "Cancel</button>" not in page and "hx-trigger" not in page and 'id="live-said"' not in page


def test_a_finished_job_shows_its_videos_and_downloads(client, team, done_job):
    team.login(client, "viewer")
    page = client.get(f"{_w(team)}/jobs/{done_job.id}/").text
    files = f"{_w(team)}/jobs/{done_job.id}/files/9:16"
    assert "<video controls" in page and f'src="{files}/video/"' in page and f'poster="{files}/poster/"' in page
    assert f'<a href="{files}/video/?download=1" class="button primary">Download MP4</a>' in page
    for kind in ("srt", "vtt"):
        assert f'href="{files}/{kind}/?download=1"' in page
    assert "/media/" not in page


# ------------------------------------------------------------------ private media


@pytest.mark.parametrize("who", ["owner", "viewer"])
def test_a_member_gets_the_files(client, team, done_job, who):
    team.login(client, who)
    files = f"{_w(team)}/jobs/{done_job.id}/files/9:16"
    video = client.get(f"{files}/video/")
    assert video.status_code == 200 and video["Content-Type"] == "video/mp4"
    assert b"".join(video.streaming_content) == MP4
    download = client.get(f"{files}/video/?download=1")
    assert download["Content-Disposition"].startswith("attachment;")
    assert client.get(f"{files}/vtt/")["Content-Type"].startswith("text/vtt")
    assert client.get(f"{files}/poster/")["Content-Type"] == "image/jpeg"
    assert client.get(f"{files}/nope/").status_code == 404
    assert client.get(f"{_w(team)}/jobs/{done_job.id}/files/1:1/video/").status_code == 404


def test_an_outsider_gets_404_and_an_anonymous_visitor_the_login(client, team, done_job):
    files = f"{_w(team)}/jobs/{done_job.id}/files/9:16/video/"
    response = client.get(files)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    team.login(client, "outsider")
    assert client.get(files).status_code == 404


def test_with_accel_redirect_the_web_server_sends_the_file(client, team, done_job, settings):
    settings.SHOPREEL_MEDIA_ACCEL_REDIRECT = "/protected-media/"
    team.login(client, "editor")
    response = client.get(f"{_w(team)}/jobs/{done_job.id}/files/9:16/video/?download=1")
    output = RenderOutput.objects.get(job=done_job)
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected-media/{output.video.name}"
    assert response["Content-Type"] == "video/mp4" and response["Content-Disposition"].startswith("attachment;")
