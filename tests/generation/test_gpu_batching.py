"""GPU workers batch the shots of one model: one pipeline call for several shots, each with its
own seed, fidelity check and fallback. Tiny random-weight SVD and LTX models on the CPU, loaded
by the backend's own code; out of memory is raised by the pipeline itself (a wrapper at the
edge, where CUDA would raise it)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.utils import timezone

from generation import services, tasks, workflow
from generation.backends import diffusion
from generation.backends.base import ImageAsset, ShotCancelled, ShotRequest
from generation.backends.diffusion import DiffusionBackend, read_clip_frames
from generation.models import Ad, RenderJob, Shot
from products.models import ProductImage
from tests.factories import ProductFactory
from tests.generation.backends.conftest import (  # noqa: F401 (fixtures)
    diffusion_settings,
    product_photo,
    tiny_ltx_dir,
    tiny_svd_dir,
)
from tests.workers import celery_workers

pytest.importorskip("diffusers")

COLOURS = [(200, 40, 40), (40, 160, 60), (40, 60, 200), (220, 180, 30)]


@pytest.fixture(autouse=True)
def _fresh_cache():
    yield
    diffusion.unload_pipelines()


@pytest.fixture
def gpu_settings(diffusion_settings):  # noqa: F811
    diffusion_settings.SHOPREEL_SHOT_BACKENDS = {"default": ["diffusion", "motion"], "cta": ["motion"]}
    diffusion_settings.SHOPREEL_GPU_BATCH_SIZE = 4
    return diffusion_settings


@pytest.fixture
def ltx_settings(gpu_settings, tiny_ltx_dir):  # noqa: F811
    gpu_settings.SHOPREEL_DIFFUSION_PIPELINE = "LTXImageToVideoPipeline"
    gpu_settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR = str(tiny_ltx_dir)
    gpu_settings.SHOPREEL_DIFFUSION_NUM_FRAMES = 9  # 4k+1 for the tiny VAE
    return gpu_settings


def _ad(workspace, scenes: list[tuple[str, float]], *, seed: int = 3) -> Ad:
    """An ad whose scene i is (shot type, seconds) and shows photo i (a different colour each)."""
    product = ProductFactory(workspace=workspace)
    media = Path(settings.MEDIA_ROOT)
    for i, colour in enumerate(COLOURS):
        name = f"workspaces/{workspace.id}/products/{product.id}/{i}.png"
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        product_photo(colour=colour, seed=i).save(media / name)
        ProductImage.objects.create(
            workspace=workspace, product=product, position=i, file=name, width=96, height=80
        )
    script = {
        "scenes": [
            {"id": f"s{i}", "shot_type": kind, "duration": seconds, "camera_move": "push_in",
             "image_index": i % len(COLOURS)}
            for i, (kind, seconds) in enumerate(scenes)
        ]
    }  # fmt: skip
    ad = Ad.objects.create(
        workspace=workspace, product=product, template="generic/showcase", script=script,
        formats=["1:1"], seed=seed,
    )  # fmt: skip
    Shot.objects.bulk_create(
        Shot(workspace=workspace, ad=ad, index=i, scene_id=f"s{i}", shot_type=kind)
        for i, (kind, _) in enumerate(scenes)
    )
    return ad


def _ids(ad: Ad) -> list:
    return list(ad.shots.order_by("index").values_list("id", flat=True))


class TightMemory:
    """The loaded pipeline with a GPU that holds ``budget`` pixels of clips at once: a call
    beyond it raises torch.OutOfMemoryError, as CUDA does. Records each call's batch and size."""

    def __init__(self, pipe, budget: int, calls: list) -> None:
        self._pipe, self._budget, self._calls = pipe, budget, calls

    def __getattr__(self, name):
        return getattr(self._pipe, name)

    def __call__(self, image, *args, **kwargs):
        import torch

        self._calls.append((len(image), kwargs["width"], kwargs["height"]))
        if len(image) * kwargs["width"] * kwargs["height"] > self._budget:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (simulated)")
        return self._pipe(image, *args, **kwargs)


@pytest.fixture
def tight_memory(monkeypatch):
    calls: list = []
    real = diffusion.load_pipeline

    def install(budget: int) -> list:
        monkeypatch.setattr(diffusion, "load_pipeline", lambda config: TightMemory(real(config), budget, calls))
        return calls

    return install


