"""classify_vertical: breadcrumbs lead, several languages, unknown things are "other"."""

from __future__ import annotations

import pytest

from products.scraping.types import VERTICALS
from products.scraping.verticals import classify_vertical, vertical_scores


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"title": "Slim fit stretch jeans"}, "apparel"),
        ({"title": "Robe longue en lin"}, "apparel"),
        ({"title": "Hydrating face serum 30 ml"}, "beauty"),
        ({"title": "Kabellose Kopfhörer mit Geräuschunterdrückung"}, "electronics"),
        ({"title": "Sofá de tres plazas", "breadcrumbs": ("Inicio", "Muebles", "Sofás")}, "home"),
        ({"title": "Caffè in grani 1 kg"}, "food"),
        ({"title": "Collana in argento con pendente"}, "jewellery"),
        ({"title": "Yoga mat non-slip"}, "sports"),
        ({"title": "Brinquedo de montar para crianças"}, "toys"),
        ({"title": "Grain-free dog food 12 kg"}, "pets"),
        ({"title": "ワイヤレスイヤホン"}, "electronics"),
        ({"title": "连衣裙 夏季"}, "apparel"),
        ({"title": "Gift card"}, "other"),
    ],
)
def test_languages_and_verticals(kwargs: dict, expected: str) -> None:
    assert classify_vertical(**kwargs) == expected


def test_breadcrumbs_outweigh_the_title() -> None:
    # "Hoodie" says apparel, but the shop files it under dog supplies.
    assert classify_vertical(
        title="Cosy hoodie", breadcrumbs=("Home", "Dogs", "Dog clothing", "Pet coats")
    ) == "pets"


def test_description_is_a_weak_signal() -> None:
    assert classify_vertical(
        title="Leather ankle boots", description="Pairs well with a silver necklace."
    ) == "apparel"


def test_scores_cover_every_vertical_but_other() -> None:
    scores = vertical_scores(title="x")
    assert set(scores) == set(VERTICALS) - {"other"}
