"""The try-on backend end to end on the CPU: a tiny random-weight StableDiffusionInpaintPipeline
(the on-model still) and the tiny StableVideoDiffusionPipeline (the clip), both saved to
temporary directories and loaded by the backends' own loading code."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from core.images import cut_out
from generation import services
from generation.backends import diffusion, diffusion_loading, tryon
from generation.backends.base import BackendUnavailable, ImageAsset, ShotCancelled, ShotRequest
from generation.backends.diffusion import DriftedError
from generation.backends.tryon import TryOnBackend, TryOnConfig, pick_look, place_garment
from generation.models import Ad, RenderJob, Shot
from products.models import ProductImage
from tests.factories import ProductFactory
from tests.media import probe

pytest.importorskip("diffusers")

PHOTO = "workspaces/w/products/p/0.png"
CUTOUT = "workspaces/w/products/p/0-cutout.png"


@pytest.fixture(scope="session")
def tiny_tryon_dir(tmp_path_factory) -> Path:
    import torch

    from generation.backends.tryon_models import save_random_tryon_pipeline

    torch.set_num_threads(1)  # as conftest's tiny_svd_dir: threads only slow tiny models down
    path = tmp_path_factory.mktemp("tiny-tryon")
    save_random_tryon_pipeline(path)
    return path


@pytest.fixture
def tryon_settings(diffusion_settings, tiny_tryon_dir):
    """Both stages on the CPU: a 64x64 still in 3 steps, then 8 frames in 3 steps."""
    diffusion_settings.SHOPREEL_TRYON_WEIGHTS_DIR = str(tiny_tryon_dir)
    diffusion_settings.SHOPREEL_TRYON_STEPS = 3
    return diffusion_settings


@pytest.fixture(autouse=True)
def _fresh_cache():
    yield
    diffusion.unload_pipelines()
    tryon.unload_image_pipelines()


def garment_photo(size: tuple[int, int] = (96, 112), seed: int = 3) -> Image.Image:
    """A T-shirt packshot: a printed shirt shape on a plain white background."""
    rng = np.random.default_rng(seed)
    w, h = size
    image = Image.new("RGB", size, (250, 250, 250))
    draw = ImageDraw.Draw(image)
    body = (w * 0.28, h * 0.2, w * 0.72, h * 0.9)
    draw.rectangle(body, fill=(30, 70, 160))
    draw.polygon(
        [(w * 0.28, h * 0.2), (w * 0.08, h * 0.42), (w * 0.28, h * 0.5)], fill=(30, 70, 160)
    )
    draw.polygon(
        [(w * 0.72, h * 0.2), (w * 0.92, h * 0.42), (w * 0.72, h * 0.5)], fill=(30, 70, 160)
    )
    for _ in range(14):  # the print: texture for the fidelity gate's local features
        x, y = (
            rng.integers(int(body[0]), int(body[2]) - 4),
            rng.integers(int(body[1]), int(body[3]) - 3),
        )
        draw.rectangle((x, y, x + 3, y + 2), fill=tuple(int(c) for c in rng.integers(0, 255, 3)))
    return image


def save_garment(media_root: Path, photo_name: str = PHOTO, cutout_name: str = CUTOUT) -> None:
    photo = garment_photo()
    (media_root / photo_name).parent.mkdir(parents=True, exist_ok=True)
    photo.save(media_root / photo_name)
    cut_out(photo).save(media_root / cutout_name)  # as the product import makes it


def _request(media_root: Path, *, seed: int = 7, vertical: str = "apparel", cutout: bool = True):
    save_garment(media_root)
    return ShotRequest(
        shot_type="on_model",
        camera_move="push_in",
        duration=2.0,
        image_index=0,
        images=(ImageAsset(path=PHOTO, cutout=CUTOUT if cutout else "", plain_background=True),),
        seed=seed,
        vertical=vertical,
    )


def _placed(media_root: Path) -> tuple[np.ndarray, np.ndarray]:
    """The garment as the backend places it on a 64x64 canvas, and its alpha there."""
    photo = Image.open(media_root / PHOTO).convert("RGB")
    alpha = Image.open(media_root / CUTOUT).getchannel("A")
    canvas, garment_alpha = place_garment(photo, alpha, (64, 64))
    return np.asarray(canvas), garment_alpha


def test_a_garment_photo_becomes_an_on_model_clip_that_keeps_the_garment(tryon_settings):
    media = Path(tryon_settings.MEDIA_ROOT)
    workdir = media / "workspaces/w/ads/a/shots/02"
    percents: list[int] = []

    backend = TryOnBackend()
    backend.check_available()
    asset = backend.generate(_request(media), workdir=workdir, progress=percents.append)

    assert asset.kind == "clip" and asset.backend == "tryon" and asset.tries == 1
    assert asset.path == "workspaces/w/ads/a/shots/02/tryon-7.mp4"
    assert asset.details["still"] == "workspaces/w/ads/a/shots/02/tryon-7.png"
    assert asset.details["pipeline"] == "StableDiffusionInpaintPipeline"
    assert asset.details["video_pipeline"] == "StableVideoDiffusionPipeline"
    assert asset.seed == 7
    assert asset.details["look"] == dataclasses.asdict(pick_look(TryOnConfig.from_settings(), 7))
    assert sorted(p.name for p in workdir.iterdir()) == ["tryon-7.mp4", "tryon-7.png"]

    facts = probe(media / asset.path)
    assert (facts.width, facts.height, facts.frames) == (64, 64, 8)
    assert facts.duration == pytest.approx(2.0, abs=0.01)

    # The garment's pixels are the photo's where it is opaque; around it a person was painted.
    still = np.asarray(Image.open(media / asset.details["still"]).convert("RGB"))
    canvas, garment_alpha = _placed(media)
    opaque = garment_alpha == 255
    assert opaque.mean() > 0.1
    assert np.array_equal(still[opaque], canvas[opaque])
    around = garment_alpha == 0
    assert np.abs(still[around].astype(int) - canvas[around].astype(int)).mean() > 5

    # Progress: the still's 3 steps in its 40 %, then the clip's steps and decoded chunks.
    assert percents[:3] == [13, 26, 40]
    assert percents == sorted(percents) and percents[-1] == 100 and len(percents) >= 8


def test_each_seed_picks_its_model_pose_and_background_and_keeps_the_garment(tryon_settings):
    config = TryOnConfig.from_settings()
    looks = {pick_look(config, seed) for seed in range(20)}
    assert len({look.model for look in looks}) > 1
    assert len({look.pose for look in looks}) > 1
    assert len({look.background for look in looks}) > 1
    seed_a = 7
    seed_b = next(seed for seed in range(8, 100) if pick_look(config, seed) != pick_look(config, 7))

    media = Path(tryon_settings.MEDIA_ROOT)
    a = TryOnBackend().generate(_request(media, seed=seed_a), workdir=media / "a")
    b = TryOnBackend().generate(_request(media, seed=seed_b), workdir=media / "b")
    again = TryOnBackend().generate(_request(media, seed=seed_a), workdir=media / "c")

    assert a.details["look"] != b.details["look"]
    assert b.details["look"] == dataclasses.asdict(pick_look(config, seed_b))
    still_a, still_b, still_again = (
        np.asarray(Image.open(media / asset.details["still"]).convert("RGB")) for asset in (a, b, again)
    )
    _, garment_alpha = _placed(media)
    opaque = garment_alpha == 255
    assert np.array_equal(still_a[opaque], still_b[opaque])  # the same garment...
    assert not np.array_equal(still_a[~opaque], still_b[~opaque])  # ...on another person
    assert np.array_equal(still_a, still_again)  # and a seed makes the same still again


def test_both_pipelines_are_loaded_once_per_process(tryon_settings, monkeypatch):
    opened: list[str] = []
    real = diffusion_loading.open_pipeline

    def counting(config):
        opened.append(config.pipeline)
        return real(config)

    monkeypatch.setattr(diffusion_loading, "open_pipeline", counting)
    monkeypatch.setattr(tryon, "open_pipeline", counting)
    media = Path(tryon_settings.MEDIA_ROOT)
    TryOnBackend().generate(_request(media), workdir=media / "a")
    TryOnBackend().generate(_request(media, seed=8), workdir=media / "b")
    assert sorted(opened) == ["StableDiffusionInpaintPipeline", "StableVideoDiffusionPipeline"]


@pytest.mark.parametrize(("stop_at", "stage"), [(3, "on-model still"), (6, "while sampling")])
def test_cancel_flag_stops_either_stage_and_leaves_no_file(tryon_settings, stop_at, stage):
    media = Path(tryon_settings.MEDIA_ROOT)
    workdir = media / "shots"
    checks: list[int] = []

    def should_cancel() -> bool:
        checks.append(1)
        return len(checks) >= stop_at

    # Checks: before the still, after each of its 3 steps; before the clip, after each step.
    with pytest.raises(ShotCancelled, match=stage):
        TryOnBackend().generate(_request(media), workdir=workdir, should_cancel=should_cancel)
    assert len(checks) == stop_at
    assert list(workdir.iterdir()) == []


def test_a_drifted_garment_is_made_again_with_a_new_seed_then_refused(tryon_settings):
    tryon_settings.SHOPREEL_FIDELITY_THRESHOLD = 0.99  # random weights never reach it
    media = Path(tryon_settings.MEDIA_ROOT)
    workdir = media / "shots"
    with pytest.raises(
        DriftedError, match=r"^drifted: score 0\.\d\d \(seed 7\), 0\.\d\d \(seed \d+\) below 0\.99"
    ) as caught:
        TryOnBackend().generate(_request(media), workdir=workdir)
    assert 0.0 <= caught.value.score < 0.99
    assert list(workdir.iterdir()) == []


def test_only_garments_with_a_cut_out_are_worn(tryon_settings):
    media = Path(tryon_settings.MEDIA_ROOT)
    with pytest.raises(
        BackendUnavailable, match=r"^try-on is for garments; this product's vertical is 'jewellery'"
    ):
        TryOnBackend().generate(_request(media, vertical="jewellery"), workdir=media / "s")
    with pytest.raises(BackendUnavailable, match="none of the product's photos could be cut out"):
        TryOnBackend().generate(_request(media, cutout=False), workdir=media / "s")
    assert tryon._IMAGE_PIPELINES == {}  # refused before loading anything


def test_unavailable_says_why(settings, tmp_path, tiny_tryon_dir):
    backend = TryOnBackend()
    settings.SHOPREEL_TRYON_WEIGHTS_DIR = ""
    with pytest.raises(
        BackendUnavailable, match=r"^no try-on weights configured \(SHOPREEL_TRYON_WEIGHTS_DIR\)$"
    ):
        backend.check_available()
    settings.SHOPREEL_TRYON_WEIGHTS_DIR = str(tmp_path / "missing")
    with pytest.raises(BackendUnavailable, match="does not exist"):
        backend.check_available()
    settings.SHOPREEL_TRYON_WEIGHTS_DIR = str(tmp_path)
    with pytest.raises(BackendUnavailable, match=r"has no model_index\.json"):
        backend.check_available()
    settings.SHOPREEL_TRYON_WEIGHTS_DIR = str(tiny_tryon_dir)
    settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR = ""
    with pytest.raises(
        BackendUnavailable,
        match=r"^image-to-video stage: no weights configured \(SHOPREEL_DIFFUSION_WEIGHTS_DIR",
    ):
        backend.check_available()


def test_a_prompt_with_unknown_fields_is_refused_before_loading(tryon_settings):
    tryon_settings.SHOPREEL_TRYON_PROMPT = "a {person} wearing it"
    media = Path(tryon_settings.MEDIA_ROOT)
    with pytest.raises(ValueError, match=r"may only use \{model\}, \{pose\} and \{background\}"):
        TryOnBackend().generate(_request(media), workdir=media / "s")
    assert tryon._IMAGE_PIPELINES == {}


# --- through the shot chain -------------------------------------------------------------------


@pytest.fixture
def on_model_shot(workspace, settings, tmp_path):
    """An apparel ad's on-model scene; the product's photo has its cut-out, as import makes it."""
    settings.MEDIA_ROOT = tmp_path / "media"  # as diffusion_settings sets it
    product = ProductFactory(workspace=workspace, vertical="apparel")
    photo = f"workspaces/{workspace.id}/products/{product.id}/0.png"
    cutout = f"workspaces/{workspace.id}/products/{product.id}/0-cutout.png"
    save_garment(Path(settings.MEDIA_ROOT), photo, cutout)
    ProductImage.objects.create(
        workspace=workspace, product=product, position=0, file=photo, cutout=cutout,
        width=96, height=112, plain_background=True,
    )  # fmt: skip
    scene = {"id": "s1", "shot_type": "on_model", "duration": 2.0, "camera_move": "push_in"}
    ad = Ad.objects.create(
        workspace=workspace, product=product, template="apparel/lookbook",
        script={"scenes": [scene]}, formats=["9:16"], seed=3,
    )  # fmt: skip
    return Shot.objects.create(
        workspace=workspace, ad=ad, index=0, scene_id="s1", shot_type="on_model"
    )


@pytest.mark.django_db
def test_with_nothing_configured_motion_makes_the_shot_on_cpu_and_the_shot_says_why(
    on_model_shot, settings
):
    from generation.workflow import shot_queue

    settings.SHOPREEL_TRYON_WEIGHTS_DIR = ""
    settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR = ""
    assert settings.SHOPREEL_SHOT_BACKENDS["on_model"] == ["tryon", "diffusion", "motion"]
    assert shot_queue(on_model_shot) == settings.SHOPREEL_QUEUE_RENDER  # no GPU worker needed

    made = services.shot_generate(shot_id=on_model_shot.id)
    assert made.state == Shot.State.DONE and made.backend == "motion"
    assert made.backend_reason == (
        "tryon: no try-on weights configured (SHOPREEL_TRYON_WEIGHTS_DIR); "
        "diffusion: no weights configured (SHOPREEL_DIFFUSION_WEIGHTS_DIR is empty)"
    )
    assert made.fidelity is None


@pytest.mark.django_db
def test_with_weights_tryon_makes_the_shot_moves_the_jobs_bar_and_records_its_score(
    on_model_shot, tryon_settings, job_progress_seen
):
    from generation.workflow import shot_queue

    assert shot_queue(on_model_shot) == tryon_settings.SHOPREEL_QUEUE_GPU
    job = RenderJob.objects.create(
        workspace=on_model_shot.workspace, ad=on_model_shot.ad, product=on_model_shot.ad.product,
        stage=RenderJob.Stage.SHOTS, state=RenderJob.State.RUNNING, progress=15,
    )  # fmt: skip
    seen = job_progress_seen

    services.job_shot_generate(job_id=job.id, shot_id=on_model_shot.id)

    made = Shot.objects.get(id=on_model_shot.id)
    assert made.backend == "tryon" and made.backend_reason == "first in the chain"
    assert made.asset["seed"] == 3000 and made.asset["look"]["model"]
    assert made.fidelity == made.asset["fidelity"] is not None
    assert (Path(tryon_settings.MEDIA_ROOT) / made.asset["path"]).is_file()
    job.refresh_from_db()
    assert len(set(seen)) >= 4 and seen == sorted(seen)  # both stages move the bar
    assert job.progress == 25 and job.state == RenderJob.State.RUNNING


@pytest.mark.django_db
def test_a_drifted_garment_falls_back_through_the_chain_to_motion(on_model_shot, tryon_settings):
    tryon_settings.SHOPREEL_FIDELITY_THRESHOLD = 0.99
    made = services.shot_generate(shot_id=on_model_shot.id)
    assert made.backend == "motion"
    tryon_reason, diffusion_reason = made.backend_reason.split("; ")
    assert tryon_reason.startswith("tryon: drifted: score 0.") and "(seed 3000)" in tryon_reason
    assert diffusion_reason.startswith("diffusion: drifted: score 0.")
    assert made.fidelity is None
    shots_dir = Path(tryon_settings.MEDIA_ROOT) / f"workspaces/{made.workspace_id}/ads/{made.ad_id}"
    assert not list(shots_dir.rglob("*.mp4")) and not list(shots_dir.rglob("*.png"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tryon_weights", "diffusion_weights", "first"),
    [("", "", "motion"), ("t", "", "motion"), ("", "d", "diffusion"), ("t", "d", "tryon")],
)
def test_an_on_model_shot_is_queued_by_the_first_backend_with_weights(
    on_model_shot, settings, tryon_weights, diffusion_weights, first
):
    """tryon needs its own weights and the video stage's; a GPU backend with none configured
    does not send the shot to a GPU worker."""
    from generation.backends.registry import backend_chain, backend_names
    from generation.workflow import shot_queue

    settings.SHOPREEL_TRYON_WEIGHTS_DIR = tryon_weights
    settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR = diffusion_weights
    assert backend_names("on_model")[0] == first
    queue = settings.SHOPREEL_QUEUE_RENDER if first == "motion" else settings.SHOPREEL_QUEUE_GPU
    assert shot_queue(on_model_shot) == queue
    # The worker still tries the whole chain, so the Shot can say why each was passed over.
    assert [b.name for b in backend_chain("on_model")] == ["tryon", "diffusion", "motion"]
    assert backend_names("hero") == ["motion"]


def test_a_cut_out_of_another_size_is_fitted_to_its_photo():
    photo = garment_photo()
    alpha = cut_out(photo).getchannel("A")
    canvas, garment_alpha = place_garment(photo, alpha, (64, 96))
    halved, halved_alpha = place_garment(photo, alpha.resize((48, 56)), (64, 96))
    assert canvas.size == halved.size == (64, 96)
    assert np.abs(garment_alpha.astype(int) - halved_alpha.astype(int)).mean() < 8
    # Placed where a torso wears it: below the head, centred.
    ys, xs = np.nonzero(garment_alpha > 127)
    assert 19 <= ys.min() <= 22 and abs(xs.mean() - 32) < 2  # top at 20 %, less the feather
