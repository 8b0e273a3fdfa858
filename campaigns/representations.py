"""How campaigns, runs and items look to machines: the API's bodies and the payloads of the
``campaign.run.*`` events are these, so webhook receivers see the API's shape."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.events import json_safe
from campaigns.models import Campaign, CampaignRun, RunItem
from campaigns.schedule import Schedule, zone_get


def campaign_zone_name(campaign: Campaign) -> str:
    return campaign.timezone or getattr(campaign.workspace, "timezone", "") or "UTC"


class RunItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = RunItem
        fields = [
            "id",
            "product",
            "product_title",
            "template",
            "language",
            "length",
            "variant",
            "state",
            "outcome",
            "reason_code",
            "reason",
            "changed",
            "facts",
            "ad",
            "job",
            "cost",
        ]
        read_only_fields = fields


class RunSerializer(serializers.ModelSerializer):
    campaign = serializers.UUIDField(source="campaign_id", read_only=True)

    class Meta:
        model = CampaignRun
        fields = [
            "id",
            "campaign",
            "slot",
            "trigger",
            "state",
            "counts",
            "quoted_credits",
            "queued_credits",
            "budget_credits",
            "error_code",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class RunDetailSerializer(RunSerializer):
    items = RunItemSerializer(many=True, read_only=True)

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "items"]
        read_only_fields = fields


class CampaignSerializer(serializers.ModelSerializer):
    products = serializers.SerializerMethodField()
    timezone = serializers.SerializerMethodField(help_text="The zone the schedule's times are in.")
    schedule = serializers.SerializerMethodField()
    next_runs = serializers.SerializerMethodField(
        help_text="The next (up to 5) scheduled times, UTC."
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "source",
            "products",
            "batch",
            "templates",
            "languages",
            "formats",
            "lengths",
            "variants",
            "market",
            "schedule",
            "timezone",
            "enabled",
            "budget_credits",
            "regenerate",
            "regenerate_stale",
            "next_run_at",
            "next_runs",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_products(self, campaign):
        return [p.id for p in campaign.products.all()]

    def get_timezone(self, campaign) -> str:
        return campaign_zone_name(campaign)

    @extend_schema_field(serializers.DictField())
    def get_schedule(self, campaign):
        return {**campaign.schedule, "timezone": campaign_zone_name(campaign)}

    @extend_schema_field(serializers.ListField(child=serializers.DateTimeField()))
    def get_next_runs(self, campaign):
        if not campaign.enabled or campaign.next_run_at is None:
            return []
        schedule = Schedule.from_json(campaign.schedule)
        first = campaign.next_run_at
        zone = zone_get(campaign_zone_name(campaign))
        rest = schedule.upcoming(first, zone, 4)
        return [serializers.DateTimeField().to_representation(t) for t in (first, *rest)]


def run_representation(*, run: CampaignRun, items: bool = True) -> dict:
    """The run as ``GET /campaigns/{id}/runs/{run_id}/`` shows it (``items=False``: without
    its items, for the events), JSON-safe."""
    serializer = RunDetailSerializer if items else RunSerializer
    return json_safe(serializer(run).data)
