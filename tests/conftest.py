"""Fixtures shared by the whole suite.

Server-stack tests need the real PostgreSQL and Redis that scripts/test.sh starts. Where
SHOPREEL_TEST_REQUIRE_SERVICES=1 (scripts/test.sh, CI) a missing server fails the test; on a
developer's quick `pytest tests/templates_engine` run it is skipped with the reason.
"""

from __future__ import annotations

import os

import pytest

from tests.factories import WorkspaceFactory


def _require(what: str) -> None:
    message = f"{what} is not available: run the suite with `bash scripts/test.sh`"
    if os.environ.get("SHOPREEL_TEST_REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        _require("Redis (REDIS_URL)")
    return url


@pytest.fixture
def postgres(settings) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        _require("PostgreSQL (DATABASE_URL)")


@pytest.fixture
def queued_pipelines(monkeypatch) -> list[str]:
    """The job ids whose pipeline canvas was sent (on commit, through the outbox), recorded at
    the broker's edge instead of sent: a test sees exactly which jobs were queued, and leaves
    nothing in a shared Redis. Other messages are recorded as not sent (they stay in the outbox)."""
    from accounts import outbox
    from generation import workflow

    queued: list[str] = []

    def publish(sig) -> None:
        first = sig.tasks[0] if hasattr(sig, "tasks") else sig
        if first.task != workflow.SCRAPE_PRODUCT:
            raise ConnectionError("not sent in this test")
        queued.append(first.args[0])

    monkeypatch.setattr(outbox, "publish", publish)
    return queued


@pytest.fixture
def plans(db):
    """The plans and packs billing's migration seeds, present even after a transactional test
    elsewhere flushed the database (a flush drops data that migrations wrote)."""
    import importlib

    from django.apps import apps

    from billing.models import Plan

    importlib.import_module("billing.migrations.0002_seed_plans_and_packs").seed(apps, None)
    return {plan.slug: plan for plan in Plan.objects.all()}


@pytest.fixture
def workspace(db):
    return WorkspaceFactory()


@pytest.fixture
def other_workspace(db):
    return WorkspaceFactory()


@pytest.fixture(scope="session")
def demo_shop():
    """The built-in demo shop, served on loopback for the whole session."""
    from products.demo.server import DemoShop

    with DemoShop() as shop:
        yield shop


@pytest.fixture
def allow_demo_shop(settings, demo_shop):
    """Let the fetcher reach the demo shop on 127.0.0.1 (refused by default, as in production)."""
    settings.SHOPREEL_FETCH_ALLOW_HOSTS = [demo_shop.host_port]
    return demo_shop
