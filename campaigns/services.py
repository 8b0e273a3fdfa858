"""Campaign writes: create, change, pause and delete a campaign; start a run for a slot exactly
once (``run_start``: "run now", and ``campaigns_run_due``: the scheduler's tick); end a run's
items as their jobs end. The run's own work is in ``campaigns/engine.py``.

Exactly once per slot: a run is a row unique on (campaign, slot), created in a savepoint; the
loser of a race (a second scheduler, a retried tick, a double click) gets the existing row and
queues nothing. The campaign's ``next_run_at`` moves on with a conditional UPDATE, so two ticks
never both advance it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from celery import signature
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Workspace
from accounts.outbox import outbox_send_on_commit
from campaigns import events as campaign_events
from campaigns.facts import product_facts
from campaigns.models import AdFacts, Campaign, CampaignRun, RunItem
from campaigns.representations import campaign_zone_name
from campaigns.schedule import Schedule, zone_get
from core.errors import InvalidInput
from core.vocabulary import LANGUAGES
from generation.models import Ad, RenderJob
from generation.options import JobOptions
from generation.render.spec import FORMATS
from products.models import ImportBatch, Product
from templates_engine import compliance

logger = logging.getLogger(__name__)

RUN_CAMPAIGN_TASK = "campaigns.run_campaign"
MAX_VARIANTS = 5
MAX_LANGUAGES = 5
MAX_LENGTHS = 3
MAX_TEMPLATES = 5
MAX_ITEMS = 2000  # products x templates x languages x lengths x variants, per run
# Catching up after the scheduler was down: at most this many slots are stepped over.
CATCH_UP_STEPS = 20_000


# ------------------------------------------------------------------ campaigns


def _list(value, name: str, *, limit: int, default: list | None = None) -> list:
    if value is None or value == []:
        if default is not None:
            return default
        raise InvalidInput(f"Give at least one of {name}.", detail={name: ["Required."]})
    if not isinstance(value, list | tuple):
        value = [value]
    if len(value) > limit:
        raise InvalidInput(
            f"At most {limit} {name} per campaign.", detail={name: [f"At most {limit}."]}
        )
    return list(dict.fromkeys(value))


def _uuid(value, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidInput(
            f"{str(value)[:40]!r} is not an id.", detail={field: ["Not an id."]}
        ) from None


def _clean(*, workspace: Workspace, data: dict, current: Campaign | None = None) -> dict:
    """Every field checked, with the defaults of the workspace where left out; raises
    ``InvalidInput`` naming the field."""

    def given(name, default):
        if name in data:
            return data[name]
        return getattr(current, name) if current is not None else default

    clean: dict = {}
    name = " ".join(str(given("name", "") or "").split())
    if not name or len(name) > 120:
        raise InvalidInput(
            "Give the campaign a name (up to 120 characters).", detail={"name": ["Required."]}
        )
    clean["name"] = name
    formats = _list(
        given("formats", None),
        "formats",
        limit=len(FORMATS),
        default=list(getattr(workspace, "default_formats", None) or ["9:16"]),
    )
    wrong = [f for f in formats if f not in FORMATS]
    if wrong:
        raise InvalidInput(
            f"Unknown format {str(wrong[0])[:12]!r}: use {', '.join(FORMATS)}.",
            detail={"formats": ["Unknown format."]},
        )
    languages = _list(
        given("languages", None),
        "languages",
        limit=MAX_LANGUAGES,
        default=[getattr(workspace, "default_language", "") or "en"],
    )
    wrong = [lang for lang in languages if lang not in LANGUAGES]
    if wrong:
        raise InvalidInput(
            f"Unsupported language {str(wrong[0])[:20]!r}: use {', '.join(LANGUAGES)}.",
            code="unsupported_language",
            detail={"languages": ["Unsupported language."]},
        )
    lengths = _list(given("lengths", None), "lengths", limit=MAX_LENGTHS, default=[15.0])
    templates = _list(given("templates", []), "templates", limit=MAX_TEMPLATES, default=[])
    templates = [t for t in templates if t != "auto"]
    market = given("market", "") or ""
    if market and str(market).strip().upper() not in compliance.MARKETS:
        raise InvalidInput(
            f"Unknown market {str(market)[:8]!r}: use {', '.join(compliance.MARKETS)}.",
            detail={"market": ["Unknown market."]},
        )
    # JobOptions checks each template, language and length as it would for one ad.
    for template in templates or ["auto"]:
        for language in languages:
            for length in lengths:
                JobOptions.from_input(
                    {
                        "template": template,
                        "language": language,
                        "length": length,
                        "formats": formats,
                        "market": market or None,
                    }
                )
    clean.update(
        formats=formats,
        languages=languages,
        templates=templates,
        lengths=[float(n) for n in lengths],
        market=str(market).strip().upper(),
    )
    variants = given("variants", 1)
    if (
        not isinstance(variants, int)
        or isinstance(variants, bool)
        or not 1 <= variants <= MAX_VARIANTS
    ):
        raise InvalidInput(
            f"variants is 1 to {MAX_VARIANTS}.", detail={"variants": [f"1 to {MAX_VARIANTS}."]}
        )
    clean["variants"] = variants
    budget = given("budget_credits", None)
    if budget is not None and (
        not isinstance(budget, int) or isinstance(budget, bool) or budget < 1 or budget > 10**7
    ):
        raise InvalidInput(
            "budget_credits is a whole number of credits, 1 or more (or null: no cap).",
            detail={"budget_credits": ["A positive whole number, or null."]},
        )
    clean["budget_credits"] = budget
    regenerate = given("regenerate", Campaign.Regenerate.CHANGED)
    if regenerate not in Campaign.Regenerate.values:
        raise InvalidInput(
            "regenerate is changed or always.", detail={"regenerate": ["changed or always."]}
        )
    clean["regenerate"] = regenerate
    clean["regenerate_stale"] = bool(given("regenerate_stale", False))
    clean["enabled"] = bool(given("enabled", True))

    # What to make ads of.
    product_ids = data.get("products")
    batch_id = data.get("batch")
    if current is None or "products" in data or "batch" in data:
        if batch_id and product_ids:
            raise InvalidInput(
                "Give products or a batch, not both.", detail={"products": ["Not with batch."]}
            )
        if batch_id:
            batch = ImportBatch.objects.filter(
                workspace=workspace, id=_uuid(batch_id, "batch")
            ).first()
            if batch is None:
                raise InvalidInput(
                    "Batch not found.", code="batch_not_found", detail={"batch": ["Not found."]}
                )
            clean.update(source=Campaign.Source.BATCH, batch=batch, products=[])
        else:
            ids = _list(product_ids, "products", limit=settings.SHOPREEL_CATALOG_MAX_ROWS)
            ids = [str(_uuid(pid, "products")) for pid in ids]
            products = list(Product.objects.filter(workspace=workspace, id__in=ids))
            if len(products) != len(ids):
                raise InvalidInput(
                    "Some products were not found in this workspace.",
                    code="product_not_found",
                    detail={"products": ["Not found."]},
                )
            order = {str(pid): i for i, pid in enumerate(ids)}
            products.sort(key=lambda p: order[str(p.id)])
            clean.update(source=Campaign.Source.PRODUCTS, batch=None, products=products)
        count = len(clean["products"]) or settings.SHOPREEL_CATALOG_MAX_ROWS
    else:
        count = current.products.count() or settings.SHOPREEL_CATALOG_MAX_ROWS
    if count * max(len(templates), 1) * len(languages) * len(lengths) * variants > MAX_ITEMS:
        raise InvalidInput(
            f"One run would make more than {MAX_ITEMS} ads (products x templates x languages x lengths x "
            "variants): choose fewer.",
            code="campaign_too_large",
            detail={"variants": ["Too many ads per run."]},
        )

    # When.
    given_schedule = data.get("schedule") if "schedule" in data else None
    if current is None or given_schedule is not None or "timezone" in data:
        raw = given_schedule if given_schedule is not None else schedule_input(current)
        if isinstance(raw, dict) and "timezone" in raw:
            zone_name = raw["timezone"] or ""
        elif "timezone" in data:
            zone_name = data["timezone"] or ""
        else:  # a new schedule without a zone keeps the campaign's own (or the workspace's)
            zone_name = current.timezone if current is not None else ""
        if not isinstance(zone_name, str):
            raise InvalidInput("schedule.timezone is an IANA zone name.", code="invalid_timezone")
        zone = zone_get(zone_name or getattr(workspace, "timezone", "") or "UTC")
        clean["schedule"] = Schedule.from_input(raw, zone=zone).to_json()
        clean["timezone"] = zone_name
    return clean


def _schedule_next(campaign: Campaign, *, after: datetime | None = None) -> None:
    """Set ``next_run_at`` (and the zone it was computed in) from now, or ``after``."""
    zone_name = campaign_zone_name(campaign)
    zone = zone_get(zone_name)
    campaign.next_run_at = Schedule.from_json(campaign.schedule).next_after(
        after or timezone.now(), zone
    )
    campaign.next_run_zone = zone_name


def campaign_create(*, workspace: Workspace, data: dict) -> Campaign:
    """A campaign from the API's or the studio's fields: ``name``, ``products`` (ids) or
    ``batch`` (an import batch's id), ``formats``, ``languages``, ``lengths`` (or ``length``),
    ``templates`` ([] = auto), ``variants``, ``market``, ``schedule`` (see schedule.py, with
    ``timezone``), ``budget_credits``, ``regenerate``, ``regenerate_stale``, ``enabled``."""
    data = _aliases(data)
    clean = _clean(workspace=workspace, data=data)
    products = clean.pop("products")
    with transaction.atomic():
        campaign = Campaign(workspace=workspace, **clean)
        _schedule_next(campaign)
        campaign.save()
        _products_set(campaign, products)
    return campaign


def campaign_update(*, campaign: Campaign, data: dict) -> Campaign:
    """Change some fields (the others stay); a new schedule or zone recomputes the next run."""
    data = _aliases(data)
    clean = _clean(workspace=campaign.workspace, data=data, current=campaign)
    products = clean.pop("products", None)
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(id=campaign.id)
        for name, value in clean.items():
            setattr(campaign, name, value)
        _schedule_next(campaign)
        campaign.save()
        if products is not None:
            _products_set(campaign, products)
    return campaign


def _products_set(campaign: Campaign, products: list[Product]) -> None:
    """The chosen products, in the order chosen (the through rows' ids keep it)."""
    through = Campaign.products.through
    through.objects.filter(campaign_id=campaign.id).delete()
    through.objects.bulk_create(
        [through(campaign_id=campaign.id, product_id=p.id) for p in products]
    )


def campaign_delete(*, campaign: Campaign) -> None:
    """The campaign and its run history go; the ads and jobs it made stay."""
    campaign.delete()


def _aliases(data: dict) -> dict:
    """``length`` (one number) is ``lengths``; ``language``/``template`` likewise."""
    data = dict(data)
    for one, many in (("length", "lengths"), ("language", "languages"), ("template", "templates")):
        if one in data and many not in data:
            value = data.pop(one)
            data[many] = (
                value
                if isinstance(value, list)
                else ([] if value in (None, "", "auto") else [value])
            )
    return data


def schedule_input(campaign: Campaign) -> dict:
    """The stored schedule as the API takes it (to re-check it in another zone)."""
    stored = dict(campaign.schedule)
    kind = stored.pop("kind")
    data = (
        {"at": stored["at"]}
        if kind == "once"
        else ({"weekly": stored["weekly"]} if kind == "weekly" else {"cron": stored["cron"]})
    )
    for key in ("start", "end"):
        if stored.get(key):
            data[key] = stored[key]
    return data


# ------------------------------------------------------------------ runs: exactly once per slot


def _run_queue(run: CampaignRun) -> None:
    """Queue the run's task after commit. Without a broker the run stays queued for
    ``manage.py campaigns_run_due`` (cron) to do in its own process."""
    if not settings.CELERY_BROKER_URL:
        return
    claimant = f"task:{uuid.uuid4()}"
    # Through the outbox like every task Shopreel sends: a broker that is down loses nothing.
    outbox_send_on_commit(
        signature(RUN_CAMPAIGN_TASK, args=[str(run.id), claimant], queue=settings.SHOPREEL_QUEUE_DEFAULT)
    )


def run_create(
    *, campaign: Campaign, slot: datetime, trigger: str, queue: bool = True
) -> tuple[CampaignRun, bool]:
    """The run of ``campaign`` for ``slot``, created once: (run, True) for the caller that made
    it (and queued it, after commit, when ``queue``), (the existing run, False) for every other."""
    slot = slot.replace(microsecond=0)
    try:
        with transaction.atomic():
            run = CampaignRun.objects.create(
                workspace_id=campaign.workspace_id,
                campaign=campaign,
                slot=slot,
                trigger=trigger,
                budget_credits=campaign.budget_credits,
            )
            if queue:
                _run_queue(run)
        return run, True
    except IntegrityError:
        return CampaignRun.objects.get(campaign=campaign, slot=slot), False


def run_start(
    *, campaign: Campaign, queue: bool = True, now: datetime | None = None
) -> tuple[CampaignRun, bool]:
    """ "Run now": a run for this minute, unless one of the campaign's runs is still queued or
    running (that one is answered). Pressed twice, it starts one run."""
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    with transaction.atomic():
        Campaign.objects.select_for_update().filter(
            id=campaign.id
        ).first()  # one "run now" at a time
        busy = (
            CampaignRun.objects.filter(
                campaign=campaign, state__in=[CampaignRun.State.QUEUED, CampaignRun.State.RUNNING]
            )
            .order_by("-slot")
            .first()
        )
        if busy is not None:
            return busy, False
        return run_create(
            campaign=campaign, slot=now, trigger=CampaignRun.Trigger.MANUAL, queue=queue
        )


def _due_slot(campaign: Campaign, now: datetime) -> tuple[datetime, datetime | None]:
    """(the slot to run: the latest scheduled time not after now, the next one after it).
    A scheduler that was down runs a campaign once for its latest missed time."""
    schedule = Schedule.from_json(campaign.schedule)
    zone = zone_get(campaign_zone_name(campaign))
    slot = campaign.next_run_at
    following = schedule.next_after(slot, zone)
    for _ in range(CATCH_UP_STEPS):
        if following is None or following > now:
            break
        slot, following = following, schedule.next_after(following, zone)
    return slot, following


def campaigns_rezone(*, now: datetime | None = None) -> int:
    """Recompute the next run of campaigns whose zone changed (the workspace's zone was changed
    in its settings): the schedule's wall-clock times now mean the new zone's."""
    moved = (
        Campaign.objects.filter(timezone="")
        .exclude(next_run_zone="")
        .exclude(next_run_zone=F("workspace__timezone"))
        .select_related("workspace")
    )
    changed = 0
    for campaign in moved[:500]:
        before = campaign.next_run_zone
        _schedule_next(campaign, after=now)
        changed += Campaign.objects.filter(id=campaign.id, next_run_zone=before).update(
            next_run_at=campaign.next_run_at, next_run_zone=campaign.next_run_zone
        )
    return changed


def campaigns_run_due(*, now: datetime | None = None, queue: bool = True) -> list[CampaignRun]:
    """The scheduler's tick (the ``campaigns.run_due`` task every SHOPREEL_CAMPAIGN_TICK_SECONDS,
    or ``manage.py campaigns_run_due``): start the run of every enabled campaign whose time has
    come, once per slot, and move its next run on. Returns the runs this call started."""
    now = now or timezone.now()
    campaigns_rezone(now=now)
    started: list[CampaignRun] = []
    due = (
        Campaign.objects.filter(enabled=True, next_run_at__lte=now)
        .select_related("workspace")
        .order_by("next_run_at")
    )
    for campaign in due[:500]:
        slot, following = _due_slot(campaign, now)
        with transaction.atomic():
            moved = Campaign.objects.filter(
                id=campaign.id, next_run_at=campaign.next_run_at
            ).update(next_run_at=following, updated_at=now)
            if not moved:
                continue  # another scheduler's tick took this slot
            run, created = run_create(
                campaign=campaign, slot=slot, trigger=CampaignRun.Trigger.SCHEDULE, queue=queue
            )
        if created:
            started.append(run)
            logger.info(
                "campaign run started",
                extra={"campaign_id": str(campaign.id), "slot": slot.isoformat()},
            )
    started += _stale_runs(now=now, queue=queue)
    return started


def _stale_runs(*, now: datetime, queue: bool) -> list[CampaignRun]:
    """Campaigns that regenerate stale ads at once: a run now where one of their ads is stale."""
    from campaigns.selectors import ads_stale_filter

    started = []
    for campaign in Campaign.objects.filter(enabled=True, regenerate_stale=True):
        ad_ids = RunItem.objects.filter(run__campaign=campaign, ad__isnull=False).values("ad_id")
        if not ads_stale_filter(Ad.objects.filter(id__in=ad_ids)).exists():
            continue
        if CampaignRun.objects.filter(
            campaign=campaign, state__in=[CampaignRun.State.QUEUED, CampaignRun.State.RUNNING]
        ).exists():
            continue
        run, created = run_create(
            campaign=campaign,
            slot=now.replace(second=0, microsecond=0),
            trigger=CampaignRun.Trigger.STALE,
            queue=queue,
        )
        if created:
            started.append(run)
    return started


# ------------------------------------------------------------------ a run's items as their jobs end


def _outcome_of(job: RenderJob) -> tuple[str, str, str]:
    if job.state == RenderJob.State.SUCCEEDED:
        return RunItem.Outcome.REGENERATED, "", ""
    if job.state == RenderJob.State.CANCELLED:
        return RunItem.Outcome.FAILED, "cancelled", "The ad's job was cancelled."
    return (
        RunItem.Outcome.FAILED,
        job.error_code or "job_failed",
        job.error or "The ad could not be made.",
    )


def item_job_ended(*, job: RenderJob) -> None:
    """Give the item whose job ended its outcome (regenerated with the ad, or failed with the
    job's reason), once; the run completes with its last item. Runs in the job's finishing
    transaction (a domain-event consumer)."""
    item = RunItem.objects.filter(job_id=job.id, state=RunItem.State.QUEUED).first()
    if item is None:
        return
    run = CampaignRun.objects.select_for_update().get(id=item.run_id)
    outcome, code, reason = _outcome_of(job)
    # A regenerated item keeps why it was made (new, changed, always); a failed one says why not.
    why = {"reason_code": code[:40], "reason": reason} if outcome == RunItem.Outcome.FAILED else {}
    RunItem.objects.filter(id=item.id, state=RunItem.State.QUEUED).update(
        state=RunItem.State.DONE,
        outcome=outcome,
        ad_id=job.ad_id,
        updated_at=timezone.now(),
        **why,
    )
    if run.queuing_done:
        run_complete_if_done(run=run)


def run_complete_if_done(*, run: CampaignRun) -> bool:
    """Complete the run (counts, ``campaign.run.completed``) when no item is left undecided or
    waiting for its job; the caller holds the run's row lock."""
    if RunItem.objects.filter(run=run).exclude(state=RunItem.State.DONE).exists():
        return False
    counts = {outcome: 0 for outcome in RunItem.Outcome.values}
    for outcome in RunItem.objects.filter(run=run).values_list("outcome", flat=True):
        counts[outcome] = counts.get(outcome, 0) + 1
    now = timezone.now()
    done = CampaignRun.objects.filter(id=run.id, state=CampaignRun.State.RUNNING).update(
        state=CampaignRun.State.COMPLETED, counts=counts, finished_at=now, updated_at=now
    )
    if done:
        run.refresh_from_db()
        campaign_events.run_completed(run=run)
    return bool(done)


def ad_facts_record(*, job: RenderJob) -> None:
    """What the job's ad shows, recorded at its first completed render: the facts its campaign
    item decided on, or the product's now for an ad made outside campaigns."""
    if job.ad_id is None or AdFacts.objects.filter(ad_id=job.ad_id).exists():
        return
    item = RunItem.objects.filter(job_id=job.id).exclude(facts={}).first()
    if item is not None:
        facts = item.facts
    else:
        ad = Ad.objects.select_related("product").get(id=job.ad_id)
        facts = product_facts(ad.product)
    AdFacts.objects.get_or_create(
        ad_id=job.ad_id,
        defaults={
            "workspace_id": job.workspace_id,
            "price": facts.get("price"),
            "regular_price": facts.get("regular_price"),
            "currency": facts.get("currency") or "",
            "title": (facts.get("title") or "")[:300],
            "availability": (facts.get("availability") or "")[:20],
            "main_photo": (facts.get("main_photo") or "")[:2000],
        },
    )


def job_ended_consume(event) -> None:
    """The consumer of ``ad.completed``, ``ad.failed`` and ``job.cancelled`` (CampaignsConfig)."""
    job = RenderJob.objects.filter(id=event.subject_id).first()
    if job is None:
        return
    if event.type == "ad.completed":
        ad_facts_record(job=job)
    item_job_ended(job=job)


def runs_reconcile(*, now: datetime | None = None, queue: bool = True) -> int:
    """The tick's safety net: items whose job ended without the consumer recording it, and
    runs whose worker died mid-run (claim older than the task time limit) queued again."""
    now = now or timezone.now()
    fixed = 0
    waiting = RunItem.objects.filter(
        state=RunItem.State.QUEUED,
        job__state__in=[
            RenderJob.State.SUCCEEDED,
            RenderJob.State.FAILED,
            RenderJob.State.CANCELLED,
        ],
    ).select_related("job")[:200]
    for item in waiting:
        with transaction.atomic():
            item_job_ended(job=item.job)
        fixed += 1
    stale = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    for run in CampaignRun.objects.filter(
        state=CampaignRun.State.RUNNING, queuing_done=False, claimed_at__lt=stale
    )[:50]:
        if queue:
            with transaction.atomic():
                _run_queue(run)
        fixed += 1
    for run in CampaignRun.objects.filter(state=CampaignRun.State.QUEUED, created_at__lt=stale)[
        :50
    ]:
        if queue:
            with transaction.atomic():
                _run_queue(run)
        fixed += 1
    return fixed


def campaign_pause(*, campaign: Campaign, enabled: bool) -> Campaign:
    """Pause (no scheduled runs) or resume (the next run from now)."""
    return campaign_update(campaign=campaign, data={"enabled": enabled})
