"""Plain data passed between the scraper and the Django side. No Django imports.

The error family and ``FetchResult`` live in ``core`` (the safe HTTP client and image checks
raise them outside the scraper too); they are re-exported here for the scraper's modules."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal

from core.errors import BlockedURL, FetchFailed, ImageRejected, NotAProduct, ScrapeError
from core.fetch import FetchResult
from core.vocabulary import VERTICALS

__all__ = [
    "VERTICALS", "BlockedURL", "ExtractedProduct", "FetchFailed", "FetchResult", "ImageRejected",
    "NotAProduct", "ScrapeError",
]

@dataclass
class ExtractedProduct:
    url: str
    title: str = ""
    brand: str = ""
    price: Decimal | None = None
    currency: str = ""  # ISO 4217
    regular_price: Decimal | None = None  # set when the page shows a sale
    description: str = ""
    features: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)  # absolute URLs, main first, deduplicated
    availability: str = ""  # schema.org short name: InStock, OutOfStock, PreOrder, ...
    sku: str = ""
    language: str = ""
    vertical: str = "other"
    breadcrumbs: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # which layers contributed: json-ld, microdata, opengraph, heuristics
    # [{"name", "options": {"size": "M", "color": "Red"}, "sku", "price" (str|None), "availability"}]
    variants: list[dict] = field(default_factory=list)
    fetched_with: str = "http"  # how the page was read: http | browser | platform-api | manual
    # The page's aggregateRating (JSON-LD / microdata): e.g. 4.7 of 5 from 1284 reviews.
    # None when the page states no rating; never estimated.
    rating: Decimal | None = None
    rating_scale: Decimal | None = None  # bestRating; 5 when the page gives none
    review_count: int | None = None  # reviewCount, else ratingCount; None when not stated
    # How the price was chosen: {"source": "markup" | "visible text" | "platform endpoint",
    # "layer", "confidence": 0-1, "rejected": [{"amount", "text", "why"}]}; {} without a price.
    price_evidence: dict = field(default_factory=dict)
    # Markup and visible page disagree, the page's two best amounts are close, or the
    # confidence is low: the merchant should confirm the price before it goes in an ad.
    price_needs_confirmation: bool = False

    def to_json(self) -> dict:
        data = asdict(self)
        for key in ("price", "regular_price", "rating", "rating_scale"):
            data[key] = str(data[key]) if data[key] is not None else None
        return data
