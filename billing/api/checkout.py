"""Paying through Stripe: ``POST /billing/checkout/`` (a plan or a credit pack) and
``POST /billing/portal/`` (change or cancel the plan, update the card). Each answers the
Stripe-hosted page's ``url`` to send the payer to; credits and the plan change when Stripe's
webhook says the money moved.

Who may: any write key of the workspace opens checkout (money only flows in: a plan for the
account, or credits for it). The portal shows and changes the account's card, invoices and
subscription; a workspace that is an agency's client pays from the agency's pool, which the
agency runs, so for it only an agency key (naming the client in ``Shopreel-Workspace``) opens
the portal, and the client's own keys get 403 ``billing_managed_by_agency``.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.api.base import (
    ERRORS,
    IDEMPOTENCY_HEADER,
    ErrorSerializer,
    WorkspaceApiView,
    idempotent,
)
from billing.checkout import checkout_session_create, portal_session_create, return_url_resolve
from core.errors import PermissionDenied


@extend_schema_serializer(component_name="StripeRedirect")
class RedirectOutputSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="The Stripe-hosted page to send the payer to; valid for a short while.")


BILLING_ERRORS = {**ERRORS, 502: ErrorSerializer, 503: ErrorSerializer}


class BillingPaymentApiView(WorkspaceApiView):
    def site_url(self) -> str:
        return self.request.build_absolute_uri("/").rstrip("/")


class CheckoutCreateApi(BillingPaymentApiView):
    @extend_schema_serializer(component_name="CheckoutCreateInput")
    class InputSerializer(serializers.Serializer):
        plan = serializers.SlugField(required=False, max_length=40, help_text="A plan to subscribe to.")
        pack = serializers.SlugField(required=False, max_length=40, help_text="A credit pack to buy.")
        success_url = serializers.CharField(
            required=False, max_length=2000,
            help_text="Where Stripe sends the payer after paying; on this site. Default: the workspace's dashboard.",
        )
        cancel_url = serializers.CharField(
            required=False, max_length=2000,
            help_text="Where Stripe sends the payer who gives up; on this site. Default: the workspace's dashboard.",
        )

        def validate(self, attrs):
            if ("plan" in attrs) == ("pack" in attrs):
                raise serializers.ValidationError("Send either `plan` (subscribe) or `pack` (buy credits).")
            return attrs

    @extend_schema(
        operation_id="billing_checkout_create",
        parameters=[IDEMPOTENCY_HEADER],
        request=InputSerializer,
        responses={201: RedirectOutputSerializer, **BILLING_ERRORS},
        description=(
            "A Stripe Checkout for a plan (a subscription) or a credit pack (a one-off payment); "
            "send the payer to `url`. The plan or the credits arrive with Stripe's confirmation. "
            "An account that already subscribes changes plan in the portal (409 `already_subscribed`)."
        ),
    )
    @idempotent
    def post(self, request):
        serializer = CheckoutCreateApi.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        url = checkout_session_create(
            workspace=self.workspace,
            plan_slug=data.get("plan"),
            pack_slug=data.get("pack"),
            success_url=return_url_resolve(
                url=data.get("success_url"), field="success_url", workspace=self.workspace,
                query="?checkout=success", site_url=self.site_url(),
            ),
            cancel_url=return_url_resolve(
                url=data.get("cancel_url"), field="cancel_url", workspace=self.workspace,
                query="?checkout=cancelled", site_url=self.site_url(),
            ),
        )
        return Response(RedirectOutputSerializer({"url": url}).data, status=status.HTTP_201_CREATED)


class PortalCreateApi(BillingPaymentApiView):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # key, scope, throttle, then self.workspace
        if self.workspace.agency_id is not None and request.auth.agency_id is None:
            raise PermissionDenied(
                "This workspace is paid for by its agency: the agency manages its plan and payments.",
                code="billing_managed_by_agency",
            )

    @extend_schema_serializer(component_name="PortalCreateInput")
    class InputSerializer(serializers.Serializer):
        return_url = serializers.CharField(
            required=False, max_length=2000,
            help_text="Where the portal's back link goes; on this site. Default: the workspace's dashboard.",
        )

    @extend_schema(
        operation_id="billing_portal_create",
        parameters=[IDEMPOTENCY_HEADER],
        request=InputSerializer,
        responses={201: RedirectOutputSerializer, **BILLING_ERRORS},
        description=(
            "A Stripe Customer Portal session: change or cancel the plan, update the card, see invoices. "
            "The account needs to have paid through Stripe once (409 `no_stripe_customer`)."
        ),
    )
    @idempotent
    def post(self, request):
        serializer = PortalCreateApi.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return_url = return_url_resolve(
            url=serializer.validated_data.get("return_url"), field="return_url", workspace=self.workspace,
            site_url=self.site_url(),
        )
        url = portal_session_create(workspace=self.workspace, return_url=return_url)
        return Response(RedirectOutputSerializer({"url": url}).data, status=status.HTTP_201_CREATED)
