"""A batch's input read into rows: links checked on their face, feeds parsed (a malformed or
oversized one refused with nothing stored), and repeated products marked as duplicates."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.utils import timezone

from core.errors import ApplicationError, ScrapeError
from products.models import ImportBatch, ImportBatchRow
from products.scraping.catalog import CatalogRow, FeedItem, parse_catalog


def is_web_link(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def link_rows(urls: list[str]) -> list[CatalogRow]:
    """One row per link; a link that is not http(s) is a row to skip, not a refused batch."""
    return [
        CatalogRow(row=i, url=url.strip(), error="" if is_web_link(url.strip()) else "Not a web link (http or https).")
        for i, url in enumerate(urls, start=1)
    ]


def catalog_rows(data: bytes) -> list[CatalogRow]:
    """Rows of an uploaded or fetched feed; more rows than a batch takes is refused, not cut."""
    limit = settings.SHOPREEL_CATALOG_MAX_ROWS
    data = data.replace(b"\x00", b"")  # NUL bytes: no database text column may hold them
    try:
        rows = parse_catalog(data, max_rows=limit + 1)
    except ScrapeError as exc:
        raise ApplicationError(exc.message, code=exc.code) from exc
    if not rows:
        raise ApplicationError("The feed holds no products.", code="catalog_empty")
    if len(rows) > limit:
        raise ApplicationError(f"A batch takes at most {limit} rows; split the file.", code="too_many_rows")
    return rows


def batch_rows_add(*, batch: ImportBatch, rows: list[CatalogRow]) -> None:
    """Store the batch's rows. An unreadable line is finished at once (skipped); a line naming
    the same product as an earlier one (same link, or same feed item id) is a duplicate of it
    and shares its product, so a batch makes one product per distinct link."""
    first_by_key: dict[str, ImportBatchRow] = {}
    objects: list[ImportBatchRow] = []
    for row in rows:
        if row.item is None and len(row.url) > 2000 and not row.error:
            row.error = "The link is longer than 2,000 characters."
        obj = ImportBatchRow(workspace_id=batch.workspace_id, batch=batch, position=row.row, url=row.url[:2000])
        if row.item is not None:
            obj.item = _feed_item_json(row.item)
        key = ""
        if row.error:
            obj.state, obj.outcome, obj.error_code = ImportBatchRow.State.DONE, ImportBatchRow.Outcome.SKIPPED, "invalid_row"
            obj.message = row.error
        elif row.item is None:
            key = "link:" + _link_key(row.url)
        elif row.item.id or row.item.link:
            key = f"item:{row.item.id}" if row.item.id else "link:" + _link_key(row.item.link)
        if key and key in first_by_key:
            first = first_by_key[key]
            obj.state, obj.outcome, obj.duplicate_of = ImportBatchRow.State.DONE, ImportBatchRow.Outcome.DUPLICATE, first
            obj.message = f"The same product as row {first.position}: imported once."
        elif key:
            first_by_key[key] = obj
        objects.append(obj)
    ImportBatchRow.objects.bulk_create(objects)
    finished = [o for o in objects if o.state == ImportBatchRow.State.DONE]
    batch.total = len(objects)
    batch.done = len(finished)
    batch.failed = sum(o.outcome == ImportBatchRow.Outcome.SKIPPED for o in finished)
    fields = ["total", "done", "failed", "updated_at"]
    if batch.done == batch.total:
        batch.state, batch.finished_at = ImportBatch.State.DONE, timezone.now()
        fields += ["state", "finished_at"]
    batch.save(update_fields=fields)


def feed_item_from_json(data: dict) -> FeedItem:
    values = dict(data)
    for name in ("price", "regular_price"):
        values[name] = Decimal(values[name]) if values.get(name) is not None else None
    return FeedItem(**values)


def _feed_item_json(item: FeedItem) -> dict:
    data = asdict(item)
    for name in ("price", "regular_price"):
        data[name] = str(data[name]) if data[name] is not None else None
    return data


def _link_key(url: str) -> str:
    """The same page written twice: scheme and host case, default port, fragment, trailing slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port not in (None, 80, 443) else None
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/") or "/", parts.query, ""))