# --- one pipeline call, several shots -----------------------------------------------------------


@pytest.mark.django_db
def test_a_batch_of_three_shots_makes_three_clips_each_with_its_seed(workspace, gpu_settings, tight_memory):
    calls = tight_memory(budget=10**9)  # room for all: only records the calls
    ad = _ad(workspace, [("hero", 2.0), ("detail", 2.0), ("feature", 2.0)])

    shots = services.shots_generate(shot_ids=_ids(ad), claimant="task-1")

    assert calls == [(3, 64, 64)]  # one pipeline call for the three
    media = Path(gpu_settings.MEDIA_ROOT)
    for i, shot in enumerate(shots):
        assert shot.state == Shot.State.DONE and shot.backend == "diffusion"
        assert shot.backend_reason == "first in the chain" and shot.attempts == 1
        assert shot.asset["seed"] == 3000 + i and shot.asset["batch"] == 3
        assert shot.fidelity == shot.asset["fidelity"] is not None
        assert shot.asset["path"] == f"workspaces/{workspace.id}/ads/{ad.id}/shots/{i:02d}/diffusion-{3000 + i}.mp4"
        assert read_clip_frames(media / shot.asset["path"]).shape == (8, 64, 64, 3)
    # Three different clips (own photo, own seed), not one clip three times.
    clips = [read_clip_frames(media / s.asset["path"]).astype(int) for s in shots]
    assert min(np.abs(clips[a] - clips[b]).mean() for a, b in ((0, 1), (0, 2), (1, 2))) > 5


def _requests(media: Path) -> list[ShotRequest]:
    requests = []
    for i, colour in enumerate(COLOURS[:3]):
        name = f"p/{i}.png"
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        product_photo(colour=colour, seed=i).save(media / name)
        requests.append(ShotRequest(
            shot_type="hero", camera_move="push_in", duration=2.0, image_index=0,
            images=(ImageAsset(path=name),), seed=100 + i,
        ))  # fmt: skip
    return requests


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["svd", "ltx"])
def test_batching_does_not_change_a_shot(request, model):
    """The user-visible promise: a shot made in a batch is the shot made alone with its seed.
    The noise is drawn per shot from its own generator, so only float32 summation order in
    batched matmuls differs (latents agree to ~5e-6 relative on this CPU, decoded frames to
    one level in a few pixels); libx264 can turn a one-level input change into a slightly
    different block decision, so the files are compared with a tolerance."""
    configured = request.getfixturevalue("gpu_settings" if model == "svd" else "ltx_settings")
    media = Path(configured.MEDIA_ROOT)
    requests = _requests(media)
    backend = DiffusionBackend()

    batched = backend.generate_batch(requests, workdirs=[media / f"batch{i}" for i in range(3)])
    alone = [backend.generate(r, workdir=media / f"alone{i}") for i, r in enumerate(requests)]

    for together, single in zip(batched, alone, strict=True):
        assert together.details["batch"] == 3 and single.details["batch"] == 1
        assert together.seed == single.seed
        a = read_clip_frames(media / together.path).astype(int)
        b = read_clip_frames(media / single.path).astype(int)
        assert a.shape == b.shape
        assert np.abs(a - b).mean() < 0.5  # of 255 levels (measured: 0 to 0.16)
        assert together.fidelity == pytest.approx(single.fidelity, abs=0.02)
    # And different seeds do give different clips: the tolerance is not hiding everything.
    first, second = (read_clip_frames(media / s.path).astype(int) for s in alone[:2])
    assert np.abs(first - second).mean() > 5


# --- the canvas ------------------------------------------------------------------------------


def _header(header) -> list[tuple[str, tuple, str]]:
    """(task name, arguments, queue) of each task in a chord's header."""
    return [(task.task, tuple(task.args), task.options["queue"]) for task in header]


