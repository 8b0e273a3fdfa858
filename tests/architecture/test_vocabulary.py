"""The shared vocabulary (core.vocabulary) and the apps that give each word its meaning agree:
a format the renderer can't lay out, a vertical with no templates, or a market the claims
check doesn't know would be offered to users and then fail."""

from __future__ import annotations

from core import vocabulary
from generation.render.spec import FORMATS
from products.scraping.verticals import TIE_ORDER
from templates_engine.compliance import MARKETS
from templates_engine.library import load_templates


def test_every_format_has_a_layout():
    assert tuple(FORMATS) == vocabulary.FORMATS


def test_every_market_has_claim_rules():
    assert set(MARKETS) == set(vocabulary.MARKETS)


def test_every_vertical_is_classified_and_has_templates():
    templates = load_templates().values()
    assert set(TIE_ORDER) | {"other"} == set(vocabulary.VERTICALS)
    assert {t.vertical for t in templates} - {"generic"} <= set(vocabulary.VERTICALS)
    for vertical in set(vocabulary.VERTICALS) - {"other"}:
        assert any(t.vertical == vertical for t in templates), f"no template for {vertical}"


def test_the_copy_library_offers_exactly_the_shared_languages():
    templates = list(load_templates().values())
    offered = {language for t in templates for language in t.languages}
    assert offered == set(vocabulary.LANGUAGES)
    assert vocabulary.RTL_LANGUAGES.issubset(vocabulary.LANGUAGES)
