"""A product's facts in one ad language: read them (GET) and set the merchant's words (PUT).

``GET /api/v1/products/{id}/translations/{language}/`` reads the cache and the edits (nothing
is translated by reading: an ad in that language fills the cache). ``PUT`` takes
``{"facts": {"features.0": "...", "description.1": null}}``; null or "" removes an edit.
``POST .../translate/`` fills the cache now with the server's backend, for review."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response

from accounts.api.base import ERRORS, IDEMPOTENCY_HEADER, WorkspaceApiView, idempotent
from core.errors import InvalidInput
from core.vocabulary import LANGUAGES
from products.selectors import product_get, product_translations_get
from products.services.translations import (
    MAX_EDIT_CHARS,
    product_translation_edit,
    product_translations_ensure,
)
from templates_engine.languages import resolve_language


class ProductFactSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="features.0, description.1, variants.0.name, variants.0.options.2, title"
    )
    source = serializers.CharField(help_text="The page's words now.")
    text = serializers.CharField(help_text="What an ad in this language says.")
    origin = serializers.ChoiceField(
        choices=["machine", "merchant", "source"],
        help_text="The backend's translation, your edit, or the page's words.",
    )
    translated = serializers.BooleanField(
        help_text="False: the ad would use the page's words (see warning)."
    )
    outdated = serializers.BooleanField(
        help_text="Your edit was written for an older text of the page."
    )
    warning = serializers.CharField(allow_blank=True)
    machine_text = serializers.CharField(
        allow_blank=True, help_text="The backend's translation, when there is one."
    )
    edited_text = serializers.CharField(allow_blank=True)
    edited_source = serializers.CharField(
        allow_blank=True, help_text="The page's words when you edited."
    )
    edited_by = serializers.CharField(allow_blank=True)
    edited_at = serializers.DateTimeField(allow_null=True)


class ProductTranslationsOutputSerializer(serializers.Serializer):
    product = serializers.UUIDField()
    language = serializers.CharField()
    source_language = serializers.CharField(
        allow_blank=True, help_text="The page's language, as read."
    )
    backend = serializers.CharField(
        allow_blank=True,
        help_text='"none", "llm:<model>", "local:<folder>"; "" when the page is in this language.',
    )
    same_language = serializers.BooleanField()
    warning = serializers.CharField(
        allow_blank=True, help_text="What an ad in this language would warn about."
    )
    facts = ProductFactSerializer(many=True)


def _representation(product, facts_state) -> dict:
    return ProductTranslationsOutputSerializer(
        {
            "product": product.id,
            "language": facts_state.language,
            "source_language": facts_state.source_language,
            "backend": facts_state.backend,
            "same_language": facts_state.same_language,
            "warning": facts_state.warning(product_id=product.id),
            "facts": facts_state.facts,
        }
    ).data


def _language(value: str) -> str:
    try:
        return resolve_language(value, list(LANGUAGES))[0]
    except LookupError:
        raise InvalidInput(
            f"Ads are written in {', '.join(LANGUAGES)} (or a regional tag of one); not {value!r}.",
            code="unsupported_language",
        ) from None


class ProductTranslationsApi(WorkspaceApiView):
    @extend_schema_serializer(component_name="ProductTranslationsInput")
    class InputSerializer(serializers.Serializer):
        facts = serializers.DictField(
            child=serializers.CharField(
                allow_blank=True, allow_null=True, max_length=MAX_EDIT_CHARS, trim_whitespace=True
            ),
            allow_empty=False,
            help_text='{"<key>": "<your words>"}; null or "" removes your edit for that key.',
        )

    @extend_schema(
        operation_id="products_translations_retrieve",
        responses={200: ProductTranslationsOutputSerializer, **ERRORS},
        description="The product's facts in an ad language: each one's words, where they come from "
        "(machine, merchant, source) and any warning. Reads only.",
    )
    def get(self, request, product_id, language):
        product, facts_state = product_translations_get(
            workspace=self.workspace, product_id=product_id, language=_language(language)
        )
        return Response(_representation(product, facts_state))

    @extend_schema(
        operation_id="products_translations_update",
        request=InputSerializer,
        responses={200: ProductTranslationsOutputSerializer, **ERRORS},
        description="Set your words for some facts in this language. Each must keep the page's "
        "prices, numbers with units, brand and model names exactly. Kept across rescrapes.",
    )
    def put(self, request, product_id, language):
        language = _language(language)
        product = product_get(workspace=self.workspace, product_id=product_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key = request.auth
        product_translation_edit(
            product=product,
            language=language,
            texts=data.validated_data["facts"],
            by=f"api key {key.name} ({key.prefix})" if key is not None else "",
        )
        product, facts_state = product_translations_get(
            workspace=self.workspace, product_id=product.id, language=language
        )
        return Response(_representation(product, facts_state))


class ProductTranslationsTranslateApi(WorkspaceApiView):
    @extend_schema(
        operation_id="products_translations_translate",
        parameters=[IDEMPOTENCY_HEADER],
        request=None,
        responses={200: ProductTranslationsOutputSerializer, **ERRORS},
        description="Translate the facts not cached yet (or whose page text changed) with the "
        "server's backend now, to review them before making an ad; your edits are untouched. "
        "With translation off, answers the facts as they are. 400 `translation_not_configured` "
        "when the server's backend lacks its settings.",
    )
    @idempotent
    def post(self, request, product_id, language):
        language = _language(language)
        product = product_get(workspace=self.workspace, product_id=product_id)
        product_translations_ensure(product=product, language=language)
        product, facts_state = product_translations_get(
            workspace=self.workspace, product_id=product.id, language=language
        )
        return Response(_representation(product, facts_state))
