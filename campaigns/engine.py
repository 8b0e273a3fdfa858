"""A campaign run's work, resumable at any point (a redelivered or continued task finds what
is done and goes on from there):

1. **Claim** the run (queued → running; ``campaign.run.started`` once).
2. **Plan**: one item per product and variant (template, language, length, variant number),
   unique per run, so a retried run plans nothing twice.
3. **Read and decide**, product by product: read the product again at its source (its page;
   a product entered by hand or from a feed's item is the merchant's own data, used as
   stored: a feed link is not fetched again yet),
   then for each of its items compare the facts the ads show (price, regular price, title,
   availability, main photo) with those of the campaign's last ad for that product and
   variant. Out of stock, not ready, or a doubted price → skipped with the reason; unchanged →
   the last ad stays; changed, new, or ``regenerate=always`` → to make, with its quoted price.
4. **Quote and queue**, in order: the run's quote is the sum of its items' prices; each item
   is queued with its paid job (``billing.jobs.job_start_paid``: the price is reserved in the
   same transaction that marks the item queued), until the run's budget or the balance runs
   out: the rest are skipped for budget. A retry never queues an item twice, so nothing is
   charged twice.
5. The run completes when the last job ends (``services.item_job_ended``).
"""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from billing.jobs import job_create_paid, job_quote, job_start_paid
from campaigns import events as campaign_events
from campaigns.facts import FACTS, changes_described, facts_changed, is_unavailable, product_facts
from campaigns.models import Campaign, CampaignRun, RunItem
from campaigns.services import run_complete_if_done
from core.errors import ApplicationError, PaymentRequired
from generation.options import JobOptions
from products.models import ImportBatchRow, Product
from products.services import fetcher_build, product_scrape

logger = logging.getLogger(__name__)

# One task reads and queues for about this long, then the run goes on in a new task.
RUN_SLICE_SECONDS = 240.0


def _claim_stale_after() -> timedelta:
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def run_claim(*, run_id, claimant: str) -> CampaignRun | None:
    """Take the run for ``claimant``: a queued run; one already claimed by the same claimant
    (a redelivered or continued task); or one whose claimant went quiet. None: someone else
    has it, or it is over."""
    now = timezone.now()
    with transaction.atomic():
        run = (
            CampaignRun.objects.select_for_update()
            .select_related("campaign__workspace")
            .filter(id=run_id)
            .first()
        )
        if run is None or run.state in (CampaignRun.State.COMPLETED, CampaignRun.State.FAILED):
            return None
        if run.state == CampaignRun.State.RUNNING and run.queuing_done:
            return None  # only its jobs' ends are left
        mine = run.claimed_by == claimant
        quiet = run.claimed_at is None or run.claimed_at < now - _claim_stale_after()
        if run.state == CampaignRun.State.RUNNING and not (mine or quiet):
            return None
        first = run.started_at is None
        run.state, run.claimed_by, run.claimed_at = CampaignRun.State.RUNNING, claimant[:64], now
        run.started_at = run.started_at or now
        run.save(update_fields=["state", "claimed_by", "claimed_at", "started_at", "updated_at"])
        if first:
            campaign_events.run_started(run=run)
    return run


def _keep_claim(run: CampaignRun) -> None:
    run.claimed_at = timezone.now()
    CampaignRun.objects.filter(id=run.id, claimed_by=run.claimed_by).update(
        claimed_at=run.claimed_at
    )


def run_products(campaign: Campaign) -> list[Product]:
    """The products a run makes ads of: the ones chosen (in the order chosen), or the
    products of the campaign's import batch (in row order). Raises when there is none."""
    if campaign.source == Campaign.Source.BATCH:
        if campaign.batch_id is None:
            raise ApplicationError(
                "The campaign's import batch was deleted: choose its products again.",
                code="batch_missing",
            )
        ids = list(
            dict.fromkeys(
                ImportBatchRow.objects.filter(batch_id=campaign.batch_id, product__isnull=False)
                .order_by("position")
                .values_list("product_id", flat=True)
            )
        )
    else:
        through = Campaign.products.through
        ids = list(
            through.objects.filter(campaign_id=campaign.id)
            .order_by("id")
            .values_list("product_id", flat=True)
        )
    products = {
        p.id: p for p in Product.objects.filter(workspace_id=campaign.workspace_id, id__in=ids)
    }
    ordered = [products[i] for i in ids if i in products]
    if not ordered:
        raise ApplicationError(
            "The campaign has no products (they may have been deleted).", code="no_products"
        )
    return ordered


