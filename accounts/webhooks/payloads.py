"""The ``data`` of each event: the same representation the API returns (its output
serializers), so receivers see one shape. File links are absolute when SHOPREEL_SITE_URL is set."""

from __future__ import annotations

import json
from urllib.parse import urljoin

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder


class _SiteRequest:
    """Just enough of a request for the serializers' ``build_absolute_uri``."""

    def __init__(self, base: str):
        self.base = base.rstrip("/") + "/"

    def build_absolute_uri(self, location: str) -> str:
        return urljoin(self.base, location.lstrip("/"))


def _context() -> dict:
    return {"request": _SiteRequest(settings.SHOPREEL_SITE_URL)} if settings.SHOPREEL_SITE_URL else {}


def _plain(data) -> dict:
    """JSON-safe (UUIDs, decimals and dates as strings), as the API renders them."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def product_data(*, product) -> dict:
    from products.api.views import ProductOutputSerializer
    from products.selectors import product_get

    product = product_get(workspace=product.workspace, product_id=product.id)
    return _plain(ProductOutputSerializer(product, context=_context()).data)


def job_data(*, job) -> dict:
    """``{"ad": <as GET /ads/{id}/, or null when the job failed before writing one>,
    "job": <as GET /jobs/{id}/>}``."""
    from generation.api.views import AdOutputSerializer, JobOutputSerializer
    from generation.selectors import ad_get, job_get

    job = job_get(workspace=job.workspace, job_id=job.id)
    ad = ad_get(workspace=job.workspace, ad_id=job.ad_id) if job.ad_id else None
    return _plain({
        "ad": AdOutputSerializer(ad, context=_context()).data if ad else None,
        "job": JobOutputSerializer(job, context=_context()).data,
    })
