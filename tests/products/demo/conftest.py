"""One set of demo photos and one running shop for the whole module run (drawing takes seconds)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def photo_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("demo-photos")


@pytest.fixture(scope="session")
def photos(photo_cache):
    from products.demo.photos import ensure_photos

    return ensure_photos(photo_cache)


@pytest.fixture(scope="session")
def shop(photo_cache, photos):
    from products.demo.server import DemoShop

    with DemoShop(cache_dir=photo_cache) as running:
        yield running
