"""Charging for ads: a price before the work, credits held when a job is queued, spent for
what it delivered when it ends, and given back when it fails or is cancelled.

Billing sits above generation, so generation knows nothing of money:

- the surfaces (the API, the studio, ``make_ad``, campaigns) start jobs through
  :func:`job_start_paid` / :func:`job_create_paid` / :func:`ad_render_start_paid`, which reserve
  the job's price in the same transaction that creates the job: too few credits and the job
  row and its queued canvas are rolled back together (402 ``insufficient_credits``);
- a job's end reaches billing as a domain event (``ad.completed``, ``ad.failed``,
  ``job.cancelled``) recorded in the transaction whose conditional UPDATE ended the job;
  :func:`job_ended` (a critical consumer, see ``BillingConfig.ready``) settles in that same
  transaction, so a job is charged exactly once however often its task is redelivered.

With ``SHOPREEL_BILLING`` off nothing is reserved or charged and no limit applies; quotes still
give the price.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, get_args

from django.conf import settings
from django.db import transaction

from billing.ledger import account_for_workspace, credits_reserve, credits_settle
from billing.models import BillingAccount
from billing.pricing import Price, ad_price
from core.errors import PaymentRequired
from generation import services as generation
from generation.backends.registry import GPU_BACKENDS, backend_names
from generation.models import Ad, RenderJob, Shot
from generation.options import JobOptions
from generation.render.spec import ShotType


@dataclass(frozen=True)
class Quote:
    price: Price
    billing: bool
    options: JobOptions  # as the plan allows them (what a paid job is made with)
    balance: int | None = None
    reserved: int | None = None

    @property
    def affordable(self) -> bool:
        return not self.billing or (self.balance or 0) >= self.price.credits

    def as_dict(self) -> dict:
        return {
            "cost": self.price.credits, "breakdown": self.price.as_dict(), "billing": "on" if self.billing else "off",
            "balance": self.balance, "reserved": self.reserved, "affordable": self.affordable,
        }


def generative_possible() -> bool:
    """Whether this deployment sends some shot type to a GPU backend first (weights
    configured): then a job may make generative footage, and is quoted for it."""
    return any(backend_names(shot_type)[0] in GPU_BACKENDS for shot_type in get_args(ShotType))


def _options(options: JobOptions | Mapping[str, Any] | None) -> JobOptions:
    return options if isinstance(options, JobOptions) else JobOptions.from_input(options)


def _check_plan(account: BillingAccount, options: JobOptions) -> None:
    plan = account.plan
    if plan is None:
        return
    if options.length > plan.max_length_seconds:
        raise PaymentRequired(
            f"The {plan.name} plan makes ads up to {plan.max_length_seconds} s; this one is {options.length:g} s. "
            "Choose a shorter length or a bigger plan.",
            code="plan_limit", detail={"length": options.length, "max_length_seconds": plan.max_length_seconds},
        )
    if len(options.formats) > plan.max_formats:
        raise PaymentRequired(
            f"The {plan.name} plan renders {plan.max_formats} format(s) per ad; this one asks for "
            f"{len(options.formats)}. Choose fewer formats or a bigger plan.",
            code="plan_limit", detail={"formats": len(options.formats), "max_formats": plan.max_formats},
        )


def job_quote(*, workspace, options: JobOptions | Mapping[str, Any] | None) -> Quote:
    """The most this ad can cost (shown before the merchant confirms), and, with billing on,
    the balance it would come from; a plan limit it breaks is refused here (402 ``plan_limit``)."""
    options = _options(options)
    account = account_for_workspace(workspace=workspace) if settings.SHOPREEL_BILLING else None
    if account is not None:
        _check_plan(account, options)
        options = _plan_options(account, options)
    price = ad_price(
        length=options.length, formats=len(options.formats),
        generative_seconds=options.length if options.generative and generative_possible() else 0.0,
    )
    if account is None:
        return Quote(price=price, billing=False, options=options)
    return Quote(price=price, billing=True, options=options, balance=account.balance, reserved=account.reserved)


def _plan_options(account: BillingAccount, options: JobOptions) -> JobOptions:
    """The options as the plan allows them: no generative shots on a plan without them (the
    shots use the motion backend, and the price has no GPU part)."""
    if account.plan is not None and not account.plan.generative_shots and options.generative:
        return dataclasses.replace(options, generative=False)
    return options


def _paid(*, workspace, options: JobOptions, create: Callable[[JobOptions], RenderJob]) -> RenderJob:
    if not settings.SHOPREEL_BILLING:
        return create(options)
    quote = job_quote(workspace=workspace, options=options)
    with transaction.atomic():
        job = create(quote.options)
        credits_reserve(workspace=workspace, job_id=job.id, credits=quote.price.credits)
        RenderJob.objects.filter(id=job.id).update(cost=quote.price.credits)
        job.cost = quote.price.credits
    return job


def job_start_paid(
    *, workspace, url: str = "", options: JobOptions | Mapping[str, Any] | None = None, product=None
) -> RenderJob:
    """``generation.services.job_start``, paid for: the price reserved with the job."""
    options = _options(options)
    return _paid(
        workspace=workspace, options=options,
        create=lambda options: generation.job_start(workspace=workspace, url=url, options=options, product=product),
    )


def job_create_paid(
    *, workspace, url: str = "", options: JobOptions | Mapping[str, Any] | None = None, product=None
) -> RenderJob:
    """``generation.services.job_create`` (the command line runs it in-process), paid for."""
    options = _options(options)
    return _paid(
        workspace=workspace, options=options,
        create=lambda options: generation.job_create(workspace=workspace, url=url, options=options, product=product),
    )


def ad_render_start_paid(*, ad: Ad, override_price: bool | str = False) -> RenderJob:
    """``generation.services.ad_render_start`` (a re-render), paid for like a new job."""
    options = JobOptions.from_input({
        "length": ad.length, "formats": ad.formats, "language": ad.language, "generative": ad.generative,
    })
    # The ad keeps the shots it has; a plan without generative shots only changes new ads.
    return _paid(
        workspace=ad.workspace, options=options,
        create=lambda _options: generation.ad_render_start(ad=ad, override_price=override_price),
    )


def delivered_price(*, job: RenderJob) -> Price:
    """What the job delivered: its rendered formats, and the share of its scenes made by a GPU
    backend as generative footage. A job that rendered nothing costs nothing."""
    formats = job.outputs.count()
    if not formats or job.ad_id is None:
        return ad_price(length=0, formats=0)
    ad = job.ad
    shots = list(Shot.objects.filter(ad=ad).values_list("backend", "state"))
    generative = sum(1 for backend, state in shots if backend in GPU_BACKENDS and state == Shot.State.DONE)
    share = generative / len(shots) if shots else 0.0
    return ad_price(length=ad.length, formats=formats, generative_seconds=ad.length * share)


def job_ended(event) -> None:
    """The consumer of a job's end: settle what it delivered (nothing for a cancel), give the
    rest back, and record the charge on the job. Once per job (the ledger's unique end)."""
    job = RenderJob.objects.select_related("ad").filter(id=event.subject_id).first()
    if job is None or job.cost is None:
        return
    charged = 0 if event.type == "job.cancelled" else delivered_price(job=job).credits
    entry = credits_settle(job_id=job.id, charged=charged)
    if entry is not None:
        RenderJob.objects.filter(id=job.id).update(charged=min(charged, job.cost))
