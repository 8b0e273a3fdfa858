"""Products API: import by URL, import a batch, create by hand, list, detail. One view per operation;
``/products/`` joins the list and create operations (one URL, two methods)."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.parsers import DataAndFiles, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.api.base import (
    ERRORS,
    IDEMPOTENCY_HEADER,
    ErrorSerializer,
    WorkspaceApiView,
    idempotent,
    paginated,
)
from accounts.api.parsers import PayloadTooLarge, refuse_body_over
from core.errors import InvalidInput
from products.models import ImportBatch, ImportBatchRow, Product
from products.representations import ProductOutputSerializer
from products.selectors import import_batch_get, product_get, products_for_workspace
from products.services import (
    import_batch_create,
    product_create_manual_start,
    product_import_start,
    product_price_confirm,
    product_rescrape_start,
)


class ProductListApi(WorkspaceApiView):
    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Product.Status.choices, required=False)
        vertical = serializers.CharField(required=False, max_length=20)
        search = serializers.CharField(required=False, max_length=200, help_text="Words in the title.")

    @extend_schema(
        operation_id="products_list",
        parameters=[FilterSerializer, OpenApiParameter("cursor", str), OpenApiParameter("limit", int)],
        responses={200: paginated(ProductOutputSerializer, name="PaginatedProductList"), **ERRORS},
    )
    def get(self, request):
        filters = ProductListApi.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        products = products_for_workspace(workspace=self.workspace)
        data = filters.validated_data
        if "status" in data:
            products = products.filter(status=data["status"])
        if "vertical" in data:
            products = products.filter(vertical=data["vertical"])
        if data.get("search"):
            query = Q()
            for word in data["search"].split()[:8]:
                query &= Q(title__icontains=word)
            products = products.filter(query)
        return self.paginate(products, ProductOutputSerializer)


class ProductCreateApi(WorkspaceApiView):
    @extend_schema_serializer(component_name="ProductCreateInput")
    class InputSerializer(serializers.Serializer):
        url = serializers.URLField(
            required=False, max_length=2000,
            help_text="A product page to import (queued: the product answers with status pending).",
        )
        title = serializers.CharField(required=False, max_length=300)
        price = serializers.DecimalField(required=False, allow_null=True, max_digits=12, decimal_places=2)
        currency = serializers.CharField(required=False, max_length=3, allow_blank=True)
        regular_price = serializers.DecimalField(required=False, allow_null=True, max_digits=12, decimal_places=2)
        images = serializers.ListField(child=serializers.URLField(max_length=2000), required=False, max_length=20)
        source_url = serializers.URLField(required=False, allow_blank=True, max_length=2000)
        brand = serializers.CharField(required=False, allow_blank=True, max_length=120)
        description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
        features = serializers.ListField(child=serializers.CharField(max_length=300), required=False, max_length=8)
        availability = serializers.CharField(required=False, allow_blank=True, max_length=20)
        sku = serializers.CharField(required=False, allow_blank=True, max_length=100)
        language = serializers.CharField(required=False, allow_blank=True, max_length=20)
        vertical = serializers.CharField(required=False, allow_blank=True, max_length=20)

        def validate(self, attrs):
            if "url" in attrs and len(attrs) > 1:
                raise serializers.ValidationError(
                    "Send either `url` (import a page) or the product's fields (create by hand), not both."
                )
            if "url" not in attrs and not attrs.get("title"):
                raise serializers.ValidationError("Send `url` to import a page, or at least `title` to create one by hand.")
            return attrs

    @extend_schema(
        operation_id="products_create",
        parameters=[IDEMPOTENCY_HEADER],
        request=InputSerializer,
        responses={201: ProductOutputSerializer, 202: ProductOutputSerializer, **ERRORS},
        description=(
            "With `url`: the product is created pending and its page is read in the background "
            "(202; poll the product). With `title`, `price`, `currency`, `images`, `source_url`…: "
            "created by hand, no page fetched: with `images` it is pending while a worker fetches the "
            "photos (202; poll the product: imported, or partial, each refused link in `photo_errors`); "
            "without, 201 (status imported, or partial saying what is missing)."
        ),
    )
    @idempotent
    def post(self, request):
        serializer = ProductCreateApi.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "url" in data:
            product = product_import_start(workspace=self.workspace, url=data["url"])
            code = status.HTTP_202_ACCEPTED
        else:
            if data.get("currency") is None and data.get("price") is not None:
                raise InvalidInput("Give the price's currency (an ISO code such as EUR).", detail={"currency": ["Required with a price."]})
            product = product_create_manual_start(
                workspace=self.workspace,
                title=data.pop("title"),
                price=data.pop("price", None),
                currency=data.pop("currency", ""),
                **data,
            )
            # Photo links are fetched by a worker: pending until then (202); none, done now (201).
            code = status.HTTP_202_ACCEPTED if product.status == Product.Status.PENDING else status.HTTP_201_CREATED
        product = product_get(workspace=self.workspace, product_id=product.id)
        return Response(ProductOutputSerializer(product, context={"request": request}).data, status=code)


class ProductCollectionApi(ProductListApi, ProductCreateApi):
    """``/products/``: GET lists (ProductListApi), POST creates (ProductCreateApi)."""


class ProductDetailApi(WorkspaceApiView):
    @extend_schema(operation_id="products_retrieve", responses={200: ProductOutputSerializer, **ERRORS})
    def get(self, request, product_id):
        product = product_get(workspace=self.workspace, product_id=product_id)
        return Response(ProductOutputSerializer(product, context={"request": request}).data)


class ProductRescrapeApi(WorkspaceApiView):
    @extend_schema(
        operation_id="products_rescrape",
        parameters=[IDEMPOTENCY_HEADER],
        request=None,
        responses={202: ProductOutputSerializer, **ERRORS},
        description="Read the product's page again in the background (status pending until done).",
    )
    @idempotent
    def post(self, request, product_id):
        product = product_get(workspace=self.workspace, product_id=product_id)
        product = product_rescrape_start(product=product)
        product = product_get(workspace=self.workspace, product_id=product.id)
        return Response(ProductOutputSerializer(product, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class ProductPriceConfirmApi(WorkspaceApiView):
    @extend_schema_serializer(component_name="ProductPriceConfirmInput")
    class InputSerializer(serializers.Serializer):
        price = serializers.DecimalField(
            max_digits=12, decimal_places=2, min_value=Decimal("0.01"), required=False,
            help_text="Omit to confirm the price shown; give one to set another (e.g. one of "
            "price_evidence.rejected).",
        )
        regular_price = serializers.DecimalField(
            max_digits=12, decimal_places=2, min_value=Decimal("0.01"), required=False
        )

    @extend_schema(
        operation_id="products_price_confirm",
        parameters=[IDEMPOTENCY_HEADER],
        request=InputSerializer,
        responses={200: ProductOutputSerializer, **ERRORS},
        description="Confirm the product's price (or set another): ads are rendered with a price "
        "the scraper doubted only once it is confirmed. Records who (the API key) and when.",
    )
    @idempotent
    def post(self, request, product_id):
        product = product_get(workspace=self.workspace, product_id=product_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key = request.auth
        product_price_confirm(
            product=product, by=f"api key {key.name} ({key.prefix})" if key is not None else "",
            price=data.validated_data.get("price"), regular_price=data.validated_data.get("regular_price"),
        )
        product = product_get(workspace=self.workspace, product_id=product.id)
        return Response(ProductOutputSerializer(product, context={"request": request}).data)


# ------------------------------------------------------------------ batch import


class UploadedFeed(str):
    """An uploaded feed in ``request.data``: its bytes on ``.content``, and as a string its
    SHA-256 and size, so the ``Idempotency-Key`` fingerprint (the body as JSON) covers the
    file's content without holding it."""

    content: bytes

    def __new__(cls, content: bytes, name: str):
        text = f"sha256:{hashlib.sha256(content).hexdigest()} {len(content)} bytes ({name[:100]})"
        obj = super().__new__(cls, text)
        obj.content = content
        return obj


