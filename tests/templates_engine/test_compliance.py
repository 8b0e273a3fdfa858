"""Honest claims: what a merchant would check in the findings for each market."""

# ruff: noqa: RUF001 - full-width punctuation in Chinese copy is deliberate

from __future__ import annotations

from decimal import Decimal

import pytest

from templates_engine import builder, compliance, library
from templates_engine.compliance import check_script, check_text, parse_amount

from .conftest import RATING


def _script(caption: str, voiceover: str = "", language: str = "en") -> dict:
    return {
        "template": "generic-feature-showcase",
        "vertical": "generic",
        "structure": "feature_showcase",
        "language": language,
        "length": 6,
        "cta": "",
        "scenes": [
            {
                "id": "hook",
                "shot_type": "hero",
                "duration": 6,
                "caption": caption,
                "voiceover": voiceover,
            }
        ],
    }


def _rules(findings) -> list[tuple[str, str, str]]:
    return [(f.rule, f.severity, f.text) for f in findings]


@pytest.mark.parametrize(
    ("text", "language", "hit"),
    [
        ("The best tee you will own", "en", "best"),
        ("Our #1 seller", "en", "#1"),
        ("The number one choice", "en", "number one"),
        ("A best-selling classic", "en", "best-selling"),
        ("全网最低价", "zh-Hans", "最"),
        ("销量第一", "zh-Hans", "第一"),
        ("国家级品质", "zh-Hans", "国家级"),
        ("顶级面料", "zh-Hans", "顶级"),
        ("頂級面料", "zh-Hant", "頂級"),
        ("日本一の品質", "ja", "日本一"),
        ("최고의 선택", "ko", "최고"),
        ("Das beste Shirt", "de", "beste"),
        ("Le meilleur t-shirt", "fr", "Le meilleur"),
        ("La mejor camiseta", "es", "La mejor"),
        ("A melhor camiseta", "pt", "A melhor"),
        ("La migliore maglietta", "it", "La migliore"),
        ("الأفضل في السوق", "ar", "الأفضل"),
    ],
)
def test_absolute_claims_block_in_cn_and_warn_in_us_and_eu(product, text, language, hit):
    for market, severity in (("CN", "block"), ("US", "warn"), ("EU", "warn")):
        findings = check_script(_script(text, language=language), product=product, market=market)
        assert ("absolute_claim", severity, hit) in _rules(findings), (market, _rules(findings))


def test_a_finding_says_where_and_suggests_a_rewrite(product):
    findings = check_script(
        _script("Meet the best tee", "Meet the best tee."), product=product, market="CN"
    )
    caption = next(f for f in findings if f.field == "caption")
    assert (caption.scene, caption.path, caption.start, caption.end) == (
        "hook",
        "scenes.0.caption",
        9,
        13,
    )
    assert "Meet the best tee"[caption.start : caption.end] == "best"
    assert caption.suggestion == "Meet the great tee"
    assert not check_script(_script(caption.suggestion), product=product, market="CN")
    assert {f.field for f in findings} == {"caption", "voiceover"}


@pytest.mark.parametrize(
    ("caption", "market", "language"),
    [
        (
            "The best cure for acne",
            "US",
            "en",
        ),  # an absolute claim (warn) and a health claim (block)
        ("Our #1 tee, only $99 on sale", "CN", "en"),  # a ranking, a wrong price and sale wording
        ("最好的治疗", "CN", "zh-Hans"),  # 最 and 治疗
    ],
)
def test_every_suggestion_for_one_text_fixes_all_its_findings(product, caption, market, language):
    """Applying any one suggested rewrite leaves the caption with no finding at all (before, each
    suggestion fixed only its own finding, so applying it left the other problem in)."""
    findings = check_script(_script(caption, language=language), product=product, market=market)
    assert len(findings) >= 2, _rules(findings)
    for finding in findings:
        fixed = check_script(
            _script(finding.suggestion, language=language), product=product, market=market
        )
        assert fixed == [], (finding.rule, finding.suggestion, _rules(fixed))
    assert len({f.suggestion for f in findings}) == 1


