"""A refused input is an outcome the job shows, not a crash for the error log."""

from __future__ import annotations

import logging

import pytest

from generation import services
from generation.tasks import scrape_product
from tests.servers import serve

pytestmark = pytest.mark.django_db


def test_a_page_that_is_gone_fails_the_job_and_logs_no_error(workspace, settings, caplog):
    with serve({}) as host:
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        job = services.job_create(workspace=workspace, url=f"http://{host}/products/gone")
        with caplog.at_level(logging.INFO):
            assert scrape_product(str(job.id)) is None  # the task ends, it does not raise
    job.refresh_from_db()
    assert (job.state, job.error_code) == ("failed", "http_404")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(r.getMessage() == "job step ended" and r.code == "http_404" for r in caplog.records)
