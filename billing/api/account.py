"""The billing account and its ledger, for workspace keys; client usage and caps, for agency
keys. One view per operation.

- ``GET /billing/``: the account that pays for the caller's workspace (its own, or its
  agency's pool), made on first use like every other path to it (``account_for_workspace``).
- ``GET /billing/ledger/``: newest first. A workspace sees the movements of its own jobs and
  the account-wide ones (grants, purchases, adjustments, refunds); an agency pool's other
  clients' jobs are not shown to it.
- ``GET /billing/clients/`` and ``PUT /billing/clients/{workspace}/cap/``: agency keys only
  (no ``Shopreel-Workspace`` header: the agency is the key's); a workspace key gets 404.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.authentication import ApiKeyAuthentication
from accounts.api.base import ERRORS, WorkspaceApiView, paginated
from accounts.api.permissions import HasApiKeyScope
from accounts.api.throttling import ApiKeyRateThrottle
from accounts.selectors import workspace_for_api_key
from billing.ledger import account_for_workspace
from billing.models import BillingAccount, ClientCap, LedgerEntry, Plan
from billing.selectors import agency_clients_usage, client_usage, ledger_for_workspace, month_start
from core.errors import NotFound

# ------------------------------------------------------------------ the account


class PlanOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = ["slug", "name", "monthly_credits", "max_length_seconds", "max_formats", "generative_shots", "seats"]
        read_only_fields = fields


class BillingAccountApi(WorkspaceApiView):
    @extend_schema_serializer(component_name="BillingAccount")
    class OutputSerializer(serializers.Serializer):
        plan = PlanOutputSerializer(allow_null=True, help_text="None: no plan, only granted or bought credits.")
        status = serializers.ChoiceField(
            choices=BillingAccount.Status.choices, help_text="past_due and canceled block new ads."
        )
        period_end = serializers.DateTimeField(source="current_period_end", allow_null=True)
        balance = serializers.IntegerField(help_text="Credits that can be spent now.")
        reserved = serializers.IntegerField(help_text="Credits held for queued jobs.")
        pool = serializers.ChoiceField(choices=["workspace", "agency"], help_text="workspace: this workspace pays alone; agency: its agency's pool pays.")
        low_balance = serializers.BooleanField(help_text="The balance is below the deployment's warning level.")
        billing = serializers.ChoiceField(choices=["on", "off"], help_text="on: ads cost credits; off: this deployment charges nothing.")

    @extend_schema(
        operation_id="billing_retrieve",
        responses={200: OutputSerializer, **ERRORS},
        description="The plan, status and credits of the account that pays for this workspace.",
    )
    def get(self, request):
        account = account_for_workspace(workspace=self.workspace)
        data = {
            "plan": account.plan,
            "status": account.status,
            "current_period_end": account.current_period_end,
            "balance": account.balance,
            "reserved": account.reserved,
            "pool": "agency" if account.agency_id else "workspace",
            "low_balance": account.balance < settings.SHOPREEL_BILLING_LOW_BALANCE,
            "billing": "on" if settings.SHOPREEL_BILLING else "off",
        }
        return Response(BillingAccountApi.OutputSerializer(data).data)


# ------------------------------------------------------------------ the ledger


@extend_schema_serializer(component_name="LedgerEntry")
class LedgerEntryOutputSerializer(serializers.ModelSerializer):
    job = serializers.UUIDField(source="job_id", allow_null=True)
    workspace = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True,
        help_text="The workspace whose job moved the credits; null for account-wide movements.",
    )

    class Meta:
        model = LedgerEntry
        fields = [
            "id", "kind", "balance_change", "reserved_change", "balance_after", "reserved_after", "reason",
            "job", "reference", "flagged", "workspace", "created_at",
        ]
        read_only_fields = fields


class LedgerListApi(WorkspaceApiView):
    @extend_schema(
        operation_id="billing_ledger_list",
        responses={200: paginated(LedgerEntryOutputSerializer, name="PaginatedLedgerEntryList"), **ERRORS},
        description=(
            "Every movement of the balance and the reserve, newest first: this workspace's jobs and "
            "the account-wide grants, purchases, adjustments and refunds (an agency pool's other "
            "clients' jobs are not shown)."
        ),
    )
    def get(self, request):
        account = account_for_workspace(workspace=self.workspace)
        return self.paginate(ledger_for_workspace(workspace=self.workspace, account=account), LedgerEntryOutputSerializer)


# ------------------------------------------------------------------ agencies: clients and caps


class IsAgencyKey(permissions.BasePermission):
    """An agency key; a workspace key is told the URL doesn't exist (404), not that it is
    forbidden. Goes before HasApiKeyScope, so a read-only workspace key gets the same 404."""

    def has_permission(self, request, view) -> bool:
        api_key = request.auth
        if api_key is None or not getattr(request.user, "is_authenticated", False):
            return False  # 401 from DRF: no or bad credentials
        if api_key.agency_id is None:
            raise NotFound("Not found.")
        return True


class AgencyApiView(APIView):
    """The API base's key authentication, scope and throttle, for the agency itself rather than
    one client workspace: ``self.agency`` is the key's agency and no Shopreel-Workspace header
    is read."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [IsAgencyKey, HasApiKeyScope]
    throttle_classes = [ApiKeyRateThrottle]
    schema = AutoSchema()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.agency = request.auth.agency


