"""Who writes an ad's copy: the template, or a model checked against the page's facts.

``SHOPREEL_COPYWRITER`` (``template`` by default, or ``llm``: the endpoint of
``SHOPREEL_LLM_BASE_URL``, ``SHOPREEL_LLM_MODEL``, ``SHOPREEL_LLM_API_KEY``,
``SHOPREEL_LLM_TIMEOUT``, shared with the ``llm`` translation backend). The writing and every
check are ``templates_engine.copywriter``'s; this module reads the settings and gives the
variant its hook angle. What it returns for ``Ad.copy``: ``{"source": "llm" | "template",
"model", "angle", "rejected": [{"scene", "field", "reason"}]}``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

from core.errors import ApplicationError
from core.llm import LlmEndpoint
from generation.options import JobOptions
from templates_engine import copywriter
from templates_engine.schema import AdScript

logger = logging.getLogger(__name__)


class CopywriterNotConfigured(ApplicationError):
    """``SHOPREEL_COPYWRITER=llm`` without the endpoint it needs: the operator must act.
    Raised, never turned into a quiet fallback (start-up refuses it too)."""

    code = "copywriter_not_configured"


def copywriter_endpoint() -> LlmEndpoint | None:
    """The model that writes copy, or None when the templates do."""
    if settings.SHOPREEL_COPYWRITER == "template":
        return None
    if settings.SHOPREEL_COPYWRITER != "llm":
        raise CopywriterNotConfigured(
            f"SHOPREEL_COPYWRITER must be template or llm, not {settings.SHOPREEL_COPYWRITER!r}"
        )
    missing = [n for n in ("SHOPREEL_LLM_BASE_URL", "SHOPREEL_LLM_MODEL") if not getattr(settings, n)]
    if missing:
        raise CopywriterNotConfigured(
            f"SHOPREEL_COPYWRITER=llm, but {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set.",
            detail={"missing": ", ".join(missing)},
        )
    try:
        return LlmEndpoint(
            base_url=settings.SHOPREEL_LLM_BASE_URL,
            model=settings.SHOPREEL_LLM_MODEL,
            api_key=settings.SHOPREEL_LLM_API_KEY,
            timeout=settings.SHOPREEL_LLM_TIMEOUT,
        )
    except ValueError as exc:
        raise CopywriterNotConfigured(f"SHOPREEL_LLM_BASE_URL: {exc}") from None


def ad_copy_write(
    *, script: AdScript, product_data: dict[str, Any], options: JobOptions, market: str
) -> tuple[AdScript, dict[str, Any]]:
    """The script with the configured copywriter's copy, and the record for ``Ad.copy``. With
    ``llm``, the variant's hook angle (``copywriter.angle_for``) goes to the model; a refused
    or missing answer keeps the template's copy and the record says why."""
    endpoint = copywriter_endpoint()
    if endpoint is None:
        return script, copywriter.template_record()
    angle = copywriter.angle_for(variant=options.variant, product=product_data)
    result = copywriter.write_copy(
        script, product=product_data, endpoint=endpoint, market=market, angle=angle,
        language=options.language,
    )
    if result.record["rejected"]:
        logger.info(
            "model copy refused, template copy kept",
            extra={"model": endpoint.model, "angle": angle, "rejected": len(result.record["rejected"])},
        )
    return result.script, result.record
