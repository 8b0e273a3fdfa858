"""Celery tasks for products: thin wrappers that take ids and call a service."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="products.import_product")
def import_product(product_id: str) -> None:
    from products.services import product_import_run

    product_import_run(product_id=product_id)
