"""shot_generate with the diffusion backend first in the chain: it makes the shot when its
weights are there, and motion makes it - with the reason on the Shot - when they are not or
when the product drifted."""

from __future__ import annotations

from pathlib import Path

import pytest

from generation import services
from generation.backends import diffusion
from generation.models import Ad, Shot
from products.models import ProductImage
from tests.factories import ProductFactory
from tests.generation.backends.conftest import product_photo

pytest.importorskip("diffusers")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    yield
    diffusion.unload_pipelines()


@pytest.fixture
def shot(workspace, settings, tmp_path):
    settings.SHOPREEL_SHOT_BACKENDS = {"default": ["diffusion", "motion"]}
    settings.MEDIA_ROOT = tmp_path / "media"  # as diffusion_settings sets it
    product = ProductFactory(workspace=workspace)
    name = f"workspaces/{workspace.id}/products/{product.id}/0.png"
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    product_photo().save(path)
    ProductImage.objects.create(
        workspace=workspace, product=product, position=0, file=name, width=96, height=80
    )
    script = {
        "scenes": [
            {
                "id": "s1",
                "shot_type": "hero",
                "duration": 2.0,
                "camera_move": "push_in",
                "image_index": 0,
            }
        ]
    }
    ad = Ad.objects.create(
        workspace=workspace,
        product=product,
        template="generic/showcase",
        script=script,
        formats=["1:1"],
        seed=3,
    )
    return Shot.objects.create(workspace=workspace, ad=ad, index=0, scene_id="s1", shot_type="hero")


def test_without_weights_motion_makes_the_shot_and_the_shot_says_why(shot, settings):
    settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR = ""
    made = services.shot_generate(shot_id=shot.id)
    assert made.state == Shot.State.DONE and made.backend == "motion"
    assert (
        made.backend_reason
        == "diffusion: no weights configured (SHOPREEL_DIFFUSION_WEIGHTS_DIR is empty)"
    )
    assert made.fidelity is None


def test_with_weights_diffusion_makes_the_shot_and_its_score_is_recorded(shot, diffusion_settings):
    made = services.shot_generate(shot_id=shot.id)
    assert made.backend == "diffusion" and made.backend_reason == "first in the chain"
    assert made.asset["kind"] == "clip" and made.asset["seed"] == 3000
    assert made.fidelity == made.asset["fidelity"]
    assert (Path(diffusion_settings.MEDIA_ROOT) / made.asset["path"]).is_file()


def test_a_drifted_product_falls_back_to_motion(shot, diffusion_settings):
    diffusion_settings.SHOPREEL_FIDELITY_THRESHOLD = 0.99
    made = services.shot_generate(shot_id=shot.id)
    assert made.backend == "motion"
    assert made.backend_reason.startswith("diffusion: drifted: score 0.")
    assert "(seed 3000)" in made.backend_reason and "below 0.99" in made.backend_reason
    assert made.fidelity is None


@pytest.mark.slow
def test_a_job_renders_an_ad_from_diffusion_clips(workspace, allow_demo_shop, diffusion_settings):
    """The whole job with diffusion first in the chain: every shot is a generated clip and the
    renderer fits the clips into the output format."""
    from generation.models import RenderJob
    from tests.media import probe

    diffusion_settings.SHOPREEL_SHOT_BACKENDS = {"default": ["diffusion", "motion"]}
    url = next(iter(allow_demo_shop.product_urls.values()))
    job = services.job_create(
        workspace=workspace, url=url, options={"length": 6, "formats": ["1:1"]}
    )
    job = services.job_run_inline(job_id=job.id)

    assert job.state == RenderJob.State.SUCCEEDED, job.error
    shots = list(job.ad.shots.all())
    assert shots and all(shot.backend == "diffusion" for shot in shots)
    assert all(shot.asset["kind"] == "clip" and shot.fidelity is not None for shot in shots)
    facts = probe(Path(diffusion_settings.MEDIA_ROOT) / job.outputs.get().video.name)
    assert (facts.width, facts.height) == (1080, 1080)
    assert abs(facts.duration - job.ad.script["length"]) <= 1 / 30 + 1e-6


def _job_for(shot):
    from generation.models import RenderJob

    return RenderJob.objects.create(
        workspace=shot.workspace, ad=shot.ad, product=shot.ad.product,
        stage=RenderJob.Stage.SHOTS, state=RenderJob.State.RUNNING, progress=15,
    )


def test_a_diffusion_shot_moves_the_jobs_bar_while_sampling(shot, diffusion_settings, job_progress_seen):
    from generation.models import RenderJob

    job = _job_for(shot)
    seen = job_progress_seen

    services.job_shot_generate(job_id=job.id, shot_id=shot.id)

    job.refresh_from_db()
    assert Shot.objects.get(id=shot.id).backend == "diffusion"
    assert len(set(seen)) >= 3  # steps in between, not just the end
    assert seen == sorted(seen) and 15 < max(seen) <= 25
    assert job.progress == 25 and job.state == RenderJob.State.RUNNING


def test_cancelling_the_job_stops_a_diffusion_shot_and_keeps_no_clip(shot, diffusion_settings):
    from generation.backends.base import ShotCancelled
    from generation.models import RenderJob

    job = _job_for(shot)
    RenderJob.objects.filter(id=job.id).update(cancel_requested=True)
    # The flag is read by the backend's per-step check, not only at the stage's start:
    with pytest.raises(ShotCancelled):
        services.shot_generate(shot_id=shot.id, should_cancel=lambda: True)
    made = Shot.objects.get(id=shot.id)
    assert made.state == Shot.State.PENDING and not made.asset
    shots_dir = Path(diffusion_settings.MEDIA_ROOT) / f"workspaces/{shot.workspace_id}/ads/{shot.ad_id}/shots"
    assert not list(shots_dir.rglob("*.mp4"))

    services.job_shot_generate(job_id=job.id, shot_id=shot.id)
    job.refresh_from_db()
    assert job.state == RenderJob.State.CANCELLED
