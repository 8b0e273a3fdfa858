"""Writes for products, by domain:

- ``pages``: the safe fetcher, the warm browser, a page fetched and its product extracted;
- ``importing``: one product from its page (pending, read, applied, failed; queued by the API);
- ``photos``: product photos downloaded, validated, de-duplicated and stored;
- ``manual``: products entered or completed by hand, and made from a feed's item; facts set by
  hand in the studio (kept when the page is read again) and the merchant's own photos;
- ``batch_rows`` and ``batches``: importing many products, the API's batch and the command's;
- ``queueing``: tasks queued by name after commit (services never import ``products.tasks``).

The names other apps, commands and tests use are re-exported here. Modules inside this
package import each other directly, never this ``__init__``.
"""

from products.services.batches import (
    CatalogOutcome,
    catalog_import,
    import_batch_create,
    import_batch_run,
)
from products.services.importing import (
    product_apply_extracted,
    product_create_pending,
    product_import,
    product_import_run,
    product_import_start,
    product_price_confirm,
    product_rescrape_start,
    product_scrape,
)
from products.services.manual import (
    product_complete,
    product_create_from_feed_item,
    product_create_manual,
    product_create_manual_start,
    product_facts_edit,
    product_photos_upload,
)
from products.services.pages import browser_build, fetcher_build, page_extract, page_fetch
from products.services.photos import product_images_download

__all__ = [
    "CatalogOutcome",
    "browser_build",
    "catalog_import",
    "fetcher_build",
    "import_batch_create",
    "import_batch_run",
    "page_extract",
    "page_fetch",
    "product_apply_extracted",
    "product_complete",
    "product_create_from_feed_item",
    "product_create_manual",
    "product_create_manual_start",
    "product_create_pending",
    "product_facts_edit",
    "product_images_download",
    "product_import",
    "product_import_run",
    "product_import_start",
    "product_photos_upload",
    "product_price_confirm",
    "product_rescrape_start",
    "product_scrape",
]
