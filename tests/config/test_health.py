"""/healthz answers while the process lives; /readyz says which of the database, cache, broker
and media store fail, with 503, and never leaks their addresses."""

from __future__ import annotations

import shutil

import pytest

from tests.servers import free_port, redis_server


@pytest.mark.django_db
def test_liveness_answers_without_checking_anything(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_ready_when_database_cache_and_media_answer(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "media": "ok"}}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_an_unreachable_broker_is_named_but_its_address_is_not(client, settings):
    port = free_port()
    settings.CELERY_BROKER_URL = f"redis://:s3cret@127.0.0.1:{port}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "media": "ok", "broker": "failing"}
    assert str(port) not in response.content.decode() and "s3cret" not in response.content.decode()


@pytest.mark.django_db
def test_a_media_store_that_cannot_be_written_is_not_ready(client, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.MEDIA_ROOT = str(blocker / "media")  # cannot exist, whoever runs the test
    settings.CELERY_BROKER_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["checks"]["media"] == "failing"


@pytest.mark.services
@pytest.mark.django_db
@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")
def test_readiness_follows_a_real_redis_going_down(client, settings):
    with redis_server(free_port()) as url:
        settings.CELERY_BROKER_URL = url
        assert client.get("/readyz").status_code == 200
    response = client.get("/readyz")  # the server is gone now
    assert response.status_code == 503 and response.json()["checks"]["broker"] == "failing"
