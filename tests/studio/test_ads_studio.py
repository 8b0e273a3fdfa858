"""The studio's ad side with Django's test client: the template gallery and options for a
product, variants side by side, the price for N variants, the zip of all files, the post text,
the storyboard editor (save, errors on the field, inline findings and their rewrite, reorder,
add, remove, re-render) and the library. Every view: owner and editor work, a viewer sees but
cannot write, an outsider gets 404, a wrong method 405."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils.html import escape

from billing.ledger import account_for_workspace
from billing.models import Plan
from generation import services
from generation.models import Ad, RenderJob, RenderOutput, Shot
from generation.studio.gallery import template_gallery
from products.models import ProductImage
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

MP4 = b"\x00\x00\x00\x20ftypisom" + b"\x00" * 64
WRITERS = ["owner", "editor"]
HX = {"HX-Request": "true"}  # what htmx sends with each of its requests


def _w(team) -> str:
    return f"/app/w/{team.workspace.id}"


def _product(workspace, *, images=3, **fields):
    product = ProductFactory(
        workspace=workspace,
        **{
            "title": "Northwind Aurora Tee",
            "brand": "Northwind",
            "price": Decimal("24.00"),
            "currency": "USD",
            "vertical": "apparel",
            "features": ["Organic cotton, 180 gsm", "Relaxed fit"],
            **fields,
        },
    )
    for i in range(images):
        ProductImage.objects.create(
            workspace=workspace,
            product=product,
            position=i,
            file=f"p/{i}.jpg",
            width=800,
            height=800,
        )
    return product


@pytest.fixture
def product(team):
    return _product(team.workspace)


@pytest.fixture
def ad(team, product) -> Ad:
    """An ad made by the real script builder (shots pending), for the storyboard."""
    return services.ad_create(
        workspace=team.workspace,
        product=product,
        options={"template": "apparel-lookbook", "length": 15, "market": "US"},
    )


@pytest.fixture
def done_job(team, ad) -> RenderJob:
    """A finished job of the ad with 9:16 and 1:1 files (small stand-ins)."""
    job = RenderJob.objects.create(
        workspace=team.workspace,
        source_url=ad.product.source_url,
        product=ad.product,
        ad=ad,
        state="succeeded",
        stage="done",
        progress=100,
    )
    for fmt, (w, h) in (("9:16", (1080, 1920)), ("1:1", (1080, 1080))):
        output = RenderOutput(
            workspace=team.workspace,
            ad=ad,
            job=job,
            format=fmt,
            width=w,
            height=h,
            duration=15.0,
            size_bytes=len(MP4),
        )
        base = fmt.replace(":", "x")
        output.video.save(f"{base}.mp4", ContentFile(MP4), save=False)
        output.poster.save(f"{base}.jpg", ContentFile(b"\xff\xd8\xff\xe0jpeg"), save=False)
        output.srt.save(
            f"{base}.srt", ContentFile(b"1\n00:00:00,000 --> 00:00:01,000\nHi\n"), save=False
        )
        output.vtt.save(f"{base}.vtt", ContentFile(b"WEBVTT\n"), save=False)
        output.save()
    return job


def _form(ad_script: dict, **changes) -> dict:
    """The storyboard form as the page posts it, with ``changes`` ({"scenes-0-caption": ...})."""
    data = {"scene_count": str(len(ad_script["scenes"])), "cta": ad_script.get("cta", "")}
    for i, scene in enumerate(ad_script["scenes"]):
        for name in (
            "id",
            "shot_type",
            "duration",
            "camera_move",
            "image_index",
            "caption",
            "voiceover",
            "badge",
            "transition",
        ):
            data[f"scenes-{i}-{name}"] = str(scene.get(name, ""))
    data.update(changes)
    return data


# ------------------------------------------------------------------ make an ad for a product


@pytest.mark.parametrize("who", [*WRITERS, "viewer"])
def test_the_gallery_shows_the_verticals_templates_and_why_the_default(client, team, product, who):
    team.login(client, who)
    text = client.get(f"{_w(team)}/?product={product.id}").text
    assert "Recommended:" in text and "apparel product → lookbook" in text
    assert (
        'data-template="apparel-lookbook"' in text
        and 'data-template="apparel-before-after"' in text
    )
    assert 'data-template="beauty-' not in text  # another vertical's templates are not offered
    # a template this product cannot fill says why (no sale price)
    assert "is for products on sale" in text
    cards = {
        c.slug: c
        for c in template_gallery(product=product.as_script_input(), language="en", length=15).cards
    }
    # the words this product's ad opens with, over the photo its first scene uses (before/after
    # opens on the second photo)
    hook = cards["apparel-lookbook"].hook
    assert hook and f'<span class="hook">{escape(hook)}</span>' in text
    assert cards["apparel-before-after"].image_index == 1
    photo = product.images.order_by("position")[1]
    preview = text.split('data-template="apparel-before-after"')[1].split("</label>")[0]
    assert f"/products/{product.id}/photos/{photo.id}/" in preview
    if who == "viewer":
        assert "Make ad</button>" not in text and 'name="template"' not in text
    else:
        assert 'name="template" value="apparel-lookbook" checked' in text
        for label in ("Platform", "Tone", "Market", "Call to action", "Variants", "Formats"):
            assert f">{label}<" in text, label


def test_the_form_starts_from_the_workspaces_defaults(client, team, product):
    team.workspace.default_language, team.workspace.default_market = "de", "EU"
    team.workspace.default_formats = ["1:1", "16:9"]
    team.workspace.save()
    team.login(client, "editor")
    text = client.get(f"{_w(team)}/?product={product.id}").text
    assert '<option value="de" selected>' in text and '<option value="EU" selected>' in text
    assert (
        'value="1:1" checked' in text
        and 'value="16:9" checked' in text
        and 'value="9:16" checked' not in text
    )


def test_the_link_form_makes_the_ad_for_the_workspaces_market(client, team, queued_pipelines):
    team.workspace.default_market = "CN"
    team.workspace.save()
    team.login(client, "editor")
    assert '<input type="hidden" name="market" value="CN">' in client.get(f"{_w(team)}/").text
    client.post(
        f"{_w(team)}/ads/",
        {
            "url": "https://shop.example.com/p/1",
            "language": "en",
            "length": "15",
            "formats": ["9:16"],
            "market": "CN",
        },
    )
    assert RenderJob.objects.get().options["market"] == "CN"


@pytest.mark.parametrize("value", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_a_bad_or_unknown_product_is_404(client, team, value):
    team.login(client, "owner")
    assert client.get(f"{_w(team)}/?product={value}").status_code == 404


def test_another_workspaces_product_is_404(client, team):
    theirs = _product(team.outsider_workspace)
    team.login(client, "owner")
    assert client.get(f"{_w(team)}/?product={theirs.id}").status_code == 404
    response = client.post(
        f"{_w(team)}/ads/",
        {"product": str(theirs.id), "language": "en", "length": "15", "formats": ["9:16"]},
    )
    assert response.status_code == 404 and not RenderJob.objects.exists()


@pytest.mark.parametrize("who", WRITERS)
def test_two_variants_queue_two_jobs_and_open_side_by_side(
    client, team, product, queued_pipelines, who, django_capture_on_commit_callbacks
):
    team.login(client, who)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{_w(team)}/ads/",
            {
                "product": str(product.id),
                "template": "apparel-lookbook",
                "language": "en",
                "length": "15",
                "formats": ["9:16", "1:1"],
                "platform": "tiktok",
                "tone": "playful",
                "market": "EU",
                "cta": "Shop the tee",
                "variants": "2",
            },
        )
    jobs = list(RenderJob.objects.filter(workspace=team.workspace).order_by("created_at"))
    assert len(jobs) == 2 and sorted(queued_pipelines) == sorted(str(j.id) for j in jobs)
    assert [j.options["variant"] for j in jobs] == [0, 1]
    for job in jobs:
        assert job.product == product
        assert {
            k: job.options[k] for k in ("template", "platform", "tone", "market", "cta", "formats")
        } == {
            "template": "apparel-lookbook",
            "platform": "tiktok",
            "tone": "playful",
            "market": "EU",
            "cta": "Shop the tee",
            "formats": ["9:16", "1:1"],
        }
    assert response.status_code == 302 and "/jobs/compare/?jobs=" in response["Location"]
    page = client.get(response["Location"]).text
    assert page.count('class="variant"') == 2 and "Variant 2" in page
    # each variant's progress has its own ids (one label per bar), and so does its polled card
    assert 'id="job-bar-1"' in page and 'id="job-bar-2"' in page and 'id="job-bar"' not in page
    poll = f"{_w(team)}/jobs/compare/?jobs={jobs[1].id}&amp;n=2"
    assert f'hx-get="{poll}"' in page
    fragment = client.get(
        f"{_w(team)}/jobs/compare/", {"jobs": str(jobs[1].id), "n": "2"}, headers=HX
    ).text
    assert fragment.lstrip().startswith('<div class="variant" id="variant-2"')
    assert 'id="job-progress-2"' in fragment and '<label for="job-bar-2">' in fragment
    assert "<html" not in fragment and 'hx-trigger="every 2.5s' in fragment


def test_the_variants_scripts_differ(team, product):
    """What the studio's variants make: variant 1 opens or runs differently from variant 0."""
    options = {"template": "apparel-lookbook", "length": 15}
    a = services.ad_create(
        workspace=team.workspace, product=product, options={**options, "variant": 0}
    )
    b = services.ad_create(
        workspace=team.workspace, product=product, options={**options, "variant": 1}
    )
    assert (a.script["variant"], b.script["variant"]) == (0, 1)
    assert [s["caption"] for s in a.script["scenes"]] != [s["caption"] for s in b.script["scenes"]]


