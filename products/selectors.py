from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Workspace
from accounts.selectors import scoped_get
from products.models import Product


def products_for_workspace(*, workspace: Workspace) -> QuerySet[Product]:
    return Product.objects.filter(workspace=workspace).prefetch_related("images")


def product_get(*, workspace: Workspace, product_id) -> Product:
    return scoped_get(products_for_workspace(workspace=workspace), object_id=product_id, label="Product")
