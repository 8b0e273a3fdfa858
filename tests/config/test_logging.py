"""Structured logs: a task's lines carry its job, workspace and task ids; a request's lines carry
its request id and workspace; SHOPREEL_LOG_FORMAT=json writes one JSON object a line."""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from accounts.services import api_key_create
from core import logcontext
from generation.models import RenderJob
from generation.tasks import scrape_product
from tests.products.test_import import _jpeg
from tests.servers import serve
from tests.workers import celery_workers, wait_for

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def json_lines():
    """The JSON lines logged meanwhile (INFO and up), as the settings' json handler writes them."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logcontext.json_formatter())
    handler.addFilter(logcontext.ContextFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    lines: list[dict] = []
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        lines.extend(json.loads(line) for line in buffer.getvalue().splitlines())


@pytest.mark.django_db
def test_a_tasks_lines_carry_its_job_workspace_and_task_ids(workspace):
    job = RenderJob.objects.create(workspace=workspace, source_url="http://127.0.0.1:1/p")  # refused
    with json_lines() as lines:
        result = scrape_product.apply(args=[str(job.id)])  # the worker's path: prerun/postrun signals sent
    [failed] = [line for line in lines if line["message"] == "job failed"]  # generation.services names only the job
    assert failed["job_id"] == str(job.id) and failed["workspace_id"] == str(workspace.id)
    assert failed["task_id"] == result.id and failed["task_name"] == "generation.scrape_product"
    assert failed["level"] == "INFO" and failed["logger"] == "generation.services" and failed["time"]
    assert logcontext.current() == {}  # unbound once the task ended
    assert RenderJob.objects.get(id=job.id).state == RenderJob.State.FAILED


@pytest.mark.django_db(transaction=True)
def test_a_requests_lines_carry_its_request_id_and_workspace(workspace, settings):
    settings.CELERY_BROKER_URL = ""  # no broker: the photos are fetched after commit, in the request
    _row, key = api_key_create(workspace=workspace, name="logs", scope="write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    with serve({"/a.jpg": (200, "image/jpeg", _jpeg((30, 160, 60)))}) as host:
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        with json_lines() as lines:
            response = client.post(
                "/api/v1/products/", {"title": "Mug", "price": "9", "currency": "EUR", "images": [f"http://{host}/a.jpg"]},
                format="json", HTTP_X_REQUEST_ID="req-42.a_b",
            )
    assert response.status_code == 202 and response["X-Request-ID"] == "req-42.a_b"
    [fetched] = [line for line in lines if line["message"] == "manual photos fetched"]
    assert fetched["request_id"] == "req-42.a_b" and fetched["workspace_id"] == str(workspace.id)
    assert fetched["product_id"] == response.json()["id"]
    assert logcontext.current() == {}


@pytest.mark.django_db
@pytest.mark.parametrize("sent", ["", "two words", "x" * 65, "id\r\nX-Injected: 1"])
def test_a_missing_or_odd_request_id_is_replaced_by_a_new_one(client, sent):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=sent)
    assert response.status_code == 200
    assert len(response["X-Request-ID"]) == 32 and response["X-Request-ID"] != sent
    assert client.get("/healthz")["X-Request-ID"] != response["X-Request-ID"]


def test_the_json_setting_writes_json_lines_with_the_bound_ids():
    code = (
        "import django, logging\n"
        "django.setup()\n"
        "from core.logcontext import bind\n"
        "with bind(job_id='j-1', workspace_id='w-1'):\n"
        "    logging.getLogger('shopreel.test').warning('render stalled', extra={'shot': 3})\n"
        "logging.getLogger('shopreel.test').warning('after')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "SHOPREEL_LOG_FORMAT": "json"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60, check=True)
    first, second = (json.loads(line) for line in done.stderr.splitlines())
    assert first["message"] == "render stalled" and first["level"] == "WARNING" and first["logger"] == "shopreel.test"
    assert first["job_id"] == "j-1" and first["workspace_id"] == "w-1" and first["shot"] == 3
    assert second["message"] == "after" and "job_id" not in second


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")
def test_a_real_workers_json_log_names_the_job_workspace_and_task(workspace, settings, redis_url, postgres, tmp_path):
    from generation.services import job_start

    settings.CELERY_BROKER_URL = redis_url
    with celery_workers({"default": settings.SHOPREEL_QUEUE_DEFAULT}, redis_url=redis_url, allow_hosts="",
                        log_dir=tmp_path, env={"SHOPREEL_LOG_FORMAT": "json"}) as (_processes, logs):
        job = job_start(workspace=workspace, url="http://127.0.0.1:1/p")  # refused: the job fails at once
        wait_for(lambda: RenderJob.objects.get(id=job.id).state == RenderJob.State.FAILED,
                 timeout=60, what="the job failed", log=logs["default"])
        wait_for(lambda: "job step ended" in logs["default"].read_text(), timeout=10, what="the log line")
    lines = [json.loads(line) for line in logs["default"].read_text().splitlines() if line.startswith("{")]
    [ended] = [line for line in lines if line["message"] == "job step ended"]
    assert ended["job_id"] == str(job.id) and ended["workspace_id"] == str(workspace.id)
    assert ended["task_name"] == "generation.scrape_product" and ended["task_id"]