def _variants(campaign: Campaign) -> list[tuple[str, str, float, int]]:
    return [
        (template, language, float(length), variant)
        for template in (campaign.templates or ["auto"])
        for language in campaign.languages
        for length in campaign.lengths
        for variant in range(campaign.variants)
    ]


def _key(template: str, language: str, length: float, variant: int) -> str:
    return f"{template}|{language}|{length:g}|{variant}"


def run_plan(*, run: CampaignRun, products: list[Product]) -> None:
    """One pending item per product and variant; an item planned before is left as it is."""
    campaign = run.campaign
    items = []
    for position, (product, (template, language, length, variant)) in enumerate(
        (product, combo) for product in products for combo in _variants(campaign)
    ):
        items.append(
            RunItem(
                workspace_id=run.workspace_id,
                run=run,
                product=product,
                product_title=product.title[:300],
                key=_key(template, language, length, variant),
                template=template,
                language=language,
                length=length,
                variant=variant,
                position=position,
            )
        )
    RunItem.objects.bulk_create(items, ignore_conflicts=True)


def item_options(*, campaign: Campaign, item: RunItem) -> JobOptions:
    market = campaign.market or getattr(campaign.workspace, "default_market", "") or None
    given = {
        "template": item.template,
        "language": item.language,
        "length": item.length,
        "formats": list(campaign.formats),
        "market": market,
    }
    # Variant k: another hook and scene order (JobOptions.variant), else another copy seed.
    given["variant" if "variant" in JobOptions.names() else "seed"] = item.variant
    return JobOptions.from_input(given)


def _reread(product: Product, fetcher) -> tuple[str, str]:
    """Read the product again at its page: ("", "") when read, else (code, message). A product
    entered by hand or from a feed file has no page: its stored facts are the merchant's."""
    if not product.source_url or product.fetched_with == Product.FetchedWith.MANUAL:
        return "", ""
    try:
        product_scrape(product=product, fetcher=fetcher)
    except ApplicationError as exc:
        return exc.code, exc.message
    return "", ""


def item_previous(*, campaign: Campaign, item: RunItem) -> RunItem | None:
    """The campaign's last ad for this product and variant: the newest earlier item that made
    one (regenerated) or kept one (unchanged)."""
    return (
        RunItem.objects.filter(
            run__campaign=campaign,
            product_id=item.product_id,
            key=item.key,
            state=RunItem.State.DONE,
            outcome__in=[RunItem.Outcome.REGENERATED, RunItem.Outcome.UNCHANGED],
            ad__isnull=False,
        )
        .exclude(run_id=item.run_id)
        .order_by("-created_at")
        .first()
    )


def _done(item: RunItem, outcome: str, code: str, reason: str, **fields) -> None:
    RunItem.objects.filter(id=item.id, state=RunItem.State.PENDING).update(
        state=RunItem.State.DONE,
        outcome=outcome,
        reason_code=code[:40],
        reason=reason,
        updated_at=timezone.now(),
        **fields,
    )