def test_findings_on_other_texts_do_not_leak_into_a_suggestion(product):
    findings = check_script(_script("The best tee", "It cures acne."), product=product, market="US")
    caption = next(f for f in findings if f.field == "caption")
    voiceover = next(f for f in findings if f.field == "voiceover")
    assert (caption.suggestion, voiceover.suggestion) == ("The great tee", "")


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        # a softer word where the sentence stays true without the promise
        ("The best cure for dry skin", "The great care for dry skin"),
        ("Heals dry skin overnight", "Soothes dry skin overnight"),
        ("Pain relief you can feel", "Comfort you can feel"),
        # none: the claim goes with its clause, not leaving "It acne." behind
        ("It cures acne.", ""),
        ("Soft cotton, clinically proven comfort", "Soft cotton"),
        ("Cures acne in 2.5 weeks. Only $24.", "Only $24."),  # "2.5" is not a clause end
    ],
)
def test_a_health_claim_is_rewritten_into_a_sentence_that_still_reads(product, text, suggestion):
    findings = check_script(_script(text), product=product, market="US")
    assert findings and {f.suggestion for f in findings} == {suggestion}, [
        (f.rule, f.suggestion) for f in findings
    ]
    if suggestion:  # and the rewrite itself is clean
        assert not check_script(_script(suggestion), product=product, market="US")


def test_health_and_guaranteed_claims(product):
    findings = check_script(
        _script("Cures acne. Guaranteed results!"), product=product, market="US"
    )
    assert ("health_claim", "block", "Cures") in _rules(findings)
    assert ("guaranteed_result", "warn", "Guaranteed results") in _rules(findings)
    cn = check_script(
        _script("七天减肥，保证有效", language="zh-Hans"), product=product, market="CN"
    )
    assert {("health_claim", "减肥"), ("guaranteed_result", "保证")} <= {
        (f.rule, f.text) for f in cn
    }
    assert all(f.severity == "block" for f in cn)


def test_sale_wording_needs_a_regular_price_on_the_page(product, make_product):
    no_sale = check_script(_script("Summer sale: 20% off"), product=product, market="EU")
    assert [(f.rule, f.severity) for f in no_sale] == [("sale_without_regular_price", "block")] * 2
    assert {
        f.severity for f in check_script(_script("Summer sale"), product=product, market="US")
    } == {"warn"}
    on_sale = make_product(price="24.00", regular_price="30.00")
    assert not check_script(_script("Summer sale: 20% off"), product=on_sale, market="EU")


def test_prices_must_be_the_pages(product, make_product):
    assert not check_script(_script("Only $24"), product=product, market="US")
    wrong = check_script(_script("Only $19"), product=product, market="US")
    assert _rules(wrong) == [("price_mismatch", "block", "$19")]
    assert wrong[0].suggestion == "Only $24"
    eu = make_product(price="29.99", currency="EUR", regular_price="39.99")
    for ok in ("Nur 29,99 €", "Statt 39,99 €", "Spare 10 €", "€29.99"):
        assert not check_script(_script(ok, language="de"), product=eu, market="EU"), ok
    assert (
        _rules(check_script(_script("Nur 19,99 €"), product=eu, market="EU"))[0][0]
        == "price_mismatch"
    )
    no_price = make_product(price=None)
    assert (
        _rules(check_script(_script("Just $24"), product=no_price, market="US"))[0][0]
        == "price_mismatch"
    )


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1,234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("29,99", "29.99"),
        ("1 299", "1299"),
        ("24", "24"),
        ("1,299", "1299"),
        ("٢٤٫٥٠", "24.50"),
    ],
)
def test_amounts_parse_in_any_locale(raw, value):
    assert parse_amount(raw) == Decimal(value)


def test_the_call_to_action_is_checked_too(product):
    script = {**_script("Meet the tee"), "cta": "Buy the #1 tee"}
    assert [
        (f.field, f.path, f.text) for f in check_script(script, product=product, market="US")
    ] == [("cta", "cta", "#1")]


def test_unknown_market_is_refused(product):
    with pytest.raises(ValueError, match="CN, US, EU"):
        check_text("hi", product=product, market="MARS")


def test_summary_names_each_finding(product):
    findings = check_script(_script("The best tee"), product=product, market="CN")
    text = compliance.summary(compliance.blocking(findings))
    assert "'hook' scene's caption" in text and "'best'" in text and "try: 'The great tee'" in text


def test_no_shipped_template_makes_a_claim_by_itself(make_product):
    """Every template, language and length, with a plain product (and one on sale): nothing to flag."""
    for template in library.load_templates().values():
        for product in (
            make_product(vertical=template.vertical, **RATING),
            make_product(regular_price="30.00", rating="4.5", rating_scale="5", review_count=None),
            make_product(rating="8.6", rating_scale="10", review_count=31),
        ):
            for language in template.languages:
                for length in template.lengths:
                    try:
                        script = builder.build_script(
                            product=product, template=template, language=language, length=length
                        )
                    except builder.ScriptError:
                        continue  # e.g. an offer template for a product not on sale
                    for market in compliance.MARKETS:
                        findings = check_script(script, product=product, market=market)
                        assert not findings, (
                            template.slug,
                            language,
                            length,
                            market,
                            _rules(findings),
                        )