def test_no_end_card_and_a_variant_count_out_of_range(client, team, product, queued_pipelines):
    team.login(client, "editor")
    client.post(
        f"{_w(team)}/ads/",
        {
            "product": str(product.id),
            "language": "en",
            "length": "15",
            "formats": ["9:16"],
            "no_cta": "on",
            "cta": "ignored",
        },
    )
    assert RenderJob.objects.get().options["cta"] == ""
    response = client.post(
        f"{_w(team)}/ads/",
        {
            "product": str(product.id),
            "language": "en",
            "length": "15",
            "formats": ["9:16"],
            "variants": "5",
        },
    )
    assert response.status_code == 400 and RenderJob.objects.count() == 1
    assert 'id="variants-error" role="alert">Variants:' in response.text
    assert (
        f'<input type="hidden" name="product" value="{product.id}">' in response.text
    )  # the product's form


CHOICES = {
    "language": "en",
    "length": "15",
    "template": "apparel-before-after",
    "formats": ["1:1", "4:5"],
    "platform": "tiktok",
    "tone": "playful",
    "market": "EU",
    "cta": "Grab yours",
    "variants": "3",
}


def _kept(text: str, **changed) -> None:
    """Every choice of CHOICES (with ``changed``) is on the form again, not the defaults."""
    chosen = {**CHOICES, **changed}
    assert f'name="template" value="{chosen["template"]}" checked' in text
    assert 'name="template" value="apparel-lookbook" checked' not in text  # not the recommended one
    assert all(f'value="{f}" checked' in text for f in chosen["formats"])
    assert ('value="9:16" checked' in text) == ("9:16" in chosen["formats"])
    assert f'<option value="{chosen["platform"]}" selected>' in text
    assert f'<option value="{chosen["tone"]}" selected>' in text
    assert f'<option value="{chosen["market"]}" selected>' in text
    assert f'value="{chosen["cta"]}"' in text
    assert f'<option value="{chosen["variants"]}" selected>' in text


