from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from accounts.models import Membership, Workspace
from products.models import Product


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Shop {n}")
    slug = factory.Sequence(lambda n: f"shop-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.OWNER


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    workspace = factory.SubFactory(WorkspaceFactory)
    source_url = factory.Sequence(lambda n: f"https://shop.example.com/products/{n}")
    title = factory.Sequence(lambda n: f"Product {n}")
    status = Product.Status.IMPORTED
