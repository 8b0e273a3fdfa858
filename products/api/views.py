"""Products API: import by URL, create by hand, list, detail. One view per operation;
``/products/`` joins the list and create operations (one URL, two methods)."""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.api.base import (
    ERRORS,
    IDEMPOTENCY_HEADER,
    WorkspaceApiView,
    idempotent,
    paginated,
)
from config.errors import InvalidInput
from products.models import Product
from products.selectors import product_get, products_for_workspace
from products.services import product_create_manual, product_import_start, product_rescrape_start


class ProductOutputSerializer(serializers.ModelSerializer):
    class ImageSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        position = serializers.IntegerField()
        url = serializers.SerializerMethodField()
        width = serializers.IntegerField()
        height = serializers.IntegerField()
        on_model = serializers.BooleanField()

        def get_url(self, image) -> str:
            url = image.file.url
            request = self.context.get("request")
            return request.build_absolute_uri(url) if request else url

    images = ImageSerializer(many=True, read_only=True)
    fetched_with = serializers.CharField(
        read_only=True, help_text="How it was read: http, browser, platform-api or manual; empty while pending."
    )

    class Meta:
        model = Product
        fields = [
            "id", "status", "error_code", "error", "source_url", "title", "brand", "price", "currency",
            "regular_price", "description", "features", "availability", "sku", "language", "vertical",
            "variants", "fetched_with", "images", "created_at", "updated_at",
        ]
        read_only_fields = fields




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
            "created by hand, no page fetched (201; status imported, or partial saying what is missing)."
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
            product = product_create_manual(
                workspace=self.workspace,
                title=data.pop("title"),
                price=data.pop("price", None),
                currency=data.pop("currency", ""),
                **data,
            )
            code = status.HTTP_201_CREATED
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
