"""The price of an ad: a pure function of what is rendered."""

from __future__ import annotations

import pytest

from billing.pricing import ad_price


@pytest.mark.parametrize(
    ("length", "formats", "generative", "credits"),
    [
        (15, 1, 0, 3),  # 1 credit per started 5 s per format
        (15, 2, 0, 6),
        (16, 1, 0, 4),  # a started block counts
        (60, 4, 0, 48),
        (15, 2, 15, 15),  # + 3 per started 5 s of generative footage, once per ad
        (15, 2, 4, 9),
        (15, 2, 99, 15),  # generative footage is at most the ad
        (15, 0, 15, 0),  # nothing delivered costs nothing
    ],
)
def test_price(length, formats, generative, credits):
    assert ad_price(length=length, formats=formats, generative_seconds=generative).credits == credits


def test_generative_footage_costs_more_than_motion():
    assert ad_price(length=10, formats=1, generative_seconds=10).credits > ad_price(length=10, formats=1).credits


def test_negative_input_is_refused():
    with pytest.raises(ValueError):
        ad_price(length=-1, formats=1)
