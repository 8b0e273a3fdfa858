"""The product's photos as the page shows them, for pages whose markup names none.

It decides which ``<img>`` elements are the product's own gallery (gallery-ish attributes
around them; not logos, icons or badges; not in related-product strips unless their
``alt`` names this product) and which URL of each to keep: a zoom / full-size attribute,
else the largest ``srcset`` variant (``_largest_srcset``), else ``src``.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import html as lxml_html

from .text import _ELSEWHERE, _clean, _context_attrs

_IMAGE_ATTRS = ("data-zoom-image", "data-zoom", "data-large_image", "data-large-image",
                "data-old-hires", "data-full", "data-original", "data-src", "src")
_GALLERY = re.compile(r"gallery|product|zoom|main|hero|slide|media|pdp|photo|image", re.I)
_NOT_PRODUCT_IMAGE = re.compile(r"logo|icon|sprite|avatar|badge|flag|payment|rating|star|"
                                r"banner|placeholder|spinner|loading|pixel|blank|\.svg", re.I)


def _largest_srcset(srcset: str) -> str:
    best, best_size = "", -1.0
    for part in srcset.split(","):
        bits = part.strip().split()
        if not bits:
            continue
        size = 1.0
        if len(bits) > 1:
            try:
                size = float(bits[1].rstrip("wx"))
            except ValueError:
                size = 1.0
        if size > best_size:
            best, best_size = bits[0], size
    return best


def gallery_images(
    doc: lxml_html.HtmlElement, page_url: str, limit: int = 12, *, title: str = ""
) -> list[str]:
    """Product photos from the page: gallery-ish ``<img>`` elements, largest variant of each.

    Images inside carousels and other strips are skipped (related products) unless their
    ``alt`` text names this product (``title``): a product's own photo slider is a carousel too.
    """
    urls: list[str] = []
    title = _clean(title).lower()
    for img in doc.iter("img"):
        alt = img.get("alt") or ""
        context = _context_attrs(img, 4) + " " + alt
        names_product = len(title) >= 4 and title in _clean(alt).lower()
        if not _GALLERY.search(context) or (
                not names_product and _ELSEWHERE.search(_context_attrs(img, 8))):
            continue
        width = img.get("width") or ""
        if width.isdigit() and int(width) < 100:
            continue
        url = ""
        for attr in _IMAGE_ATTRS[:-2]:
            if img.get(attr):
                url = img.get(attr, "")
                break
        if not url:
            srcset = img.get("srcset") or img.get("data-srcset") or ""
            url = _largest_srcset(srcset) if srcset else (img.get("data-src") or img.get("src") or "")
        url = url.strip()
        if not url or url.startswith("data:") or _NOT_PRODUCT_IMAGE.search(url):
            continue
        urls.append(urljoin(page_url, url))
        if len(urls) >= limit:
            break
    return urls
