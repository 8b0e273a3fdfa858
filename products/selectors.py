from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Workspace
from config.errors import NotFound
from products.models import Product


def products_for_workspace(*, workspace: Workspace) -> QuerySet[Product]:
    return Product.objects.filter(workspace=workspace).prefetch_related("images")


def product_get(*, workspace: Workspace, product_id) -> Product:
    product = products_for_workspace(workspace=workspace).filter(id=product_id).first()
    if product is None:
        raise NotFound("Product not found.")
    return product
