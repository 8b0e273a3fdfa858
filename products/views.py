"""The studio's product pages (``/app/w/<id>/products/…``): the product list (searched, filtered
by state, paged) with the "paste links" form, an import's live page, and a product's page with
its photos, facts (each editable by hand), price check and photo upload. Thin views:
``workspace_access`` (another workspace is 404; a viewer reads, and writing answers 403), a
selector, one service, render.

htmx (``accounts.htmx``): an htmx request gets the part of the page it swaps in (the list's
results, an import's rows, the "paste links" box); every other request the whole page, so all of
it works without JavaScript. Live parts poll only until their end state.

A surface: it may import any domain module, and nothing below imports it. Templates live in
``products/templates/products/studio/``.
"""

from __future__ import annotations

import datetime
import mimetypes
import zoneinfo
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as account_selectors
from accounts.htmx import fragment, vary_on_htmx, wants_fragment
from accounts.media import send_stored
from accounts.views import dashboard_page, dashboard_refusals
from core.errors import ApplicationError, InvalidInput, PermissionDenied
from core.vocabulary import VERTICALS
from products import selectors
from products.models import ImportBatch, ImportBatchRow, Product
from products.services import (
    import_batch_create,
    product_facts_edit,
    product_photos_upload,
    product_price_confirm,
    product_rescrape_start,
)
from products.services.manual import EDITABLE_FACTS
from products.services.photos import MAX_IMAGE_BYTES

PRODUCTS_PER_PAGE = 24
MAX_QUERY = 100
BATCHES_SHOWN = 5
# Labels of the facts, in the order the product page shows them.
FACT_LABELS = {
    "title": "Title",
    "brand": "Brand",
    "price": "Price",
    "regular_price": "Regular price",
    "currency": "Currency",
    "features": "Features",
    "vertical": "Kind of product",
    "description": "Description",
    "source_url": "Product link",
}
ROW_STATES = {
    ImportBatchRow.State.PENDING: "Waiting",
    ImportBatchRow.State.RUNNING: "Reading the page…",
}
ROW_OUTCOMES = {
    "imported": "Imported",
    "partial": "Needs completing",
    "failed": "Could not be read",
    "skipped": "Skipped",
    "duplicate": "Already in this list",
}


def _back_to_product(request, kwargs) -> str:
    if "product_id" in kwargs:
        return reverse("dashboard:product", args=[kwargs["workspace_id"], kwargs["product_id"]])
    return reverse("dashboard:products", args=[kwargs["workspace_id"]])


# Another workspace or product: 404. A viewer writing: 403. A refused form: its message on the
# page it came from.
_refusals = dashboard_refusals(_back_to_product)


def _page(request, template: str, context: dict, *, access, status: int = 200):
    """A dashboard page whose times read in the workspace's own time zone."""
    try:
        zone = zoneinfo.ZoneInfo(access.workspace.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):  # a row saved before zones were checked
        zone = datetime.UTC
    with timezone.override(zone):
        return dashboard_page(request, template, context, access=access, status=status)


def _writer(request, workspace_id):
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    if not access.can_write:
        raise PermissionDenied("Viewers see the products; editors, admins and owners change them.")
    return access


def _who(request) -> str:
    return request.user.email or request.user.get_username()


# ------------------------------------------------------------------ the list and importing


