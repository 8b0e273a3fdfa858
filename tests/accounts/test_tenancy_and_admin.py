from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from core.errors import NotFound
from products.selectors import product_get, products_for_workspace
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_another_workspaces_product_is_not_found(workspace, other_workspace):
    mine = ProductFactory(workspace=workspace)
    theirs = ProductFactory(workspace=other_workspace)
    assert list(products_for_workspace(workspace=workspace)) == [mine]
    assert product_get(workspace=workspace, product_id=mine.id) == mine
    with pytest.raises(NotFound):
        product_get(workspace=workspace, product_id=theirs.id)


def test_every_model_has_a_working_admin_page(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    ours = [m for m in apps.get_models() if m._meta.app_label in {"accounts", "products", "generation", "billing"}]
    assert ours
    for model in ours:
        assert admin.site.is_registered(model), f"{model.__name__} has no admin"
        response = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
        assert response.status_code == 200, model.__name__
