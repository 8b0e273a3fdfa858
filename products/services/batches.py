"""Importing many products: one batch per list of links, feed file or feed link, one row per
line, each row imported once (claimed atomically, so a redelivered task never repeats one).
This is the only "import many" path: the API queues its batch for the ``products.import_batch``
task; the ``import_catalog`` command runs the same batch in its own process
(:func:`catalog_import`)."""

from __future__ import annotations

import contextlib
import logging
import math
import time
from dataclasses import dataclass
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Workspace
from core.errors import ApplicationError, BlockedURL, ScrapeError
from core.fetch import SafeFetcher, check_url
from products.models import ImportBatch, ImportBatchRow
from products.services.batch_rows import (
    batch_rows_add,
    catalog_rows,
    feed_item_from_json,
    is_web_link,
    link_rows,
)
from products.services.importing import product_create_pending, product_scrape
from products.services.manual import product_create_from_feed_item
from products.services.pages import fetcher_build
from products.services.queueing import IMPORT_BATCH_TASK, task_queue_on_commit

logger = logging.getLogger(__name__)

# A row claimed this long ago and still running was left by a worker that died: claim it again.
# Longer than one row can take (page tries, browser fallback, photo downloads).
BATCH_ROW_STALE = timedelta(minutes=10)
# One task imports rows for about this long, then queues the next slice (under the time limits).
BATCH_SLICE_SECONDS = 240.0
FEED_TYPES = ("application/xml", "text/xml", "application/rss+xml", "application/atom+xml",
              "text/csv", "text/tab-separated-values", "text/plain", "application/octet-stream")


def import_batch_create(
    *, workspace: Workspace, urls: list[str] | None = None, data: bytes | None = None, feed_url: str = "",
    queue: bool = True,
) -> ImportBatch:
    """A batch of product imports from a list of links, an uploaded feed (CSV of links, Google
    Merchant XML or TSV) or a feed link the worker fetches. The file is read now (a malformed
    one is refused with nothing stored); the rows are imported by the ``import_batch`` task
    once committed (``queue=False``: by the caller, with :func:`import_batch_run`). A link that
    is not http(s) is a skipped row, not a refused batch."""
    if sum(x is not None and x != "" for x in (urls, data, feed_url)) != 1:
        raise ApplicationError("Send one of: a list of links, a feed file, or a feed link.", code="invalid_batch")
    limit = settings.SHOPREEL_CATALOG_MAX_ROWS
    if urls is not None:
        if not urls or len(urls) > limit:
            raise ApplicationError(f"Send between 1 and {limit} links.", code="too_many_rows")
        rows, source = link_rows(urls), ImportBatch.Source.URLS
    elif data is not None:
        if len(data) > settings.SHOPREEL_BATCH_MAX_BYTES:
            raise ApplicationError("The feed file is too large.", code="file_too_large")
        rows, source = catalog_rows(data), ImportBatch.Source.FILE
    else:
        if not is_web_link(feed_url):
            raise ApplicationError("The feed link must be an http or https address.", code="invalid_feed_url")
        try:  # refused on its face now (the worker checks every resolved address again)
            check_url(feed_url, allow_hosts=frozenset(h.lower() for h in settings.SHOPREEL_FETCH_ALLOW_HOSTS))
        except BlockedURL as exc:
            raise ApplicationError(f"This feed link is refused. {exc.message}", code="invalid_feed_url") from None
        rows, source = [], ImportBatch.Source.FEED_URL
    with transaction.atomic():
        batch = ImportBatch.objects.create(workspace=workspace, source=source, feed_url=feed_url[:2000])
        if rows:
            batch_rows_add(batch=batch, rows=rows)
        if queue and batch.state != ImportBatch.State.DONE:
            task_queue_on_commit(name=IMPORT_BATCH_TASK, object_id=batch.id)
    logger.info("import batch created", extra={"batch_id": str(batch.id), "rows": batch.total, "source": source})
    return batch


