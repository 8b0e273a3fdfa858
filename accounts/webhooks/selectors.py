"""Reads of webhook endpoints and deliveries, within the caller's workspace."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Workspace
from accounts.selectors import scoped_get
from accounts.webhooks.models import WebhookDelivery, WebhookEndpoint


def webhook_endpoints_for_workspace(*, workspace: Workspace) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(workspace=workspace)


def webhook_endpoint_get(*, workspace: Workspace, endpoint_id) -> WebhookEndpoint:
    return scoped_get(webhook_endpoints_for_workspace(workspace=workspace), object_id=endpoint_id, label="Webhook")


def webhook_deliveries_for_endpoint(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(workspace_id=endpoint.workspace_id, endpoint=endpoint)


def webhook_deliveries_due(*, now=None) -> QuerySet[WebhookDelivery]:
    """Deliveries whose next attempt is due and that no attempt holds (a lost task's too)."""
    now = now or timezone.now()
    return WebhookDelivery.objects.filter(
        state__in=[WebhookDelivery.State.PENDING, WebhookDelivery.State.RETRYING], next_attempt_at__lte=now
    ).filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)).order_by("next_attempt_at")