@pytest.mark.parametrize(
    "field, value, says",
    [
        ("language", "xx", "Language: Select a valid choice"),
        ("length", "45", "Length: Select a valid choice"),
        ("template", "no-such-template", "no-such-template"),
        ("formats", [], "Formats: This field is required."),
    ],
)
def test_a_refused_make_ad_keeps_the_choices_and_says_what_on_its_field(
    client, team, product, queued_pipelines, field, value, says
):
    team.login(client, "editor")
    response = client.post(
        f"{_w(team)}/ads/", {"product": str(product.id), **CHOICES, field: value}
    )
    assert response.status_code == 400 and not RenderJob.objects.exists() and not queued_pipelines
    text = response.text
    error = text.split(f'id="{field}-error" role="alert">')[1].split("<")[0]
    assert says in escape(error) or says in error
    assert f'aria-describedby="{field}-error"' in text
    assert (
        f'<input type="hidden" name="product" value="{product.id}">' in text
    )  # the product's form
    if field == "template":
        assert (
            'name="template" value="apparel-lookbook" checked' in text
        )  # an unknown one: the recommended
    elif field == "formats":
        assert (
            'value="1:1" checked' not in text and 'value="9:16" checked' not in text
        )  # none, as sent
    else:
        _kept(text)


def test_a_plan_limit_is_shown_on_the_formats_with_the_choices_kept(
    client, team, product, billing_on, queued_pipelines
):
    billing_on.plan = Plan.objects.get(slug="starter")  # two formats at most
    billing_on.save()
    team.login(client, "owner")
    response = client.post(
        f"{_w(team)}/ads/",
        {"product": str(product.id), **CHOICES, "formats": ["9:16", "1:1", "4:5"]},
    )
    assert response.status_code == 400 and not RenderJob.objects.exists()
    assert 'id="formats-error" role="alert">The Starter plan renders 2 format(s)' in response.text
    assert 'id="make-error"' not in response.text  # said once, on the field
    _kept(response.text, formats=["9:16", "1:1", "4:5"])


def test_a_product_not_ready_is_said_above_the_button(client, team, queued_pipelines):
    pending = _product(team.workspace, status="failed", error="The page had no product.")
    team.login(client, "editor")
    response = client.post(f"{_w(team)}/ads/", {"product": str(pending.id), **CHOICES})
    assert response.status_code == 400 and not RenderJob.objects.exists()
    assert 'id="make-error" role="alert">The product is not ready for an ad' in response.text


def test_a_viewer_cannot_make_an_ad_for_a_product(client, team, product, queued_pipelines):
    team.login(client, "viewer")
    response = client.post(
        f"{_w(team)}/ads/",
        {"product": str(product.id), "language": "en", "length": "15", "formats": ["9:16"]},
    )
    assert response.status_code == 403 and not RenderJob.objects.exists()


@pytest.fixture
def billing_on(settings, plans, team):
    settings.SHOPREEL_BILLING = True
    account = account_for_workspace(workspace=team.workspace)
    account.plan = Plan.objects.get(slug="growth")
    account.status = "active"
    account.save()
    return account


