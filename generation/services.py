"""The pipeline's writes: product URL → product → script → shots → rendered files.

Each stage is a service that takes ids, claims its work with a conditional UPDATE, and records
progress on the RenderJob. The same services run in Celery tasks (generation.tasks) and
in-process for the command line (``job_run_inline``). A stage run twice (a task redelivered
after its worker died) finds its work done, or redoes it into the same place: the effects
happen once.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Workspace
from config.errors import ApplicationError, InvalidInput, NotFound
from generation.backends.base import BackendUnavailable, ImageAsset, ShotCancelled, ShotRequest
from generation.backends.registry import BACKENDS, backend_chain, backend_names
from generation.models import Ad, RenderJob, RenderOutput, Shot
from generation.render.errors import RenderCancelled, RenderError
from generation.render.spec import FORMATS
from generation.specs import render_spec_for
from products import services as product_services
from products.models import Product
from products.scraping.fetch import SafeFetcher
from templates_engine import builder, compliance, library

logger = logging.getLogger(__name__)

DEFAULT_OPTIONS = {
    "template": "auto",
    "language": "en",
    "formats": ["9:16"],
    "length": 15,
    "seed": 0,
    "voice": True,
    "music": True,
    # Honest claims: the market whose rules the copy is checked against (CN, US, EU), and
    # whether blocking findings may go through anyway: True, or the name of who decided
    # (recorded on the Ad with the findings let through).
    "market": "US",
    "override_compliance": False,
    # How the copy is written: where it runs (builder.PLATFORMS), its tone (friendly,
    # energetic, premium, playful; "" = the template's own) and the call to action
    # (None = the language's default, "" = no end card).
    "platform": "",
    "tone": "",
    "cta": None,
}
# Where each stage's progress starts, in percent of the whole job.
PROGRESS = {"scrape": 0, "script": 10, "shots": 15, "render": 25, "done": 100}
CANCEL_POLL_SECONDS = 0.5


# --- creating and finishing jobs ------------------------------------------------------------


def job_options_clean(options: dict) -> dict:
    """Check the user's options before any work; an InvalidInput names what is wrong."""
    unknown = set(options) - set(DEFAULT_OPTIONS)
    if unknown:
        raise InvalidInput(f"Unknown option(s): {', '.join(sorted(unknown))}.")
    clean = {**DEFAULT_OPTIONS, **{k: v for k, v in options.items() if v is not None}}
    formats = list(dict.fromkeys(clean["formats"]))
    bad = [name for name in formats if name not in FORMATS]
    if not formats or bad:
        raise InvalidInput(f"Unknown format(s) {bad}; choose from {', '.join(FORMATS)}.")
    clean["formats"] = formats
    try:
        clean["length"] = float(clean["length"])
    except (TypeError, ValueError):
        raise InvalidInput("The length must be a number of seconds.") from None
    if not 3 <= clean["length"] <= 60:
        raise InvalidInput("The length must be between 3 and 60 seconds.")
    if clean["template"] != "auto":
        try:
            library.get_template(clean["template"])
        except library.UnknownTemplate as exc:
            raise InvalidInput(str(exc), code="unknown_template") from None
    clean["seed"] = int(clean["seed"])
    try:
        clean["market"] = compliance.normalise_market(str(clean["market"]))
    except ValueError as exc:
        raise InvalidInput(f"Unknown market {clean['market']!r}; choose from {', '.join(compliance.MARKETS)}.") from exc
    if str(clean["platform"]).lower() not in builder.PLATFORMS:
        raise InvalidInput(f"Unknown platform {clean['platform']!r}; choose from {', '.join(p for p in builder.PLATFORMS if p)}.")
    if clean["tone"] and str(clean["tone"]).lower() not in builder.TONES:
        raise InvalidInput(f"Unknown tone {clean['tone']!r}; choose from {', '.join(builder.TONES)}.")
    override = clean["override_compliance"]
    if not isinstance(override, bool | str):
        raise InvalidInput("override_compliance must be true/false or the name of who decided.")
    clean["override_compliance"] = override.strip()[:150] if isinstance(override, str) else override
    return clean


