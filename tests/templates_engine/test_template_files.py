"""Template files are validated on load; copy renders in a sandbox that sees product data only."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from jinja2.exceptions import SecurityError

from templates_engine import sandbox
from templates_engine.errors import TemplateLoadError
from templates_engine.library import load_library, load_template_file

GOOD = """\
slug: toys-feature-showcase
vertical: toys
structure: feature_showcase
name: Test
lengths: [6, 15]
languages: [en]
scenes:
  - id: hook
    shot_type: hero
    share: 1
    copy:
      en: {caption: "CAPTION", voiceover: "Meet {{ short_title }}."}
  - id: cta
    shot_type: cta
    share: 1
    copy:
      en: {caption: "{{ cta }}", voiceover: "", badge: "{{ price }}"}
"""


def write(tmp_path: Path, text: str, rel: str = "toys/feature_showcase.yaml") -> Path:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_good_file_loads(tmp_path):
    template = load_template_file(write(tmp_path, GOOD))
    assert template.slug == "toys-feature-showcase"
    assert [s.id for s in template.scenes] == ["hook", "cta"]


@pytest.mark.parametrize(
    "expression",
    [
        "{{ title.__class__ }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ features['__class__'] }}",
        "{{ title.__class__.__mro__[1].__subclasses__() }}",
        "{{ lipsum.__globals__ }}",
        "{% include 'x' %}",
        "{{ cycler() }}",
    ],
)
def test_unsafe_expressions_are_rejected_when_the_file_loads(tmp_path, expression):
    path = write(tmp_path, GOOD.replace("CAPTION", expression.replace('"', "'")))
    with pytest.raises(TemplateLoadError) as info:
        load_template_file(path)
    message = str(info.value)
    assert str(path) in message
    assert "scenes.0.copy.en.caption" in message


@pytest.mark.parametrize(
    "source",
    ["{{ product.__class__ }}", "{{ ''.__class__.__mro__ }}", "{{ product.items.__self__ }}"],
)
def test_sandbox_refuses_internals_at_render_time(source):
    """Even if the static check were bypassed, the sandbox itself raises."""
    with pytest.raises(SecurityError):
        sandbox.render(source, {"product": {"title": "x"}})


def test_sandbox_cannot_mutate_context():
    with pytest.raises(SecurityError):
        sandbox.render("{{ features.append('free') }}", {"features": []})


def test_static_check_raises_security_error_too():
    with pytest.raises(SecurityError):
        sandbox.check_source("{{ title.__class__ }}")


def test_unknown_variable_is_named(tmp_path):
    path = write(tmp_path, GOOD.replace("CAPTION", "{{ prise }}"))
    with pytest.raises(TemplateLoadError, match=r"scenes\.0\.copy\.en\.caption: .*unknown variable\(s\) prise"):
        load_template_file(path)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("shot_type: hero", "shot_type: closeup"), "scenes.0.shot_type"),
        (("share: 1\n    copy", "share: -1\n    copy"), "scenes.0.share"),
        (("name: Test\n", ""), "name: Field required"),
        (("languages: [en]", "languages: [en, es]"), "has no copy for es"),
        (("lengths: [6, 15]", "lengths: [1]"), "cannot share 1 s"),
        (("slug: toys-feature-showcase", "slug: toys-other"), "slug must be 'toys-feature-showcase'"),
        (("{{ cta }}", "{{ cta | attr('x') }}"), "filter 'attr' is not allowed"),
        (("{{ cta }}", "{{ cta "), "syntax error"),
    ],
)
def test_bad_files_name_the_file_and_field(tmp_path, change, field):
    old, new = change
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(TemplateLoadError) as info:
        load_template_file(path)
    assert str(path) in str(info.value)
    assert field in str(info.value)


def test_fallback_may_not_need_a_price(tmp_path):
    bad = GOOD + '    fallback:\n      en: {caption: "{{ price }}"}\n'
    with pytest.raises(TemplateLoadError, match=r"scenes\.1\.fallback.*uses price"):
        load_template_file(write(tmp_path, bad))


def test_file_must_sit_in_its_vertical_folder(tmp_path):
    with pytest.raises(TemplateLoadError, match="vertical/structure"):
        load_template_file(write(tmp_path, GOOD, rel="pets/feature_showcase.yaml"))


def test_broken_yaml_is_reported(tmp_path):
    with pytest.raises(TemplateLoadError, match="cannot read YAML"):
        load_template_file(write(tmp_path, "slug: [unclosed\n"))


def test_yaml_tags_cannot_build_python_objects(tmp_path):
    path = write(tmp_path, "!!python/object/apply:os.system ['true']\n")
    with pytest.raises(TemplateLoadError, match="cannot read YAML"):
        load_template_file(path)


def test_duplicate_slugs_are_refused(tmp_path):
    write(tmp_path, GOOD)
    write(tmp_path, GOOD.replace("structure: feature_showcase", "structure: feature_showcase"), rel="toys/feature_showcase.yml")
    assert list(load_library(tmp_path)) == ["toys-feature-showcase"]  # only *.yaml is read