def test_the_price_of_n_variants_is_shown_before_confirming(client, team, product, billing_on):
    team.login(client, "editor")
    text = client.get(f"{_w(team)}/?product={product.id}").text
    assert "costs <strong>3 credits</strong>" in text
    quote = client.get(
        f"{_w(team)}/ads/quote/",
        {"language": "en", "length": "15", "formats": ["9:16", "1:1"], "variants": "3"},
    )
    assert quote.status_code == 200
    assert (
        "3 variants of a 15 s ad in 2 formats cost at most" in quote.text
        and "<strong>18 credits</strong>" in quote.text
    )
    assert "(6 each)" in quote.text


def test_too_few_credits_for_the_last_variant_queues_none(
    client, team, product, billing_on, queued_pipelines
):
    account = account_for_workspace(workspace=team.workspace)
    type(account).objects.filter(pk=account.pk).update(
        balance=5
    )  # enough for one 15 s ad (3), not two
    team.login(client, "editor")
    response = client.post(
        f"{_w(team)}/ads/",
        {
            "product": str(product.id),
            "language": "en",
            "length": "15",
            "formats": ["9:16"],
            "variants": "2",
        },
    )
    assert not RenderJob.objects.exists() and not queued_pipelines
    assert response.status_code == 400
    assert "credit" in response.text.split('id="make-error" role="alert">')[1].split("<")[0].lower()
    assert '<option value="2" selected>' in response.text  # the two variants asked for


def test_the_quote_fragment_tenancy_and_method(client, team):
    team.login(client, "outsider")
    assert client.get(f"{_w(team)}/ads/quote/").status_code == 404
    team.login(client, "owner")
    assert client.post(f"{_w(team)}/ads/quote/").status_code == 405


# ------------------------------------------------------------------ watch and download


def test_the_finished_job_has_a_player_per_format_the_zip_and_the_post_text(client, team, done_job):
    team.login(client, "viewer")
    page = client.get(f"{_w(team)}/jobs/{done_job.id}/").text
    assert page.count("<video controls") == 2 and page.count('poster="') == 2
    assert (
        f'href="{_w(team)}/jobs/{done_job.id}/files.zip"' in page
        and "Download all files (zip)" in page
    )
    assert (
        'id="post-text"' in page
        and "Northwind Aurora Tee" in page
        and "#northwind" in page
        and "#apparel" in page
    )
    assert 'id="copy-post"' in page
    assert "See the storyboard" in page and "Render again" not in page  # a viewer


def test_the_finished_job_says_who_wrote_the_words_and_why_a_models_copy_was_not_used(
    client, team, done_job
):
    team.login(client, "viewer")
    url = f"{_w(team)}/jobs/{done_job.id}/"
    assert 'id="copy-record"' not in client.get(url).text  # template copy, no model involved
    ad = done_job.ad
    ad.copy = {"source": "llm", "model": "qwen2.5-7b", "angle": "benefit", "rejected": []}
    ad.save(update_fields=["copy"])
    page = client.get(url).text
    assert "The model qwen2.5-7b wrote this ad's copy (hook angle: benefit)" in page
    ad.copy = {"source": "template", "model": "qwen2.5-7b", "angle": "offer", "rejected": [
        {"scene": 2, "field": "caption", "reason": "It names a price the page does not show: $19."},
    ]}
    ad.save(update_fields=["copy"])
    page = client.get(url).text
    assert "This ad uses the template's copy" in page
    assert "Scene 2 (caption): It names a price the page does not show: $19." in page
    # the merchant rewrote a scene afterwards: said first, who wrote the rest kept
    ad.copy = {**ad.copy, "edited": ["hook"]}
    ad.save(update_fields=["copy"])
    page = client.get(url).text
    assert "You edited the words of 1 scene (hook)" in page
    assert "This ad uses the template's copy" in page
    ad.copy = {"source": "template", "model": "", "angle": "", "rejected": [], "edited": ["hook", "cta"]}
    ad.save(update_fields=["copy"])
    page = client.get(url).text
    assert "You edited the words of 2 scenes (hook, cta)" in page
    assert "The template wrote the rest of this ad's copy." in page