class FeedUploadParser(MultiPartParser):
    """multipart/form-data with a ``file`` part: refused with 413 above
    SHOPREEL_BATCH_MAX_BYTES before the body is read; the file becomes an ``UploadedFeed``."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.SHOPREEL_BATCH_MAX_BYTES
        refuse_body_over(  # the file plus the multipart framing
            parser_context, limit + 64_000, f"The upload is larger than {limit // 1_000_000} MB."
        )
        parsed = super().parse(stream, media_type, parser_context)
        data = {key: parsed.data.get(key) for key in parsed.data}
        for key, upload in parsed.files.items():
            if upload.size > limit:
                raise PayloadTooLarge(f"The file is larger than {limit // 1_000_000} MB.")
            data[key] = UploadedFeed(upload.read(), upload.name or "")
        return DataAndFiles(data, {})


@extend_schema_field(OpenApiTypes.BINARY)
class FeedField(serializers.Field):
    """The uploaded feed (multipart ``file``)."""

    def to_internal_value(self, data):
        if not isinstance(data, UploadedFeed):
            raise serializers.ValidationError("Upload the feed as a multipart file named `file`.")
        return data

    def to_representation(self, value):
        return str(value)


class ImportBatchOutputSerializer(serializers.ModelSerializer):
    class RowSerializer(serializers.ModelSerializer):
        input = serializers.SerializerMethodField(help_text="The link, or the feed item's id and title.")
        duplicate_of = serializers.SerializerMethodField(help_text="The row this one repeats (one product for both).")

        class Meta:
            model = ImportBatchRow
            fields = ["position", "input", "state", "outcome", "product", "error_code", "message", "duplicate_of"]
            read_only_fields = fields

        def get_input(self, row) -> str:
            if row.url or not row.item:
                return row.url
            return " ".join(x for x in (row.item.get("id", ""), row.item.get("title", "")) if x)

        def get_duplicate_of(self, row) -> int | None:
            return self.context["positions"].get(row.duplicate_of_id)

    rows = serializers.SerializerMethodField(help_text="Every row in input order (a batch has at most 500).")
    feed_url = serializers.CharField(read_only=True, help_text="The feed fetched by the worker; empty otherwise.")

    class Meta:
        model = ImportBatch
        fields = ["id", "source", "feed_url", "state", "total", "done", "failed", "error_code", "error", "rows",
                  "created_at", "finished_at"]
        read_only_fields = fields

    @extend_schema_field(RowSerializer(many=True))
    def get_rows(self, batch):
        rows = list(batch.rows.all())  # prefetched in position order
        positions = {row.id: row.position for row in rows}
        return ImportBatchOutputSerializer.RowSerializer(rows, many=True, context={"positions": positions}).data


class ImportBatchCreateApi(WorkspaceApiView):
    parser_classes = [JSONParser, FeedUploadParser]

    @extend_schema_serializer(component_name="ImportBatchCreateInput")
    class InputSerializer(serializers.Serializer):
        urls = serializers.ListField(
            child=serializers.CharField(max_length=2000), required=False, min_length=1,
            max_length=settings.SHOPREEL_CATALOG_MAX_ROWS,
            help_text="Product pages to import; a line that is not an http(s) link is a skipped row.",
        )
        feed_url = serializers.URLField(required=False, max_length=2000,
                                        help_text="A CSV of links or a Google Merchant feed the worker fetches.")
        file = FeedField(required=False, help_text="(multipart) A CSV of links or a Google Merchant feed, XML or TSV.")

        def validate(self, attrs):
            if len(attrs) != 1:
                raise serializers.ValidationError("Send exactly one of `urls`, `feed_url` or `file`.")
            return attrs

    @extend_schema(
        operation_id="products_batch_create",
        parameters=[IDEMPOTENCY_HEADER],
        request={"application/json": InputSerializer, "multipart/form-data": InputSerializer},
        responses={202: ImportBatchOutputSerializer, 413: ErrorSerializer, **ERRORS},
        description=(
            "Import many products: `urls` (at most 500), an uploaded `file` or a `feed_url` (at most "
            "500 rows, 5 MB). Answers the batch at once (202); poll `/products/batches/{id}/`. Each "
            "row has its own outcome; a failed row never stops the others. A repeated link is "
            "imported once (the later row is `duplicate`). Feed rows are made from the feed's data."
        ),
    )
    @idempotent
    def post(self, request):
        serializer = ImportBatchCreateApi.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        batch = import_batch_create(
            workspace=self.workspace, urls=data.get("urls"), feed_url=data.get("feed_url", ""),
            data=data["file"].content if "file" in data else None,
        )
        batch = import_batch_get(workspace=self.workspace, batch_id=batch.id)
        return Response(ImportBatchOutputSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


class ImportBatchDetailApi(WorkspaceApiView):
    @extend_schema(operation_id="products_batch_retrieve", responses={200: ImportBatchOutputSerializer, **ERRORS})
    def get(self, request, batch_id):
        batch = import_batch_get(workspace=self.workspace, batch_id=batch_id)
        return Response(ImportBatchOutputSerializer(batch).data)