def job_create(
    *, workspace: Workspace, url: str = "", options: dict | None = None, product: Product | None = None
) -> RenderJob:
    """A queued job for a product URL, or for a product already imported (``product``: its
    scrape stage then has nothing to do)."""
    clean = job_options_clean(options or {})
    if product is not None:
        if product.workspace_id != workspace.id:
            raise NotFound("Product not found.")
        if product.status != Product.Status.IMPORTED:
            raise InvalidInput(
                "The product is not ready for an ad: "
                + (product.error or f"it is {product.status}."),
                code="product_not_ready",
                detail={"product": product.status},
            )
        url = url or product.source_url
    if not url and product is None:
        raise InvalidInput("Give a product URL or a product.")
    return RenderJob.objects.create(workspace=workspace, source_url=url, product=product, options=clean)


def job_fail(*, job_id, code: str, message: str) -> None:
    """Mark the job failed with a plain message, unless it already finished."""
    with transaction.atomic():  # the conditional UPDATE and its ad.failed webhook, once
        failed = RenderJob.objects.filter(id=job_id).exclude(
            state__in=[RenderJob.State.SUCCEEDED, RenderJob.State.FAILED, RenderJob.State.CANCELLED]
        ).update(state=RenderJob.State.FAILED, error_code=code[:40], error=message, finished_at=timezone.now())
        if failed:
            from accounts.webhooks.services import webhook_job_finished

            webhook_job_finished(job_id=job_id, succeeded=False)
    logger.info("job failed", extra={"job_id": str(job_id), "code": code})


def job_cancel(*, job: RenderJob) -> None:
    """Ask a running job to stop; a queued one stops before its next stage."""
    RenderJob.objects.filter(id=job.id).update(cancel_requested=True)


def job_progress(*, job_id, progress: int) -> None:
    # Only ever forwards: a retried stage does not move the bar back.
    RenderJob.objects.filter(id=job_id, progress__lt=progress).update(progress=min(progress, 100))


@contextmanager
def _job_stage(job_id, stage: str) -> Iterator[RenderJob | None]:
    """Claim the job for ``stage``; yield None when there is nothing to do (already past this
    stage, finished, or cancelled). Failures become the job's plain-language error."""
    now = timezone.now()
    RenderJob.objects.filter(id=job_id, state=RenderJob.State.QUEUED).update(
        state=RenderJob.State.RUNNING, started_at=now
    )
    job = RenderJob.objects.select_related("workspace").get(id=job_id)
    if job.cancel_requested and not job.is_finished:
        RenderJob.objects.filter(id=job_id, state=RenderJob.State.RUNNING).update(
            state=RenderJob.State.CANCELLED, finished_at=now, error="Cancelled at the user's request."
        )
        yield None
        return
    if job.is_finished or job.stage != stage:
        yield None
        return
    try:
        yield job
    except ApplicationError as exc:
        job_fail(job_id=job_id, code=exc.code, message=exc.message)
        raise
    except (RenderCancelled, ShotCancelled):
        RenderJob.objects.filter(id=job_id).update(
            state=RenderJob.State.CANCELLED, finished_at=timezone.now(), error="Cancelled at the user's request."
        )
        raise
    except SoftTimeLimitExceeded:
        job_fail(job_id=job_id, code="timeout", message=f"The {stage} step took too long and was stopped. Try a shorter ad or fewer formats.")
        raise
    except Exception:
        job_fail(
            job_id=job_id,
            code="internal_error",
            message=f"Something went wrong on our side during the {stage} step. Nothing you made was lost; try again.",
        )
        raise


def _advance(*, job_id, from_stage: str, to_stage: str, **fields) -> bool:
    """Move the job to the next stage exactly once."""
    changed = RenderJob.objects.filter(id=job_id, stage=from_stage).update(stage=to_stage, **fields)
    job_progress(job_id=job_id, progress=PROGRESS[to_stage])
    return changed == 1


# --- stages ---------------------------------------------------------------------------------


