"""Feature bullets and the breadcrumb trail from the visible page.

It decides which list items are the product's feature points (short items of a list in a
features / highlights / description / specs section, not navigation links or related
products; ``feature_bullets``) and which links form the category trail (a ``nav`` or list
whose attributes say breadcrumb; ``html_breadcrumbs``).
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

from .text import _ELSEWHERE, _clean, _context_attrs

_FEATURE_AREA = re.compile(r"feature|bullet|highlight|benefit|key-?points|usp|detail|descri|"
                           r"spec|merkmal|caracter|vorteil|points-forts", re.I)


def feature_bullets(doc: lxml_html.HtmlElement, limit: int = 8) -> list[str]:
    """Short bullet points from feature/description sections, deduplicated."""
    seen: set[str] = set()
    features: list[str] = []
    for ul in doc.iter("ul", "ol"):
        if not _FEATURE_AREA.search(_context_attrs(ul, 4)) or _ELSEWHERE.search(_context_attrs(ul, 6)):
            continue
        for li in ul.iter("li"):
            text = _clean(li.text_content())
            if not 3 <= len(text) <= 220 or text.lower() in seen or text.startswith(("http", "{")):
                continue
            if len(li.xpath(".//a")) and len(text) < 25:
                continue  # navigation-like links, not features
            seen.add(text.lower())
            features.append(text)
            if len(features) >= limit:
                return features
    return features


def html_breadcrumbs(doc: lxml_html.HtmlElement) -> list[str]:
    """Breadcrumb trail from a ``nav``/list whose attributes say breadcrumb."""
    for el in doc.xpath('//*[contains(@class, "readcrumb") or contains(@id, "readcrumb") '
                        'or contains(@aria-label, "readcrumb") or contains(@class, "READCRUMB")]'):
        items = [_clean(a.text_content()) for a in el.iter("a", "li")]
        names: list[str] = []
        for name in items:
            if name and len(name) < 60 and name not in names:
                names.append(name)
        if len(names) >= 2:
            return names[:8]
    return []
