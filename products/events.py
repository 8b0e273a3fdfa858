"""The events products emits (``accounts.events``): call each inside the transaction that
finished the work."""

from __future__ import annotations

from accounts.events import event_record
from products.models import Product
from products.representations import product_representation

PRODUCT_IMPORTED = "product.imported"


def product_imported(*, product: Product) -> None:
    """``product.imported``, with the product as the API shows it."""
    event_record(
        workspace_id=product.workspace_id, type=PRODUCT_IMPORTED, subject_id=product.id,
        data=product_representation(product=product),
    )
