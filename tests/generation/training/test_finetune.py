"""Fine-tuning end to end: products in the database → a registered, stored adapter that the
diffusion backend picks for its own workspace and vertical only and that changes the clip;
the command, the task, and the plain failures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.errors import ApplicationError
from generation.backends import diffusion
from generation.backends.base import ImageAsset, ShotRequest
from generation.backends.diffusion import DiffusionBackend, read_clip_frames
from generation.models import Ad, ModelAdapter, Shot
from generation.training.data import training_items_for
from generation.training.dataset import target_frames
from generation.training.services import model_adapter_cancel, model_adapter_train
from tests.generation.training.conftest import make_product

pytest.importorskip("peft")  # the `ml` extra; CI installs it
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    yield
    diffusion.unload_pipelines()


def _shot_request(media: Path, *, workspace_id, vertical: str = "beauty") -> ShotRequest:
    name = "shots/photo.png"
    from tests.generation.backends.conftest import product_photo

    (media / name).parent.mkdir(parents=True, exist_ok=True)
    product_photo().save(media / name)
    return ShotRequest(
        shot_type="hero", camera_move="push_in", duration=2.0, image_index=0,
        images=(ImageAsset(path=name),), seed=7, vertical=vertical, workspace_id=str(workspace_id or ""),
    )


def _clip(media: Path, request: ShotRequest, folder: str) -> tuple[dict, np.ndarray]:
    asset = DiffusionBackend().generate(request, workdir=media / folder)
    return asset, read_clip_frames(media / asset.path).astype(int)


def test_a_workspace_adapter_is_trained_stored_registered_and_used_for_that_workspace_only(
    training_settings, workspace, other_workspace
):
    media = Path(training_settings.MEDIA_ROOT)
    product = make_product(workspace, photos=2, media_root=media)
    make_product(other_workspace, media_root=media)  # not trained on
    losses: list[float] = []

    adapter = model_adapter_train(
        vertical="beauty", workspace=workspace, steps=8, on_step=lambda step, loss: losses.append(loss)
    )

    assert adapter.state == ModelAdapter.State.READY and adapter.error == ""
    assert adapter.workspace == workspace and adapter.pipeline == "LTXImageToVideoPipeline"
    assert adapter.rank == 4 and adapter.steps == 8 and adapter.losses == losses and len(losses) == 8
    assert adapter.final_loss == pytest.approx(np.mean(losses[-5:]))
    assert adapter.dataset == {
        "products": 1, "product_ids": [str(product.id)], "workspaces": 1, "workspace_ids": [str(workspace.id)],
        "images": 2, "clips": 0, "items": 2,
    }
    assert len(adapter.base_fingerprint) == 64
    path = Path(adapter.path)
    assert path == Path(training_settings.SHOPREEL_TRAINING_DIR) / "beauty" / workspace.slug / adapter.id.hex
    assert {p.name for p in path.iterdir()} == {"adapter_config.json", "adapter_model.safetensors", "shopreel.json"}
    assert json.loads((path / "shopreel.json").read_text())["losses"] == losses

    own, own_frames = _clip(media, _shot_request(media, workspace_id=workspace.id), "a")
    other, other_frames = _clip(media, _shot_request(media, workspace_id=other_workspace.id), "b")
    elsewhere, _ = _clip(media, _shot_request(media, workspace_id=workspace.id, vertical="home"), "c")

    assert own.adapter == adapter.peft_name
    assert other.adapter == "" and elsewhere.adapter == ""  # another workspace, another vertical
    # The trained adapter changes the clip (same photo, seed and base; measured 8.9 grey levels;
    # an untrained LoRA, B = 0, changes nothing).
    assert np.abs(own_frames - other_frames).mean() > 2.0


def test_a_vertical_wide_adapter_serves_every_workspace_and_a_workspaces_own_wins(
    training_settings, workspace, other_workspace
):
    media = Path(training_settings.MEDIA_ROOT)
    for owner in (workspace, other_workspace):
        owner.share_for_training = True
        owner.save()
        make_product(owner, media_root=media)
    wide = model_adapter_train(vertical="beauty", steps=2)
    assert wide.workspace is None and wide.dataset["products"] == 2
    assert Path(wide.path).parent == Path(training_settings.SHOPREEL_TRAINING_DIR) / "beauty" / "_vertical"
    own = model_adapter_train(vertical="beauty", workspace=workspace, steps=2)

    config = diffusion.DiffusionConfig.from_settings()
    pick = diffusion.adapter_for
    assert pick(config, _shot_request(media, workspace_id=workspace.id))[0] == own.peft_name
    assert pick(config, _shot_request(media, workspace_id=other_workspace.id))[0] == wide.peft_name
    assert pick(config, _shot_request(media, workspace_id=None)) is None  # outside a job: no database

    # Adapters of other base weights are never loaded on this one.
    ModelAdapter.objects.filter(id=wide.id).update(base_fingerprint="0" * 64)
    assert pick(config, _shot_request(media, workspace_id=other_workspace.id)) is None
    # Nor one whose folder is not on this worker.
    ModelAdapter.objects.filter(id=own.id).update(path=str(Path(training_settings.SHOPREEL_TRAINING_DIR) / "gone"))
    assert pick(config, _shot_request(media, workspace_id=workspace.id)) is None


def test_a_stored_adapter_path_outside_the_training_dir_is_never_loaded(training_settings, workspace):
    """The row's path is data: a real adapter copied elsewhere, or reached through ``..``, is
    ignored; and training refuses to store one outside SHOPREEL_TRAINING_DIR."""
    import shutil

    media = Path(training_settings.MEDIA_ROOT)
    make_product(workspace, media_root=media)
    own = model_adapter_train(vertical="beauty", workspace=workspace, steps=2)
    config = diffusion.DiffusionConfig.from_settings()
    request = _shot_request(media, workspace_id=workspace.id)
    assert diffusion.adapter_for(config, request)[0] == own.peft_name

    root = Path(training_settings.SHOPREEL_TRAINING_DIR)
    elsewhere = root.parent / "elsewhere" / "adapter"
    shutil.copytree(own.path, elsewhere)
    for hostile in (str(elsewhere), str(root / ".." / "elsewhere" / "adapter")):
        ModelAdapter.objects.filter(id=own.id).update(path=hostile)
        assert diffusion.adapter_for(config, request) is None

    from core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="must be inside SHOPREEL_TRAINING_DIR"):
        model_adapter_train(vertical="beauty", workspace=workspace, steps=1, out_dir=root / ".." / "out")
    assert ModelAdapter.objects.count() == 1  # refused before a row was made


def test_a_typed_vertical_never_walks_out_of_the_adapters_dir(training_settings, workspace):
    """A product's vertical is merchant data (a hand-made product may say ``../x``): only a
    known vertical names a folder under SHOPREEL_DIFFUSION_ADAPTERS_DIR."""
    import shutil

    media = Path(training_settings.MEDIA_ROOT)
    make_product(workspace, media_root=media)
    trained = model_adapter_train(vertical="beauty", workspace=workspace, steps=1)
    adapters = Path(training_settings.SHOPREEL_TRAINING_DIR).parent / "made-elsewhere"
    shutil.copytree(trained.path, adapters / "verticals" / "beauty")
    shutil.copytree(trained.path, adapters / "evil")
    ModelAdapter.objects.all().delete()
    training_settings.SHOPREEL_DIFFUSION_ADAPTERS_DIR = str(adapters)
    config = diffusion.DiffusionConfig.from_settings()
    picked = diffusion.adapter_for(config, _shot_request(media, workspace_id=None, vertical="beauty"))
    assert picked == ("vertical-beauty", adapters / "verticals" / "beauty")
    assert (adapters / "verticals" / ".." / "evil" / "adapter_config.json").is_file()
    assert diffusion.adapter_for(config, _shot_request(media, workspace_id=None, vertical="../evil")) is None


def test_a_vertical_wide_adapter_learns_only_from_workspaces_that_opted_in(
    training_settings, workspace, other_workspace
):
    media = Path(training_settings.MEDIA_ROOT)
    mine = make_product(workspace, media_root=media)
    make_product(other_workspace, media_root=media)  # has not agreed: never read

    with pytest.raises(ApplicationError, match=r"none has opted in: Workspace\.share_for_training") as caught:
        model_adapter_train(vertical="beauty", steps=1)
    assert caught.value.code == "no_products"

    workspace.share_for_training = True
    workspace.save()
    items, summary = training_items_for(vertical="beauty")
    assert {item.product_id for item in items} == {str(mine.id)}
    assert summary.workspace_ids == [str(workspace.id)]

    wide = model_adapter_train(vertical="beauty", steps=1)
    assert wide.dataset["product_ids"] == [str(mine.id)] and wide.dataset["workspace_ids"] == [str(workspace.id)]
    from generation.training.selectors import adapters_trained_with

    assert adapters_trained_with(workspace=workspace) == [wide]
    assert adapters_trained_with(workspace=other_workspace) == []
    # A workspace's own adapter still learns from its own products without the opt-in.
    assert model_adapter_train(vertical="beauty", workspace=other_workspace, steps=1).state == "ready"


def test_an_opt_out_while_a_shared_adapter_trains_stops_it_being_stored(training_settings, workspace):
    from accounts.models import Workspace

    workspace.share_for_training = True
    workspace.save()
    make_product(workspace, media_root=Path(training_settings.MEDIA_ROOT))

    def opt_out(step: int, loss: float) -> None:
        Workspace.objects.filter(id=workspace.id).update(share_for_training=False)

    with pytest.raises(ApplicationError, match="stopped sharing their products for training") as caught:
        model_adapter_train(vertical="beauty", steps=2, on_step=opt_out)
    assert caught.value.code == "consent_withdrawn"
    row = ModelAdapter.objects.get()
    assert row.state == "failed" and row.path == ""
    assert not (Path(training_settings.SHOPREEL_TRAINING_DIR) / "beauty" / "_vertical").exists()


def test_the_dataset_takes_captions_from_scripts_and_existing_clips_as_targets(training_settings, workspace):
    import imageio_ffmpeg

    media = Path(training_settings.MEDIA_ROOT)
    product = make_product(workspace, media_root=media)
    ad = Ad.objects.create(
        workspace=workspace, product=product, template="t",
        script={"scenes": [{"caption": "Glow in 7 days", "voiceover": "Meet the serum."}, {"caption": ""}]},
    )
    name = f"workspaces/{workspace.id}/ads/{ad.id}/shots/00/diffusion-1.mp4"
    (media / name).parent.mkdir(parents=True)
    writer = imageio_ffmpeg.write_frames(str(media / name), (64, 64), fps=8, macro_block_size=16)
    writer.send(None)
    for shade in range(0, 240, 20):  # 12 frames, brighter each
        writer.send(np.full((64, 64, 3), shade, np.uint8).tobytes())
    writer.close()
    Shot.objects.create(
        workspace=workspace, ad=ad, index=0, scene_id="s0", shot_type="hero", state=Shot.State.DONE,
        backend="diffusion", asset={"kind": "clip", "path": name},
    )

    items, summary = training_items_for(vertical="beauty", workspace=workspace)

    assert summary.as_dict() | {"product_ids": []} == {
        "products": 1, "product_ids": [], "workspaces": 1, "workspace_ids": [str(workspace.id)],
        "images": 1, "clips": 1, "items": 2,
    }
    assert {item.caption for item in items} == {"Glow in 7 days Meet the serum."}
    clip_item = next(item for item in items if item.clip is not None)
    frames = target_frames(clip_item, (32, 32), 9, fps=8)
    assert frames.shape == (9, 32, 32, 3)
    assert frames[8].mean() > frames[0].mean() + 100  # the clip's motion, not the still photo
    still = next(item for item in items if item.clip is None)
    held = target_frames(still, (32, 32), 9, fps=8)
    assert all(np.array_equal(held[0], frame) for frame in held)  # the photo held still


def test_without_products_photos_or_weights_the_row_fails_with_what_is_missing(
    training_settings, workspace
):
    with pytest.raises(ApplicationError, match="No imported products in the vertical 'toys' of the workspace"):
        model_adapter_train(vertical="toys", workspace=workspace, steps=1)
    product = make_product(workspace, vertical="toys", photos=0, media_root=Path(training_settings.MEDIA_ROOT))
    product.images.create(workspace=workspace, position=0, file="missing.png", width=1, height=1)
    from tests.generation.backends.conftest import product_photo

    product_photo().save(Path(training_settings.MEDIA_ROOT).parent / "outside.png")  # a real photo...
    product.images.create(workspace=workspace, position=1, file="../outside.png", width=1, height=1)  # ...not ours
    with pytest.raises(ApplicationError, match=r"None of the 1 products .* has a readable photo"):
        model_adapter_train(vertical="toys", workspace=workspace, steps=1)
    training_settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR = ""
    with pytest.raises(ApplicationError, match="set SHOPREEL_DIFFUSION_WEIGHTS_DIR"):
        model_adapter_train(vertical="toys", workspace=workspace, steps=1)

    rows = ModelAdapter.objects.order_by("created_at")
    assert [row.state for row in rows] == ["failed"] * 3
    assert [row.error.split(":")[0] for row in rows] == [
        "No imported products in the vertical 'toys' of the workspace " + repr(workspace.slug),
        "None of the 1 products in the vertical 'toys' of the workspace " + repr(workspace.slug)
        + " has a readable photo",
        "No base weights configured",
    ]
    assert not Path(training_settings.SHOPREEL_TRAINING_DIR).exists()  # nothing stored


def test_a_cancel_request_on_the_row_stops_training(training_settings, workspace, monkeypatch):
    from generation.training import services

    monkeypatch.setattr(services, "CANCEL_POLL_SECONDS", 0.0)  # read the row at every step
    make_product(workspace, media_root=Path(training_settings.MEDIA_ROOT))

    def cancel_once_running(step: int, loss: float) -> None:
        model_adapter_cancel(adapter_id=ModelAdapter.objects.get().id)

    with pytest.raises(ApplicationError, match="Cancelled: cancelled at step 1 of 50") as caught:
        model_adapter_train(vertical="beauty", workspace=workspace, steps=50, on_step=cancel_once_running)
    assert caught.value.code == "cancelled"
    row = ModelAdapter.objects.get()
    assert row.state == "failed" and row.error.startswith("Cancelled") and row.path == ""


def test_the_command_prints_json_and_says_plainly_when_there_is_nothing(
    training_settings, workspace, capsys
):
    # A CommandError is what `manage.py` turns into exit status 1 and one "CommandError: ..." line.
    with pytest.raises(
        CommandError,
        match=r"^No imported products in the vertical 'pets' of workspaces that share their products for "
        r"training: nothing to train on \(none has opted in: .*\)\.$",
    ):
        call_command("finetune", "--vertical", "pets", "--steps", "1")

    make_product(workspace, vertical="pets", media_root=Path(training_settings.MEDIA_ROOT))
    call_command(
        "finetune", "--vertical", "pets", "--workspace", workspace.slug, "--steps", "2",
        "--out", str(training_settings.SHOPREEL_TRAINING_DIR / "out"), "--json",
    )
    printed = json.loads(capsys.readouterr().out)
    assert printed["state"] == "ready" and printed["workspace"] == workspace.slug
    assert printed["path"] == str(training_settings.SHOPREEL_TRAINING_DIR / "out" / printed["adapter"].replace("-", ""))
    assert len(printed["losses"]) == 2 and printed["dataset"]["products"] == 1


def test_the_task_trains_the_queued_row_once_and_a_redelivered_task_trains_nothing(
    training_settings, workspace, monkeypatch, django_capture_on_commit_callbacks
):
    from generation.tasks import finetune_adapter
    from generation.training import loop
    from generation.training.services import model_adapter_train_start

    make_product(workspace, media_root=Path(training_settings.MEDIA_ROOT))
    runs = []
    real_train = loop.train_lora
    monkeypatch.setattr(loop, "train_lora", lambda *args, **kwargs: runs.append(1) or real_train(*args, **kwargs))

    with django_capture_on_commit_callbacks(execute=False) as queued:
        queued_row = model_adapter_train_start(vertical="beauty", workspace=workspace, steps=2)
    assert queued_row.state == ModelAdapter.State.QUEUED and len(queued) == 1  # sent after commit

    assert finetune_adapter(str(queued_row.id)) == str(queued_row.id)
    row = ModelAdapter.objects.get(id=queued_row.id)
    assert row.state == "ready" and row.workspace == workspace and Path(row.path).is_dir()
    assert runs == [1]

    # The broker delivers the task again (its worker died after training, before the ack).
    assert finetune_adapter(str(queued_row.id)) is None
    assert runs == [1]  # trained nothing
    again = ModelAdapter.objects.get(id=queued_row.id)
    assert (again.state, again.path, again.finished_at, again.losses) == (row.state, row.path, row.finished_at, row.losses)
    assert ModelAdapter.objects.count() == 1
    assert [p.name for p in Path(row.path).parent.iterdir()] == [row.id.hex]  # one adapter stored


def test_a_job_shot_of_the_workspace_is_made_with_its_adapter(training_settings, workspace, other_workspace):
    from generation import services

    training_settings.SHOPREEL_SHOT_BACKENDS = {"default": ["diffusion", "motion"]}
    media = Path(training_settings.MEDIA_ROOT)
    make_product(workspace, media_root=media)
    adapter = model_adapter_train(vertical="beauty", workspace=workspace, steps=2)
    shots = {}
    for owner in (workspace, other_workspace):
        product = make_product(owner, media_root=media)
        script = {"scenes": [{"id": "s1", "shot_type": "hero", "duration": 2.0, "image_index": 0}]}
        ad = Ad.objects.create(workspace=owner, product=product, template="t", script=script, seed=3)
        shots[owner.slug] = Shot.objects.create(workspace=owner, ad=ad, index=0, scene_id="s1", shot_type="hero")

    own = services.shot_generate(shot_id=shots[workspace.slug].id)
    other = services.shot_generate(shot_id=shots[other_workspace.slug].id)
    assert own.backend == "diffusion" and own.asset["adapter"] == adapter.peft_name
    assert other.backend == "diffusion" and other.asset["adapter"] == ""


@pytest.mark.slow  # two Django processes and a migration: ~6 s alone, more on a busy machine
def test_the_command_as_the_shell_runs_it_exits_1_with_one_plain_line(tmp_path, tiny_ltx_dir):
    """A fresh embedded database (migrated first), weights configured, no products: status 1,
    one plain line."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[3]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "SHOPREEL_VAR_DIR": str(tmp_path),
        "SHOPREEL_DIFFUSION_PIPELINE": "LTXImageToVideoPipeline",
        "SHOPREEL_DIFFUSION_WEIGHTS_DIR": str(tiny_ltx_dir),
        "SHOPREEL_DIFFUSION_DEVICE": "cpu",
    }
    env.pop("DATABASE_URL", None)

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=root, env=env, capture_output=True, text=True, timeout=120
        )

    assert manage("migrate", "--verbosity", "0").returncode == 0
    result = manage("finetune", "--vertical", "toys", "--steps", "3", "--json")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip().splitlines()[-1] == (
        "CommandError: No imported products in the vertical 'toys' of workspaces that share their products "
        "for training: nothing to train on (none has opted in: Workspace.share_for_training, set by its "
        "owner on the dashboard)."
    )


