"""Charging for ads end to end: the price reserved with the job, spent for what was delivered,
given back on failure or cancel, and charged once however often a task runs again."""

from __future__ import annotations

import pytest

from billing.jobs import job_create_paid, job_quote, job_start_paid
from billing.ledger import account_for_workspace, credits_grant
from billing.models import LedgerEntry, Plan
from core.errors import PaymentRequired
from generation import services
from generation.models import RenderJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def billing_on(settings, plans):
    settings.SHOPREEL_BILLING = True
    settings.SHOPREEL_VOICE = False  # the charge is what is checked here, not the voice
    settings.SHOPREEL_MUSIC = False


def _account(workspace, *, plan="growth", balance=None):
    account = account_for_workspace(workspace=workspace)
    account.plan = Plan.objects.get(slug=plan)
    account.status = "active"
    account.save()
    if balance is not None and balance > account.balance:
        credits_grant(account=account, credits=balance - account.balance, reason="test")
    account.refresh_from_db()
    return account


def _url(shop):
    return next(iter(shop.product_urls.values()))


def test_the_quote_is_the_price_and_names_the_balance(workspace, billing_on):
    _account(workspace, balance=40)
    quote = job_quote(workspace=workspace, options={"length": 15, "formats": ["9:16", "1:1"]})
    assert quote.as_dict() == {
        "cost": 6, "breakdown": {"credits": 6, "video": 6, "generative": 0}, "billing": "on",
        "balance": 40, "reserved": 0, "affordable": True,
    }


def test_too_few_credits_is_402_naming_cost_and_balance_and_nothing_is_queued(
    workspace, billing_on, django_capture_on_commit_callbacks
):
    _account(workspace)  # the trial's 30 credits
    with django_capture_on_commit_callbacks() as queued, pytest.raises(PaymentRequired) as refused:
        job_start_paid(
            workspace=workspace, url="https://shop.example.com/p/1",
            options={"length": 60, "formats": ["9:16", "1:1", "4:5", "16:9"]},
        )
    assert refused.value.code == "insufficient_credits" and refused.value.status == 402
    assert refused.value.detail == {"cost": 48, "balance": 30}
    assert not queued and not RenderJob.objects.exists()
    assert not LedgerEntry.objects.filter(kind="reserve").exists()


def test_a_plan_limit_is_refused_before_anything_is_made(workspace, billing_on):
    _account(workspace, plan="starter", balance=150)
    with pytest.raises(PaymentRequired) as refused:
        job_create_paid(workspace=workspace, url="https://shop.example.com/p/1", options={"length": 45})
    assert refused.value.code == "plan_limit" and refused.value.detail["max_length_seconds"] == 30
    assert not RenderJob.objects.exists()


def test_a_past_due_subscription_blocks_new_renders(workspace, billing_on):
    account = _account(workspace, balance=100)
    account.status = "past_due"
    account.save()
    with pytest.raises(PaymentRequired, match="past due") as refused:
        job_create_paid(workspace=workspace, url="https://shop.example.com/p/1", options={"length": 5})
    assert refused.value.code == "subscription_inactive"


def test_a_scrape_failure_gives_everything_back(workspace, billing_on, settings):
    account = _account(workspace, balance=40)
    settings.SHOPREEL_FETCH_ALLOW_HOSTS = ["127.0.0.1:9"]
    job = job_create_paid(workspace=workspace, url="http://127.0.0.1:9/products/x", options={"length": 10})
    account.refresh_from_db()
    assert (job.cost, account.balance, account.reserved) == (2, 38, 2)
    with pytest.raises(Exception):  # noqa: B017 (the job's state is what is checked)
        services.job_run_inline(job_id=job.id)
    job.refresh_from_db()
    account.refresh_from_db()
    assert (job.state, job.charged) == ("failed", 0)
    assert (account.balance, account.reserved) == (40, 0)
    assert list(LedgerEntry.objects.filter(job_id=job.id).values_list("kind", flat=True).order_by("created_at")) == [
        "reserve", "release"
    ]


def test_a_cancel_gives_everything_back(workspace, billing_on, allow_demo_shop):
    account = _account(workspace, balance=40)
    job = job_create_paid(workspace=workspace, url=_url(allow_demo_shop), options={"length": 6})
    services.job_cancel(job=job)
    services.job_run_inline(job_id=job.id)
    job.refresh_from_db()
    account.refresh_from_db()
    assert (job.state, job.cost, job.charged) == ("cancelled", 2, 0)
    assert (account.balance, account.reserved) == (40, 0)


@pytest.mark.slow
def test_a_finished_ad_is_charged_once_however_often_the_render_task_runs(workspace, billing_on, allow_demo_shop):
    account = _account(workspace, balance=40)
    job = job_create_paid(workspace=workspace, url=_url(allow_demo_shop), options={"length": 6, "formats": ["9:16", "1:1"]})
    job = services.job_run_inline(job_id=job.id)
    services.job_render(job_id=job.id)  # the render task redelivered after its worker died
    job.refresh_from_db()
    account.refresh_from_db()
    assert job.state == "succeeded", job.error
    assert (job.cost, job.charged) == (4, 4)
    assert (account.balance, account.reserved) == (36, 0)
    assert LedgerEntry.objects.filter(job_id=job.id, kind="settle").count() == 1


@pytest.mark.slow
def test_a_job_that_delivers_two_of_three_formats_pays_for_two(workspace, billing_on, allow_demo_shop, monkeypatch):
    account = _account(workspace, balance=40)
    job = job_create_paid(
        workspace=workspace, url=_url(allow_demo_shop), options={"length": 6, "formats": ["9:16", "1:1", "16:9"]}
    )
    real = services._render_one

    def third_format_breaks(*, format_name, **kwargs):
        if format_name == "16:9":
            raise RuntimeError("encoder crashed")
        return real(format_name=format_name, **kwargs)

    monkeypatch.setattr(services, "_render_one", third_format_breaks)
    with pytest.raises(RuntimeError):
        services.job_run_inline(job_id=job.id)
    job.refresh_from_db()
    account.refresh_from_db()
    assert (job.state, job.outputs.count()) == ("failed", 2)
    assert (job.cost, job.charged) == (6, 4)
    assert (account.balance, account.reserved) == (36, 0)


def test_with_billing_off_nothing_is_reserved_or_charged(workspace, settings):
    settings.SHOPREEL_BILLING = False
    job = job_create_paid(workspace=workspace, url="https://shop.example.com/p/1", options={"length": 60})
    assert job.cost is None and not LedgerEntry.objects.exists()
    assert job_quote(workspace=workspace, options={"length": 60}).as_dict()["billing"] == "off"


def test_a_plan_without_generative_shots_makes_motion_shots_and_is_not_charged_for_gpu(workspace, billing_on, settings):
    from generation.backends.registry import backend_names

    settings.SHOPREEL_SHOT_BACKENDS = {"default": ["diffusion", "motion"]}
    settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR = "/srv/weights/ltx"  # a GPU backend is configured
    _account(workspace, plan="growth", balance=100)
    assert job_quote(workspace=workspace, options={"length": 15}).price.as_dict() == {
        "credits": 12, "video": 3, "generative": 9,
    }
    _account(workspace, plan="starter")
    assert job_quote(workspace=workspace, options={"length": 15}).price.as_dict() == {
        "credits": 3, "video": 3, "generative": 0,
    }
    job = job_create_paid(workspace=workspace, url="https://shop.example.com/p/1", options={"length": 15})
    assert job.options["generative"] is False and job.cost == 3
    assert backend_names("hero", generative=False) == ["motion"]
    assert backend_names("hero") == ["diffusion", "motion"]
