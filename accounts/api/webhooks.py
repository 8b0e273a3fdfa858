"""Webhook endpoints through the API: list, create (the secret shown once), get, change,
delete, rotate the secret (shown once), the delivery log, and a test (``ping``) event.
Any key may read (the secret is never shown again); a write-scope key manages."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.api.base import ERRORS, IDEMPOTENCY_HEADER, WorkspaceApiView, idempotent, paginated
from accounts.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from accounts.webhooks.selectors import (
    webhook_deliveries_for_endpoint,
    webhook_endpoint_get,
    webhook_endpoints_for_workspace,
)
from accounts.webhooks.services import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_ping,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)

_SECRET_HELP = "The signing secret: shown in this answer only (null in a replay of it)."  # noqa: S105


class WebhookOutputSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id", "url", "description", "events", "active", "consecutive_failures", "disabled_reason",
            "created_at", "updated_at",
        ]
        read_only_fields = fields


class WebhookWithSecretSerializer(WebhookOutputSerializer):
    secret = serializers.CharField(allow_null=True, help_text=_SECRET_HELP)

    class Meta(WebhookOutputSerializer.Meta):
        fields = [*WebhookOutputSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookDeliveryOutputSerializer(serializers.ModelSerializer):
    class AttemptSerializer(serializers.Serializer):
        attempt = serializers.IntegerField()
        at = serializers.DateTimeField()
        status = serializers.IntegerField(allow_null=True, help_text="The receiver's HTTP status; null: no answer.")
        duration_ms = serializers.IntegerField(allow_null=True)
        error = serializers.CharField(allow_blank=True)
        response_excerpt = serializers.CharField(allow_blank=True)

    attempt_log = AttemptSerializer(many=True, read_only=True)
    payload = serializers.JSONField(read_only=True, help_text="The body sent: {id, type, created, data}.")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "event_id", "event_type", "state", "attempts", "next_attempt_at", "last_status",
            "response_excerpt", "duration_ms", "error", "attempt_log", "payload", "created_at", "updated_at",
        ]
        read_only_fields = fields


def _with_secret(endpoint: WebhookEndpoint, secret: str) -> dict:
    endpoint.secret = secret
    return WebhookWithSecretSerializer(endpoint).data


class WebhookListApi(WorkspaceApiView):
    @extend_schema(
        operation_id="webhooks_list",
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("limit", int)],
        responses={200: paginated(WebhookOutputSerializer, name="PaginatedWebhookList"), **ERRORS},
    )
    def get(self, request):
        return self.paginate(webhook_endpoints_for_workspace(workspace=self.workspace), WebhookOutputSerializer)


class WebhookCreateApi(WorkspaceApiView):
    @extend_schema_serializer(component_name="WebhookCreateInput")
    class InputSerializer(serializers.Serializer):
        url = serializers.CharField(max_length=2000, help_text="https:// URL that receives the events.")
        events = serializers.ListField(
            child=serializers.ChoiceField(choices=WebhookEvent.choices), min_length=1, max_length=3
        )
        description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="webhooks_create",
        parameters=[IDEMPOTENCY_HEADER],
        request=InputSerializer,
        responses={201: WebhookWithSecretSerializer, **ERRORS},
        description=(
            "Register an endpoint. The URL must be public (no private, loopback or metadata address; "
            "checked again at every delivery). `secret` is shown in this answer only."
        ),
    )
    @idempotent(redact=("secret",))
    def post(self, request):
        serializer = WebhookCreateApi.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint, secret = webhook_endpoint_create(workspace=self.workspace, **serializer.validated_data)
        return Response(_with_secret(endpoint, secret), status=status.HTTP_201_CREATED)


class WebhookCollectionApi(WebhookListApi, WebhookCreateApi):
    """``/webhooks/``: GET lists (WebhookListApi), POST registers (WebhookCreateApi)."""


class WebhookRetrieveApi(WorkspaceApiView):
    @extend_schema(operation_id="webhooks_retrieve", responses={200: WebhookOutputSerializer, **ERRORS})
    def get(self, request, endpoint_id):
        endpoint = webhook_endpoint_get(workspace=self.workspace, endpoint_id=endpoint_id)
        return Response(WebhookOutputSerializer(endpoint).data)


class WebhookUpdateApi(WorkspaceApiView):
    @extend_schema_serializer(component_name="WebhookUpdateInput")
    class InputSerializer(serializers.Serializer):
        url = serializers.CharField(max_length=2000, required=False)
        events = serializers.ListField(
            child=serializers.ChoiceField(choices=WebhookEvent.choices), min_length=1, max_length=3, required=False
        )
        description = serializers.CharField(max_length=200, required=False, allow_blank=True)
        active = serializers.BooleanField(required=False, help_text="Turning it on again clears its failure count.")

    @extend_schema(
        operation_id="webhooks_update",
        request=InputSerializer,
        responses={200: WebhookOutputSerializer, **ERRORS},
        description="Change the fields sent; the others stay.",
    )
    def patch(self, request, endpoint_id):
        endpoint = webhook_endpoint_get(workspace=self.workspace, endpoint_id=endpoint_id)
        serializer = WebhookUpdateApi.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = webhook_endpoint_update(endpoint=endpoint, **serializer.validated_data)
        return Response(WebhookOutputSerializer(endpoint).data)


class WebhookDeleteApi(WorkspaceApiView):
    @extend_schema(
        operation_id="webhooks_delete", responses={204: None, **ERRORS},
        description="Delete the endpoint and its delivery log; nothing more is sent to it.",
    )
    def delete(self, request, endpoint_id):
        webhook_endpoint_delete(endpoint=webhook_endpoint_get(workspace=self.workspace, endpoint_id=endpoint_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDetailApi(WebhookRetrieveApi, WebhookUpdateApi, WebhookDeleteApi):
    """``/webhooks/{id}/``: GET, PATCH, DELETE."""


class WebhookRotateSecretApi(WorkspaceApiView):
    @extend_schema(
        operation_id="webhooks_rotate_secret",
        parameters=[IDEMPOTENCY_HEADER],
        request=None,
        responses={200: WebhookWithSecretSerializer, **ERRORS},
        description="A new signing secret, in effect at once (retries of earlier events too); shown in this answer only.",
    )
    @idempotent(redact=("secret",))
    def post(self, request, endpoint_id):
        endpoint = webhook_endpoint_get(workspace=self.workspace, endpoint_id=endpoint_id)
        endpoint, secret = webhook_endpoint_rotate_secret(endpoint=endpoint)
        return Response(_with_secret(endpoint, secret))


class WebhookDeliveryListApi(WorkspaceApiView):
    @extend_schema(
        operation_id="webhooks_deliveries_list",
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("limit", int)],
        responses={200: paginated(WebhookDeliveryOutputSerializer, name="PaginatedWebhookDeliveryList"), **ERRORS},
        description="The endpoint's delivery log, newest first, each with every attempt.",
    )
    def get(self, request, endpoint_id):
        endpoint = webhook_endpoint_get(workspace=self.workspace, endpoint_id=endpoint_id)
        return self.paginate(webhook_deliveries_for_endpoint(endpoint=endpoint), WebhookDeliveryOutputSerializer)


class WebhookTestApi(WorkspaceApiView):
    @extend_schema(
        operation_id="webhooks_test",
        parameters=[IDEMPOTENCY_HEADER],
        request=None,
        responses={202: WebhookDeliveryOutputSerializer, **ERRORS},
        description="Queue a `ping` event to this endpoint (even one turned off); its result appears in the log.",
    )
    @idempotent
    def post(self, request, endpoint_id):
        endpoint = webhook_endpoint_get(workspace=self.workspace, endpoint_id=endpoint_id)
        delivery = webhook_endpoint_ping(endpoint=endpoint)
        return Response(WebhookDeliveryOutputSerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