@pytest.mark.parametrize("who", ["owner", "editor", "viewer"])
def test_members_download_every_file_as_one_zip(client, team, done_job, who):
    team.login(client, who)
    response = client.get(f"{_w(team)}/jobs/{done_job.id}/files.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response.streaming and "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    names = sorted(archive.namelist())
    assert [n.split("/")[0] for n in names] == ["1x1"] * 4 + ["9x16"] * 4
    assert {n.rsplit(".", 1)[1] for n in names} == {"mp4", "jpg", "srt", "vtt"}
    mp4 = next(n for n in names if n.startswith("9x16/") and n.endswith(".mp4"))
    assert archive.read(mp4) == MP4


def test_the_zip_refuses_outsiders_anonymous_unfinished_and_posts(client, team, done_job):
    url = f"{_w(team)}/jobs/{done_job.id}/files.zip"
    assert client.get(url).status_code == 302  # to the login
    team.login(client, "outsider")
    assert client.get(url).status_code == 404
    team.login(client, "owner")
    assert client.post(url).status_code == 405
    RenderJob.objects.filter(id=done_job.id).update(state="running")
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("who", WRITERS)
def test_render_again_starts_a_new_job_for_the_ad(
    client, team, done_job, who, queued_pipelines, django_capture_on_commit_callbacks
):
    team.login(client, who)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{_w(team)}/ads/{done_job.ad.id}/render/")
    job = RenderJob.objects.exclude(id=done_job.id).get()
    assert job.ad == done_job.ad and response["Location"] == f"{_w(team)}/jobs/{job.id}/"
    assert queued_pipelines == [str(job.id)]


def test_render_again_refused_for_viewer_outsider_and_get(client, team, done_job):
    url = f"{_w(team)}/ads/{done_job.ad.id}/render/"
    team.login(client, "viewer")
    assert client.post(url).status_code == 403
    team.login(client, "outsider")
    assert client.post(url).status_code == 404
    team.login(client, "owner")
    assert client.get(url).status_code == 405
    assert RenderJob.objects.count() == 1


# ------------------------------------------------------------------ storyboard


@pytest.mark.parametrize("who", [*WRITERS, "viewer"])
def test_the_storyboard_has_a_card_per_scene(client, team, ad, who):
    team.login(client, who)
    text = client.get(f"{_w(team)}/ads/{ad.id}/storyboard/").text
    scenes = ad.script["scenes"]
    assert text.count('class="scene-card" id="scene-') == len(scenes)
    for label in ("Caption", "Voice-over", "Duration (s)", "Shot type", "Camera move"):
        assert f">{label}</label>" in text
    assert text.count('name="scenes-0-image_index"') == 3  # a thumbnail per product photo
    assert scenes[0]["caption"] in text
    assert ("Save</button>" in text) is (who != "viewer")


def test_the_storyboard_tenancy_and_methods(client, team, ad):
    url = f"{_w(team)}/ads/{ad.id}/storyboard/"
    team.login(client, "outsider")
    assert client.get(url).status_code == 404
    team.login(client, "viewer")
    assert client.post(url, _form(ad.script, **{"scenes-0-caption": "Mine"})).status_code == 403
    team.login(client, "owner")
    assert client.put(url).status_code == 405
    ad.refresh_from_db()
    assert ad.script["scenes"][0]["caption"] != "Mine"


@pytest.mark.parametrize("who", WRITERS)
def test_saving_an_edited_caption_keeps_the_shots(client, team, ad, who):
    team.login(client, who)
    shots_before = list(Shot.objects.filter(ad=ad).values_list("id", flat=True))
    response = client.post(
        f"{_w(team)}/ads/{ad.id}/storyboard/",
        _form(ad.script, **{"scenes-0-caption": "Soft all day"}),
    )
    assert (
        response.status_code == 302
        and response["Location"] == f"{_w(team)}/ads/{ad.id}/storyboard/"
    )
    ad.refresh_from_db()
    assert ad.script["scenes"][0]["caption"] == "Soft all day"
    assert Shot.objects.filter(ad=ad).count() == len(shots_before)
    assert "Saved." in client.get(response["Location"]).text


def test_a_validation_error_is_shown_on_its_field_and_nothing_changes(client, team, ad):
    team.login(client, "editor")
    before = ad.script
    form = _form(ad.script, **{"scenes-1-image_index": "7", "scenes-0-duration": "abc"})
    response = client.post(f"{_w(team)}/ads/{ad.id}/storyboard/", form)
    assert response.status_code == 400
    text = response.text
    assert "The edited script has errors; nothing was changed." in text
    assert "valid number" in text  # on scene 1's duration
    ad.refresh_from_db()
    assert ad.script == before


def test_an_image_out_of_range_is_shown_on_the_photo_field(client, team, ad):
    team.login(client, "editor")
    response = client.post(
        f"{_w(team)}/ads/{ad.id}/storyboard/", _form(ad.script, **{"scenes-1-image_index": "7"})
    )
    assert response.status_code == 400
    assert "The product has 3 photo(s); choose 0 to 2." in response.text


def test_findings_are_marked_on_their_words_and_the_rewrite_fixes_them_all(client, team, ad):
    team.login(client, "editor")
    url = f"{_w(team)}/ads/{ad.id}/storyboard/"
    form = _form(ad.script, **{"scenes-0-caption": "The best cure for dry skin"})
    # "Save" refuses the blocking health claim, shown on the caption with its marked words
    response = client.post(url, {**form, "action": "save"})
    assert response.status_code == 400
    text = response.text
    assert '<mark class="warn"' in text and ">best</mark>" in text
    assert '<mark class="block"' in text and ">cure</mark>" in text
    assert 'value="apply:scenes.0.caption"' in text
    # the refusal is said once, in the box on the words (its title and its line), not again as a field error
    assert text.count("ordinary products may not promise health effects") == 2
    # applying the rewrite fixes both findings at once (not saved yet)
    response = client.post(url, {**form, "action": "apply:scenes.0.caption"})
    assert response.status_code == 200 and "Changes not saved yet." in response.text
    assert 'value="The great care for dry skin"' in response.text and "<mark" not in response.text
    response = client.post(
        url, {**form, "scenes-0-caption": "The great care for dry skin", "action": "save"}
    )
    assert response.status_code == 302
    ad.refresh_from_db()
    assert ad.script["scenes"][0]["caption"] == "The great care for dry skin" and ad.compliance == []


def test_an_override_saves_a_blocking_claim_and_records_who(client, team, ad):
    team.login(client, "owner")
    form = _form(ad.script, **{"scenes-0-caption": "It cures dry skin"})
    response = client.post(
        f"{_w(team)}/ads/{ad.id}/storyboard/", {**form, "override_compliance": "on"}
    )
    assert response.status_code == 302
    ad.refresh_from_db()
    assert ad.compliance_override["by"] == f"{team.users['owner'].email} (studio)"


def test_reorder_add_and_remove_keep_the_length(client, team, ad):
    team.login(client, "editor")
    url = f"{_w(team)}/ads/{ad.id}/storyboard/"
    ids = [s["id"] for s in ad.script["scenes"]]
    text = client.post(url, {**_form(ad.script), "action": "down-0"}).text
    assert text.index(f'value="{ids[1]}"') < text.index(f'value="{ids[0]}"')
    text = client.post(url, {**_form(ad.script), "action": "add-0"}).text
    assert text.count('class="scene-card" id="scene-') == len(ids) + 1
    # saving the added scene: the durations still add up to the ad's length
    first = ad.script["scenes"][0]["duration"]
    form = _form(ad.script)
    form = {**form, "action": "add-0"}
    from generation.studio import storyboard as drafts

    draft = drafts.draft_edit(drafts.draft_from_form(ad.script, form), "add-0")
    assert abs(sum(s["duration"] for s in draft["scenes"]) - ad.length) < 0.05
    assert abs(draft["scenes"][0]["duration"] + draft["scenes"][1]["duration"] - first) < 0.001
    removed = drafts.draft_edit(drafts.draft_from_form(ad.script, form), "remove-1")
    assert [s["id"] for s in removed["scenes"]] == [ids[0], *ids[2:]]
    assert abs(sum(s["duration"] for s in removed["scenes"]) - ad.length) < 0.05
    response = client.post(url, {**_form(removed), "action": "save"})
    assert response.status_code == 302
    ad.refresh_from_db()
    assert [s["id"] for s in ad.script["scenes"]] == [ids[0], *ids[2:]]
    assert list(
        Shot.objects.filter(ad=ad).order_by("index").values_list("scene_id", flat=True)
    ) == [ids[0], *ids[2:]]


def test_save_and_re_render_starts_a_job(
    client, team, ad, queued_pipelines, django_capture_on_commit_callbacks
):
    team.login(client, "editor")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{_w(team)}/ads/{ad.id}/storyboard/",
            {**_form(ad.script, **{"scenes-0-caption": "New words"}), "action": "render"},
        )
    job = RenderJob.objects.get(ad=ad)
    assert response["Location"] == f"{_w(team)}/jobs/{job.id}/" and queued_pipelines == [
        str(job.id)
    ]


