"""Shot services: claim a script's shots, make each with the first backend of its chain that
can run here (batching those whose backend makes several in one call), and group an ad's
shots into the batches sent to workers (``shot_batches``).

The job-level wrappers (the job's stage, its progress bar, cancelling) are in services.py.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from core.errors import ApplicationError
from generation.backends.base import (
    BackendUnavailable,
    BatchingBackend,
    ImageAsset,
    Progress,
    ShotAsset,
    ShotBackend,
    ShotRequest,
    ShouldCancel,
)
from generation.backends.registry import BACKENDS, backend_chain, backend_names
from generation.models import Shot


def _shot_claim(*, shot_id, claimant: str) -> bool:
    """Claim a shot for ``claimant`` (a task id): one that is not done and not being made by
    someone else - unless that claim is older than the hard time limit, so its task is dead.
    A redelivered task keeps its id and claims its own shots again."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    free = (
        ~Q(state=Shot.State.RUNNING)
        | Q(claimed_by=claimant)
        | Q(claimed_at__isnull=True)
        | Q(claimed_at__lt=stale)
    )
    return (
        Shot.objects.filter(free, id=shot_id)
        .exclude(state=Shot.State.DONE)
        .update(state=Shot.State.RUNNING, attempts=F("attempts") + 1, claimed_by=claimant, claimed_at=now)
        == 1
    )


def _shot_release(*, shot_ids, claimant: str) -> None:
    """Give back shots this claimant holds and did not finish (cancelled, or an error)."""
    Shot.objects.filter(id__in=shot_ids, state=Shot.State.RUNNING, claimed_by=claimant).update(
        state=Shot.State.PENDING, error="", claimed_by="", claimed_at=None
    )


def _shot_requests(shots: list[Shot]) -> dict:
    """ShotRequest per shot id, from the ad's script; the photos are read once per product."""
    images: dict = {}
    requests = {}
    for shot in shots:
        product = shot.ad.product
        if product.id not in images:
            images[product.id] = tuple(
                ImageAsset(path=image.file.name, cutout=image.cutout.name or "", plain_background=image.plain_background)
                for image in product.images.all()
            )
        scene = next(s for s in shot.ad.script["scenes"] if s["id"] == shot.scene_id)
        requests[shot.id] = ShotRequest(
            shot_type=scene["shot_type"],
            camera_move=scene.get("camera_move", "push_in"),
            duration=scene["duration"],
            image_index=scene.get("image_index", 0),
            images=images[product.id],
            seed=shot.ad.seed * 1000 + shot.index,
            vertical=product.vertical,
            workspace_id=str(shot.workspace_id),
            generative=shot.ad.generative,
        )
    return requests


def _shot_workdir(shot: Shot) -> Path:
    return Path(settings.MEDIA_ROOT) / f"workspaces/{shot.workspace_id}/ads/{shot.ad_id}/shots/{shot.index:02d}"


def _shot_done(*, shot: Shot, backend: str, reasons: list[str], asset: ShotAsset) -> None:
    reason = "; ".join(reasons) if reasons else "first in the chain"
    Shot.objects.filter(id=shot.id).update(
        state=Shot.State.DONE, backend=backend, backend_reason=reason[:200], asset=asset.to_json(), error="",
        fidelity=asset.fidelity,
    )


def _shot_chain_run(
    *, shot: Shot, request: ShotRequest, backends: list[ShotBackend], progress, should_cancel, reasons: list[str]
) -> None:
    """Make the shot with the first of ``backends`` (the rest of its chain) that can run here."""
    for backend in backends:
        try:
            backend.check_available()
            asset = backend.generate(request, workdir=_shot_workdir(shot), progress=progress, should_cancel=should_cancel)
        except BackendUnavailable as exc:
            reasons.append(f"{backend.name}: {exc}")
            continue
        _shot_done(shot=shot, backend=backend.name, reasons=reasons, asset=asset)
        return
    message = "No shot backend could make this shot: " + "; ".join(reasons)
    Shot.objects.filter(id=shot.id).update(state=Shot.State.FAILED, error=message, claimed_by="", claimed_at=None)
    raise ApplicationError(message, code="shot_failed")


def shot_generate(
    *,
    shot_id,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
    claimant: str = "",
) -> Shot:
    """Make one shot with the first backend in its chain that can run here. ``progress``
    (percent of this shot) and ``should_cancel`` are handed to the backend for each step.
    ``claimant``: who makes it (the task id; a fresh id when empty)."""
    shots_generate(shot_ids=[shot_id], progress=progress, should_cancel=should_cancel, claimant=claimant)
    return Shot.objects.select_related("ad__product").get(id=shot_id)


