"""Product facts from meta tags and from the visible page, for shops with little markup.

These rules are deliberately generic (no per-domain selectors): the corpus pages were served
from other domains when captured, and merchants paste links from thousands of small shops.
Each function takes the already-parsed lxml document so the page is parsed once.

One module per field: ``meta`` (``<meta>`` tags), ``title`` (the product's heading and
name), ``price`` with ``price_text`` (the current price among the amounts shown),
``availability`` (stock), ``gallery`` (photos), ``features`` (bullets, breadcrumbs) and
``details`` (labelled brand / SKU rows, the item number in the URL). ``text`` holds the
helpers they share and imports none of them. This package re-exports the names the rest of
the scraper uses, so callers import ``products.scraping.heuristics`` only.
"""

from __future__ import annotations

from .availability import availability_from_text, stock_status
from .details import labelled_details, url_item_id
from .features import feature_bullets, html_breadcrumbs
from .gallery import gallery_images
from .meta import is_product_type, meta_facts, meta_map
from .price import REPEATED_MIN, PriceCandidate, price_candidates
from .text import _clean as _clean  # extract.py reads hx._clean
from .text import visible_text
from .title import (
    TITLE_PARTS,
    main_heading,
    page_title,
    strip_leading_price,
    title_element,
    without_shop_decorations,
)

__all__ = [
    "REPEATED_MIN",
    "TITLE_PARTS",
    "PriceCandidate",
    "availability_from_text",
    "feature_bullets",
    "gallery_images",
    "html_breadcrumbs",
    "is_product_type",
    "labelled_details",
    "main_heading",
    "meta_facts",
    "meta_map",
    "page_title",
    "price_candidates",
    "stock_status",
    "strip_leading_price",
    "title_element",
    "url_item_id",
    "visible_text",
    "without_shop_decorations",
]
