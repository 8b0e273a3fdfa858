"""How a product is shown to machines: the API's product body and the ``product.imported``
event's payload are this one representation, so receivers see one shape."""

from __future__ import annotations

from datetime import datetime

from rest_framework import serializers

from accounts import media_links
from accounts.events import json_safe, site_context
from products.models import Product
from products.selectors import product_get


class ProductOutputSerializer(serializers.ModelSerializer):
    class ImageSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        position = serializers.IntegerField()
        url = serializers.SerializerMethodField(help_text="Signed link to the photo, good until expires_at.")
        expires_at = serializers.SerializerMethodField(
            help_text="When url stops working (410); fetch the product again for a fresh one."
        )
        width = serializers.IntegerField()
        height = serializers.IntegerField()
        on_model = serializers.BooleanField()

        def get_url(self, image) -> str:
            return media_links.link(
                request=self.context.get("request"), workspace_id=image.workspace_id, object_id=image.id,
                kind=media_links.IMAGE_KIND, issued=media_links.issue_time(self.context),
            )

        def get_expires_at(self, image) -> datetime:
            return media_links.expires_at(media_links.issue_time(self.context))

    images = ImageSerializer(many=True, read_only=True)
    fetched_with = serializers.CharField(
        read_only=True, help_text="How it was read: http, browser, platform-api or manual; empty while pending."
    )

    photo_errors = serializers.JSONField(
        read_only=True,
        help_text="Photo links that gave no usable photo, each with why: [{\"url\", \"error\"}] "
        "(a product made by hand keeps its facts and its good photos).",
    )
    price_evidence = serializers.JSONField(
        read_only=True,
        help_text="How the price was read: source (markup, visible text, platform endpoint), "
        "confidence 0-1, and the amounts passed over with why.",
    )
    price_needs_confirmation = serializers.BooleanField(
        source="price_unconfirmed", read_only=True,
        help_text="The price is in doubt and not yet confirmed: ads are not rendered with it until "
        "POST /products/{id}/price/confirm/ (or a job's override_compliance).",
    )

    class Meta:
        model = Product
        fields = [
            "id", "status", "error_code", "error", "source_url", "title", "brand", "price", "currency",
            "regular_price", "description", "features", "availability", "sku", "language", "vertical",
            "variants", "fetched_with", "images", "photo_errors", "price_evidence", "price_needs_confirmation",
            "price_confirmed_at", "price_confirmed_by", "created_at", "updated_at",
        ]
        read_only_fields = fields


def product_representation(*, product: Product) -> dict:
    """The product as ``GET /products/{id}/`` shows it, JSON-safe, file links absolute where
    SHOPREEL_SITE_URL is set (the payload of product events)."""
    product = product_get(workspace=product.workspace, product_id=product.id)
    return json_safe(ProductOutputSerializer(product, context=site_context()).data)
