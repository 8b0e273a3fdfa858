"""The base of every merchant-owned row, in every app: its workspace and a public UUID.

Apart from ``accounts.models`` so that model modules elsewhere in accounts (webhooks) can
inherit it without importing ``accounts.models``, which imports them to register them."""

from __future__ import annotations

import uuid

from django.db import models


class WorkspaceOwned(models.Model):
    """Base for every merchant-owned row: the workspace it belongs to and a public UUID."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