@pytest.mark.django_db
def test_the_canvas_batches_gpu_shots_per_model_and_motion_shots_stay_alone(workspace, gpu_settings):
    gpu_settings.SHOPREEL_GPU_BATCH_SIZE = 2
    # Six diffusion shots: five of 2 s (conditioned at 4 fps) and one of 5 s (2 fps, another
    # call); the call to action is a motion shot.
    ad = _ad(workspace, [("hero", 2.0), ("detail", 2.0), ("feature", 5.0), ("feature", 2.0),
                         ("lifestyle", 2.0), ("offer", 2.0), ("cta", 2.0)])  # fmt: skip
    ids = [str(i) for i in _ids(ad)]
    job = RenderJob.objects.create(workspace=workspace, ad=ad, product=ad.product)

    signature = workflow.shots_signature(str(job.id), ad.id)

    gpu, render = gpu_settings.SHOPREEL_QUEUE_GPU, gpu_settings.SHOPREEL_QUEUE_RENDER
    assert _header(signature.tasks) == [
        ("generation.generate_shots", (str(job.id), [ids[0], ids[1]]), gpu),
        ("generation.generate_shot", (str(job.id), ids[2]), gpu),  # alone at its frame rate
        ("generation.generate_shots", (str(job.id), [ids[3], ids[4]]), gpu),
        ("generation.generate_shot", (str(job.id), ids[5]), gpu),
        ("generation.generate_shot", (str(job.id), ids[6]), render),  # motion: CPU work
    ]
    assert signature.body.task == "generation.render_ad" and signature.body.options["queue"] == render

    gpu_settings.SHOPREEL_GPU_BATCH_SIZE = 1  # batching off: one task per shot, as before
    header = _header(workflow.shots_signature(str(job.id), ad.id).tasks)
    assert [name for name, _, _ in header] == ["generation.generate_shot"] * 7
    assert [queue for _, _, queue in header] == [gpu] * 6 + [render]


@pytest.mark.django_db
def test_without_weights_nothing_is_batched_or_sent_to_a_gpu(workspace, gpu_settings):
    gpu_settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR = ""
    ad = _ad(workspace, [("hero", 2.0), ("detail", 2.0)])
    job = RenderJob.objects.create(workspace=workspace, ad=ad, product=ad.product)
    header = _header(workflow.shots_signature(str(job.id), ad.id).tasks)
    assert [(name, queue) for name, _, queue in header] == [("generation.generate_shot", gpu_settings.SHOPREEL_QUEUE_RENDER)] * 2


@pytest.mark.django_db
def test_the_batch_task_makes_its_shots_and_moves_the_jobs_bar(workspace, gpu_settings, job_progress_seen):
    ad = _ad(workspace, [("hero", 2.0), ("detail", 2.0), ("cta", 2.0)])
    job = RenderJob.objects.create(
        workspace=workspace, ad=ad, product=ad.product, stage=RenderJob.Stage.SHOTS,
        state=RenderJob.State.RUNNING, progress=15,
    )  # fmt: skip
    seen = job_progress_seen

    ids = [str(i) for i in _ids(ad)]
    tasks.generate_shots.run(str(job.id), ids[:2])  # the task function, as a worker calls it
    tasks.generate_shot.run(str(job.id), ids[2])

    shots = list(ad.shots.order_by("index"))
    assert [s.backend for s in shots] == ["diffusion", "diffusion", "motion"]
    assert all(s.state == Shot.State.DONE for s in shots)
    assert len(set(seen)) >= 3 and seen == sorted(seen) and max(seen) == 25
    job.refresh_from_db()
    assert job.progress == 25 and job.state == RenderJob.State.RUNNING


# --- claims ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_shot_claimed_by_another_task_is_not_made_twice(workspace, gpu_settings, tight_memory):
    calls = tight_memory(budget=10**9)
    ad = _ad(workspace, [("hero", 2.0), ("detail", 2.0), ("feature", 2.0)])
    first, taken, third = _ids(ad)
    now = timezone.now()
    Shot.objects.filter(id=taken).update(state=Shot.State.RUNNING, attempts=1, claimed_by="other-task", claimed_at=now)

    services.shots_generate(shot_ids=[first, taken, third], claimant="task-1")

    assert calls == [(2, 64, 64)]  # the batch holds only the shots this task claimed
    taken_shot = Shot.objects.get(id=taken)
    assert taken_shot.state == Shot.State.RUNNING and taken_shot.claimed_by == "other-task"
    assert taken_shot.attempts == 1 and taken_shot.asset == {}
    assert Shot.objects.get(id=first).state == Shot.State.DONE
    # Run again (the task redelivered): done shots are kept, the other claim still holds.
    services.shots_generate(shot_ids=[first, taken, third], claimant="task-1")
    assert len(calls) == 1
    assert list(ad.shots.order_by("index").values_list("attempts", flat=True)) == [1, 1, 1]