def job_scrape(*, job_id, fetcher: SafeFetcher | None = None) -> None:
    with _job_stage(job_id, RenderJob.Stage.SCRAPE) as job:
        if job is None:
            return
        product = job.product or product_services.product_create_pending(
            workspace=job.workspace, url=job.source_url
        )
        if job.product_id is None:
            RenderJob.objects.filter(id=job_id).update(product=product)
        if product.status != Product.Status.IMPORTED:
            product_services.product_scrape(product=product, fetcher=fetcher)
        _advance(job_id=job_id, from_stage=RenderJob.Stage.SCRAPE, to_stage=RenderJob.Stage.SCRIPT)


def job_build_script(*, job_id) -> None:
    """Write the ad script and create one Shot per scene."""
    with _job_stage(job_id, RenderJob.Stage.SCRIPT) as job:
        if job is None:
            return
        with transaction.atomic():
            job = RenderJob.objects.select_for_update().get(id=job_id)
            if job.ad_id is None:
                ad = ad_create(workspace=job.workspace, product=job.product, options=job.options, job_id=job.id)
                job.ad = ad
                job.save(update_fields=["ad", "updated_at"])
            unresolved = job.ad.compliance_unresolved()
            if not unresolved:
                _advance(job_id=job_id, from_stage=RenderJob.Stage.SCRIPT, to_stage=RenderJob.Stage.SHOTS)
        if unresolved:  # the Ad and its findings stay stored, for the user to edit or override
            raise ApplicationError(compliance_message(unresolved, market=job.ad.market), code="compliance_blocked")


def compliance_message(findings: list[dict], *, market: str) -> str:
    return (
        f"The ad was not rendered: its copy makes claims that ads in the {market} market may not "
        f"make. {compliance.summary(findings)}. Edit the script, or render it anyway with "
        "override_compliance."
    )


def ad_create(*, workspace: Workspace, product: Product, options: dict, job_id=None) -> Ad:
    """Write the script, check its claims for the market and store both. With blocking
    findings and no override the Ad is stored without shots (nothing is made or rendered);
    with an override, who let which findings through is recorded on the Ad."""
    options = {**DEFAULT_OPTIONS, **options}
    product_data = product.as_script_input()
    try:
        if options["template"] == "auto":
            template, why = library.pick_template(
                product=product_data, language=options["language"], length=options["length"]
            )
        else:
            template, why = library.get_template(options["template"]), "chosen by the user"
        script = builder.build_script(
            product=product_data,
            template=template,
            language=options["language"],
            length=options["length"],
            seed=options["seed"],
            formats=tuple(options["formats"]),
            why=why,
            cta=options["cta"],
            platform=options["platform"],
            tone=options["tone"],
        )
    except (builder.ScriptError, library.UnknownTemplate) as exc:
        raise ApplicationError(str(exc), code="script_failed") from exc
    market = compliance.normalise_market(options["market"])
    findings = [f.as_dict() for f in compliance.check_script(script, product=product_data, market=market)]
    blocking = [f for f in findings if f["severity"] == "block"]
    override = _compliance_override(blocking, options["override_compliance"], job_id=job_id)
    with transaction.atomic():
        ad = Ad.objects.create(
            workspace=workspace,
            product=product,
            template=script.template,
            language=script.language,
            length=script.length,
            formats=options["formats"],
            seed=options["seed"],
            script=script.model_dump(mode="json"),
            voice=options["voice"],
            music=options["music"],
            market=market,
            compliance=findings,
            compliance_override=override,
        )
        if blocking and not override:
            logger.info("script blocked by compliance", extra={"ad_id": str(ad.id), "findings": len(blocking)})
            return ad
        Shot.objects.bulk_create(
            Shot(workspace=workspace, ad=ad, index=i, scene_id=scene.id, shot_type=scene.shot_type)
            for i, scene in enumerate(script.scenes)
        )
    return ad


