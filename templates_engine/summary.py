"""A template as a short public summary: what ``list_templates --json`` prints and the API's
template list shows (a stable interface: the keys in ``KEYS``)."""

from __future__ import annotations

KEYS = ("slug", "vertical", "structure", "name", "description", "languages", "lengths", "min_length", "max_length", "needs")


def template_summary(template) -> dict:
    return {
        "slug": template.slug,
        "vertical": template.vertical,
        "structure": template.structure,
        "name": template.name,
        "description": template.description,
        "languages": list(template.languages),
        "lengths": [int(x) if float(x).is_integer() else x for x in template.lengths],
        "min_length": min(template.lengths),
        "max_length": max(template.lengths),
        "needs": template.needs.model_dump(),
    }
