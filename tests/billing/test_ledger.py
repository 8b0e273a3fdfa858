"""The credit ledger as a user would check it: each movement's arithmetic and its ledger row
(kind, reason, balances after), what is refused and with which 402, what a redelivery or a race
leaves, and the staff's tools (the admin's grant and adjust, the two commands)."""

from __future__ import annotations

import json
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from accounts.models import Agency
from accounts.services import workspace_hand_over
from billing.ledger import (
    account_for_workspace,
    credits_adjust,
    credits_grant,
    credits_refund,
    credits_reserve,
    credits_settle,
)
from billing.models import BillingAccount, ClientCap, LedgerEntry, Plan
from billing.selectors import agency_clients_usage, client_month_usage
from core.errors import ApplicationError, PaymentRequired
from tests.billing.conftest import reload
from tests.factories import UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


def rows(account) -> list[tuple]:
    """The account's ledger, oldest first: (kind, balance change, reserved change, balance after,
    reserved after)."""
    return [
        (e.kind, e.balance_change, e.reserved_change, e.balance_after, e.reserved_after)
        for e in LedgerEntry.objects.filter(account=account).order_by("created_at")
    ]


def refused(code: str, call, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        call(**kwargs)
    assert info.value.code == code, info.value.as_dict()
    return info.value


# ------------------------------------------------------------------ accounts


def test_a_new_workspace_starts_on_the_trial_with_its_credits_once(plans):
    workspace = WorkspaceFactory()
    account = account_for_workspace(workspace=workspace)
    assert account.workspace == workspace and account.plan == plans["trial"]
    assert (account.status, account.balance, account.reserved) == ("trialing", 30, 0)
    [welcome] = LedgerEntry.objects.filter(account=account)
    assert (welcome.kind, welcome.balance_change, welcome.balance_after) == ("grant", 30, 30)
    assert welcome.reason == "Free trial: welcome credits" and welcome.reference == f"trial:{account.id}"
    # the second use finds it: no second account, no second welcome
    assert account_for_workspace(workspace=workspace).id == account.id
    assert BillingAccount.objects.count() == 1 and LedgerEntry.objects.count() == 1


def test_an_agencys_clients_share_one_pool_made_on_first_use(plans):
    agency = Agency.objects.create(name="A", slug="a")
    north = WorkspaceFactory(agency=agency)
    south = WorkspaceFactory(agency=agency)
    pool = account_for_workspace(workspace=north)
    assert pool.agency == agency and pool.workspace is None
    assert account_for_workspace(workspace=south).id == pool.id
    assert reload(pool).balance == 30  # one welcome for the pool, not one per client


def test_the_database_refuses_a_negative_balance_or_reserve_whatever_code_runs(solo):
    for field in ("balance", "reserved"):
        with pytest.raises(IntegrityError), transaction.atomic():
            BillingAccount.objects.filter(id=solo.account.id).update(**{field: -1})
    assert (reload(solo.account).balance, solo.account.reserved) == (100, 0)


# ------------------------------------------------------------------ grant, adjust


def test_a_grant_adds_credits_with_its_reason_and_counts_once_per_reference(solo):
    entry = credits_grant(account=solo.account, credits=150, reason="Growth: June", reference="in_123")
    assert (entry.kind, entry.balance_change, entry.reserved_change, entry.balance_after, entry.reserved_after) == (
        "grant", 150, 0, 250, 0)
    assert entry.reason == "Growth: June" and entry.reference == "in_123" and not entry.flagged
    # Stripe sends the invoice again: nothing more
    assert credits_grant(account=solo.account, credits=150, reason="Growth: June", reference="in_123") is None
    assert reload(solo.account).balance == 250
    assert LedgerEntry.objects.filter(reference="in_123").count() == 1
    # a purchase is a grant of another kind, counted once per checkout session
    credits_grant(account=solo.account, credits=100, reason="100 credits", reference="cs_1", kind="purchase")
    assert credits_grant(account=solo.account, credits=100, reason="100 credits", reference="cs_1", kind="purchase") is None
    assert reload(solo.account).balance == 350


@pytest.mark.parametrize(("credits", "reason", "field"), [(0, "x", "credits"), (-5, "x", "credits"), (5, "  ", "reason")])
def test_a_grant_needs_credits_and_a_reason(solo, credits, reason, field):
    error = refused("invalid_input", credits_grant, account=solo.account, credits=credits, reason=reason)
    assert error.detail == {"field": field} and error.status == 400
    assert reload(solo.account).balance == 100 and LedgerEntry.objects.count() == 1


def test_staff_adjust_up_or_down_never_below_zero_and_say_who(solo):
    staff = UserFactory(is_staff=True)
    down = credits_adjust(account=solo.account, credits=-40, reason="double grant in June", actor=staff)
    assert (down.kind, down.balance_change, down.balance_after, down.actor) == ("adjust", -40, 60, staff)
    assert down.reference.startswith("adjust:")
    up = credits_adjust(account=solo.account, credits=5, reason="goodwill", actor=staff)
    assert up.balance_after == 65
    error = refused("invalid_input", credits_adjust, account=solo.account, credits=-66, reason="too much", actor=staff)
    assert error.detail == {"balance": 65} and "65" in error.message
    refused("invalid_input", credits_adjust, account=solo.account, credits=0, reason="nothing", actor=staff)
    refused("invalid_input", credits_adjust, account=solo.account, credits=3, reason="", actor=staff)
    assert reload(solo.account).balance == 65
    assert [r[0] for r in rows(solo.account)] == ["grant", "adjust", "adjust"]


# ------------------------------------------------------------------ reserve, settle, release


def test_reserve_then_settle_charges_what_was_used_and_gives_back_the_rest(solo):
    job = uuid.uuid4()
    reserve = credits_reserve(workspace=solo.workspace, job_id=job, credits=12)
    assert (reserve.kind, reserve.job_id, reserve.workspace, reserve.reason) == (
        "reserve", job, solo.workspace, f"ad job {str(job)[:8]}: held until it ends")
    assert (reload(solo.account).balance, solo.account.reserved) == (88, 12)
    settle = credits_settle(job_id=job, charged=9)
    assert (settle.kind, settle.workspace, settle.reason) == ("settle", solo.workspace, f"ad job {str(job)[:8]}: 9 of 12 held credits charged")
    assert (reload(solo.account).balance, solo.account.reserved) == (91, 0)
    assert rows(solo.account) == [
        ("grant", 100, 0, 100, 0),
        ("reserve", -12, 12, 88, 12),
        ("settle", 3, -12, 91, 0),
    ]
    assert client_month_usage(workspace=solo.workspace) == 9


def test_a_failed_or_cancelled_job_is_released_and_charges_nothing(solo):
    job = uuid.uuid4()
    credits_reserve(workspace=solo.workspace, job_id=job, credits=10)
    release = credits_settle(job_id=job, charged=0)
    assert (release.kind, release.reason) == ("release", f"ad job {str(job)[:8]}: failed or cancelled, nothing charged")
    assert rows(solo.account)[-2:] == [("reserve", -10, 10, 90, 10), ("release", 10, -10, 100, 0)]
    assert client_month_usage(workspace=solo.workspace) == 0


@pytest.mark.parametrize(("charged", "kind", "balance"), [(25, "settle", 90), (-3, "release", 100)])
def test_a_settle_charges_at_most_what_was_reserved_and_never_less_than_nothing(solo, charged, kind, balance):
    job = uuid.uuid4()
    credits_reserve(workspace=solo.workspace, job_id=job, credits=10)
    assert credits_settle(job_id=job, charged=charged).kind == kind
    assert (reload(solo.account).balance, solo.account.reserved) == (balance, 0)


def test_several_jobs_hold_credits_side_by_side(solo):
    a, b = uuid.uuid4(), uuid.uuid4()
    credits_reserve(workspace=solo.workspace, job_id=a, credits=30)
    credits_reserve(workspace=solo.workspace, job_id=b, credits=20)
    assert (reload(solo.account).balance, solo.account.reserved) == (50, 50)
    credits_settle(job_id=b, charged=20)
    assert (reload(solo.account).balance, solo.account.reserved) == (50, 30)
    credits_settle(job_id=a, charged=0)
    assert (reload(solo.account).balance, solo.account.reserved) == (80, 0)


def test_a_redelivered_reserve_or_settle_is_a_no_op(solo):
    job = uuid.uuid4()
    credits_reserve(workspace=solo.workspace, job_id=job, credits=10)
    other = uuid.uuid4()
    credits_reserve(workspace=solo.workspace, job_id=other, credits=10)  # so `reserved` could cover a second end
    assert credits_reserve(workspace=solo.workspace, job_id=job, credits=10) is None
    assert credits_settle(job_id=job, charged=4) is not None
    before = rows(solo.account)
    assert credits_settle(job_id=job, charged=4) is None
    assert credits_settle(job_id=job, charged=0) is None  # a cancel arriving after the finish
    assert rows(solo.account) == before
    assert (reload(solo.account).balance, solo.account.reserved) == (86, 10)
    assert LedgerEntry.objects.filter(job_id=job).count() == 2


def test_a_cancel_racing_a_finish_ends_the_job_once(solo):
    """The cancel wins here; the finish that follows finds the job ended (the real race, on
    PostgreSQL, is in test_ledger_concurrency.py)."""
    job = uuid.uuid4()
    credits_reserve(workspace=solo.workspace, job_id=job, credits=10)
    assert credits_settle(job_id=job, charged=0).kind == "release"
    assert credits_settle(job_id=job, charged=10) is None
    assert list(LedgerEntry.objects.filter(job_id=job).values_list("kind", flat=True).order_by("created_at")) == [
        "reserve", "release"]
    assert (reload(solo.account).balance, solo.account.reserved) == (100, 0)


def test_ending_a_job_that_reserved_nothing_does_nothing(solo):
    assert credits_settle(job_id=uuid.uuid4(), charged=5) is None
    assert credits_reserve(workspace=solo.workspace, job_id=uuid.uuid4(), credits=0) is None
    assert rows(solo.account) == [("grant", 100, 0, 100, 0)]


def test_a_job_the_balance_cannot_cover_is_refused_with_402_naming_cost_and_balance(solo):
    credits_reserve(workspace=solo.workspace, job_id=uuid.uuid4(), credits=95)
    job = uuid.uuid4()
    error = refused("insufficient_credits", credits_reserve, workspace=solo.workspace, job_id=job, credits=6)
    assert isinstance(error, PaymentRequired) and error.status == 402
    assert error.detail == {"cost": 6, "balance": 5}
    assert "6 credits" in error.message and "balance is 5" in error.message
    assert not LedgerEntry.objects.filter(job_id=job).exists()
    assert (reload(solo.account).balance, solo.account.reserved) == (5, 95)
    assert credits_reserve(workspace=solo.workspace, job_id=job, credits=5) is not None  # exactly enough is enough


@pytest.mark.parametrize(("status", "word"), [("past_due", "past due"), ("canceled", "cancelled")])
def test_a_past_due_or_cancelled_subscription_blocks_new_jobs_with_402(solo, status, word):
    BillingAccount.objects.filter(id=solo.account.id).update(status=status)
    error = refused("subscription_inactive", credits_reserve, workspace=solo.workspace, job_id=uuid.uuid4(), credits=1)
    assert error.status == 402 and error.detail == {"status": status} and word in error.message
    assert "Ads already made stay available" in error.message
    assert error.as_dict()["error"]["code"] == "subscription_inactive"
    assert rows(solo.account) == [("grant", 100, 0, 100, 0)]
    # paid again: jobs go through, and the credits were kept
    BillingAccount.objects.filter(id=solo.account.id).update(status="active")
    assert credits_reserve(workspace=solo.workspace, job_id=uuid.uuid4(), credits=1) is not None


def test_a_job_ending_while_past_due_still_settles(solo):
    job = uuid.uuid4()
    credits_reserve(workspace=solo.workspace, job_id=job, credits=10)
    BillingAccount.objects.filter(id=solo.account.id).update(status="past_due")
    assert credits_settle(job_id=job, charged=10).kind == "settle"
    assert (reload(solo.account).balance, solo.account.reserved) == (90, 0)


# ------------------------------------------------------------------ refunds


def test_a_refund_takes_back_the_pack_when_the_credits_are_still_there(solo):
    entry = credits_refund(account=solo.account, credits=30, reason="pack refunded", reference="ch_1")
    assert (entry.kind, entry.balance_change, entry.balance_after, entry.flagged) == ("refund", -30, 70, False)
    assert credits_refund(account=solo.account, credits=30, reason="pack refunded", reference="ch_1") is None
    assert reload(solo.account).balance == 70


def test_a_refund_never_goes_negative_and_a_short_one_is_flagged(solo):
    credits_reserve(workspace=solo.workspace, job_id=uuid.uuid4(), credits=80)  # held credits are not taken
    entry = credits_refund(account=solo.account, credits=50, reason="pack refunded", reference="ch_2")
    assert (entry.balance_change, entry.balance_after, entry.reserved_after, entry.flagged) == (-20, 0, 80, True)
    assert entry.reason == "pack refunded (only 20 of 50 credits were left)"
    # nothing left at all: still recorded once, flagged for a person
    empty = credits_refund(account=solo.account, credits=10, reason="second pack refunded", reference="ch_3")
    assert (empty.balance_change, empty.balance_after, empty.flagged) == (0, 0, True)
    assert credits_refund(account=solo.account, credits=10, reason="second pack refunded", reference="ch_3") is None
    assert (reload(solo.account).balance, solo.account.reserved) == (0, 80)
    assert list(LedgerEntry.objects.filter(flagged=True).values_list("reference", flat=True).order_by("created_at")) == [
        "ch_2", "ch_3"]


# ------------------------------------------------------------------ agency pools and caps


def test_an_agency_pool_pays_for_both_clients_and_counts_each_ones_usage(pool):
    credits_reserve(workspace=pool.north, job_id=(a := uuid.uuid4()), credits=30)
    credits_reserve(workspace=pool.south, job_id=(b := uuid.uuid4()), credits=50)
    assert (reload(pool.account).balance, pool.account.reserved) == (20, 80)
    credits_settle(job_id=a, charged=25)
    credits_settle(job_id=b, charged=0)
    assert (reload(pool.account).balance, pool.account.reserved) == (75, 0)
    assert client_month_usage(workspace=pool.north) == 25 and client_month_usage(workspace=pool.south) == 0
    # what one client spent is gone for the other
    error = refused("insufficient_credits", credits_reserve, workspace=pool.south, job_id=uuid.uuid4(), credits=76)
    assert error.detail == {"cost": 76, "balance": 75}
    assert [(u.workspace.slug, u.used, u.cap) for u in agency_clients_usage(agency=pool.agency)] == [
        ("north", 25, None), ("south", 0, None)]


def test_a_client_cap_refuses_with_402_and_leaves_the_other_client_alone(pool):
    cap = ClientCap.objects.create(workspace=pool.north, monthly_credits=40)
    credits_reserve(workspace=pool.north, job_id=(a := uuid.uuid4()), credits=30)
    error = refused("client_cap_reached", credits_reserve, workspace=pool.north, job_id=uuid.uuid4(), credits=11)
    assert error.status == 402 and error.detail == {"cap": 40, "used": 30, "cost": 11}
    assert "40 credits" in error.message
    assert credits_reserve(workspace=pool.north, job_id=uuid.uuid4(), credits=10) is not None  # up to the cap exactly
    assert credits_reserve(workspace=pool.south, job_id=uuid.uuid4(), credits=50) is not None  # no cap on south
    # a released job gives its credits back to the cap
    credits_settle(job_id=a, charged=0)
    assert credits_reserve(workspace=pool.north, job_id=uuid.uuid4(), credits=30) is not None
    # raising the cap is seen at once, even by a workspace object loaded before
    cap.monthly_credits = 41
    cap.save()
    assert credits_reserve(workspace=pool.north, job_id=uuid.uuid4(), credits=1) is not None
    assert [(u.workspace.slug, u.used, u.cap) for u in agency_clients_usage(agency=pool.agency)] == [
        ("north", 41, 41), ("south", 50, None)]


def test_a_cap_only_binds_an_agencys_client(solo):
    ClientCap.objects.create(workspace=solo.workspace, monthly_credits=1)
    assert credits_reserve(workspace=solo.workspace, job_id=uuid.uuid4(), credits=50) is not None


def test_a_handed_over_client_pays_for_itself_from_then_on(pool):
    workspace_hand_over(workspace=pool.north)
    pool.north.refresh_from_db()
    own = account_for_workspace(workspace=pool.north)
    assert own.workspace == pool.north and own.id != pool.account.id
    assert agency_clients_usage(agency=pool.agency)[0].workspace == pool.south


# ------------------------------------------------------------------ the admin


@pytest.fixture
def staff_client(client):
    staff = UserFactory(username="support", is_staff=True, is_superuser=True)
    client.force_login(staff)
    client.staff = staff
    return client


ACCOUNTS = "/admin/billing/billingaccount/"


def test_staff_grant_credits_from_the_admin_and_are_recorded_as_the_actor(staff_client, solo, pool):
    ids = [str(solo.account.id), str(pool.account.id)]
    page = staff_client.post(ACCOUNTS, {"action": "change_credits", "_selected_action": ids})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Grant or adjust credits" in html and 'name="reason"' in html and "balance 100" in html
    response = staff_client.post(ACCOUNTS, {
        "action": "change_credits", "_selected_action": ids, "apply": "Record",
        "kind": "grant", "credits": "25", "reason": "Outage on 3 June",
    }, follow=True)
    assert response.status_code == 200 and "the balance is 125" in response.content.decode()
    for account in (solo.account, pool.account):
        entry = LedgerEntry.objects.filter(account=account).latest("created_at")
        assert (entry.kind, entry.balance_change, entry.balance_after) == ("grant", 25, 125)
        assert entry.reason == "Outage on 3 June" and entry.actor == staff_client.staff
        assert entry.reference.startswith("staff:")


def test_staff_adjust_down_from_the_admin_never_below_zero(staff_client, solo):
    base = {"action": "change_credits", "_selected_action": [str(solo.account.id)], "apply": "Record", "kind": "adjust"}
    response = staff_client.post(ACCOUNTS, {**base, "credits": "-30", "reason": "Granted twice"}, follow=True)
    assert "the balance is 70" in response.content.decode()
    entry = LedgerEntry.objects.get(kind="adjust")
    assert (entry.balance_change, entry.actor, entry.reason) == (-30, staff_client.staff, "Granted twice")
    response = staff_client.post(ACCOUNTS, {**base, "credits": "-71", "reason": "Too much"}, follow=True)
    assert "can&#x27;t go down by 71" in response.content.decode()
    assert reload(solo.account).balance == 70 and LedgerEntry.objects.filter(kind="adjust").count() == 1


@pytest.mark.parametrize("data", [
    {"kind": "grant", "credits": "0", "reason": "x"},
    {"kind": "grant", "credits": "-5", "reason": "x"},
    {"kind": "adjust", "credits": "0", "reason": "x"},
    {"kind": "grant", "credits": "5", "reason": ""},
    {"kind": "grant", "credits": "five", "reason": "x"},
])
def test_the_credits_form_shows_what_is_wrong_and_records_nothing(staff_client, solo, data):
    response = staff_client.post(ACCOUNTS, {
        "action": "change_credits", "_selected_action": [str(solo.account.id)], "apply": "Record", **data,
    })
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert LedgerEntry.objects.count() == 1


def test_the_ledger_in_the_admin_is_read_only_searchable_and_filterable(staff_client, solo):
    job = uuid.uuid4()
    credits_reserve(workspace=solo.workspace, job_id=job, credits=7)
    entry = LedgerEntry.objects.get(job_id=job)
    ledger = "/admin/billing/ledgerentry/"
    for query in (f"?q={job}", f"?q={str(job)[:8]}", "?q=test:", "?kind__exact=reserve", "?flagged__exact=0",
                  f"?account__id__exact={solo.account.id}"):
        response = staff_client.get(ledger + query)
        assert response.status_code == 200, query
    assert str(entry.id) in staff_client.get(f"{ledger}?q={job}").content.decode()
    assert str(entry.id) not in staff_client.get(f"{ledger}?kind__exact=grant").content.decode()
    assert staff_client.get(f"{ledger}add/").status_code == 403
    assert staff_client.get(f"{ledger}{entry.id}/change/").status_code == 200  # view only
    assert staff_client.post(f"{ledger}{entry.id}/change/", {"reason": "edited", "balance_change": "0"}).status_code == 403
    assert staff_client.get(f"{ledger}{entry.id}/delete/").status_code == 403
    entry.refresh_from_db()
    assert entry.reason == f"ad job {str(job)[:8]}: held until it ends" and entry.balance_change == -7
    # the account's page links to its movements
    assert f"?account__id__exact={solo.account.id}" in staff_client.get(f"{ACCOUNTS}{solo.account.id}/change/").content.decode()
    assert staff_client.get(f"{ACCOUNTS}add/").status_code == 403


def test_plans_are_edited_in_the_admin_for_this_deployments_stripe_prices(staff_client, plans):
    plan = plans["starter"]
    fields = {f: getattr(plan, f) for f in ("slug", "name", "kind", "monthly_credits", "price_cents", "currency",
                                             "max_length_seconds", "max_formats", "seats", "position")}
    response = staff_client.post(f"/admin/billing/plan/{plan.id}/change/",
                                 {**fields, "stripe_price_id": "price_live_123", "active": "on"})
    assert response.status_code == 302
    assert Plan.objects.get(id=plan.id).stripe_price_id == "price_live_123"
    assert staff_client.get(f"/admin/billing/plan/{plan.id}/delete/").status_code == 403


def test_a_client_cap_in_the_admin_is_for_an_agencys_client_only(staff_client, pool, solo):
    add = "/admin/billing/clientcap/add/"
    response = staff_client.post(add, {"workspace": str(solo.workspace.id), "monthly_credits": "10"})
    assert response.status_code == 200 and "pays for itself" in response.content.decode()
    response = staff_client.post(add, {"workspace": str(pool.north.id), "monthly_credits": "10"})
    assert response.status_code == 302 and ClientCap.objects.get().workspace == pool.north


# ------------------------------------------------------------------ the commands


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_credits_grant_grants_to_the_pool_that_pays_for_the_workspace(pool):
    out = run("credits_grant", "--workspace", "south", "--credits", "40", "--reason", "Launch bonus")
    assert out.count("\n") == 1
    assert out.strip() == "Granted 40 credits to the pool of the agency echo (which pays for south): the balance is 140."
    entry = LedgerEntry.objects.filter(account=pool.account).latest("created_at")
    assert (entry.kind, entry.balance_change, entry.reason, entry.workspace, entry.actor) == (
        "grant", 40, "Launch bonus", None, None)
    assert json.loads(run("credits_balance", "--workspace", "north", "--json")) == {"balance": 140, "reserved": 0}


def test_credits_grant_to_a_workspace_paying_alone(solo):
    out = run("credits_grant", "--workspace", "solo", "--credits", "5", "--reason", "Sorry")
    assert out == "Granted 5 credits to the workspace solo: the balance is 105.\n"


def test_credits_balance_prints_exactly_balance_and_reserved(solo):
    credits_reserve(workspace=solo.workspace, job_id=uuid.uuid4(), credits=12)
    out = run("credits_balance", "--workspace", "solo", "--json")
    assert out == '{"balance": 88, "reserved": 12}\n'
    assert run("credits_balance", "--workspace", "solo") == (
        "solo: 88 credits to spend, 12 held for queued jobs (its own account).\n")


def test_credits_balance_of_a_new_workspace_shows_its_trial_credits(plans):
    WorkspaceFactory(slug="fresh")
    assert json.loads(run("credits_balance", "--workspace", "fresh", "--json")) == {"balance": 30, "reserved": 0}


@pytest.mark.parametrize(("args", "message"), [
    (["--workspace", "nope", "--credits", "5", "--reason", "x"], "No workspace with the slug 'nope'."),
    (["--workspace", "solo", "--credits", "ten", "--reason", "x"], "--credits takes a whole number of credits, not 'ten'."),
    (["--workspace", "solo", "--credits", "0", "--reason", "x"], "A grant adds at least one credit."),
    (["--workspace", "solo", "--credits", "-4", "--reason", "x"], "A grant adds at least one credit."),
    (["--workspace", "solo", "--credits", "5", "--reason", " "], "Say why the credits are granted."),
])
def test_credits_grant_refuses_bad_input_with_one_plain_line(solo, args, message):
    with pytest.raises(CommandError) as error:
        run("credits_grant", *args)
    assert str(error.value) == message and "\n" not in str(error.value)
    assert reload(solo.account).balance == 100


def test_credits_balance_of_an_unknown_workspace_fails(db):
    with pytest.raises(CommandError, match="No workspace with the slug 'nope'"):
        run("credits_balance", "--workspace", "nope", "--json")