def test_saving_while_the_ad_renders_is_refused(client, team, ad):
    RenderJob.objects.create(
        workspace=team.workspace, product=ad.product, ad=ad, state="running", stage="shots"
    )
    team.login(client, "editor")
    response = client.post(
        f"{_w(team)}/ads/{ad.id}/storyboard/",
        _form(ad.script, **{"scenes-0-caption": "x y"}),
        follow=True,
    )
    assert "being rendered" in response.text
    ad.refresh_from_db()
    assert ad.script["scenes"][0]["caption"] != "x y"


# ------------------------------------------------------------------ library


@pytest.mark.parametrize("who", [*WRITERS, "viewer"])
def test_the_library_filters_by_product_state_language_format_and_search(
    client, team, done_job, who
):
    other = _product(
        team.workspace, title="Glacier Water Bottle", brand="Glacier", vertical="sports"
    )
    draft = services.ad_create(
        workspace=team.workspace,
        product=other,
        options={"length": 15, "language": "de", "formats": ["16:9"]},
    )
    team.login(client, who)
    url = f"{_w(team)}/ads/library/"

    def shown(**params) -> set[str]:
        text = client.get(url, params).text
        return {a for a in (str(done_job.ad.id), str(draft.id)) if f'data-ad="{a}"' in text}

    assert shown() == {str(done_job.ad.id), str(draft.id)}
    assert shown(product=str(other.id)) == {str(draft.id)}
    assert shown(state="succeeded") == {str(done_job.ad.id)}
    assert shown(state="draft") == {str(draft.id)}
    assert shown(language="de") == {str(draft.id)}
    assert shown(format="9:16") == {str(done_job.ad.id)}
    assert shown(q="glacier") == {str(draft.id)}
    assert shown(q="nothing like this") == set()
    assert shown(state="bogus") == {
        str(done_job.ad.id),
        str(draft.id),
    }  # an unknown filter is ignored


