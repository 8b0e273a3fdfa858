"""The ledger under real concurrency, on PostgreSQL: threads, each with its own connection,
released together by a barrier. SQLite serialises writers, so these only mean something here."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
from django.db import connection

from accounts.models import Agency
from billing.ledger import credits_reserve, credits_settle
from billing.models import ClientCap, LedgerEntry
from billing.selectors import client_month_usage
from core.errors import ApplicationError
from tests.billing.conftest import make_account, reload
from tests.factories import WorkspaceFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def race(count: int, work) -> list:
    """Run ``work(i)`` in ``count`` threads at once; each outcome is what it returned, or the
    refusal's code."""
    barrier = threading.Barrier(count)
    outcomes: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            outcomes[i] = work(i)
        except ApplicationError as exc:
            outcomes[i] = exc.code
        except Exception as exc:
            outcomes[i] = f"crashed: {exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def kinds(outcomes: list) -> Counter:
    return Counter(o.kind if isinstance(o, LedgerEntry) else o for o in outcomes)


def test_fifty_concurrent_reserves_of_3_on_30_credits_reserve_exactly_10(postgres):
    workspace = WorkspaceFactory()
    account = make_account(workspace=workspace, credits=30)
    outcomes = race(50, lambda i: credits_reserve(workspace=workspace, job_id=uuid.uuid4(), credits=3))
    assert kinds(outcomes) == {"reserve": 10, "insufficient_credits": 40}, outcomes
    assert (reload(account).balance, account.reserved) == (0, 30)
    reserves = LedgerEntry.objects.filter(account=account, kind="reserve")
    # each reserve saw the one before it: the balances after are 27, 24, … 0, each once
    assert sorted(reserves.values_list("balance_after", flat=True)) == list(range(0, 30, 3))
    assert sorted(reserves.values_list("reserved_after", flat=True)) == list(range(3, 31, 3))
    assert not LedgerEntry.objects.filter(balance_after__lt=0).exists()


@pytest.mark.parametrize("other_job_held", [False, True], ids=["alone", "beside-another-job"])
def test_concurrent_ends_of_one_job_settle_it_once(postgres, other_job_held):
    """Finishes (charge 7) racing cancels (release) and redeliveries: one end, whoever wins.
    With another job's credits held, the losers' UPDATE would still find enough reserved:
    the unique end per job is what stops them."""
    workspace = WorkspaceFactory()
    account = make_account(workspace=workspace, credits=100)
    if other_job_held:
        credits_reserve(workspace=workspace, job_id=uuid.uuid4(), credits=50)
    for _ in range(5):
        before = reload(account).balance
        job = uuid.uuid4()
        credits_reserve(workspace=workspace, job_id=job, credits=10)
        outcomes = race(8, lambda i, job=job: credits_settle(job_id=job, charged=7 if i % 2 else 0))
        ended = [o for o in outcomes if isinstance(o, LedgerEntry)]
        assert len(ended) == 1 and outcomes.count(None) == 7, outcomes
        assert LedgerEntry.objects.filter(job_id=job, kind__in=["settle", "release"]).count() == 1
        charged = 7 if ended[0].kind == "settle" else 0
        assert (reload(account).balance, account.reserved) == (before - charged, 50 if other_job_held else 0)


def test_concurrent_jobs_of_a_capped_client_cannot_pass_the_cap_together(postgres):
    agency = Agency.objects.create(name="Race Agency", slug="race")
    client = WorkspaceFactory(agency=agency)
    other = WorkspaceFactory(agency=agency)
    account = make_account(agency=agency, credits=100)
    ClientCap.objects.create(workspace=client, monthly_credits=9)

    def reserve(i: int):
        workspace = client if i < 10 else other
        return credits_reserve(workspace=workspace, job_id=uuid.uuid4(), credits=3)

    outcomes = race(14, reserve)
    assert kinds(outcomes[:10]) == {"reserve": 3, "client_cap_reached": 7}, outcomes
    assert kinds(outcomes[10:]) == {"reserve": 4}  # the uncapped client is not held back
    assert client_month_usage(workspace=client) == 9 and client_month_usage(workspace=other) == 12
    assert (reload(account).balance, account.reserved) == (79, 21)