def ad_script_update(*, ad: Ad, script: dict, override_compliance: bool | str = False) -> Ad:
    """Replace the Ad's script with a user's edit (scene order, captions, voice-over,
    durations, which photo a shot uses), after checking all of it.

    Errors come back together as ``InvalidInput`` whose ``detail`` maps a field path
    ("scenes.2.caption") to messages; on error nothing changes. A blocking compliance finding
    is an error unless ``override_compliance`` (True or who decided), which is then recorded.
    Shots whose picture changes (photo, shot type, camera move, duration) are made again.
    """
    from pydantic import ValidationError

    from templates_engine.schema import AdScript
    from templates_engine.textfit import fit_caption, speech_seconds

    errors: dict[str, list[str]] = {}
    try:
        parsed = AdScript.model_validate(script)
    except ValidationError as exc:
        for err in exc.errors():
            key = ".".join(str(part) for part in err["loc"]) or "script"
            errors.setdefault(key, []).append(err["msg"].removeprefix("Value error, "))
        raise InvalidInput("The edited script has errors; nothing was changed.", detail=errors) from None
    if abs(parsed.length - ad.length) > 0.05:
        errors.setdefault("length", []).append(f"The ad is {ad.length:g} s long; the scenes must add up to that.")
    if parsed.language != ad.language:
        errors.setdefault("language", []).append(f"The ad is in {ad.language}; make another ad for another language.")
    image_count = ad.product.images.count()
    for i, scene in enumerate(parsed.scenes):
        if scene.image_index >= image_count:
            errors.setdefault(f"scenes.{i}.image_index", []).append(
                f"The product has {image_count} photo(s); choose 0 to {image_count - 1}."
            )
        if scene.caption and fit_caption(scene.caption, parsed.language)[1]:
            errors.setdefault(f"scenes.{i}.caption", []).append("Too long to fit on screen in two lines; shorten it.")
        if scene.badge and fit_caption(scene.badge, parsed.language, max_lines=1)[1]:
            errors.setdefault(f"scenes.{i}.badge", []).append("Too long for one line; shorten it.")
        needed = speech_seconds(scene.voiceover, parsed.language)
        if scene.voiceover and needed > scene.duration:
            errors.setdefault(f"scenes.{i}.voiceover", []).append(
                f"Takes about {needed:.1f} s to say and the scene lasts {scene.duration:.1f} s; shorten it or lengthen the scene."
            )
    product_data = ad.product.as_script_input()
    findings = [f.as_dict() for f in compliance.check_script(parsed, product=product_data, market=ad.market)]
    blocking = [f for f in findings if f["severity"] == "block"]
    if blocking and not override_compliance:
        for f in blocking:
            errors.setdefault(f["path"], []).append(
                f"{f['message']} ({f['rule']}); try: {f['suggestion']!r}" if f["suggestion"] else f"{f['message']} ({f['rule']})"
            )
    if errors:
        raise InvalidInput("The edited script has errors; nothing was changed.", detail=errors)
    new_script = parsed.model_dump(mode="json")
    with transaction.atomic():
        ad = Ad.objects.select_for_update().get(id=ad.id)
        _shots_resync(ad=ad, old=ad.script, new=new_script)
        ad.script = new_script
        ad.compliance = findings
        if blocking:
            ad.compliance_override = _compliance_override(blocking, override_compliance)
        ad.save(update_fields=["script", "compliance", "compliance_override", "updated_at"])
    return ad


_SHOT_FIELDS = ("shot_type", "image_index", "camera_move", "duration")


def _shots_resync(*, ad: Ad, old: dict, new: dict) -> None:
    """One Shot per scene, in the new order; a scene whose picture is unchanged keeps its shot."""
    old_scenes = {s["id"]: s for s in old.get("scenes", [])}
    kept = {shot.scene_id: shot for shot in ad.shots.all()}
    ad.shots.all().delete()
    shots = []
    for i, scene in enumerate(new["scenes"]):
        before, shot = old_scenes.get(scene["id"]), kept.get(scene["id"])
        same = shot is not None and before is not None and all(before.get(k) == scene.get(k) for k in _SHOT_FIELDS)
        shots.append(Shot(
            workspace_id=ad.workspace_id, ad=ad, index=i, scene_id=scene["id"], shot_type=scene["shot_type"],
            **({"state": shot.state, "backend": shot.backend, "backend_reason": shot.backend_reason,
                "asset": shot.asset, "attempts": shot.attempts} if same else {}),
        ))
    Shot.objects.bulk_create(shots)


def _compliance_override(blocking: list[dict], override: bool | str, *, job_id=None) -> dict:
    """The record of an override: who (the option's value when it names someone), when,
    from which job, and exactly which findings it let through. Empty when nothing is overridden."""
    if not blocking or not override:
        return {}
    return {
        "by": override if isinstance(override, str) else "",
        "at": timezone.now().isoformat(),
        "job": str(job_id) if job_id else "",
        "findings": blocking,
    }


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
        )
    return requests


