"""The demo's zh-Hans, ja, ar and de ads state every feature in their language: the demo shop's
own translations go in as merchant edits (labelled so), through the same checked service."""

from __future__ import annotations

import pytest

from products.demo.catalog import PRODUCTS
from products.demo.translations import DEMO_EDITOR, MERCHANT_TRANSLATIONS, demo_translations_apply
from products.selectors import product_facts_state
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["zh-Hans", "ja", "ar", "de"])
def test_every_demo_feature_has_the_shops_own_words_in_the_demo_languages(workspace, language):
    for demo in PRODUCTS:
        product = ProductFactory(
            workspace=workspace,
            title=demo.title,
            brand=demo.brand,
            language="en",
            features=list(demo.features),
            description=demo.description,
        )
        assert demo_translations_apply(product=product, slug=demo.slug, language=language) == len(
            demo.features
        )
        state = product_facts_state(product=product, language=language)
        features = [f for f in state.facts if f.key.startswith("features.")]
        assert all(
            f.origin == "merchant" and f.translated and f.edited_by == DEMO_EDITOR for f in features
        )
        assert state.warning(product_id=product.id) == ""


def test_a_language_without_demo_translations_gets_the_warning(workspace):
    demo = PRODUCTS[0]
    product = ProductFactory(
        workspace=workspace, brand=demo.brand, language="en", features=list(demo.features)
    )
    assert "fr" not in MERCHANT_TRANSLATIONS[demo.slug]
    assert demo_translations_apply(product=product, slug=demo.slug, language="fr") == 0
    assert "translation is off" in product_facts_state(product=product, language="fr").warning(
        product_id=product.id
    )


@pytest.mark.slow
def test_the_demo_command_makes_a_german_ad_that_states_the_features_in_german(tmp_path):
    """``make_ad --demo`` as a user runs it: no LLM, no weights; the captions are German."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "SHOPREEL_VAR_DIR": str(tmp_path / "var"),
        "SHOPREEL_RENDER_PRESET": "ultrafast",
        "SHOPREEL_TRANSLATION": "none",
    }
    env.pop("DATABASE_URL", None)
    env.pop("MEDIA_ROOT", None)
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "make_ad",
            "--demo",
            "--demo-product",
            "pulse-wireless-headphones",
            "--language",
            "de",
            "--length",
            "15",
            "--no-voice",
            "--no-music",
            "--out",
            str(tmp_path / "out"),
            "--json",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert result.returncode == 0, result.stderr
    (ad,) = json.loads(result.stdout)["ads"]
    captions = Path(ad["outputs"][0]["srt"]).read_text(encoding="utf-8")
    german = MERCHANT_TRANSLATIONS["pulse-wireless-headphones"]["de"].values()
    english = next(p for p in PRODUCTS if p.slug == "pulse-wireless-headphones").features
    assert any(text in captions for text in german), captions
    assert not any(text in captions for text in english), captions
