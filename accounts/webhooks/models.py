"""Webhook endpoints a workspace registers, and one delivery row per (event, endpoint).

Imported by ``accounts.models`` so the app label is ``accounts``."""

from __future__ import annotations

import uuid

from django.db import models

from accounts.ownership import WorkspaceOwned


class WebhookEvent(models.TextChoices):
    PRODUCT_IMPORTED = "product.imported"
    AD_COMPLETED = "ad.completed"
    AD_FAILED = "ad.failed"
    CAMPAIGN_RUN_STARTED = "campaign.run.started"
    CAMPAIGN_RUN_COMPLETED = "campaign.run.completed"


# Sent by "send a test event" only; nobody subscribes to it.
PING_EVENT = "ping"


class WebhookEndpoint(WorkspaceOwned):
    """A URL that receives the workspace's events it subscribes to, signed with ``secret``.

    The secret is stored encrypted (``accounts.webhooks.crypto``) because signing needs it;
    it is shown once, at creation and at each rotation. ``consecutive_failures`` counts
    deliveries that failed every attempt in a row; at SHOPREEL_WEBHOOK_DISABLE_AFTER the
    endpoint is turned off (``active`` false, ``disabled_reason`` says why)."""

    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list)  # a subset of WebhookEvent values
    secret_encrypted = models.TextField()
    active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # webhook_endpoints_for_workspace(): the API list (newest first) and event emission.
            models.Index(fields=["workspace", "-created_at"], name="webhook_endpoint_ws_created"),
        ]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(WorkspaceOwned):
    """One event for one endpoint, and every attempt at sending it (``attempt_log``)."""

    class State(models.TextChoices):
        PENDING = "pending"  # not tried yet
        RETRYING = "retrying"  # tried, failed, another attempt is due at next_attempt_at
        SUCCEEDED = "succeeded"
        FAILED = "failed"  # out of attempts, or refused for good (blocked URL, endpoint off)

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4)  # the Shopreel-Delivery header: receivers dedupe on it
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # An attempt holds the row until this time (claimed with a conditional UPDATE), so a
    # redelivered task cannot post the same delivery concurrently.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)  # the receiver's HTTP status
    response_excerpt = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    # [{"attempt", "at", "status", "duration_ms", "error", "response_excerpt"}, ...], bounded
    # by SHOPREEL_WEBHOOK_MAX_ATTEMPTS.
    attempt_log = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_once_per_endpoint"),
        ]
        indexes = [
            # webhook_deliveries_for_endpoint(): the delivery log, newest first.
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
            # webhook_deliveries_due(): the sweep for deliveries whose task was lost.
            models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due"),
            # webhook_deliveries_prune(): finished deliveries past SHOPREEL_WEBHOOK_LOG_DAYS.
            models.Index(fields=["created_at"], name="webhook_delivery_created"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.state})"
