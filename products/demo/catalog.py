"""The demo shop's products, as data. Prices are strings so they round-trip exactly
(``Decimal(price)``), as a scraper would read them off the page."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoProduct:
    slug: str
    title: str
    brand: str
    price: str
    currency: str  # ISO 4217
    description: str
    features: tuple[str, ...]
    breadcrumbs: tuple[str, ...]
    availability: str  # schema.org short name
    sku: str
    vertical: str
    images: tuple[str, ...]  # file names served at /images/<name>, main first
    regular_price: str | None = None  # set when on sale
    # The shop's review summary (JSON-LD aggregateRating), as a real shop would publish it.
    rating: str | None = None  # out of 5
    review_count: int | None = None


PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        slug="aurora-organic-tee",
        title="Aurora Organic Cotton Tee",
        brand="Northwind",
        price="24.00",
        regular_price="32.00",
        currency="USD",
        description=(
            "A heavyweight everyday tee cut from certified organic cotton. Relaxed through the "
            "body with dropped shoulders, and pre-shrunk so it keeps its shape wash after wash."
        ),
        features=(
            "100% certified organic cotton, 180 gsm",
            "Relaxed fit with dropped shoulders",
            "Pre-shrunk: keeps its shape wash after wash",
            "Ribbed crew neck with a tag-free label",
        ),
        breadcrumbs=("Home", "Men", "T-shirts"),
        availability="InStock",
        sku="NW-AUR-TEE",
        vertical="apparel",
        images=("aurora-tee-white.jpg", "aurora-tee-navy.jpg", "aurora-tee-flatlay.jpg"),
    ),
    DemoProduct(
        slug="lumen-hydrating-serum",
        title="Lumen Hyaluronic Hydrating Serum 30 ml",
        brand="Lumen",
        price="38.00",
        currency="USD",
        description=(
            "A lightweight daily serum with hyaluronic acid and vitamin B5. Two drops under your "
            "moisturiser, morning and night."
        ),
        features=(
            "Hyaluronic acid and vitamin B5",
            "Lightweight, fast-absorbing texture",
            "Fragrance-free and vegan",
            "Amber glass bottle with dropper",
        ),
        breadcrumbs=("Home", "Skincare", "Serums"),
        availability="InStock",
        sku="LM-HYA-30",
        vertical="beauty",
        rating="4.7",
        review_count=1284,
        images=("lumen-serum-packshot.jpg", "lumen-serum-lifestyle.jpg"),
    ),
    DemoProduct(
        slug="pulse-wireless-headphones",
        title="Pulse ANC Wireless Over-Ear Headphones",
        brand="Pulse",
        price="149.99",
        currency="USD",
        description=(
            "Over-ear wireless headphones with active noise cancelling and soft memory-foam "
            "cushions, made for long listening sessions."
        ),
        features=(
            "Active noise cancelling",
            "Up to 40 hours of battery life",
            "Memory-foam ear cushions",
            "USB-C fast charging: 10 minutes for 5 hours",
            "Bluetooth 5.3 with multipoint pairing",
        ),
        breadcrumbs=("Home", "Electronics", "Audio", "Headphones"),
        availability="InStock",
        sku="PL-ANC-700",
        vertical="electronics",
        rating="4.5",
        review_count=312,
        images=("pulse-headphones-packshot.jpg", "pulse-headphones-detail.jpg"),
    ),
    DemoProduct(
        slug="terra-stoneware-mug",
        title="Terra Stoneware Mug 350 ml",
        brand="Terra Studio",
        price="19.90",
        currency="EUR",
        description=(
            "A hand-glazed stoneware mug in terracotta, thrown in small batches. Holds 350 ml and "
            "keeps a comfortable weight in the hand."
        ),
        features=(
            "Hand-glazed stoneware",
            "Holds 350 ml",
            "Dishwasher and microwave safe",
        ),
        breadcrumbs=("Home", "Kitchen", "Mugs & Cups"),
        availability="InStock",
        sku="TS-MUG-350-TC",
        vertical="home",
        images=("terra-mug-packshot.jpg", "terra-mug-lifestyle.jpg"),
    ),
)

BY_SLUG: dict[str, DemoProduct] = {p.slug: p for p in PRODUCTS}
IMAGE_NAMES: frozenset[str] = frozenset(name for p in PRODUCTS for name in p.images)
