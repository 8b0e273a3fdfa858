"""Billing fixtures: the seeded plans, a workspace paying alone, and an agency whose two clients
share one pool. ``api`` is the shared API world (tests/api/conftest.py: home and sister are the
agency's clients, rival pays alone)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts.models import Agency, Workspace
from billing.ledger import credits_grant
from billing.models import BillingAccount, Plan
from tests.api.conftest import api  # noqa: F401  (the shared API world, used by the API tests)
from tests.factories import WorkspaceFactory


def make_account(
    *, workspace: Workspace | None = None, agency: Agency | None = None, credits: int = 0,
    status: str = BillingAccount.Status.ACTIVE, plan: Plan | None = None,
) -> BillingAccount:
    """An account made directly (no trial credits), holding ``credits`` from one grant."""
    account = BillingAccount.objects.create(workspace=workspace, agency=agency, plan=plan, status=status)
    if credits:
        credits_grant(account=account, credits=credits, reason="opening credits", reference=f"test:{account.id}")
        account.refresh_from_db()
    return account


@dataclass
class Solo:
    workspace: Workspace
    account: BillingAccount


@dataclass
class Pool:
    agency: Agency
    north: Workspace
    south: Workspace
    account: BillingAccount


@pytest.fixture
def solo(plans) -> Solo:
    workspace = WorkspaceFactory(name="Solo Shop", slug="solo")
    return Solo(workspace, make_account(workspace=workspace, credits=100, plan=plans["growth"]))


@pytest.fixture
def pool(plans) -> Pool:
    agency = Agency.objects.create(name="Echo Agency", slug="echo")
    north = WorkspaceFactory(name="North", slug="north", agency=agency)
    south = WorkspaceFactory(name="South", slug="south", agency=agency)
    return Pool(agency, north, south, make_account(agency=agency, credits=100, plan=plans["agency"]))


def reload(account: BillingAccount) -> BillingAccount:
    account.refresh_from_db()
    return account
