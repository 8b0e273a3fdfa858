"""Campaigns API: campaigns (list, create, read, change, delete), "run now", and the runs with
their items. One view per operation; ``/campaigns/`` joins list and create, and
``/campaigns/{id}/`` joins read, change and delete.

The service checks every field (``campaigns.services``); the serializers only read the body's
types and document them."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.api.base import ERRORS, IDEMPOTENCY_HEADER, WorkspaceApiView, idempotent, paginated
from campaigns.models import Campaign
from campaigns.representations import CampaignSerializer, RunDetailSerializer, RunSerializer
from campaigns.selectors import campaign_get, campaigns_for_workspace, run_get, runs_for_campaign
from campaigns.services import campaign_create, campaign_delete, campaign_update, run_start


class ScheduleSerializer(serializers.Serializer):
    """``{"at": ISO}`` (once), ``{"weekly": {"days": ["mon", ...], "time": "09:00"}}`` or
    ``{"cron": "0 9 * * 1-5"}``; ``start``/``end`` bound a recurring one; ``timezone`` (IANA)
    defaults to the workspace's."""

    at = serializers.CharField(required=False, help_text="Once, at this date and time (ISO-8601).")
    weekly = inline_serializer(
        name="WeeklySchedule",
        fields={
            "days": serializers.ListField(
                child=serializers.CharField(), help_text="mon, tue, wed, thu, fri, sat, sun."
            ),
            "time": serializers.CharField(help_text="HH:MM in the schedule's zone."),
        },
        required=False,
    )
    cron = serializers.CharField(
        required=False,
        help_text="Five cron fields, in the schedule's zone; runs at least an hour apart.",
    )
    start = serializers.CharField(required=False, allow_null=True)
    end = serializers.CharField(required=False, allow_null=True)
    timezone = serializers.CharField(
        required=False, allow_blank=True, help_text="IANA zone; default: the workspace's."
    )


@extend_schema_serializer(component_name="CampaignInput")
class CampaignInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    products = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        help_text="Products of this workspace; or give `batch`.",
    )
    batch = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="An import batch: every product of it, read again each run.",
    )
    formats = serializers.ListField(child=serializers.CharField(), required=False)
    languages = serializers.ListField(child=serializers.CharField(), required=False)
    length = serializers.FloatField(required=False, help_text="Seconds; or `lengths` for several.")
    lengths = serializers.ListField(child=serializers.FloatField(), required=False)
    templates = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Slugs; empty: auto."
    )
    variants = serializers.IntegerField(required=False, min_value=1, max_value=5)
    market = serializers.CharField(required=False, allow_blank=True)
    schedule = ScheduleSerializer()
    budget_credits = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="The most one run may queue, in credits; null: no cap.",
    )
    regenerate = serializers.ChoiceField(choices=Campaign.Regenerate.choices, required=False)
    regenerate_stale = serializers.BooleanField(required=False)
    enabled = serializers.BooleanField(required=False)


@extend_schema_serializer(component_name="CampaignUpdateInput")
class CampaignUpdateSerializer(CampaignInputSerializer):
    name = serializers.CharField(max_length=120, required=False)
    schedule = ScheduleSerializer(required=False)


def _data(serializer: serializers.Serializer, request) -> dict:
    """The fields the body gave, as the service takes them (the schedule as sent)."""
    data = {name: value for name, value in serializer.validated_data.items() if name != "schedule"}
    if "schedule" in request.data:
        data["schedule"] = request.data["schedule"]
    for name in ("products", "batch"):
        if data.get(name) is not None:
            data[name] = [str(v) for v in data[name]] if name == "products" else str(data[name])
    return data


def _out(campaign, request) -> dict:
    return CampaignSerializer(campaign, context={"request": request}).data


class CampaignListApi(WorkspaceApiView):
    @extend_schema(
        operation_id="campaigns_list",
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("limit", int)],
        responses={200: paginated(CampaignSerializer, name="PaginatedCampaignList"), **ERRORS},
    )
    def get(self, request):
        return self.paginate(campaigns_for_workspace(workspace=self.workspace), CampaignSerializer)