def _shot_workdir(shot: Shot) -> Path:
    return Path(settings.MEDIA_ROOT) / f"workspaces/{shot.workspace_id}/ads/{shot.ad_id}/shots/{shot.index:02d}"


def _shot_done(*, shot: Shot, backend: str, reasons: list[str], asset: dict) -> None:
    reason = "; ".join(reasons) if reasons else "first in the chain"
    Shot.objects.filter(id=shot.id).update(
        state=Shot.State.DONE, backend=backend, backend_reason=reason[:200], asset=asset, error="",
        fidelity=asset.get("fidelity"),
    )


def _shot_chain_run(
    *, shot: Shot, request: ShotRequest, progress, should_cancel, reasons: list[str], skip: int = 0
) -> None:
    """Make the shot with the first backend of its chain (after ``skip``) that can run here."""
    for backend in backend_chain(request.shot_type)[skip:]:
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
    progress: Callable[[int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
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
    progress: Callable[[int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    claimant: str = "",
) -> list[Shot]:
    """Make several shots, batching those whose first backend can make them together (the
    diffusion backend: one pipeline call per model, adapter and frame rate). Each shot is
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
            by_backend.setdefault(backend_names(requests[shot.id].shot_type)[0], []).append(shot)
        for name, group in by_backend.items():
            # Per shot: where the batching backend sits in its chain, and why the backends
            # before it were passed over (None: one of them can run, so no batch).
            plans: dict = {}
            for shot in group:
                chain = backend_chain(requests[shot.id].shot_type)
                at = next((i for i, backend in enumerate(chain) if backend.name == name), None)
                batches = len(group) > 1 and at is not None and hasattr(chain[at], "generate_batch")
                plans[shot.id] = (chain, at, _passed_over(chain[:at]) if batches else None)
            batch = [shot for shot in group if plans[shot.id][2] is not None]
            outcomes: dict = {}
            if len(batch) > 1:
                chain, at, _ = plans[batch[0].id]
                try:
                    chain[at].check_available()
                    made = chain[at].generate_batch(
                        [requests[shot.id] for shot in batch],
                        workdirs=[_shot_workdir(shot) for shot in batch],
                        progress=progress,
                        should_cancel=should_cancel,
                    )
                except BackendUnavailable as exc:
                    made = [exc] * len(batch)
                outcomes = {shot.id: outcome for shot, outcome in zip(batch, made, strict=True)}
            for shot in group:
                chain, at, reasons = plans[shot.id]
                outcome = outcomes.get(shot.id)
                try:
                    if isinstance(outcome, dict):
                        _shot_done(shot=shot, backend=name, reasons=reasons, asset=outcome)
                    elif outcome is not None:  # the batching backend could not: the rest of its chain
                        _shot_chain_run(
                            shot=shot, request=requests[shot.id], progress=None, should_cancel=should_cancel,
                            reasons=[*reasons, f"{name}: {outcome}"], skip=at + 1,
                        )
                    else:
                        _shot_chain_run(
                            shot=shot, request=requests[shot.id], progress=progress, should_cancel=should_cancel,
                            reasons=[],
                        )
                except ApplicationError as exc:  # this shot failed; the others are still made
                    failures.append(exc)
    except BaseException:
        _shot_release(shot_ids=claimed, claimant=claimant)
        raise
    if failures:
        raise failures[0]
    return list(Shot.objects.filter(id__in=shot_ids).order_by("ad_id", "index"))


def _passed_over(backends: list) -> list[str] | None:
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
    """How the ad's shots are sent to workers, in index order: shots whose first backend can
    batch (``generate_batch``) and share its ``batch_key`` go together, up to
    SHOPREEL_GPU_BATCH_SIZE a batch; every other shot alone."""
    shots = list(Shot.objects.select_related("ad__product").filter(ad_id=ad_id).order_by("index"))
    requests = _shot_requests(shots)
    size = settings.SHOPREEL_GPU_BATCH_SIZE
    batches: list[list] = []
    open_batches: dict[tuple, list] = {}
    for shot in shots:
        request = requests[shot.id]
        name = backend_names(request.shot_type)[0]
        backend = BACKENDS.get(name)
        if size < 2 or backend is None or not hasattr(backend, "generate_batch"):
            batches.append([shot.id])
            continue
        key = (name, *backend().batch_key(request))
        batch = open_batches.get(key)
        if batch is None or len(batch) >= size:
            batch = open_batches[key] = []
            batches.append(batch)
        batch.append(shot.id)
    return batches


def job_generate_shots(*, job_id) -> None:
    """In-process shots stage, batch by batch as the Celery canvas sends them."""
    job = RenderJob.objects.filter(id=job_id).values("ad_id").first()
    if job is None or job["ad_id"] is None:
        return
    for batch in shot_batches(ad_id=job["ad_id"]):
        job_shots_generate(job_id=job_id, shot_ids=batch)


def job_shot_generate(*, job_id, shot_id, claimant: str = "") -> None:
    """One shot of a job: a failure fails the job with the shot's reason."""
    job_shots_generate(job_id=job_id, shot_ids=[shot_id], claimant=claimant)


def job_shots_generate(*, job_id, shot_ids: list, claimant: str = "") -> None:
    """A batch of a job's shots (one task on a gpu worker): a failure fails the job with the
    shot's reason. The job's bar moves with the batch's steps within the shots stage."""
    with _job_stage(job_id, RenderJob.Stage.SHOTS) as job:
        if job is None:
            return
        shots = Shot.objects.filter(ad_id=job.ad_id)
        total = shots.count()
        span = PROGRESS["render"] - PROGRESS["shots"]

        def shots_progress(percent: int) -> None:
            # The batch's steps move the bar within its share; finished shots count whole.
            done = shots.filter(state=Shot.State.DONE).count()
            making = shots.filter(id__in=shot_ids).exclude(state=Shot.State.DONE).count()
            job_progress(job_id=job_id, progress=PROGRESS["shots"] + int(span * (done + making * percent / 100) / total))

        shots_generate(
            shot_ids=shot_ids, progress=_throttled(shots_progress), should_cancel=_cancel_poller(job_id), claimant=claimant
        )
        shots_progress(0)


def job_render(*, job_id) -> None:
    """Render every requested format; formats already rendered by an earlier attempt are kept."""
    if RenderJob.objects.filter(id=job_id, stage=RenderJob.Stage.SHOTS).exists():
        unfinished = Shot.objects.filter(ad__jobs__id=job_id).exclude(state=Shot.State.DONE)
        if unfinished.exists():
            job_fail(job_id=job_id, code="shot_failed", message="Some shots could not be made, so the ad was not rendered.")
            return
        _advance(job_id=job_id, from_stage=RenderJob.Stage.SHOTS, to_stage=RenderJob.Stage.RENDER)
    with _job_stage(job_id, RenderJob.Stage.RENDER) as job:
        if job is None:
            return
        ad = job.ad
        shots = list(ad.shots.all())
        formats = ad.formats
        done = set(job.outputs.values_list("format", flat=True))
        span = (PROGRESS["done"] - PROGRESS["render"]) / len(formats)
        for i, format_name in enumerate(formats):
            if format_name in done:
                continue
            base = PROGRESS["render"] + span * i
            spec = render_spec_for(ad=ad, shots=shots, format_name=format_name)
            _render_one(job=job, ad=ad, spec=spec, format_name=format_name,
                        progress=lambda pct, base=base: job_progress(job_id=job_id, progress=int(base + span * pct / 100)))
        with transaction.atomic():  # the conditional UPDATE and its ad.completed webhook, once
            finished = RenderJob.objects.filter(id=job_id, stage=RenderJob.Stage.RENDER).update(
                stage=RenderJob.Stage.DONE, state=RenderJob.State.SUCCEEDED, progress=100, finished_at=timezone.now()
            )
            if finished:
                from accounts.webhooks.services import webhook_job_finished

                webhook_job_finished(job_id=job_id, succeeded=True)
        if finished:
            logger.info("job succeeded", extra={"job_id": str(job_id), "ad_id": str(ad.id)})


def _render_one(*, job: RenderJob, ad: Ad, spec, format_name: str, progress: Callable[[int], None]) -> RenderOutput:
    from generation.render.compose import render_ad_video

    relative_dir = f"workspaces/{job.workspace_id}/ads/{ad.id}/{job.id}"
    out_dir = Path(settings.MEDIA_ROOT) / relative_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    basename = format_name.replace(":", "x")
    try:
        result = render_ad_video(
            spec, out_dir=out_dir, basename=basename, progress=progress,
            should_cancel=_cancel_poller(job.id),
        )
    except RenderCancelled:
        raise
    except RenderError as exc:
        raise ApplicationError(str(exc), code="render_failed") from exc
    output, _ = RenderOutput.objects.update_or_create(
        job=job,
        format=format_name,
        defaults={
            "workspace_id": job.workspace_id,
            "ad": ad,
            "video": f"{relative_dir}/{result.video.name}",
            "poster": f"{relative_dir}/{result.poster.name}",
            "srt": f"{relative_dir}/{result.srt.name}",
            "vtt": f"{relative_dir}/{result.vtt.name}",
            "width": spec.format.width,
            "height": spec.format.height,
            "duration": result.duration,
            "size_bytes": result.video.stat().st_size,
        },
    )
    return output


def _throttled(report: Callable[[int], None]) -> Callable[[int], None]:
    """A progress callback that writes at most every CANCEL_POLL_SECONDS (and always at 100)."""
    state = {"next": 0.0}

    def throttled(percent: int) -> None:
        now = time.monotonic()
        if percent >= 100 or now >= state["next"]:
            state["next"] = now + CANCEL_POLL_SECONDS
            report(percent)

    return throttled


def _cancel_poller(job_id) -> Callable[[], bool]:
    """A should_cancel callback that reads the flag at most every CANCEL_POLL_SECONDS."""
    state = {"next": 0.0, "cancel": False}

    def should_cancel() -> bool:
        now = time.monotonic()
        if now >= state["next"]:
            state["next"] = now + CANCEL_POLL_SECONDS
            state["cancel"] = RenderJob.objects.filter(id=job_id, cancel_requested=True).exists()
        return state["cancel"]

    return should_cancel


def job_run_inline(*, job_id, fetcher: SafeFetcher | None = None) -> RenderJob:
    """Run every stage in this process (the command line; no broker needed)."""
    job_scrape(job_id=job_id, fetcher=fetcher)
    job_build_script(job_id=job_id)
    job_generate_shots(job_id=job_id)
    job_render(job_id=job_id)
    return RenderJob.objects.get(id=job_id)


def ad_render_start(*, ad: Ad) -> RenderJob:
    """Render the ad again (after a script edit, or to retry a failed render): a new job for
    the existing ad and its options, queued after commit. Its scrape and script stages have
    nothing to do (the script's claims are checked again); shots already made are kept."""
    from generation.tasks import pipeline_signature

    with transaction.atomic():
        Ad.objects.select_for_update().filter(id=ad.id).first()  # one new render at a time
        if RenderJob.objects.filter(ad=ad, state__in=[RenderJob.State.QUEUED, RenderJob.State.RUNNING]).exists():
            raise ApplicationError(
                "The ad is being rendered already: wait for its job, or cancel it first.", code="ad_busy"
            )
        options = job_options_clean({
            "template": ad.template, "language": ad.language, "length": ad.length, "formats": ad.formats,
            "seed": ad.seed, "voice": ad.voice, "music": ad.music, "market": ad.market,
        })
        job = RenderJob.objects.create(
            workspace=ad.workspace, product=ad.product, ad=ad, source_url=ad.product.source_url, options=options
        )
    transaction.on_commit(lambda: pipeline_signature(str(job.id)).apply_async())
    return job


def job_start(
    *, workspace: Workspace, url: str = "", options: dict | None = None, product: Product | None = None
) -> RenderJob:
    """Create a job and queue its canvas once the row is committed (the server path)."""
    from generation.tasks import pipeline_signature

    job = job_create(workspace=workspace, url=url, options=options, product=product)
    transaction.on_commit(lambda: pipeline_signature(str(job.id)).apply_async())
    return job
