"""The stable command-line interfaces: list_templates and build_script print valid JSON."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from templates_engine import library

FINDING_KEYS = {"rule", "severity", "scene", "field", "start", "end", "text", "message", "suggestion", "path"}


def _run(*args: str) -> dict | list:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


def test_list_templates_prints_every_template(settings):
    rows = _run("list_templates", "--json")
    assert [r["slug"] for r in rows] == list(library.load_templates())
    for row in rows:
        assert {"slug", "vertical", "structure", "languages", "lengths"} <= set(row)
        assert row["languages"] and row["lengths"]


@pytest.fixture
def product_file(tmp_path, make_product):
    def write(**overrides):
        path = tmp_path / "product.json"
        path.write_text(json.dumps(make_product(**overrides)), encoding="utf-8")
        return str(path)
    return write


def test_build_script_prints_scripts_with_findings(product_file):
    path = product_file(features=["The best organic cotton tee", "Relaxed fit"])
    data = _run("build_script", "--product-json", path, "--template", "auto", "--language", "en",
                "--length", "15", "--variants", "3", "--market", "CN", "--json")
    assert {"template", "why", "language", "length", "market", "scripts"} <= set(data)
    assert data["template"] == "apparel-lookbook" and data["market"] == "CN"
    assert [s["variant"] for s in data["scripts"]] == [0, 1, 2]
    first = data["scripts"][0]
    assert first["blocked"] is True
    assert first["findings"] and set(first["findings"][0]) == FINDING_KEYS
    assert sum(s["duration"] for s in first["script"]["scenes"]) == pytest.approx(15)
    orders = {tuple(s["id"] for s in r["script"]["scenes"]) for r in data["scripts"]}
    hooks = {r["script"]["scenes"][0]["caption"] for r in data["scripts"]}
    assert len(orders) > 1 and len(hooks) > 1  # variants differ in order and hook


def test_build_script_is_deterministic_per_seed(product_file):
    path = product_file()
    args = ("build_script", "--product-json", path, "--template", "generic-feature-showcase", "--language", "es-MX",
            "--length", "30", "--variants", "2", "--seed", "7", "--json")
    assert _run(*args) == _run(*args)


def test_build_script_explains_a_bad_request(product_file):
    with pytest.raises(CommandError, match="valid templates"):
        _run("build_script", "--product-json", product_file(), "--template", "nope", "--json")
    with pytest.raises(CommandError, match="market"):
        _run("build_script", "--product-json", product_file(), "--market", "MARS", "--json")