class CampaignCreateApi(WorkspaceApiView):
    @extend_schema(
        operation_id="campaigns_create",
        parameters=[IDEMPOTENCY_HEADER],
        request=CampaignInputSerializer,
        responses={201: CampaignSerializer, **ERRORS},
        description=(
            "A campaign: products (or a batch) made into ads on a schedule, in the workspace's time "
            "zone unless `schedule.timezone` says otherwise. Each run reads the products again, "
            "regenerates what changed (or everything with `regenerate: always`) within `budget_credits`."
        ),
    )
    @idempotent
    def post(self, request):
        serializer = CampaignInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = campaign_create(workspace=self.workspace, data=_data(serializer, request))
        campaign = campaign_get(workspace=self.workspace, campaign_id=campaign.id)
        return Response(_out(campaign, request), status=status.HTTP_201_CREATED)


class CampaignCollectionApi(CampaignListApi, CampaignCreateApi):
    """``/campaigns/``: GET lists, POST creates."""


class CampaignDetailApi(WorkspaceApiView):
    @extend_schema(operation_id="campaigns_retrieve", responses={200: CampaignSerializer, **ERRORS})
    def get(self, request, campaign_id):
        return Response(
            _out(campaign_get(workspace=self.workspace, campaign_id=campaign_id), request)
        )

    @extend_schema(
        operation_id="campaigns_update",
        request=CampaignUpdateSerializer,
        responses={200: CampaignSerializer, **ERRORS},
        description="Change some fields; `enabled: false` pauses the campaign, `true` resumes it from now.",
    )
    def patch(self, request, campaign_id):
        campaign = campaign_get(workspace=self.workspace, campaign_id=campaign_id)
        serializer = CampaignUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        campaign_update(campaign=campaign, data=_data(serializer, request))
        return Response(
            _out(campaign_get(workspace=self.workspace, campaign_id=campaign_id), request)
        )

    @extend_schema(
        operation_id="campaigns_destroy",
        responses={204: None, **ERRORS},
        description="The campaign and its run history; the ads it made stay.",
    )
    def delete(self, request, campaign_id):
        campaign_delete(campaign=campaign_get(workspace=self.workspace, campaign_id=campaign_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CampaignRunApi(WorkspaceApiView):
    @extend_schema(
        operation_id="campaigns_run",
        parameters=[IDEMPOTENCY_HEADER],
        request=None,
        responses={
            202: inline_serializer(
                name="CampaignRunStarted",
                fields={
                    "run": serializers.UUIDField(),
                    "created": serializers.BooleanField(
                        help_text="False: a run of the campaign was already queued or running; that one is answered."
                    ),
                    "state": serializers.CharField(),
                },
            ),
            **ERRORS,
        },
        description=(
            "Run now. Pressed again while a run is queued or running, it answers that run "
            "(`created: false`) and starts nothing."
        ),
    )
    @idempotent
    def post(self, request, campaign_id):
        campaign = campaign_get(workspace=self.workspace, campaign_id=campaign_id)
        run, created = run_start(campaign=campaign)
        return Response(
            {"run": str(run.id), "created": created, "state": run.state},
            status=status.HTTP_202_ACCEPTED,
        )


class CampaignRunListApi(WorkspaceApiView):
    @extend_schema(
        operation_id="campaigns_runs_list",
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("limit", int)],
        responses={200: paginated(RunSerializer, name="PaginatedCampaignRunList"), **ERRORS},
    )
    def get(self, request, campaign_id):
        campaign = campaign_get(workspace=self.workspace, campaign_id=campaign_id)
        return self.paginate(runs_for_campaign(campaign=campaign), RunSerializer)


class CampaignRunDetailApi(WorkspaceApiView):
    @extend_schema(
        operation_id="campaigns_runs_retrieve",
        responses={200: RunDetailSerializer, **ERRORS},
        description=(
            "The run's `state` and its `items`: one per product and variant, each with `outcome` "
            "(`regenerated`, `unchanged`, `skipped`, `failed`; empty while its job runs), "
            "`reason`, and the `ad` and `job` where one was made (or kept)."
        ),
    )
    def get(self, request, campaign_id, run_id):
        campaign = campaign_get(workspace=self.workspace, campaign_id=campaign_id)
        return Response(RunDetailSerializer(run_get(campaign=campaign, run_id=run_id)).data)