def test_the_library_is_paginated_and_scoped(client, team, product, settings):
    for _ in range(23):
        Ad.objects.create(
            workspace=team.workspace, product=product, template="t", script={}, formats=["9:16"]
        )
    theirs = _product(team.outsider_workspace)
    Ad.objects.create(
        workspace=team.outsider_workspace, product=theirs, template="t", script={}, formats=["9:16"]
    )
    team.login(client, "viewer")
    url = f"{_w(team)}/ads/library/"
    first = client.get(url).text
    assert first.count('data-ad="') == 20 and "Page 1 of 2" in first and "page=2" in first
    second = client.get(url, {"page": "2"}).text
    assert second.count('data-ad="') == 3
    assert client.get(url, {"product": str(theirs.id)}).status_code == 404
    team.login(client, "outsider")
    assert client.get(url).status_code == 404
    team.login(client, "owner")
    assert client.post(url).status_code == 405


def test_a_duration_left_as_shown_keeps_the_scenes_shot(client, team, ad):
    """The form shows seconds to the hundredth (1.87 for 1.8667); posting it back unchanged is
    not a new duration, so the finished shot is kept and not made again."""
    Shot.objects.filter(ad=ad).update(state=Shot.State.DONE, asset={"clip": "kept.mp4"})
    form = _form(ad.script, **{"scenes-0-caption": "Soft all day"})
    for i, scene in enumerate(ad.script["scenes"]):
        form[f"scenes-{i}-duration"] = f"{scene['duration']:.2f}"
    assert any(
        float(form[f"scenes-{i}-duration"]) != s["duration"]
        for i, s in enumerate(ad.script["scenes"])
    )
    team.login(client, "editor")
    assert client.post(f"{_w(team)}/ads/{ad.id}/storyboard/", form).status_code == 302
    assert set(Shot.objects.filter(ad=ad).values_list("state", flat=True)) == {Shot.State.DONE}


def test_the_scene_frame_tenancy_and_method(client, team, ad):
    url = f"{_w(team)}/ads/{ad.id}/frame/?scene={ad.script['scenes'][0]['id']}"
    assert client.get(url).status_code == 302  # to the login
    team.login(client, "outsider")
    assert client.get(url).status_code == 404
    team.login(client, "viewer")
    assert client.get(url).status_code == 404  # never rendered: no frame, the photo is shown
    assert client.post(url).status_code == 405


def test_an_ad_stopped_by_the_claims_check_points_to_the_storyboard(client, team, ad):
    job = RenderJob.objects.create(
        workspace=team.workspace,
        product=ad.product,
        ad=ad,
        state="failed",
        stage="script",
        error_code="compliance_blocked",
        error="The ad was not rendered: its copy makes claims.",
    )
    team.login(client, "editor")
    text = client.get(f"{_w(team)}/jobs/{job.id}/").text
    assert "Open the storyboard: the words at fault are marked" in text
    assert f'href="{_w(team)}/ads/{ad.id}/storyboard/"' in text and "Render again" in text


def test_the_zip_is_streamed_in_chunks_not_built_whole(client, team, done_job):
    from generation.studio.views.downloads import CHUNK

    big = b"\x00\x00\x00\x20ftypisom" + bytes(range(256)) * 8192  # ~2 MiB
    output = done_job.outputs.get(format="9:16")
    output.video.save("big.mp4", ContentFile(big), save=True)
    team.login(client, "editor")
    response = client.get(f"{_w(team)}/jobs/{done_job.id}/files.zip")
    chunks = list(response.streaming_content)
    assert len(chunks) > 8 and max(len(c) for c in chunks) <= CHUNK + 1024
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.read("9x16/big.mp4") == big


def test_the_library_page_reads_a_fixed_number_of_queries(
    client, team, done_job, django_assert_max_num_queries
):
    for _ in range(12):
        ad = Ad.objects.create(
            workspace=team.workspace,
            product=done_job.ad.product,
            template="t",
            script={},
            formats=["9:16"],
        )
        RenderJob.objects.create(
            workspace=team.workspace, product=ad.product, ad=ad, state="failed"
        )
    team.login(client, "viewer")
    client.get(f"{_w(team)}/ads/library/")  # warm the session
    with django_assert_max_num_queries(14):
        text = client.get(f"{_w(team)}/ads/library/").text
    assert text.count('data-ad="') == 13 and text.count(">Open</a>") == 13


def test_the_variants_page_tenancy_and_method(client, team, done_job):
    theirs = RenderJob.objects.create(
        workspace=team.outsider_workspace, source_url="https://x.example/p"
    )
    url = f"{_w(team)}/jobs/compare/"
    team.login(client, "viewer")
    assert client.get(url, {"jobs": str(done_job.id)}).status_code == 200
    # a made variant's card, polled: its video, and no poll any more
    card = client.get(url, {"jobs": str(done_job.id), "n": "3"}, headers=HX)
    assert card.status_code == 200 and "<html" not in card.text and 'id="variant-3"' in card.text
    assert "<video" in card.text and "hx-trigger" not in card.text
    assert client.get(url, {"jobs": str(theirs.id), "n": "1"}, headers=HX).status_code == 404
    assert client.get(url, {"jobs": f"{done_job.id},{theirs.id}"}).status_code == 404
    assert client.get(url, {"jobs": "not-a-uuid"}).status_code == 404
    assert client.post(url, {"jobs": str(done_job.id)}).status_code == 405
    team.login(client, "outsider")
    assert client.get(url, {"jobs": str(done_job.id)}).status_code == 404
    assert client.get(url, {"jobs": str(done_job.id), "n": "1"}, headers=HX).status_code == 404


