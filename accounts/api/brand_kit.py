"""The workspace's brand kit through the API: ``GET`` it (the defaults its ads use while it has
none), ``PATCH`` its colours, caption style, style preset and call to action (JSON), and its
logo and font (multipart uploads; null or an empty part removes one). Any key may read; a
write-scope key changes it (an agency key: the client workspace it names), through the same
``brand_kit_update`` the studio's brand page uses: every value is checked (the admin's
validators) before anything is written, so a refused upload leaves the stored logo and font."""

from __future__ import annotations

from datetime import datetime

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts import media_links
from accounts.api.base import ERRORS, ErrorSerializer, WorkspaceApiView
from accounts.api.parsers import BoundedJSONParser, refuse_body_over
from accounts.brand import (
    MAX_FONT_BYTES,
    MAX_LOGO_BYTES,
    validate_font_file,
    validate_hex_color,
    validate_logo_file,
)
from accounts.models import BrandKit
from accounts.selectors import brand_kit_or_default
from accounts.services import brand_kit_update

MAX_UPLOAD_BYTES = MAX_LOGO_BYTES + MAX_FONT_BYTES + 64_000  # both files plus the multipart framing


class BrandKitUploadParser(MultiPartParser):
    """multipart/form-data with ``logo`` and/or ``font``: a body larger than both files' limits
    together is refused (413) before it is read; each file's own limit is its field's check."""

    def parse(self, stream, media_type=None, parser_context=None):
        refuse_body_over(
            parser_context,
            MAX_UPLOAD_BYTES,
            f"The upload is larger than a logo and a font together ({MAX_UPLOAD_BYTES // 1_000_000} MB).",
        )
        return super().parse(stream, media_type, parser_context)


class BrandKitOutputSerializer(serializers.ModelSerializer):
    configured = serializers.SerializerMethodField(
        help_text="False: the workspace has no brand kit yet, and these are the defaults its ads use."
    )
    logo = serializers.SerializerMethodField(help_text="Signed link to the logo, good until expires_at; null: none.")
    font = serializers.SerializerMethodField(
        help_text="Signed link to the font file (.ttf/.otf), good until expires_at; null: the renderer's own."
    )
    expires_at = serializers.SerializerMethodField(
        help_text="When the logo and font links stop working (410); null when there is neither. "
        "Fetch the brand kit again for fresh ones."
    )
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="Null until the kit is made.")

    class Meta:
        model = BrandKit
        fields = [
            "configured", "primary_color", "accent_color", "text_color", "caption_style", "style", "cta_text",
            "logo", "font", "expires_at", "updated_at",
        ]
        read_only_fields = fields

    def get_configured(self, kit) -> bool:
        return kit.created_at is not None

    def _link(self, kit, kind: str) -> str | None:
        if not getattr(kit, kind):
            return None
        return media_links.link(
            request=self.context.get("request"), workspace_id=kit.workspace_id, object_id=kit.id, kind=kind,
            issued=media_links.issue_time(self.context),
        )

    def get_logo(self, kit) -> str | None:
        return self._link(kit, "logo")

    def get_font(self, kit) -> str | None:
        return self._link(kit, "font")

    def get_expires_at(self, kit) -> datetime | None:
        if not (kit.logo or kit.font):
            return None
        return media_links.expires_at(media_links.issue_time(self.context))


def _answer(request, kit: BrandKit) -> Response:
    return Response(BrandKitOutputSerializer(kit, context={"request": request}).data)


class BrandKitRetrieveApi(WorkspaceApiView):
    @extend_schema(
        operation_id="brand_kit_retrieve",
        responses={200: BrandKitOutputSerializer, **ERRORS},
        description="The workspace's brand kit (`configured: false` and the defaults while it has none), "
        "with signed links to its logo and font.",
    )
    def get(self, request):
        return _answer(request, brand_kit_or_default(workspace=self.workspace))


class BrandKitUpdateApi(WorkspaceApiView):
    parser_classes = [BoundedJSONParser, BrandKitUploadParser]

    @extend_schema_serializer(component_name="BrandKitUpdateInput")
    class InputSerializer(serializers.Serializer):
        primary_color = serializers.CharField(required=False, validators=[validate_hex_color], help_text="#RRGGBB")
        accent_color = serializers.CharField(required=False, validators=[validate_hex_color], help_text="#RRGGBB")
        text_color = serializers.CharField(required=False, validators=[validate_hex_color], help_text="#RRGGBB")
        caption_style = serializers.ChoiceField(choices=BrandKit.CaptionStyle.choices, required=False)
        style = serializers.ChoiceField(
            choices=BrandKit.Style.choices, required=False, allow_blank=True,
            help_text='The ads\' style preset; "" for auto (by the ad\'s tone, else the product\'s vertical).',
        )
        cta_text = serializers.CharField(
            required=False, allow_blank=True, max_length=60,
            help_text="The end card's call to action instead of the template's; \"\" for the template's.",
        )
        logo = serializers.FileField(
            required=False, allow_null=True, validators=[validate_logo_file],
            help_text=f"(multipart) A JPEG, PNG or WebP of at most {MAX_LOGO_BYTES // 1_000_000} MB; "
            "null (or an empty part) removes the logo.",
        )
        font = serializers.FileField(
            required=False, allow_null=True, validators=[validate_font_file],
            help_text=f"(multipart) A .ttf or .otf with Latin letters, at most {MAX_FONT_BYTES // 1_000_000} MB; "
            "null (or an empty part) goes back to the renderer's own font.",
        )

    @extend_schema(
        operation_id="brand_kit_update",
        request={"application/json": InputSerializer, "multipart/form-data": InputSerializer},
        responses={200: BrandKitOutputSerializer, 413: ErrorSerializer, **ERRORS},
        description=(
            "Change the fields sent; the others stay (the kit is made on the first change). Upload "
            "`logo` and `font` as multipart. Every value is checked before anything is written: a "
            "refused one answers 400 `invalid_input` with the field in `detail`, and the kit, its "
            "stored logo and font included, stays as it was. New renders use it."
        ),
    )
    def patch(self, request):
        serializer = BrandKitUpdateApi.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _answer(request, brand_kit_update(workspace=self.workspace, **serializer.validated_data))


class BrandKitApi(BrandKitRetrieveApi, BrandKitUpdateApi):
    """``/brand-kit/``: GET (BrandKitRetrieveApi), PATCH (BrandKitUpdateApi)."""