def _decide(
    *, run: CampaignRun, product: Product, item: RunItem, read: tuple[str, str], facts: dict
) -> None:
    campaign = run.campaign
    code, message = read
    if code:
        _done(
            item,
            RunItem.Outcome.FAILED,
            code,
            f"The product's page could not be read again: {message}",
            facts=facts,
        )
        return
    if product.status != Product.Status.IMPORTED:
        _done(
            item,
            RunItem.Outcome.SKIPPED,
            "product_not_ready",
            product.error or f"The product is {product.status}: complete it to make ads.",
            facts=facts,
        )
        return
    if is_unavailable(facts["availability"]):
        _done(
            item,
            RunItem.Outcome.SKIPPED,
            "out_of_stock",
            f"Out of stock on the shop ({facts['availability']}): no ad for a product that can't be bought.",
            facts=facts,
        )
        return
    if product.price_unconfirmed:
        _done(
            item,
            RunItem.Outcome.SKIPPED,
            "price_unconfirmed",
            "The price read from the page is uncertain: confirm it on the product to make ads.",
            facts=facts,
        )
        return
    previous = item_previous(campaign=campaign, item=item)
    changed = facts_changed(previous.facts, facts) if previous is not None else list(FACTS)
    if previous is not None and not changed and campaign.regenerate == Campaign.Regenerate.CHANGED:
        _done(
            item,
            RunItem.Outcome.UNCHANGED,
            "unchanged",
            "Price, title, availability and photo are as in the last ad: it is kept.",
            facts=facts,
            ad_id=previous.ad_id,
            job_id=previous.job_id,
        )
        return
    try:
        quote = job_quote(
            workspace=campaign.workspace, options=item_options(campaign=campaign, item=item)
        )
    except ApplicationError as exc:
        _done(item, RunItem.Outcome.SKIPPED, exc.code, exc.message, facts=facts)
        return
    if previous is None:
        why_code, why = "new", "No earlier ad in this campaign: made."
    elif changed:
        why_code, why = (
            "changed",
            f"Changed since the last ad: {changes_described(previous.facts, facts, changed)}.",
        )
    else:
        why_code, why = "always", "The campaign makes its ads again on every run."
    RunItem.objects.filter(id=item.id, state=RunItem.State.PENDING).update(
        facts=facts,
        changed=changed if previous is not None else [],
        cost=quote.price.credits,
        reason_code=why_code,
        reason=why,
        updated_at=timezone.now(),
    )


def run_read_and_decide(*, run: CampaignRun, deadline: float) -> bool:
    """Steps 3: product by product, read and decide its undecided items. False when the slice's
    time ran out first."""
    undecided = RunItem.objects.filter(run=run, state=RunItem.State.PENDING, cost__isnull=True)
    product_ids = list(
        dict.fromkeys(undecided.order_by("position").values_list("product_id", flat=True))
    )
    fetcher = fetcher_build()
    for product_id in product_ids:
        if time.monotonic() > deadline:
            return False
        items = list(undecided.filter(product_id=product_id).order_by("position"))
        if product_id is None:  # the product was deleted since the run was planned
            for item in items:
                _done(item, RunItem.Outcome.SKIPPED, "product_deleted", "The product was deleted.")
            continue
        product = Product.objects.get(id=product_id)
        read = _reread(product, fetcher)
        product.refresh_from_db()
        facts = product_facts(product)
        for item in items:
            _decide(run=run, product=product, item=item, read=read, facts=facts)
        _keep_claim(run)
    return True


def _skip_rest(run: CampaignRun, reason: str) -> None:
    RunItem.objects.filter(run=run, state=RunItem.State.PENDING).update(
        state=RunItem.State.DONE,
        outcome=RunItem.Outcome.SKIPPED,
        reason_code="budget",
        reason=reason,
        updated_at=timezone.now(),
    )


def run_queue_items(*, run: CampaignRun, deadline: float, inline: bool = False) -> bool:
    """Step 4: quote the run, then queue its items in order within the budget and the balance.
    False when the slice's time ran out first."""
    campaign = run.campaign
    to_make = RunItem.objects.filter(
        run=run, state=RunItem.State.PENDING, cost__isnull=False
    ).order_by("position")
    if run.quoted_credits is None:
        quoted = sum(
            RunItem.objects.filter(run=run, cost__isnull=False)
            .exclude(outcome__in=[RunItem.Outcome.SKIPPED, RunItem.Outcome.FAILED])
            .values_list("cost", flat=True)
        )
        CampaignRun.objects.filter(id=run.id).update(quoted_credits=quoted)
        run.quoted_credits = quoted
    for item in to_make:
        if time.monotonic() > deadline:
            return False
        spent = CampaignRun.objects.values_list("queued_credits", flat=True).get(id=run.id)
        if run.budget_credits is not None and spent + item.cost > run.budget_credits:
            _skip_rest(
                run,
                f"Over the run's budget of {run.budget_credits} credits "
                f"({spent} queued; this ad costs {item.cost}).",
            )
            return True
        try:
            with transaction.atomic():
                if not RunItem.objects.filter(id=item.id, state=RunItem.State.PENDING).update(
                    state=RunItem.State.QUEUED
                ):
                    continue  # queued by an earlier attempt of this run
                product = Product.objects.get(id=item.product_id)
                start = job_create_paid if inline else job_start_paid  # inline: run by the caller
                job = start(
                    workspace=campaign.workspace,
                    product=product,
                    options=item_options(campaign=campaign, item=item),
                )
                RunItem.objects.filter(id=item.id).update(
                    job=job, cost=job.cost if job.cost is not None else item.cost
                )
                CampaignRun.objects.filter(id=run.id).update(
                    queued_credits=F("queued_credits") + item.cost
                )
        except PaymentRequired as exc:
            if exc.code == "insufficient_credits" or exc.code == "subscription_inactive":
                _skip_rest(run, f"Not enough credits to go on: {exc.message}")
                return True
            _done(item, RunItem.Outcome.SKIPPED, exc.code, exc.message)
        except ApplicationError as exc:
            _done(item, RunItem.Outcome.FAILED, exc.code, exc.message)
        _keep_claim(run)
    return True


