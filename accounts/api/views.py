"""API keys through the API: list, create (the key shown once), revoke. A write-scope key
manages the keys of its workspace (an agency key: of the client workspace it names)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.api.base import ERRORS, IDEMPOTENCY_HEADER, WorkspaceApiView, idempotent, paginated
from accounts.api.permissions import HasApiKeyScope, KeyCreatorManagesMembers
from accounts.models import ApiKey, Invitation, Membership
from accounts.selectors import (
    api_key_get,
    api_keys_for_workspace,
    invitations_for_workspace,
    members_for_workspace,
)
from accounts.services import (
    api_key_create,
    api_key_revoke,
    invitation_create,
    invitation_revoke,
    membership_remove,
    membership_role_change,
)
from billing.limits import seat_check


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


# ------------------------------------------------------------------ members and invitations
# A write-scope key acts for its workspace with an admin's rights: it manages members and
# invitations but never adds, removes, promotes or demotes an owner (403 permission_denied).


class MemberOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "role", "created_at"]
        read_only_fields = fields


class MemberListApi(WorkspaceApiView):
    @extend_schema(
        operation_id="members_list",
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("limit", int)],
        responses={200: paginated(MemberOutputSerializer, name="PaginatedMemberList"), **ERRORS},
    )
    def get(self, request):
        return self.paginate(members_for_workspace(workspace=self.workspace), MemberOutputSerializer)


class MemberRoleApi(WorkspaceApiView):
    permission_classes = [HasApiKeyScope, KeyCreatorManagesMembers]

    @extend_schema_serializer(component_name="MemberRoleInput")
    class InputSerializer(serializers.Serializer):
        role = serializers.ChoiceField(choices=Membership.Role.choices)

    @extend_schema(
        operation_id="members_role_change",
        parameters=[IDEMPOTENCY_HEADER],
        request=InputSerializer,
        responses={200: MemberOutputSerializer, **ERRORS},
        description="Change a member's role (not to or from owner: 403). The last owner keeps the role (409 `last_owner`).",
    )
    @idempotent
    def post(self, request, member_id):
        serializer = MemberRoleApi.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = membership_role_change(workspace=self.workspace, member_id=member_id, **serializer.validated_data)
        return Response(MemberOutputSerializer(member).data)


class MemberRemoveApi(WorkspaceApiView):
    permission_classes = [HasApiKeyScope, KeyCreatorManagesMembers]

    @extend_schema(
        operation_id="members_remove",
        parameters=[IDEMPOTENCY_HEADER],
        request=None,
        responses={200: MemberOutputSerializer, **ERRORS},
        description="Take a member out of the workspace (not an owner: 403); their own keys are revoked.",
    )
    @idempotent
    def post(self, request, member_id):
        member = membership_remove(workspace=self.workspace, member_id=member_id)
        return Response(MemberOutputSerializer(member).data)


class InvitationOutputSerializer(serializers.ModelSerializer):
    state = serializers.CharField(read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "state", "created_at", "sent_at", "expires_at", "accepted_at", "revoked_at"]
        read_only_fields = fields


class InvitationListApi(WorkspaceApiView):
    @extend_schema(
        operation_id="invitations_list",
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("limit", int)],
        responses={200: paginated(InvitationOutputSerializer, name="PaginatedInvitationList"), **ERRORS},
    )
    def get(self, request):
        return self.paginate(invitations_for_workspace(workspace=self.workspace), InvitationOutputSerializer)


class InvitationCreateApi(WorkspaceApiView):
    permission_classes = [HasApiKeyScope, KeyCreatorManagesMembers]

    @extend_schema_serializer(component_name="InvitationCreateInput")
    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        # "owner" is refused by the service (403): a key never adds an owner.
        role = serializers.ChoiceField(choices=Membership.Role.choices, default=Membership.Role.EDITOR)

    @extend_schema(
        operation_id="invitations_create",
        parameters=[IDEMPOTENCY_HEADER],
        request=InputSerializer,
        responses={201: InvitationOutputSerializer, **ERRORS},
        description="Invite an address (any role but owner); the link goes out by email and works once, for 7 days.",
    )
    @idempotent
    def post(self, request):
        serializer = InvitationCreateApi.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        seat_check(workspace=self.workspace)
        invitation = invitation_create(
            workspace=self.workspace, site_url=request.build_absolute_uri("/"), **serializer.validated_data
        )
        return Response(InvitationOutputSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationCollectionApi(InvitationListApi, InvitationCreateApi):
    """``/invitations/``: GET lists, POST creates."""


class InvitationRevokeApi(WorkspaceApiView):
    permission_classes = [HasApiKeyScope, KeyCreatorManagesMembers]

    @extend_schema(
        operation_id="invitations_revoke",
        parameters=[IDEMPOTENCY_HEADER],
        request=None,
        responses={200: InvitationOutputSerializer, **ERRORS},
        description="Revoke an open invitation: its link stops working (409 when already accepted or revoked).",
    )
    @idempotent
    def post(self, request, invitation_id):
        invitation = invitation_revoke(workspace=self.workspace, invitation_id=invitation_id)
        return Response(InvitationOutputSerializer(invitation).data)