@pytest.mark.django_db
def test_a_redelivered_task_or_a_dead_claim_takes_the_shot_back(workspace, gpu_settings):
    ad = _ad(workspace, [("hero", 2.0), ("detail", 2.0)])
    mine, dead = _ids(ad)
    long_ago = timezone.now() - timedelta(seconds=gpu_settings.CELERY_TASK_TIME_LIMIT + 1)
    # This task's own claim, left by a worker that died (same task id on redelivery), and a
    # claim older than the hard time limit: its task cannot be running any more.
    Shot.objects.filter(id=mine).update(state=Shot.State.RUNNING, attempts=1, claimed_by="task-1", claimed_at=timezone.now())
    Shot.objects.filter(id=dead).update(state=Shot.State.RUNNING, attempts=1, claimed_by="gone", claimed_at=long_ago)

    shots = services.shots_generate(shot_ids=[mine, dead], claimant="task-1")

    assert [(s.state, s.attempts, s.asset["batch"]) for s in shots] == [(Shot.State.DONE, 2, 2)] * 2


# --- out of memory, drift, cancel -----------------------------------------------------------------


@pytest.mark.django_db
def test_out_of_memory_in_a_batch_halves_it_before_lowering_the_size(workspace, gpu_settings, tight_memory):
    calls = tight_memory(budget=2 * 64 * 64)  # two 64x64 clips fit at once, three do not
    ad = _ad(workspace, [("hero", 2.0), ("detail", 2.0), ("feature", 2.0)])

    shots = services.shots_generate(shot_ids=_ids(ad), claimant="task-1")

    assert calls == [(3, 64, 64), (2, 64, 64), (1, 64, 64)]
    assert [s.backend for s in shots] == ["diffusion"] * 3
    assert [(s.asset["width"], s.asset["batch"], s.asset["seed"]) for s in shots] == [
        (64, 2, 3000), (64, 2, 3001), (64, 1, 3002)
    ]  # fmt: skip


@pytest.mark.django_db
def test_out_of_memory_alone_lowers_the_size_then_falls_back_per_shot(workspace, gpu_settings, tight_memory):
    calls = tight_memory(budget=48 * 48)  # one clip at 48x48 fits, nothing at 64x64
    ad = _ad(workspace, [("hero", 2.0), ("detail", 2.0)])
    shots = services.shots_generate(shot_ids=_ids(ad), claimant="task-1")
    assert calls == [(2, 64, 64), (1, 64, 64), (1, 48, 48), (1, 64, 64), (1, 48, 48)]
    assert [(s.backend, s.asset["width"], s.asset["height"]) for s in shots] == [("diffusion", 48, 48)] * 2

    tight_memory(budget=16 * 16)  # nothing fits: each shot falls back to motion
    ad = _ad(workspace, [("hero", 2.0), ("detail", 2.0)])
    shots = services.shots_generate(shot_ids=_ids(ad), claimant="task-2")
    assert [s.backend for s in shots] == ["motion", "motion"]
    assert {s.backend_reason for s in shots} == {"diffusion: out of GPU memory at 64x64 and 48x48"}
    assert all(s.fidelity is None and s.state == Shot.State.DONE for s in shots)


@pytest.mark.django_db
def test_the_fidelity_gate_judges_each_shot_of_a_batch(workspace, gpu_settings, tight_memory):
    ad = _ad(workspace, [("hero", 2.0), ("detail", 2.0), ("feature", 2.0)])
    ids = _ids(ad)
    scores = [s.fidelity for s in services.shots_generate(shot_ids=ids, claimant="probe")]
    assert len(set(scores)) == 3, scores  # the photos differ, so do the scores
    # A threshold between the best first try and the others: the best is accepted as it is,
    # the others are made again - alone, with their own new seed - or fall back to motion.
    best = int(np.argmax(scores))
    threshold = (scores[best] + sorted(scores)[-2]) / 2
    gpu_settings.SHOPREEL_FIDELITY_THRESHOLD = threshold
    Shot.objects.filter(id__in=ids).update(state=Shot.State.PENDING, asset={}, fidelity=None, backend="")
    calls = tight_memory(budget=10**9)

    shots = services.shots_generate(shot_ids=ids, claimant="task-1")

    assert calls == [(3, 64, 64), (2, 64, 64)]  # the retry batches only the two that drifted
    assert shots[best].backend == "diffusion" and shots[best].asset["tries"] == 1
    assert shots[best].asset["seed"] == 3000 + best
    for i, shot in enumerate(shots):
        if i == best:
            continue
        if shot.backend == "diffusion":
            assert shot.asset["tries"] == 2 and shot.asset["seed"] != 3000 + i
            assert shot.fidelity >= threshold
        else:
            assert shot.backend == "motion" and shot.fidelity is None
            assert shot.backend_reason.startswith(f"diffusion: drifted: score {scores[i]:.2f} (seed {3000 + i}), ")