def shots_generate(
    *,
    shot_ids: list,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
    claimant: str = "",
) -> list[Shot]:
    """Make several shots, batching those whose first backend can make them together (a
    ``BatchingBackend``: one pipeline call per model, adapter and frame rate). Each shot is
    claimed alone; a shot done, or being made by another task, is left as it is. A shot its
    first backend could not make (drifted, out of memory, ...) goes down the rest of its own
    chain. ``progress`` is percent of the shots claimed here. The shots, in index order."""
    claimant = claimant or uuid.uuid4().hex
    claimed = [shot_id for shot_id in shot_ids if _shot_claim(shot_id=shot_id, claimant=claimant)]
    shots = list(Shot.objects.select_related("ad__product").filter(id__in=claimed).order_by("ad_id", "index"))
    failures: list[ApplicationError] = []
    try:
        requests = _shot_requests(shots)
        by_backend: dict[str, list[Shot]] = {}
        for shot in shots:
            by_backend.setdefault(backend_names(requests[shot.id].shot_type, generative=requests[shot.id].generative)[0], []).append(shot)
        for name, group in by_backend.items():
            plans = {shot.id: _shot_plan(requests[shot.id], name=name, group_size=len(group)) for shot in group}
            batch = [shot for shot in group if plans[shot.id].batching is not None]
            outcomes: dict = {}
            if len(batch) > 1:
                outcomes = _batch_generate(
                    shots=batch, backend=plans[batch[0].id].batching, requests=requests,
                    progress=progress, should_cancel=should_cancel,
                )
            for shot in group:
                plan, outcome = plans[shot.id], outcomes.get(shot.id)
                try:
                    if isinstance(outcome, ShotAsset):
                        _shot_done(shot=shot, backend=name, reasons=list(plan.passed_over), asset=outcome)
                    elif outcome is not None:  # the batching backend could not: the rest of its chain
                        _shot_chain_run(
                            shot=shot, request=requests[shot.id], backends=plan.chain[plan.at + 1 :],
                            progress=None, should_cancel=should_cancel,
                            reasons=[*plan.passed_over, f"{name}: {outcome}"],
                        )
                    else:
                        _shot_chain_run(
                            shot=shot, request=requests[shot.id], backends=plan.chain,
                            progress=progress, should_cancel=should_cancel, reasons=[],
                        )
                except ApplicationError as exc:  # this shot failed; the others are still made
                    failures.append(exc)
    except BaseException:
        _shot_release(shot_ids=claimed, claimant=claimant)
        raise
    if failures:
        raise failures[0]
    return list(Shot.objects.filter(id__in=shot_ids).order_by("ad_id", "index"))


@dataclass(frozen=True)
class _ShotPlan:
    """How one shot of a group (shots whose first configured backend is the same) is made:
    in the group's one call to ``batching``, which sits at ``at`` in the shot's ``chain``
    after the backends passed over (``passed_over``: why each cannot run here); or, without
    ``batching``, alone down its whole chain."""

    chain: list[ShotBackend]
    batching: BatchingBackend | None = None
    at: int = -1
    passed_over: tuple[str, ...] = ()


def _shot_plan(request: ShotRequest, *, name: str, group_size: int) -> _ShotPlan:
    """The shot is batched when its group has several shots, the group's backend ``name``
    batches, and every backend before it in the shot's chain cannot run here."""
    chain = backend_chain(request.shot_type, generative=request.generative)
    at = next((i for i, backend in enumerate(chain) if backend.name == name), None)
    if group_size < 2 or at is None or not isinstance(chain[at], BatchingBackend):
        return _ShotPlan(chain=chain)
    passed_over = _passed_over(chain[:at])
    if passed_over is None:
        return _ShotPlan(chain=chain)
    return _ShotPlan(chain=chain, batching=chain[at], at=at, passed_over=tuple(passed_over))


def _batch_generate(
    *, shots: list[Shot], backend: BatchingBackend, requests: dict, progress, should_cancel
) -> dict:
    """Per shot id: its asset from one ``generate_batch`` call, or why the backend did not make it."""
    try:
        backend.check_available()
        made = backend.generate_batch(
            [requests[shot.id] for shot in shots],
            workdirs=[_shot_workdir(shot) for shot in shots],
            progress=progress,
            should_cancel=should_cancel,
        )
    except BackendUnavailable as exc:
        made = [exc] * len(shots)
    return {shot.id: outcome for shot, outcome in zip(shots, made, strict=True)}


def _passed_over(backends: list[ShotBackend]) -> list[str] | None:
    """Why each of ``backends`` cannot run here, or None when one of them can."""
    reasons = []
    for backend in backends:
        try:
            backend.check_available()
        except BackendUnavailable as exc:
            reasons.append(f"{backend.name}: {exc}")
            continue
        return None
    return reasons


def shot_batches(*, ad_id) -> list[list]:
    """How the ad's shots are sent to workers, in index order: shots whose first backend
    batches (a ``BatchingBackend``) and share its ``batch_key`` go together, up to
    SHOPREEL_GPU_BATCH_SIZE a batch; every other shot alone."""
    shots = list(Shot.objects.select_related("ad__product").filter(ad_id=ad_id).order_by("index"))
    requests = _shot_requests(shots)
    size = settings.SHOPREEL_GPU_BATCH_SIZE
    backends = {name: cls() for name, cls in BACKENDS.items()}
    batches: list[list] = []
    open_batches: dict[tuple, list] = {}
    for shot in shots:
        request = requests[shot.id]
        name = backend_names(request.shot_type, generative=request.generative)[0]
        backend = backends.get(name)
        if size < 2 or not isinstance(backend, BatchingBackend):
            batches.append([shot.id])
            continue
        key = (name, *backend.batch_key(request))
        batch = open_batches.get(key)
        if batch is None or len(batch) >= size:
            batch = open_batches[key] = []
            batches.append(batch)
        batch.append(shot.id)
    return batches