def import_batch_run(*, batch_id, slice_seconds: float | None = None, browser: bool = True) -> bool:
    """Import a batch's rows one by one (the worker side of :func:`import_batch_create`). A row
    that fails records its error and the next goes on; nothing stops the batch but an
    unreadable feed. Returns True when rows are left after this slice (queue another run).
    ``browser=False`` never falls back to the browser for a link row."""
    batch = ImportBatch.objects.select_related("workspace").filter(id=batch_id).first()
    if batch is None or batch.state in (ImportBatch.State.DONE, ImportBatch.State.FAILED):
        return False
    ImportBatch.objects.filter(id=batch.id, state=ImportBatch.State.QUEUED).update(
        state=ImportBatch.State.RUNNING, updated_at=timezone.now()
    )
    fetcher = fetcher_build()
    feed_unread = batch.source == ImportBatch.Source.FEED_URL and not ImportBatchRow.objects.filter(batch=batch).exists()
    if feed_unread and not _batch_feed_read(batch=batch, fetcher=fetcher):
        return False
    deadline = time.monotonic() + (BATCH_SLICE_SECONDS if slice_seconds is None else slice_seconds)
    while (row := _batch_row_claim(batch=batch)) is not None:
        row.batch = batch
        try:
            outcome, code, message = _batch_row_import(row=row, fetcher=fetcher, browser=browser)
        except SoftTimeLimitExceeded:
            raise  # the row stays claimed; a later run takes it again once stale
        except ApplicationError as exc:
            outcome, code, message = ImportBatchRow.Outcome.FAILED, exc.code, exc.message
        except Exception:  # one broken row never stops the batch; the log has the traceback
            logger.exception("batch row failed", extra={"batch_id": str(batch.id), "row": row.position})
            outcome, code, message = (ImportBatchRow.Outcome.FAILED, "internal_error",
                                      "This row could not be imported because of an error on our side.")
        _batch_row_finish(row=row, outcome=outcome, code=code, message=message)
        if time.monotonic() > deadline:
            sliced = True
            break
    else:
        sliced = False
    # Rows still running belong to a live worker; the run that finishes the last row closes the batch.
    left = ImportBatchRow.objects.filter(batch=batch).exclude(state=ImportBatchRow.State.DONE).exists()
    if not left:
        ImportBatch.objects.filter(id=batch.id, state=ImportBatch.State.RUNNING).update(
            state=ImportBatch.State.DONE, finished_at=timezone.now(), updated_at=timezone.now()
        )
    return sliced and left


