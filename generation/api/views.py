"""Ads, jobs and templates API. One view per operation; ``/ads/`` joins list and create.

Creating an ad queues a RenderJob (``generation.services.job_start``: the Celery canvas is sent
once the row is committed); the Ad appears on the job when its script is written, and its
files on the ad and the job as each format is rendered."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.api.base import (
    ERRORS,
    IDEMPOTENCY_HEADER,
    WorkspaceApiView,
    idempotent,
    paginated,
)
from billing.jobs import ad_render_start_paid, job_quote, job_start_paid
from campaigns.selectors import ads_stale_filter
from core.errors import InvalidInput
from generation.options import JobOptions
from generation.render.spec import FORMATS
from generation.representations import AdOutputSerializer, JobOutputSerializer
from generation.selectors import ad_get, ads_for_workspace, job_get
from generation.services import ad_script_update, job_cancel
from products.selectors import product_get
from templates_engine import compliance
from templates_engine.library import load_templates
from templates_engine.summary import template_summary


def _decided_by(request) -> str:
    """Who let blocking compliance findings through, as recorded on the Ad."""
    return f"API key {request.auth.prefix} ({request.auth.name})"


def inline_list(item):
    """``{"results": [item, ...]}`` for the schema."""
    return inline_serializer(name="TemplateList", fields={"results": item(many=True)})


# ------------------------------------------------------------------ templates


class TemplateListApi(WorkspaceApiView):
    class FilterSerializer(serializers.Serializer):
        vertical = serializers.CharField(required=False, max_length=20)
        language = serializers.CharField(required=False, max_length=20)
        length = serializers.FloatField(required=False, min_value=1, max_value=120)

    @extend_schema_serializer(component_name="Template")
    class OutputSerializer(serializers.Serializer):
        slug = serializers.CharField()
        vertical = serializers.CharField()
        structure = serializers.CharField()
        name = serializers.CharField()
        description = serializers.CharField()
        languages = serializers.ListField(child=serializers.CharField())
        lengths = serializers.ListField(child=serializers.FloatField())
        min_length = serializers.FloatField()
        max_length = serializers.FloatField()
        needs = serializers.DictField()

    @extend_schema(
        operation_id="templates_list",
        parameters=[FilterSerializer],
        responses={200: inline_list(OutputSerializer), **ERRORS},
    )
    def get(self, request):
        filters = TemplateListApi.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        rows = []
        for template in load_templates().values():
            if "vertical" in f and template.vertical != f["vertical"]:
                continue
            if "language" in f and f["language"] not in template.languages:
                continue
            if "length" in f and f["length"] not in [float(x) for x in template.lengths]:
                continue
            rows.append(template_summary(template))
        return Response({"results": TemplateListApi.OutputSerializer(rows, many=True).data})


# ------------------------------------------------------------------ ads


class AdListApi(WorkspaceApiView):
    class FilterSerializer(serializers.Serializer):
        product = serializers.UUIDField(required=False)
        stale = serializers.BooleanField(
            required=False, allow_null=True, default=None,
            help_text="true: only ads whose product's price or availability changed since they were made.",
        )

    @extend_schema(
        operation_id="ads_list",
        parameters=[FilterSerializer, OpenApiParameter("cursor", str), OpenApiParameter("limit", int)],
        responses={200: paginated(AdOutputSerializer, name="PaginatedAdList"), **ERRORS},
    )
    def get(self, request):
        filters = AdListApi.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        # The page shows the product's id only: no join, no product rows built (bench/api.py).
        ads = ads_for_workspace(workspace=self.workspace).select_related(None)
        if "product" in filters.validated_data:
            ads = ads.filter(product_id=filters.validated_data["product"])
        if filters.validated_data.get("stale") is not None:
            ads = ads_stale_filter(ads, stale=filters.validated_data["stale"])
        return self.paginate(ads, AdOutputSerializer)


def _documented(field_class: type[serializers.Field], schema: dict) -> type[serializers.Field]:
    """``field_class`` (which only reads the value's type) documented with the rule that
    ``JobOptions`` checks (``schema``: enum, minimum, maximum, maxLength)."""
    return extend_schema_field(schema)(type(f"JobOption{field_class.__name__}", (field_class,), {}))


FormatField = _documented(serializers.CharField, {"type": "string", "enum": list(FORMATS)})
MarketField = _documented(serializers.CharField, {"type": "string", "enum": list(compliance.MARKETS)})
LengthField = _documented(
    serializers.FloatField,
    {"type": "number", "format": "double", "minimum": JobOptions.MIN_LENGTH, "maximum": JobOptions.MAX_LENGTH},
)
SeedField = _documented(serializers.IntegerField, {"type": "integer", "minimum": 0, "maximum": JobOptions.MAX_SEED})
LanguageField = _documented(serializers.CharField, {"type": "string", "maxLength": JobOptions.MAX_LANGUAGE})
CtaField = _documented(
    serializers.CharField, {"type": "string", "nullable": True, "maxLength": JobOptions.MAX_CTA}
)


def _job_options(given: dict) -> JobOptions:
    """The body's options as a JobOptions. Its problems with fields answer as every other
    field error does (400 ``invalid_input``, "see detail", ``detail`` by field); one with its
    own code (``unknown_template``) answers with that code."""
    try:
        return JobOptions.from_input(given)
    except InvalidInput as exc:
        if exc.code == InvalidInput.code:
            raise serializers.ValidationError(exc.detail) from None
        raise


class AdCreateApi(WorkspaceApiView):
    @extend_schema_serializer(component_name="AdCreateInput")
    class InputSerializer(serializers.Serializer):
        # Reads the body's types; what each option may be is checked by JobOptions (the schema
        # documents its rules), whose defaults fill what is left out.
        product = serializers.UUIDField(help_text="An imported product of this workspace.")
        template = serializers.CharField(required=False, help_text="A template slug, or auto (the default).")
        formats = serializers.ListField(child=FormatField(), required=False, min_length=1)
        language = LanguageField(required=False)
        length = LengthField(required=False)
        market = MarketField(required=False)
        seed = SeedField(required=False)
        voice = serializers.BooleanField(required=False)
        music = serializers.BooleanField(required=False)
        platform = serializers.CharField(required=False, allow_blank=True)
        tone = serializers.CharField(required=False, allow_blank=True)
        cta = CtaField(required=False, allow_null=True, allow_blank=True)
        override_compliance = serializers.BooleanField(required=False)
        variant = _documented(
            serializers.IntegerField, {"type": "integer", "minimum": 0, "maximum": JobOptions.MAX_VARIANT}
        )(required=False, help_text="Which variant of the script: another hook and order of the middle scenes for each k > 0.")

    @extend_schema(
        operation_id="ads_create",
        parameters=[IDEMPOTENCY_HEADER],
        request=InputSerializer,
        responses={202: JobOutputSerializer, **ERRORS},
        description=(
            "Queue a render of an ad for the product; answers the job to poll (`/jobs/{id}/`). With "
            "billing on, its price (`GET /ads/quote/`) is reserved now: too few credits → 402 "
            "`insufficient_credits` naming the cost and the balance, and nothing is queued."
        ),
    )
    @idempotent
    def post(self, request):
        serializer = AdCreateApi.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        given = dict(serializer.validated_data)
        product_id = given.pop("product")
        if given.get("override_compliance"):
            given["override_compliance"] = _decided_by(request)
        options = _job_options(given)
        product = product_get(workspace=self.workspace, product_id=product_id)
        job = job_start_paid(workspace=self.workspace, product=product, options=options)
        job = job_get(workspace=self.workspace, job_id=job.id)
        return Response(JobOutputSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class AdQuoteApi(WorkspaceApiView):
    class FilterSerializer(serializers.Serializer):
        length = LengthField(required=False)
        formats = serializers.ListField(child=FormatField(), required=False, min_length=1)

    @extend_schema(
        operation_id="ads_quote",
        parameters=[FilterSerializer],
        responses={200: inline_serializer(name="AdQuote", fields={
            "cost": serializers.IntegerField(help_text="Credits: the most this ad can cost."),
            "breakdown": serializers.DictField(help_text="`video` (length times formats) and `generative` (GPU footage)."),
            "billing": serializers.ChoiceField(choices=["on", "off"]),
            "balance": serializers.IntegerField(allow_null=True),
            "reserved": serializers.IntegerField(allow_null=True),
            "affordable": serializers.BooleanField(),
        }), **ERRORS},
        description=(
            "The price of an ad before it is made: 1 credit per started 5 s per format, plus 3 per "
            "started 5 s of generative footage where GPU shots are configured. A job is charged for "
            "what it delivers (a failed or cancelled one costs nothing). 402 `plan_limit` when the "
            "plan doesn't allow the length or the number of formats."
        ),
    )
    def get(self, request):
        filters = AdQuoteApi.FilterSerializer(data={
            **request.query_params.dict(), "formats": request.query_params.getlist("formats") or ["9:16"],
        })
        filters.is_valid(raise_exception=True)
        options = _job_options(dict(filters.validated_data))
        return Response(job_quote(workspace=self.workspace, options=options).as_dict())


class AdCollectionApi(AdListApi, AdCreateApi):
    """``/ads/``: GET lists (AdListApi), POST creates (AdCreateApi)."""


class AdDetailApi(WorkspaceApiView):
    @extend_schema(operation_id="ads_retrieve", responses={200: AdOutputSerializer, **ERRORS})
    def get(self, request, ad_id):
        ad = ad_get(workspace=self.workspace, ad_id=ad_id)
        return Response(AdOutputSerializer(ad, context={"request": request}).data)


class AdScriptUpdateApi(WorkspaceApiView):
    @extend_schema_serializer(component_name="AdScriptUpdateInput")
    class InputSerializer(serializers.Serializer):
        script = serializers.DictField(help_text="The whole edited AdScript (as `script` on the ad).")
        override_compliance = serializers.BooleanField(default=False)

    @extend_schema(
        operation_id="ads_script_update",
        request=InputSerializer,
        responses={200: AdOutputSerializer, **ERRORS},
        description=(
            "Replace the ad's script after checking all of it; errors come back together in "
            "`detail`, keyed by field path (`scenes.2.caption`), and nothing changes."
        ),
    )
    def put(self, request, ad_id):
        serializer = AdScriptUpdateApi.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ad = ad_get(workspace=self.workspace, ad_id=ad_id)
        override = serializer.validated_data["override_compliance"] and _decided_by(request)
        ad_script_update(ad=ad, script=serializer.validated_data["script"], override_compliance=override)
        ad = ad_get(workspace=self.workspace, ad_id=ad_id)
        return Response(AdOutputSerializer(ad, context={"request": request}).data)


class AdRenderApi(WorkspaceApiView):
    @extend_schema_serializer(component_name="AdRenderInput")
    class InputSerializer(serializers.Serializer):
        override_compliance = serializers.BooleanField(
            default=False, help_text="Render even though the product's price is unconfirmed (recorded).",
        )

    @extend_schema(
        operation_id="ads_render",
        parameters=[IDEMPOTENCY_HEADER],
        request=InputSerializer,
        responses={202: JobOutputSerializer, **ERRORS},
        description=(
            "Render the ad again with its current script (after an edit, or to retry): a new "
            "job to poll. 409 `ad_busy` while one is queued or running. The product's price is "
            "checked again: one the scraper doubted and nobody confirmed is refused (400 "
            "`price_unconfirmed`) unless `override_compliance`, which is recorded on the ad."
        ),
    )
    @idempotent
    def post(self, request, ad_id):
        serializer = AdRenderApi.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        override = serializer.validated_data["override_compliance"] and _decided_by(request)
        ad = ad_get(workspace=self.workspace, ad_id=ad_id)
        job = ad_render_start_paid(ad=ad, override_price=override)
        job = job_get(workspace=self.workspace, job_id=job.id)
        return Response(JobOutputSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


# ------------------------------------------------------------------ jobs


class JobDetailApi(WorkspaceApiView):
    @extend_schema(operation_id="jobs_retrieve", responses={200: JobOutputSerializer, **ERRORS})
    def get(self, request, job_id):
        job = job_get(workspace=self.workspace, job_id=job_id)
        return Response(JobOutputSerializer(job, context={"request": request}).data)


class JobCancelApi(WorkspaceApiView):
    @extend_schema(
        operation_id="jobs_cancel",
        parameters=[IDEMPOTENCY_HEADER],
        request=None,
        responses={202: JobOutputSerializer, **ERRORS},
        description="Ask the job to stop: a running render stops within a second, leaving no partial file.",
    )
    @idempotent
    def post(self, request, job_id):
        job = job_get(workspace=self.workspace, job_id=job_id)
        if not job.is_finished:
            job_cancel(job=job)
        job = job_get(workspace=self.workspace, job_id=job_id)
        return Response(JobOutputSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)
