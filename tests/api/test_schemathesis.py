"""Generated requests from the OpenAPI document against the app (in-process, WSGI): no
endpoint answers 5xx, and the answers match the document. A handful of examples per
operation keeps it quick; `--hypothesis-seed` reproduces a failure."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")  # the dev extra

from django.core.signals import request_finished, request_started  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from drf_spectacular.generators import SchemaGenerator  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error, response_schema_conformance  # noqa: E402

from config.wsgi import application  # noqa: E402


@pytest.fixture
def keep_test_connection():
    """Calling the WSGI app directly sends request_started/finished, whose handler closes a
    connection inside a transaction (the test's): off while the test runs, as Django's own
    test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_generated_requests_get_no_5xx_and_documented_answers(case, api, monkeypatch, keep_test_connection):
    # Generated photo URLs must not reach the network (DNS included): photos are refused here.
    monkeypatch.setattr("products.services.photos.product_images_download", lambda **kwargs: 0)
    case.call_and_validate(
        app=application,
        headers={"Authorization": f"Bearer {api.keys['owner']}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