def run_finish_queuing(*, run: CampaignRun) -> None:
    """Every item is decided and queued: mark it so, and complete the run if no job is left."""
    with transaction.atomic():
        locked = CampaignRun.objects.select_for_update().get(id=run.id)
        if not locked.queuing_done:
            CampaignRun.objects.filter(id=run.id).update(
                queuing_done=True, updated_at=timezone.now()
            )
            locked.queuing_done = True
        run_complete_if_done(run=locked)


def run_fail(*, run: CampaignRun, code: str, message: str) -> None:
    with transaction.atomic():
        now = timezone.now()
        failed = CampaignRun.objects.filter(id=run.id, state=CampaignRun.State.RUNNING).update(
            state=CampaignRun.State.FAILED,
            error_code=code[:40],
            error=message,
            queuing_done=True,
            finished_at=now,
            updated_at=now,
        )
        if failed:
            run.refresh_from_db()
            campaign_events.run_completed(run=run)


def run_execute(
    *, run_id, claimant: str, slice_seconds: float | None = None, inline: bool = False
) -> bool:
    """Do the run's work for about ``slice_seconds`` (None: RUN_SLICE_SECONDS). Returns True
    when work is left for another slice (the task queues itself again). ``inline``: the jobs
    are created but not sent to a broker (``run_jobs_inline`` makes them in this process)."""
    run = run_claim(run_id=run_id, claimant=claimant)
    if run is None:
        return False
    deadline = time.monotonic() + (RUN_SLICE_SECONDS if slice_seconds is None else slice_seconds)
    if not RunItem.objects.filter(run=run).exists():
        try:
            products = run_products(run.campaign)
        except ApplicationError as exc:
            run_fail(run=run, code=exc.code, message=exc.message)
            return False
        run_plan(run=run, products=products)
    if not run_read_and_decide(run=run, deadline=deadline):
        return True
    if not run_queue_items(run=run, deadline=deadline, inline=inline):
        return True
    run_finish_queuing(run=run)
    logger.info(
        "campaign run queued", extra={"run_id": str(run.id), "queued_credits": run.queued_credits}
    )
    return False


def runs_pending_inline(*, claimant: str) -> list[CampaignRun]:
    """Every queued run, done in this process (``campaigns_run_due`` without a broker): read,
    decide, then each job made in-process like ``make_ad``'s."""
    done = []
    for run in CampaignRun.objects.filter(Q(state=CampaignRun.State.QUEUED)).order_by("slot"):
        while run_execute(
            run_id=run.id, claimant=claimant, slice_seconds=float("inf"), inline=True
        ):
            pass
        run_jobs_inline(run=run)
        done.append(run)
    return done


def run_jobs_inline(*, run: CampaignRun) -> None:
    """Make the run's queued jobs in this process, one after another."""
    from generation.services import job_run_inline

    for job_id in (
        RunItem.objects.filter(run=run, state=RunItem.State.QUEUED, job__isnull=False)
        .order_by("position")
        .values_list("job_id", flat=True)
    ):
        with contextlib.suppress(ApplicationError):  # recorded on the job, and so on its item
            job_run_inline(job_id=job_id)
