"""The protected-token check: figures, units, prices, brand and model names survive a
translation unchanged, or the translation is refused."""

# ruff: noqa: RUF001 - CJK punctuation is deliberate

from __future__ import annotations

import pytest

from products.translation import protect


def test_finds_the_figures_and_names_a_merchant_would_check():
    tokens = protect.protected_tokens(
        "Pulse WH-1000XM5: 100% organic, 180 gsm, $24 (was $32), USB-C, ANC, vitamin B5, 4.7 from 1,284",
        keep=("Pulse",),
    )
    assert tokens == [
        "Pulse",
        "WH-1000XM5",
        "100%",
        "180 gsm",
        "$24",
        "$32",
        "USB-C",
        "ANC",
        "B5",
        "4.7",
        "1,284",
    ]


def test_finds_them_next_to_cjk_text_too():
    assert protect.protected_tokens("有機コットン100%、180 gsmの生地、ビタミンB5配合") == [
        "100%",
        "180 gsm",
        "B5",
    ]


@pytest.mark.parametrize(
    "target, problem",
    [
        ("100% Bio-Baumwolle, 200 gsm, für $24 von Northwind", "'180 gsm' is missing"),
        ("100% Bio-Baumwolle, 180gsm, für $24 von Northwind", "'180 gsm' is missing"),
        ("100% Bio-Baumwolle, 180 gsm, für 24 $ von Northwind", "'$24' is missing"),
        ("100% Bio-Baumwolle, 180 gsm, für $24 von Nordwind", "'Northwind' is missing"),
        ("100% Bio-Baumwolle, 180 gsm, für $24 von Northwind, nur $19", "'$19' was added"),
    ],
)
def test_a_translation_that_changes_a_figure_price_or_brand_is_refused(target, problem):
    source = "100% organic cotton, 180 gsm, for $24 from Northwind"
    assert problem in protect.check(source, target, keep=("Northwind",))


def test_a_faithful_translation_passes():
    source = "100% organic cotton, 180 gsm, for $24 from Northwind"
    assert (
        protect.check(source, "Northwind 的 100% 有机棉，180 gsm，仅 $24", keep=("Northwind",))
        == []
    )


def test_mask_and_unmask_round_trip_and_catch_a_lost_or_invented_placeholder():
    masked, tokens = protect.mask("Up to 40 h, USB-C, $24", keep=())
    assert masked == "Up to [[T1]], [[T2]], [[T3]]"
    assert protect.unmask("最大[[T1]]、[[T2]]、[[T3]]", tokens) == "最大40 h、USB-C、$24"
    with pytest.raises(protect.PlaceholderError, match="lost '\\$24'"):
        protect.unmask("[[T1]] [[T2]]", tokens)
    with pytest.raises(protect.PlaceholderError, match="invented"):
        protect.unmask("[[T1]] [[T2]] [[T3]] [[T4]]", tokens)


def test_a_text_of_only_names_and_figures_has_nothing_to_translate():
    assert protect.only_protected("XL")
    assert protect.only_protected("WH-1000XM5 / 350 ml")
    assert not protect.only_protected("White")
