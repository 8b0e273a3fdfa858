"""JobOptions: the one place an ad's options are checked (the API, the command line and the
services all build it), their defaults, and the JSON a RenderJob stores."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from generation.options import JobOptions


def test_defaults_fill_what_is_missing_or_none_and_the_json_round_trips():
    options = JobOptions.from_input({"length": "20", "formats": ["1:1", "9:16", "1:1"], "cta": None, "seed": None})
    assert options == JobOptions(length=20.0, formats=("1:1", "9:16"))
    assert options.to_json() == {
        "template": "auto", "language": "en", "formats": ["1:1", "9:16"], "length": 20.0, "seed": 0,
        "voice": True, "music": True, "market": "US", "override_compliance": False, "platform": "",
        "tone": "", "cta": None, "variant": 0, "generative": True,
    }
    assert JobOptions.from_json(options.to_json()) == options
    # A row stored before an option existed reads with its default; a name since retired is left out.
    assert JobOptions.from_json({"formats": ["1:1"], "retired": 1}) == JobOptions(formats=("1:1",))


def test_values_are_normalised_once():
    options = JobOptions.from_input({
        "market": "eu", "platform": "TikTok", "tone": "Energetic", "override_compliance": "  lin@shop.example ",
    })
    assert (options.market, options.platform, options.tone) == ("EU", "tiktok", "energetic")
    assert options.override_compliance == "lin@shop.example"


@pytest.mark.parametrize(
    ("given", "code", "message"),
    [
        ({"colour": "red"}, "invalid_input", "Unknown option(s): colour."),
        ({"formats": ["3:2"]}, "invalid_input", "Unknown format(s) ['3:2']; choose from "),
        ({"formats": []}, "invalid_input", "Unknown format(s) []; choose from "),
        ({"length": "long"}, "invalid_input", "The length must be a number of seconds."),
        ({"length": 600}, "invalid_input", "The length must be between 3 and 60 seconds."),
        ({"template": "no-such-template"}, "unknown_template", "unknown template 'no-such-template'; valid"),
        ({"seed": -1}, "invalid_input", "The seed must be a whole number from 0 to 2147483647."),
        ({"seed": 2.5}, "invalid_input", "The seed must be a whole number"),
        ({"market": "MARS"}, "invalid_input", "Unknown market 'MARS'; choose from CN, US, EU."),
        ({"platform": "myspace"}, "invalid_input", "Unknown platform 'myspace'"),
        ({"tone": "sarcastic"}, "invalid_input", "Unknown tone 'sarcastic'"),
        ({"override_compliance": 1}, "invalid_input", "override_compliance must be true/false"),
        ({"language": "x" * 21}, "invalid_input", "The language must be a language code"),
        ({"voice": "loud"}, "invalid_input", "voice must be true or false."),
        ({"cta": "x" * 61}, "invalid_input", "The call to action must be text of at most 60 characters."),
    ],
)
def test_each_problem_has_its_code_and_plain_message(given, code, message):
    with pytest.raises(InvalidInput) as caught:
        JobOptions.from_input(given)
    assert caught.value.code == code and caught.value.message.startswith(message)
    assert list(caught.value.detail) == list(given)  # keyed by the option


def test_every_problem_is_named_and_the_first_one_is_the_message():
    with pytest.raises(InvalidInput) as caught:
        JobOptions.from_input({"formats": ["3:2"], "length": 500, "template": "no-such-template"})
    error = caught.value
    assert error.code == "invalid_input" and error.message.startswith("Unknown format(s)")
    assert set(error.detail) == {"formats", "length", "template"}
    assert error.detail["length"] == ["The length must be between 3 and 60 seconds."]


def test_an_unsupported_language_is_refused_up_front_and_a_regional_tag_is_not():
    with pytest.raises(InvalidInput) as refused:
        JobOptions.from_input({"language": "xx"})
    assert refused.value.code == "unsupported_language" and "es-MX" in refused.value.message
    assert JobOptions.from_input({"language": "es-MX"}).language == "es-MX"


@pytest.mark.parametrize("bad", [-1, 10, 1.5, "2", True])
def test_a_variant_is_a_whole_number_from_0_to_9(bad):
    assert JobOptions.from_input({"variant": 3}).variant == 3
    with pytest.raises(InvalidInput) as refused:
        JobOptions.from_input({"variant": bad})
    assert "variant" in refused.value.detail
