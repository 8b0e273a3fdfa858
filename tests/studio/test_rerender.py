"""Re-rendering after a storyboard edit remakes only what changed: a scene whose picture is
unchanged (photo, shot type, camera move, duration) keeps its finished shot, and the re-render
job claims and makes only the shots whose picture changed."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from generation import services, shots
from generation.models import RenderJob, Shot
from products.models import ProductImage
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _jpeg(colour) -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (480, 480), colour).save(buffer, "JPEG")
    return ContentFile(buffer.getvalue())


@pytest.fixture
def ad(workspace):
    product = ProductFactory(
        workspace=workspace,
        title="Northwind Aurora Tee",
        brand="Northwind",
        price=Decimal("24.00"),
        currency="USD",
        vertical="apparel",
        features=["Organic cotton", "Relaxed fit"],
    )
    for i, colour in enumerate([(200, 40, 40), (40, 200, 40), (40, 40, 200)]):
        image = ProductImage(
            workspace=workspace, product=product, position=i, width=480, height=480
        )
        image.file.save(f"p{i}.jpg", _jpeg(colour), save=False)
        image.save()
    return services.ad_create(
        workspace=workspace, product=product, options={"template": "apparel-lookbook", "length": 6}
    )


def test_a_re_render_remakes_only_the_shot_whose_picture_changed(
    ad, monkeypatch, queued_pipelines, settings
):
    settings.SHOPREEL_VOICE = False
    settings.SHOPREEL_MUSIC = False
    # the first render makes every shot
    first = RenderJob.objects.create(
        workspace=ad.workspace,
        product=ad.product,
        ad=ad,
        source_url=ad.product.source_url,
        options={"template": ad.template, "length": ad.length},
    )
    services.job_run_inline(job_id=first.id)
    first.refresh_from_db()
    assert first.state == RenderJob.State.SUCCEEDED, first.error
    made = {s.scene_id: s.asset for s in Shot.objects.filter(ad=ad)}
    assert len(made) >= 2 and all(made.values())

    # the merchant changes one caption (scene 0) and one camera move (scene 1)
    script = ad.script
    script["scenes"][0]["caption"] = "Soft all day"
    script["scenes"][1]["camera_move"] = (
        "static" if script["scenes"][1]["camera_move"] != "static" else "pan_left"
    )
    services.ad_script_update(ad=ad, script=script)
    changed = script["scenes"][1]["id"]

    claimed: list[str] = []
    real_claim = shots._shot_claim

    def spy(*, shot_id, claimant):
        won = real_claim(shot_id=shot_id, claimant=claimant)
        if won:
            claimed.append(Shot.objects.get(id=shot_id).scene_id)
        return won

    monkeypatch.setattr(shots, "_shot_claim", spy)
    again = services.ad_render_start(ad=ad)
    services.job_run_inline(job_id=again.id)
    again.refresh_from_db()
    assert again.state == RenderJob.State.SUCCEEDED, again.error
    assert claimed == [changed]  # only the changed picture was made again
    after = {s.scene_id: s.asset for s in Shot.objects.filter(ad=ad)}
    for scene_id, asset in made.items():
        if scene_id != changed:
            assert after[scene_id] == asset  # the same footage, not remade
    assert after[changed]
    assert again.outputs.count() == 1  # and the ad itself is rendered again, with the new caption


def test_each_scene_has_its_frame_from_the_render_until_the_script_changes(
    ad, client, queued_pipelines, settings
):
    from generation.studio import frames
    from tests.factories import MembershipFactory, UserFactory

    settings.SHOPREEL_VOICE = False
    settings.SHOPREEL_MUSIC = False
    job = RenderJob.objects.create(
        workspace=ad.workspace,
        product=ad.product,
        ad=ad,
        source_url=ad.product.source_url,
        options={"template": ad.template, "length": ad.length},
    )
    services.job_run_inline(job_id=job.id)
    ad.refresh_from_db()
    output = frames.frames_source(ad)
    assert output is not None and output.job_id == job.id
    user = UserFactory()
    MembershipFactory(workspace=ad.workspace, user=user, role="viewer")
    client.force_login(user)
    base = f"/app/w/{ad.workspace.id}/ads/{ad.id}"
    storyboard = client.get(f"{base}/storyboard/").text
    assert storyboard.count('data-frame="1"') == len(ad.script["scenes"])
    pictures = []
    for scene in ad.script["scenes"]:
        response = client.get(f"{base}/frame/", {"scene": scene["id"]})
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        picture = Image.open(io.BytesIO(b"".join(response.streaming_content)))
        assert picture.size[0] == frames.FRAME_WIDTH and picture.size[1] == 640
        pictures.append(picture.convert("L").resize((8, 8)).tobytes())
    assert len(set(pictures)) == len(pictures)  # each scene's own moment, not one frame repeated
    assert client.get(f"{base}/frame/", {"scene": "nope"}).status_code == 404

    script = ad.script
    script["scenes"][0]["caption"] = "Soft all day"
    services.ad_script_update(ad=ad, script=script)
    ad.refresh_from_db()
    assert frames.frames_source(ad) is None  # the render no longer shows this script
    assert client.get(f"{base}/frame/", {"scene": script["scenes"][0]["id"]}).status_code == 404
    assert 'data-frame="1"' not in client.get(f"{base}/storyboard/").text
