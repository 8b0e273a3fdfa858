from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accounts.models import Workspace
from accounts.selectors import scoped_get
from products.models import ImportBatch, ImportBatchRow, Product


def products_for_workspace(*, workspace: Workspace) -> QuerySet[Product]:
    return Product.objects.filter(workspace=workspace).prefetch_related("images")


def product_get(*, workspace: Workspace, product_id) -> Product:
    return scoped_get(products_for_workspace(workspace=workspace), object_id=product_id, label="Product")


def import_batches_for_workspace(*, workspace: Workspace) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.filter(workspace=workspace)


def import_batch_get(*, workspace: Workspace, batch_id) -> ImportBatch:
    """One batch with its rows (at most SHOPREEL_CATALOG_MAX_ROWS), in input order."""
    rows = Prefetch("rows", queryset=ImportBatchRow.objects.order_by("position"))
    return scoped_get(
        import_batches_for_workspace(workspace=workspace).prefetch_related(rows), object_id=batch_id, label="Batch"
    )