# ------------------------------------------------------------------ the storyboard in place (htmx)


def test_the_storyboard_sent_in_place_answers_its_section(client, team, ad):
    team.login(client, "editor")
    url = f"{_w(team)}/ads/{ad.id}/storyboard/"
    page = client.get(url)
    assert "<html" in page.text and "HX-Request" in page["Vary"]
    assert f'value="save" hx-post="{url}"' in page.text and 'hx-target="#storyboard"' in page.text
    assert 'value="render" hx-post' not in page.text  # "Save and re-render" opens the job's page
    form = _form(ad.script, **{"scenes-0-caption": "The best cure for dry skin"})
    # a refused save: the section alone, 400, the refusal said in it and marked on the words
    refused = client.post(url, {**form, "action": "save"}, headers=HX)
    assert refused.status_code == 400 and "<html" not in refused.text
    assert refused.text.lstrip().startswith('<section id="storyboard" ')
    # the refusal is read out when swapped in (data-said: studio/_announce.html)
    assert 'data-said="The edited script has errors; nothing was changed. "' in refused.text
    assert ">cure</mark>" in refused.text and 'class="messages"' in refused.text
    # the rewrite applied in place: the card comes back fixed, not saved yet
    applied = client.post(url, {**form, "action": "apply:scenes.0.caption"}, headers=HX)
    assert applied.status_code == 200 and "<html" not in applied.text
    assert 'value="The great care for dry skin"' in applied.text and "<mark" not in applied.text
    assert "Changes not saved yet." in applied.text
    # a scene added in place
    added = client.post(url, {**form, "action": "add-0"}, headers=HX)
    assert (
        added.status_code == 200
        and added.text.count('class="scene-card" id="scene-') == len(ad.script["scenes"]) + 1
    )
    # a save in place is redirected to the section (htmx follows it), which says it is saved
    saved = client.post(
        url, {**form, "scenes-0-caption": "The great care for dry skin", "action": "save"}, headers=HX
    )
    assert saved.status_code == 302 and saved["Location"] == url
    again = client.get(url, headers=HX)
    assert "<html" not in again.text and "Saved. Re-render the ad" in again.text
    ad.refresh_from_db()
    assert ad.script["scenes"][0]["caption"] == "The great care for dry skin"


def test_the_storyboard_in_place_keeps_the_tenant_rules(client, team, ad):
    url = f"{_w(team)}/ads/{ad.id}/storyboard/"
    form = {**_form(ad.script, **{"scenes-0-caption": "Changed"}), "action": "save"}
    before = ad.script
    team.login(client, "viewer")
    viewer = client.get(url, headers=HX)
    assert viewer.status_code == 200 and "<html" not in viewer.text and "hx-post" not in viewer.text
    assert client.post(url, form, headers=HX).status_code == 403
    team.login(client, "outsider")
    assert client.get(url, headers=HX).status_code == 404
    assert client.post(url, form, headers=HX).status_code == 404
    team.login(client, "owner")
    assert client.put(url, headers=HX).status_code == 405
    ad.refresh_from_db()
    assert ad.script == before


def test_after_an_in_place_action_the_focus_goes_to_the_field_one_works_on_next(client, team, ad):
    """Keyboard users: after "Remove" the caption of the scene that took its place, after
    "+ Scene after" the new scene's caption, after "Use …" the rewritten field (autofocus,
    which htmx honours in what it swaps in); one field at most."""
    import re

    team.login(client, "editor")
    url = f"{_w(team)}/ads/{ad.id}/storyboard/"
    hx = {"HX-Request": "true"}

    def focused(text: str) -> list[str]:
        return re.findall(r'id="(id_[\w-]+)"[^>]*\bautofocus\b', text)

    last = len(ad.script["scenes"]) - 1
    assert focused(client.post(url, {**_form(ad.script), "action": "remove-1"}, headers=hx).text) == [
        "id_scenes-1-caption"
    ]
    assert focused(client.post(url, {**_form(ad.script), "action": f"remove-{last}"}, headers=hx).text) == [
        f"id_scenes-{last - 1}-caption"
    ]
    assert focused(client.post(url, {**_form(ad.script), "action": "add-0"}, headers=hx).text) == [
        "id_scenes-1-caption"
    ]
    form = _form(ad.script, **{"scenes-0-voiceover": "The best cure for dry skin."})
    assert focused(client.post(url, {**form, "action": "apply:scenes.0.voiceover"}, headers=hx).text) == [
        "id_scenes-0-voiceover"
    ]
    assert focused(client.get(url).text) == []  # a page opened plainly takes no focus
