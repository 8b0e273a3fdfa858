"""A loopback shop whose product page the test changes between runs, and campaign helpers."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import pytest
from PIL import Image

from campaigns.engine import run_execute, run_jobs_inline
from campaigns.models import CampaignRun
from campaigns.services import run_start

# The shared fixtures these tests use: the API world, the accounts team, the Chromium page.
from tests.accounts.conftest import team  # noqa: F401
from tests.api.conftest import api  # noqa: F401
from tests.e2e.conftest import page  # noqa: F401
from tests.servers import serve


def jpeg(colour, size=(800, 800)) -> bytes:
    image = Image.new("RGB", size, (255, 255, 255))
    image.paste(colour, (200, 150, 600, 650))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def product_page(*, title: str, price: str, image: str, availability: str = "InStock") -> bytes:
    offer = {
        "@type": "Offer",
        "price": price,
        "priceCurrency": "EUR",
        "availability": f"https://schema.org/{availability}",
    }
    ld = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": title,
        "brand": {"@type": "Brand", "name": "Northpeak"},
        "image": [image],
        "description": "A steel bottle that keeps drinks cold for 24 hours and hot for 12.",
        "offers": offer,
    }
    return (
        f'<html lang="en"><head><title>{title}</title>'
        f'<script type="application/ld+json">{json.dumps(ld)}</script></head>'
        f"<body><h1>{title}</h1></body></html>"
    ).encode()


@dataclass
class Shop:
    host: str
    routes: dict

    def url(self, slug: str) -> str:
        return f"http://{self.host}/p/{slug}"

    def put(
        self,
        slug: str,
        *,
        title: str,
        price: str,
        availability: str = "InStock",
        colour=(200, 30, 30),
    ) -> str:
        image = f"/img/{slug}-{colour[0]}-{colour[1]}-{colour[2]}.jpg"
        self.routes[image] = (200, "image/jpeg", jpeg(colour))
        self.routes[f"/p/{slug}"] = (
            200,
            "text/html; charset=utf-8",
            product_page(
                title=title,
                price=price,
                image=f"http://{self.host}{image}",
                availability=availability,
            ),
        )
        return self.url(slug)


@pytest.fixture
def shop(settings):
    routes: dict = {}
    with serve(routes) as host:
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        settings.SHOPREEL_BROWSER_FALLBACK = False
        yield Shop(host=host, routes=routes)


def run_inline(campaign, *, make_jobs: bool = True, now=None) -> CampaignRun:
    """ "Run now", read and queued in this process; with ``make_jobs``, its jobs made too."""
    run, _ = run_start(campaign=campaign, queue=False, now=now)
    while run_execute(run_id=run.id, claimant="test", slice_seconds=float("inf"), inline=True):
        pass
    if make_jobs:
        run_jobs_inline(run=run)
    run.refresh_from_db()
    return run
