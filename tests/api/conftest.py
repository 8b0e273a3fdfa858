"""The shared API fixture (healthchecks-style): a workspace ("home") with an owner, an editor
and a viewer, each with a key fitting their role (the viewer's read-only), a revoked key, an
outsider workspace with its own key, and an agency whose two clients are home and "sister",
with an agency key. Every workspace has its own product, ad, job and rendered files."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import Agency, ApiKey, Invitation, Membership, Workspace
from accounts.services import api_key_create, api_key_revoke, invitation_create
from generation import services as generation_services
from generation.models import Ad, RenderJob, RenderOutput
from products.models import ImportBatch, ImportBatchRow, Product, ProductImage
from tests.factories import MembershipFactory, ProductFactory, UserFactory, WorkspaceFactory


@dataclass
class Tenant:
    workspace: Workspace
    product: Product
    ad: Ad
    job: RenderJob
    spare_key: ApiKey  # a key to list and revoke
    batch: ImportBatch | None = None  # a finished batch import of the product
    member: Membership | None = None  # an editor to list, change and remove
    invitation: Invitation | None = None  # an open invitation to list and revoke


@dataclass
class ApiWorld:
    home: Tenant
    outsider: Tenant
    sister: Tenant  # the agency's other client
    agency: Agency
    keys: dict[str, str] = field(default_factory=dict)  # role -> plaintext key
    key_rows: dict[str, ApiKey] = field(default_factory=dict)

    def client(self, who: str | None = "owner", *, workspace: str | None = None) -> APIClient:
        """A client sending ``who``'s key; an agency key names ``workspace`` (home by default)."""
        client = APIClient()
        headers = {}
        if who is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.keys[who]}"
        if who == "agency" and workspace is None:
            workspace = self.home.workspace.slug
        if workspace is not None:
            headers["HTTP_SHOPREEL_WORKSPACE"] = workspace
        client.credentials(**headers)
        return client


def make_product(workspace, *, title="Northwind Aurora Tee", images=3, **fields) -> Product:
    defaults = {"brand": "Northwind", "price": Decimal("24.00"), "currency": "USD", "vertical": "apparel",
                "features": ["Organic cotton, 180 gsm", "Relaxed fit"]}
    product = ProductFactory(workspace=workspace, title=title, **{**defaults, **fields})
    for i in range(images):
        ProductImage.objects.create(
            workspace=workspace, product=product, position=i, file=f"p/{product.id}/{i}.jpg", width=800, height=800
        )
    return product


def _tenant(workspace) -> Tenant:
    product = make_product(workspace)
    ad = generation_services.ad_create(
        workspace=workspace, product=product, options={"template": "apparel-lookbook", "length": 15}
    )
    job = RenderJob.objects.create(
        workspace=workspace, product=product, ad=ad, source_url=product.source_url,
        state=RenderJob.State.SUCCEEDED, stage=RenderJob.Stage.DONE, progress=100,
    )
    RenderOutput.objects.create(
        workspace=workspace, ad=ad, job=job, format="9:16", video=f"ads/{ad.id}/ad.mp4",
        poster=f"ads/{ad.id}/ad.jpg", srt=f"ads/{ad.id}/ad.srt", vtt=f"ads/{ad.id}/ad.vtt",
        width=1080, height=1920, duration=15.0, size_bytes=123456,
    )
    spare_key, _ = api_key_create(workspace=workspace, name="spare", scope="read")
    batch = ImportBatch.objects.create(workspace=workspace, source=ImportBatch.Source.URLS, state=ImportBatch.State.DONE,
                                       total=1, done=1)
    ImportBatchRow.objects.create(workspace=workspace, batch=batch, position=1, url=product.source_url, state="done",
                                  outcome="imported", product=product)
    member = MembershipFactory(
        workspace=workspace, user=UserFactory(username=f"member-{workspace.slug}"), role=Membership.Role.EDITOR
    )
    invitation = invitation_create(workspace=workspace, email=f"invited@{workspace.slug}.example.com", role="viewer",
                                   site_url="http://testserver")
    return Tenant(workspace=workspace, product=product, ad=ad, job=job, spare_key=spare_key, member=member,
                  invitation=invitation, batch=batch)


@pytest.fixture
def api(db) -> ApiWorld:
    cache.clear()  # throttle counts
    agency = Agency.objects.create(name="Loud Agency", slug="loud")
    home = _tenant(WorkspaceFactory(name="Northwind", slug="northwind", agency=agency))
    sister = _tenant(WorkspaceFactory(name="Southwind", slug="southwind", agency=agency))
    outsider = _tenant(WorkspaceFactory(name="Rival", slug="rival"))
    world = ApiWorld(home=home, outsider=outsider, sister=sister, agency=agency)
    for role, scope in (("owner", "write"), ("editor", "write"), ("viewer", "read")):
        user = UserFactory(username=role)
        MembershipFactory(workspace=home.workspace, user=user, role=role)
        world.key_rows[role], world.keys[role] = api_key_create(
            workspace=home.workspace, name=f"{role}'s key", scope=scope, created_by=user
        )
    stranger = UserFactory(username="outsider")
    MembershipFactory(workspace=outsider.workspace, user=stranger, role=Membership.Role.OWNER)
    world.key_rows["outsider"], world.keys["outsider"] = api_key_create(
        workspace=outsider.workspace, name="rival key", scope="write", created_by=stranger
    )
    world.key_rows["revoked"], world.keys["revoked"] = api_key_create(
        workspace=home.workspace, name="old key", scope="write"
    )
    api_key_revoke(api_key=world.key_rows["revoked"])
    world.key_rows["agency"], world.keys["agency"] = api_key_create(agency=agency, name="agency key", scope="write")
    return world