@extend_schema_serializer(component_name="ClientUsage")
class ClientUsageOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="workspace.id")
    workspace = serializers.CharField(source="workspace.slug")
    name = serializers.CharField(source="workspace.name")
    used = serializers.IntegerField(help_text="Credits spent or held this calendar month (UTC).")
    cap = serializers.IntegerField(allow_null=True, help_text="The monthly cap in credits; null: no cap.")


class ClientListApi(AgencyApiView):
    @extend_schema(
        operation_id="billing_clients_list",
        responses={
            200: inline_serializer(name="ClientUsageList", fields={
                "month_start": serializers.DateTimeField(),
                "results": ClientUsageOutputSerializer(many=True),
            }),
            **ERRORS,
        },
        description="Agency keys: each client workspace's usage of the pool this month, and its cap.",
    )
    def get(self, request):
        rows = agency_clients_usage(agency=self.agency)
        return Response({
            "month_start": serializers.DateTimeField().to_representation(month_start()),
            "results": ClientUsageOutputSerializer(rows, many=True).data,
        })


def _client_cap_set(*, workspace, monthly_credits: int | None) -> None:
    """Set a client's monthly cap, or remove it (None)."""
    with transaction.atomic():
        if monthly_credits is None:
            ClientCap.objects.filter(workspace=workspace).delete()
        else:
            ClientCap.objects.update_or_create(workspace=workspace, defaults={"monthly_credits": monthly_credits})


class ClientCapApi(AgencyApiView):
    @extend_schema_serializer(component_name="ClientCapInput")
    class InputSerializer(serializers.Serializer):
        monthly_credits = serializers.IntegerField(
            min_value=0, max_value=2_147_483_647, allow_null=True,
            help_text="The most credits this client may spend from the pool a calendar month; null removes the cap.",
        )

    @extend_schema(
        operation_id="billing_client_cap_update",
        request=InputSerializer,
        responses={200: ClientUsageOutputSerializer, **ERRORS},
        description=(
            "Agency write keys: cap what one client workspace (slug or id) may spend from the pool "
            "each month. A job that would pass it is refused with 402 `client_cap_reached`."
        ),
    )
    def put(self, request, workspace: str):
        client = workspace_for_api_key(api_key=request.auth, ref=workspace)
        serializer = ClientCapApi.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _client_cap_set(workspace=client, monthly_credits=serializer.validated_data["monthly_credits"])
        return Response(ClientUsageOutputSerializer(client_usage(workspace=client)).data)

