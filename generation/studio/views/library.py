"""The ad library: the workspace's ads by product, state, language and format, with a search,
twenty to a page. Filters are a GET form, so a filtered page is a link to share."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.views.decorators.http import require_GET

from accounts import selectors as account_selectors
from accounts.views import dashboard_page
from core.vocabulary import FORMATS, LANGUAGES
from generation import selectors
from generation.studio.views.common import refusals, uuid_or_404
from products.selectors import product_get, products_for_workspace

PER_PAGE = 20
MAX_QUERY = 100


@require_GET
@refusals
def library(request, workspace_id):
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    given = request.GET
    product = None
    if given.get("product"):
        product = product_get(workspace=access.workspace, product_id=uuid_or_404(given["product"]))
    filters = {
        "state": given.get("state") if given.get("state") in selectors.AD_STATES else "",
        "language": given.get("language") if given.get("language") in LANGUAGES else "",
        "format_name": given.get("format") if given.get("format") in FORMATS else "",
        "query": given.get("q", "")[:MAX_QUERY],
    }
    ads = selectors.ads_library(workspace=access.workspace, product=product, **filters)
    page = Paginator(ads, PER_PAGE).get_page(given.get("page"))
    rows = [
        {
            "ad": ad,
            "outputs": selectors.ad_latest_outputs(ad),
            "job": next(iter(ad.jobs.all()), None),
        }
        for ad in page.object_list
    ]
    keep = given.copy()
    keep.pop("page", None)
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "product": product,
        "query_string": keep.urlencode(),
        "states": selectors.AD_STATES,
        "languages": LANGUAGES,
        "formats": FORMATS,
        "products": products_for_workspace(workspace=access.workspace).order_by("title")[:200],
    }
    return dashboard_page(request, "studio/library.html", context, access=access)