def _batch_fail(*, batch: ImportBatch, code: str, message: str) -> None:
    ImportBatch.objects.filter(id=batch.id).exclude(state=ImportBatch.State.DONE).update(
        state=ImportBatch.State.FAILED, error_code=code[:40], error=message, finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def _batch_feed_read(*, batch: ImportBatch, fetcher: SafeFetcher) -> bool:
    """Fetch and read a ``feed_url`` batch's feed into rows (once: a redelivered task finds
    them there). False when the feed could not be read: the batch failed, saying why."""
    try:
        result = fetcher.fetch(batch.feed_url, accept=FEED_TYPES, max_bytes=settings.SHOPREEL_BATCH_MAX_BYTES)
        rows = catalog_rows(result.body)
    except ScrapeError as exc:
        _batch_fail(batch=batch, code=exc.code, message=f"The feed could not be fetched: {exc.message}")
        return False
    except ApplicationError as exc:
        _batch_fail(batch=batch, code=exc.code, message=exc.message)
        return False
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(id=batch.id)
        if not ImportBatchRow.objects.filter(batch=locked).exists():
            batch_rows_add(batch=locked, rows=rows)
    return True


def _batch_row_claim(*, batch: ImportBatch) -> ImportBatchRow | None:
    """The next row to import, claimed atomically (pending → running): the first pending row,
    or a running one whose worker died (claimed over BATCH_ROW_STALE ago). None when none is left."""
    while True:
        now = timezone.now()
        candidate = (
            ImportBatchRow.objects.filter(batch=batch)
            .filter(Q(state=ImportBatchRow.State.PENDING)
                    | Q(state=ImportBatchRow.State.RUNNING, claimed_at__lt=now - BATCH_ROW_STALE))
            .order_by("position")
            .first()
        )
        if candidate is None:
            return None
        claimed = ImportBatchRow.objects.filter(
            id=candidate.id, state=candidate.state, claimed_at=candidate.claimed_at
        ).update(state=ImportBatchRow.State.RUNNING, claimed_at=now, updated_at=now)
        if claimed == 1:
            candidate.state, candidate.claimed_at = ImportBatchRow.State.RUNNING, now
            return candidate


def _batch_row_import(*, row: ImportBatchRow, fetcher: SafeFetcher, browser: bool) -> tuple[str, str, str]:
    """Import one row; its product is linked to the row before the page is read, so a retried
    row reads the same product again instead of making a second one. Returns (outcome, code,
    message). Feed rows are created from the feed's own data (the merchant's truth: no page is
    fetched, photos come from the feed's image links)."""
    workspace = row.batch.workspace
    if row.url:
        if row.product_id is None:
            with transaction.atomic():
                row.product = product_create_pending(workspace=workspace, url=row.url)
                ImportBatchRow.objects.filter(id=row.id).update(product=row.product)
        product = row.product
        with contextlib.suppress(ApplicationError):  # written to the product by product_scrape
            product_scrape(product=product, fetcher=fetcher, browser=browser)
        return product.status, product.error_code, product.error
    if row.product_id is not None:  # the feed product was made before the worker stopped
        return row.product.status, row.product.error_code, row.product.error
    product = product_create_from_feed_item(workspace=workspace, item=feed_item_from_json(row.item), fetcher=fetcher)
    row.product_id = product.id
    return product.status, product.error_code, product.error


def _batch_row_finish(*, row: ImportBatchRow, outcome: str, code: str, message: str) -> None:
    """Record the row's outcome and count it, once: only the claim that ran it may finish it."""
    failed = outcome in (ImportBatchRow.Outcome.FAILED, ImportBatchRow.Outcome.SKIPPED)
    now = timezone.now()
    with transaction.atomic():
        finished = ImportBatchRow.objects.filter(
            id=row.id, state=ImportBatchRow.State.RUNNING, claimed_at=row.claimed_at
        ).update(state=ImportBatchRow.State.DONE, outcome=outcome, product_id=row.product_id,
                 error_code=code[:40], message=message, updated_at=now)
        if not finished:
            return
        ImportBatchRow.objects.filter(duplicate_of_id=row.id).update(product_id=row.product_id, updated_at=now)
        ImportBatch.objects.filter(id=row.batch_id).update(
            done=F("done") + 1, failed=F("failed") + int(failed), updated_at=now
        )


# ------------------------------------------------------------------ the command line's batch


@dataclass
class CatalogOutcome:
    row: int
    source: str  # the link, or the feed item's link/id/title
    status: str  # an ImportBatchRow outcome: imported | partial | failed | skipped | duplicate
    product_id: str | None = None
    code: str = ""
    message: str = ""

    @classmethod
    def from_row(cls, row: ImportBatchRow) -> CatalogOutcome:
        item = row.item or {}
        return cls(row=row.position, source=row.url or item.get("link") or item.get("id") or item.get("title") or "",
                   status=row.outcome or row.state, product_id=str(row.product_id) if row.product_id else None,
                   code=row.error_code, message=row.message)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def catalog_import(*, workspace: Workspace, data: bytes, browser: bool = True) -> list[CatalogOutcome]:
    """The ``import_catalog`` command's import: the API's batch (:func:`import_batch_create`
    from a CSV of links or a Google Merchant feed), run to its end in this process instead of by
    a worker, then each row's outcome; one bad row never stops the others."""
    batch = import_batch_create(workspace=workspace, data=data, queue=False)
    import_batch_run(batch_id=batch.id, slice_seconds=math.inf, browser=browser)
    return [CatalogOutcome.from_row(row) for row in ImportBatchRow.objects.filter(batch=batch).order_by("position")]
