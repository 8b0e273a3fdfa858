"""Celery tasks for products: thin wrappers that take ids and call a service. Services queue
them by name (``products.services.queueing``), so this module is the only one that imports
the other way."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="products.import_product")
def import_product(product_id: str) -> None:
    from products.services.importing import product_import_run

    product_import_run(product_id=product_id)


@shared_task(name="products.fetch_photos")
def fetch_photos(product_id: str) -> None:
    """Fetch the photo links of a product entered by hand (the API answered 202, pending)."""
    from products.services.manual import product_photos_fetch_run

    product_photos_fetch_run(product_id=product_id)


@shared_task(name="products.import_batch")
def import_batch(batch_id: str) -> None:
    """Import a batch's rows; a long batch goes on in a new task after each slice."""
    from products.services.batches import import_batch_run

    if import_batch_run(batch_id=batch_id):
        import_batch.delay(batch_id)