@require_GET
@_refusals
def product_list(request, workspace_id):
    """The workspace's products (state, photo, title, price), newest first, a page at a time:
    ``?q=`` searches title, brand and link, ``?state=`` one of PRODUCT_STATES, ``?page=``; and
    the form to paste links. An htmx search or page link gets the results alone."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    given = request.GET
    filters = {
        "query": given.get("q", "")[:MAX_QUERY],
        "state": given.get("state") if given.get("state") in selectors.PRODUCT_STATES else "",
    }
    products = selectors.products_search(workspace=access.workspace, **filters)
    page = Paginator(products, PRODUCTS_PER_PAGE).get_page(given.get("page"))
    keep = given.copy()
    keep.pop("page", None)
    context = {
        "page": page,
        "products": list(page.object_list),
        "filters": filters,
        "states": selectors.PRODUCT_STATES,
        # The page links keep the search: "?q=mug&state=ready&page=" (then the number).
        "page_link": f"?{keep.urlencode()}&page=" if keep else "?page=",
    }
    if wants_fragment(request):
        context |= {"current": access.workspace, "access": access}
        return fragment(request, "products/studio/_product_results.html", context)
    batches = selectors.import_batches_for_workspace(workspace=access.workspace).filter(
        source=ImportBatch.Source.URLS
    )[:BATCHES_SHOWN]
    context |= {"batches": batches, "max_links": settings.SHOPREEL_CATALOG_MAX_ROWS}
    return vary_on_htmx(_page(request, "products/studio/list.html", context, access=access))


@require_POST
@_refusals
def product_import(request, workspace_id):
    """Pasted links, one per line: one import batch, then its live page (POST-redirect-GET).
    Sent in place (htmx), the answer is the "paste links" box again, empty, with the import's
    live rows under it; a refusal comes back on the field with the text kept (400)."""
    access = _writer(request, workspace_id)
    text = request.POST.get("links", "")
    links = [line.strip() for line in text.splitlines() if line.strip()]
    in_place = wants_fragment(request)
    context = {"current": access.workspace, "max_links": settings.SHOPREEL_CATALOG_MAX_ROWS}
    try:
        if not links:
            raise InvalidInput(
                "Paste at least one product link (https://…), one per line.", code="no_links"
            )
        batch = import_batch_create(workspace=access.workspace, urls=links)
    except ApplicationError as exc:  # no links, too many: said on the field
        if not in_place:
            raise
        context |= {"links": text, "links_error": exc.message}
        return fragment(request, "products/studio/_import_box.html", context, status=400)
    if not in_place:
        return redirect("dashboard:product-import-batch", workspace_id, batch.id)
    batch = selectors.import_batch_get(workspace=access.workspace, batch_id=batch.id)
    context |= _batch_context(batch)
    return _rows_ended(fragment(request, "products/studio/_import_box.html", context), context)


def _missing(product: Product, *, photos: int | None = None) -> list[str]:
    """What an ad needs that the product lacks, in plain words (a page may give no price or
    title and still count as read)."""
    if product.status == Product.Status.PENDING:
        return []
    checks = [("a title", bool(product.title)), ("a price", product.price is not None)]
    if photos is not None:
        checks.append(("a photo", photos > 0))
    return [what for what, ok in checks if not ok]


def _batch_context(batch: ImportBatch) -> dict:
    rows = []
    for row in batch.rows.all():
        state = (
            ROW_OUTCOMES.get(row.outcome) if row.outcome else ROW_STATES.get(row.state, row.state)
        )
        complete = row.outcome in ("partial", "failed") and row.product is not None
        if row.outcome == "imported" and row.product is not None and _missing(row.product):
            state, complete = ROW_OUTCOMES["partial"], True
        rows.append({"row": row, "state": state, "complete": complete})
    return {
        "batch": batch,
        "rows": rows,
        "finished": batch.state in (ImportBatch.State.DONE, ImportBatch.State.FAILED),
    }


def _rows_ended(response, context: dict):
    """Once the import has ended, tell the page (htmx's ``HX-Trigger``): the product list's
    results fetch themselves again to show the new products."""
    if context["finished"]:
        response["HX-Trigger"] = "products-imported"
    return response


@require_GET
@_refusals
def import_batch_page(request, workspace_id, batch_id):
    """An import's rows, live. The htmx poll of this page (products/studio/_import_rows.html)
    gets the rows alone, without the poll once the import has ended."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    batch = selectors.import_batch_get(workspace=access.workspace, batch_id=batch_id)
    context = _batch_context(batch)
    if wants_fragment(request):
        context["current"] = access.workspace
        return _rows_ended(fragment(request, "products/studio/_import_rows.html", context), context)
    return vary_on_htmx(_page(request, "products/studio/import.html", context, access=access))


# ------------------------------------------------------------------ one product


def _facts(product: Product) -> list[dict]:
    rows = []
    for name, label in FACT_LABELS.items():
        value = getattr(product, name)
        if name in ("price", "regular_price") and value is not None:
            value = f"{value} {product.currency}".strip()
        rows.append(
            {
                "name": name,
                "label": label,
                "value": value,
                "edited": product.edited_fields.get(name),
            }
        )
    return rows


def _form_values(product: Product) -> dict:
    """The edit form's values: what the product has (what was found, for one to complete)."""
    values = {name: getattr(product, name) for name in EDITABLE_FACTS}
    values["features"] = "\n".join(product.features)
    for name in ("price", "regular_price"):
        values[name] = "" if values[name] is None else str(values[name])
    return values


def _product_page(request, access, product: Product, *, values=None, error=None, status=200):
    evidence = product.price_evidence or {}
    images = list(product.images.all())
    missing = _missing(product, photos=len(images))
    context = {
        "product": product,
        "images": images,
        "facts": _facts(product),
        "values": values or _form_values(product),
        "error": error or {},
        "verticals": VERTICALS,
        "missing": missing,
        "incomplete": product.status in (Product.Status.PARTIAL, Product.Status.FAILED)
        or bool(missing),
        "evidence": evidence,
        "confidence": round(float(evidence["confidence"]) * 100)
        if evidence.get("confidence") is not None
        else None,
        "candidates": evidence.get("rejected", []),
        "make_ad_url": reverse("dashboard:workspace", args=[access.workspace.id])
        + f"?product={product.id}",
        "max_photo_mb": MAX_IMAGE_BYTES // 1_000_000,
        "room": max(settings.SHOPREEL_MAX_IMAGES - len(images), 0),
        "can_rescrape": bool(product.source_url)
        and product.fetched_with != Product.FetchedWith.MANUAL,
    }
    return _page(request, "products/studio/product.html", context, access=access, status=status)


@require_GET
@_refusals
def product_page(request, workspace_id, product_id):
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    product = selectors.product_get(workspace=access.workspace, product_id=product_id)
    return _product_page(request, access, product)


@require_GET
@_refusals
def product_status(request, workspace_id, product_id):
    """The state fragment a product's page polls (htmx) while its page is being read. Once read,
    the fragment has no poll, and an htmx poll is told to reload the page (``HX-Refresh``):
    everything on it changes."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    product = selectors.product_get(workspace=access.workspace, product_id=product_id)
    response = fragment(
        request,
        "products/studio/_product_status.html",
        {"product": product, "current": access.workspace},
    )
    if wants_fragment(request) and product.status != Product.Status.PENDING:
        response["HX-Refresh"] = "true"
    return response


@require_POST
@_refusals
def product_edit(request, workspace_id, product_id):
    """The facts form (with photos, when completing a product by hand): what changed is saved
    and recorded as set by hand. A refused value is shown on its field with everything typed
    kept (400), and the facts do not change (photos that passed their check are kept)."""
    access = _writer(request, workspace_id)
    product = selectors.product_get(workspace=access.workspace, product_id=product_id)
    facts = {name: request.POST[name] for name in EDITABLE_FACTS if name in request.POST}
    try:
        if uploads := request.FILES.getlist("photos"):
            product_photos_upload(product=product, files=_read_uploads(uploads))
        product_facts_edit(product=product, by=_who(request), **facts)
    except InvalidInput as exc:
        field = (exc.detail or {}).get("field", "")
        product.refresh_from_db()
        values = {**_form_values(product), **facts}
        return _product_page(
            request,
            access,
            product,
            values=values,
            error={"field": field, "message": exc.message},
            status=400,
        )
    return redirect(reverse("dashboard:product", args=[workspace_id, product.id]) + "#facts")


@require_POST
@_refusals
def product_price(request, workspace_id, product_id):
    """Confirm the price: the one shown, one of the other amounts the page had, or one typed.
    The same service as ``POST /api/v1/products/{id}/price/confirm/``."""
    access = _writer(request, workspace_id)
    product = selectors.product_get(workspace=access.workspace, product_id=product_id)
    choice = request.POST.get("choice", "")
    typed = request.POST.get("other", "").strip()
    if typed or choice == "other":  # an amount typed wins (without JavaScript no radio follows it)
        choice = typed
    if not choice:
        raise InvalidInput("Choose the right price, or type it.", code="price_missing")
    try:
        price = None if choice == "shown" else Decimal(choice.replace(",", "."))
    except InvalidOperation:
        raise InvalidInput(
            "The price must be a number, like 24.90.", code="invalid_price"
        ) from None
    if price is not None and not (price.is_finite() and Decimal(0) <= price < Decimal("1e10")):
        raise InvalidInput("The price is out of range.", code="invalid_price")
    product_price_confirm(product=product, by=_who(request), price=price)
    return redirect("dashboard:product", workspace_id, product.id)


def _read_uploads(uploads) -> list[tuple[str, bytes]]:
    """The uploaded files' names and bytes; a file over the size limit is refused unread."""
    for upload in uploads:
        if upload.size > MAX_IMAGE_BYTES:
            raise InvalidInput(
                f"{upload.name[:80]} is larger than {MAX_IMAGE_BYTES // 1_000_000} MB: use a smaller photo.",
                code="file_too_large",
                detail={"field": "photos"},
            )
    return [(upload.name, upload.read()) for upload in uploads]


@require_POST
@_refusals
def product_photos(request, workspace_id, product_id):
    """The merchant's own photos: each checked like a scraped one; one bad file refuses the
    upload, naming it, and the product keeps what it had."""
    access = _writer(request, workspace_id)
    product = selectors.product_get(workspace=access.workspace, product_id=product_id)
    added = product_photos_upload(
        product=product, files=_read_uploads(request.FILES.getlist("photos"))
    )
    if added:
        messages.success(request, f"{added} photo{'s' if added != 1 else ''} added.")
    else:
        messages.info(request, "The product already has this photo.")
    return redirect("dashboard:product", workspace_id, product.id)


@require_POST
@_refusals
def product_rescrape(request, workspace_id, product_id):
    """Read the product's page again; the facts set by hand are kept."""
    access = _writer(request, workspace_id)
    product = selectors.product_get(workspace=access.workspace, product_id=product_id)
    product_rescrape_start(product=product)
    return redirect("dashboard:product", workspace_id, product.id)


@require_http_methods(["GET", "HEAD"])
@_refusals
def product_photo(request, workspace_id, product_id, image_id):
    """One product photo, to the workspace's members only; with
    ``SHOPREEL_MEDIA_ACCEL_REDIRECT`` set the web server sends it (``X-Accel-Redirect``)."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    image = selectors.product_image_get(
        workspace=access.workspace, product_id=product_id, image_id=image_id
    )
    name = PurePosixPath(image.file.name).name
    return send_stored(
        image.file, content_type=mimetypes.guess_type(name)[0] or "image/jpeg", download=False, filename=name
    )