def test_staff_read_adapters_in_the_admin_and_cannot_add_one(client, workspace):
    from django.urls import reverse

    from tests.factories import UserFactory

    row = ModelAdapter.objects.create(
        workspace=workspace, vertical="beauty", pipeline="LTXImageToVideoPipeline", base_weights_dir="/w",
        base_fingerprint="f" * 64, rank=4, steps=2, learning_rate=1e-4, state="failed", error="No base weights",
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get(reverse("admin:generation_modeladapter_changelist"))
    assert listing.status_code == 200 and "beauty" in listing.text
    # After an opt-out, staff find the shared adapters trained with that workspace's products.
    shared = ModelAdapter.objects.create(
        vertical="beauty", pipeline="LTXImageToVideoPipeline", base_weights_dir="/w", base_fingerprint="f" * 64,
        rank=4, steps=2, learning_rate=1e-4, state="ready",
        dataset={"products": 1, "workspaces": 1, "workspace_ids": [str(workspace.id)]},
    )
    found = client.get(reverse("admin:generation_modeladapter_changelist"), {"q": str(workspace.id)})
    assert found.status_code == 200 and str(shared.id) in found.text and "1 workspace" in found.text
    page = client.get(reverse("admin:generation_modeladapter_change", args=[row.id]))
    assert page.status_code == 200 and "No base weights" in page.text
    assert client.get(reverse("admin:generation_modeladapter_add")).status_code == 403


def test_an_svd_adapter_trains_and_loads_into_the_backends_unet(training_settings, tiny_svd_dir, workspace):
    training_settings.SHOPREEL_DIFFUSION_PIPELINE = "StableVideoDiffusionPipeline"
    training_settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR = str(tiny_svd_dir)
    training_settings.SHOPREEL_DIFFUSION_NUM_FRAMES = 8
    training_settings.SHOPREEL_TRAINING_NUM_FRAMES = 4
    media = Path(training_settings.MEDIA_ROOT)
    make_product(workspace, media_root=media)
    adapter = model_adapter_train(vertical="beauty", workspace=workspace, steps=4)
    assert adapter.pipeline == "StableVideoDiffusionPipeline" and adapter.state == "ready"

    base, base_frames = _clip(media, _shot_request(media, workspace_id=workspace.id, vertical="home"), "a")
    styled, styled_frames = _clip(media, _shot_request(media, workspace_id=workspace.id), "b")
    assert base.adapter == "" and styled.adapter == adapter.peft_name
    assert np.abs(base_frames - styled_frames).mean() > 1.0  # measured 4.9 grey levels


@pytest.mark.services
def test_finetune_queue_hands_the_run_to_a_gpu_worker(redis_url, workspace, settings, django_capture_on_commit_callbacks):
    """`finetune --queue` makes the queued row and puts one finetune_adapter message with its id
    on the gpu queue of the real broker (the worker side is the task function, tested above),
    and trains nothing here."""
    import base64
    from io import StringIO

    import redis

    broker = redis.Redis.from_url(redis_url)
    broker.delete(settings.SHOPREEL_QUEUE_GPU)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("finetune", "--vertical", "apparel", "--workspace", workspace.slug, "--steps", "3",
                     "--queue", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["queue"] == settings.SHOPREEL_QUEUE_GPU
    [raw] = broker.lrange(settings.SHOPREEL_QUEUE_GPU, 0, -1)
    message = json.loads(raw)
    assert message["headers"]["task"] == "generation.finetune_adapter"
    assert message["headers"]["id"] == result["task"]
    args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
    row = ModelAdapter.objects.get()  # made here, queued; the worker claims and trains it
    assert args == [str(row.id)] and kwargs == {} and result["adapter"] == result["task"] == str(row.id)
    assert (row.state, row.vertical, row.workspace, row.steps) == ("queued", "apparel", workspace, 3)
    assert row.losses == [] and row.path == ""
    broker.delete(settings.SHOPREEL_QUEUE_GPU)
    with pytest.raises(CommandError, match="--queue takes"):
        call_command("finetune", "--vertical", "apparel", "--steps", "3", "--queue", "--out", "/tmp/x")