@pytest.mark.django_db
def test_cancelling_stops_the_whole_batch_and_keeps_no_clip(workspace, gpu_settings):
    ad = _ad(workspace, [("hero", 2.0), ("detail", 2.0)])
    checks: list[int] = []

    def should_cancel() -> bool:
        checks.append(1)
        return len(checks) >= 3  # after the second sampling step

    with pytest.raises(ShotCancelled):
        services.shots_generate(shot_ids=_ids(ad), should_cancel=should_cancel, claimant="task-1")
    shots = list(ad.shots.all())
    assert all(s.state == Shot.State.PENDING and not s.asset and not s.claimed_by for s in shots)
    assert not list(Path(gpu_settings.MEDIA_ROOT).rglob("*.mp4"))


# --- real workers ------------------------------------------------------------------------------


@pytest.fixture
def gpu_and_cpu_workers(redis_url, postgres, allow_demo_shop, tiny_svd_dir, tmp_path):  # noqa: F811
    """Two real Celery workers against the real broker and database, as on two machines: one
    gpu worker (one task at a time) with the tiny model on the CPU, one for default + render."""
    env = {
        "SHOPREEL_SHOT_BACKENDS": '{"default": ["diffusion", "motion"], "cta": ["motion"]}',
        "SHOPREEL_GPU_BATCH_SIZE": "4",
        "SHOPREEL_DIFFUSION_WEIGHTS_DIR": str(tiny_svd_dir),
        "SHOPREEL_DIFFUSION_DEVICE": "cpu",
        "SHOPREEL_DIFFUSION_DTYPE": "float32",
        # Two frames: every scene (2-5 s) is conditioned at 1 fps, so all share one batch key.
        "SHOPREEL_DIFFUSION_NUM_FRAMES": "2",
        "SHOPREEL_DIFFUSION_STEPS": "2",
        "SHOPREEL_DIFFUSION_WIDTH": "64",
        "SHOPREEL_DIFFUSION_HEIGHT": "64",
        "SHOPREEL_FIDELITY_THRESHOLD": "0",
    }
    with celery_workers(
        {"gpu": "gpu", "cpu": "default,render"}, redis_url=redis_url,
        allow_hosts=allow_demo_shop.host_port, log_dir=tmp_path, env=env,
    ) as workers:
        yield workers


@pytest.mark.services
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_real_workers_make_a_batch_on_the_gpu_worker_and_render_the_ad(gpu_and_cpu_workers, workspace, allow_demo_shop):
    import time

    processes, logs = gpu_and_cpu_workers
    url = next(iter(allow_demo_shop.product_urls.values()))
    job = services.job_start(workspace=workspace, url=url, options={"length": 8, "formats": ["1:1"]})

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished or any(p.poll() is not None for p in processes):
            break
        time.sleep(0.5)
    gpu_log, cpu_log = logs["gpu"].read_text(), logs["cpu"].read_text()
    assert job.state == RenderJob.State.SUCCEEDED, f"{job.state}: {job.error}\n{gpu_log[-3000:]}\n{cpu_log[-2000:]}"
    shots = list(job.ad.shots.order_by("index"))
    generated = [s for s in shots if s.backend == "diffusion"]
    assert len(generated) >= 2 and all(s.attempts == 1 for s in shots)
    assert [s.asset["seed"] for s in generated] == [job.ad.seed * 1000 + s.index for s in generated]
    assert max(s.asset["batch"] for s in generated) >= 2  # made together, in one call
    ran = "Task {}["  # a worker's "Task <name>[<id>] received / succeeded" lines
    assert ran.format("generation.generate_shots") in gpu_log
    assert ran.format("generation.generate_shots") not in cpu_log
    assert ran.format("generation.render_ad") in cpu_log and ran.format("generation.render_ad") not in gpu_log
    assert job.outputs.get().width == 1080
