"""API keys through the API: list, create (the key shown once), revoke. A write-scope key
manages the keys of its workspace (an agency key: of the client workspace it names)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.api.base import ERRORS, IDEMPOTENCY_HEADER, WorkspaceApiView, idempotent, paginated
from accounts.models import ApiKey
from accounts.selectors import api_key_get, api_keys_for_workspace
from accounts.services import api_key_create, api_key_revoke


class ApiKeyOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "scope", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class ApiKeyListApi(WorkspaceApiView):
    @extend_schema(
        operation_id="api_keys_list",
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("limit", int)],
        responses={200: paginated(ApiKeyOutputSerializer, name="PaginatedApiKeyList"), **ERRORS},
    )
    def get(self, request):
        return self.paginate(api_keys_for_workspace(workspace=self.workspace), ApiKeyOutputSerializer)


class ApiKeyCreateApi(WorkspaceApiView):
    @extend_schema_serializer(component_name="ApiKeyCreateInput")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        scope = serializers.ChoiceField(choices=ApiKey.Scope.choices, default=ApiKey.Scope.READ)

    class OutputSerializer(ApiKeyOutputSerializer):
        key = serializers.CharField(
            allow_null=True,
            help_text="The key itself: shown in this answer only (null in a replay of it).",
        )

        class Meta(ApiKeyOutputSerializer.Meta):
            fields = [*ApiKeyOutputSerializer.Meta.fields, "key"]
            read_only_fields = fields

    @extend_schema(
        operation_id="api_keys_create",
        parameters=[IDEMPOTENCY_HEADER],
        request=InputSerializer,
        responses={201: OutputSerializer, **ERRORS},
        description="Make a key for this workspace; `key` is shown in this answer only, never again.",
    )
    @idempotent(redact=("key",))
    def post(self, request):
        serializer = ApiKeyCreateApi.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key, plaintext = api_key_create(workspace=self.workspace, **serializer.validated_data)
        key.key = plaintext
        return Response(ApiKeyCreateApi.OutputSerializer(key).data, status=status.HTTP_201_CREATED)


class ApiKeyCollectionApi(ApiKeyListApi, ApiKeyCreateApi):
    """``/api-keys/``: GET lists (ApiKeyListApi), POST creates (ApiKeyCreateApi)."""


class ApiKeyRevokeApi(WorkspaceApiView):
    @extend_schema(
        operation_id="api_keys_revoke",
        parameters=[IDEMPOTENCY_HEADER],
        request=None,
        responses={200: ApiKeyOutputSerializer, **ERRORS},
        description="Revoke the key for good: requests with it answer 401 from now on.",
    )
    @idempotent
    def post(self, request, key_id):
        key = api_key_revoke(api_key=api_key_get(workspace=self.workspace, key_id=key_id))
        return Response(ApiKeyOutputSerializer(key).data)
