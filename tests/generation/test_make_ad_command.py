"""The command line as a user types it: a fresh embedded database, no broker, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.media import probe

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _run(args: list[str], tmp_path: Path, timeout: int = 300, **extra_env: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        **extra_env,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "SHOPREEL_VAR_DIR": str(tmp_path / "var"),  # a fresh SQLite database and media folder
        "SHOPREEL_RENDER_PRESET": "ultrafast",
    }
    env.pop("DATABASE_URL", None)
    env.pop("MEDIA_ROOT", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_make_ad_demo_prints_the_finished_files(tmp_path):
    from products.demo.catalog import PRODUCTS

    slug = PRODUCTS[0].slug
    out = tmp_path / "out"
    result = _run(
        ["make_ad", "--demo", "--demo-product", slug, "--length", "6", "--format", "9:16",
         "--format", "16:9", "--out", str(out), "--json"],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["errors"] == []
    (ad,) = report["ads"]
    assert {o["format"] for o in ad["outputs"]} == {"9:16", "16:9"}
    for output in ad["outputs"]:
        for kind in ("video", "poster", "srt", "vtt"):
            assert Path(output[kind]).is_file() and Path(output[kind]).parent == out.resolve()
        facts = probe(Path(output["video"]))
        expected = (1080, 1920) if output["format"] == "9:16" else (1920, 1080)
        assert (facts.width, facts.height) == expected
        assert abs(facts.duration - 6) <= 1 / 30 + 1e-6
        assert facts.audio_duration == pytest.approx(6, abs=0.1)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://127.0.0.1:8000/", "won't fetch"),
        ("http://169.254.169.254/latest/meta-data/", "won't fetch"),
        ("ftp://example.com/product", "http"),
        ("not a url", "http"),
    ],
)
def test_make_ad_bad_url_exits_non_zero_with_one_plain_line(tmp_path, url, words):
    result = _run(["make_ad", url, "--out", str(tmp_path / "out")], tmp_path, timeout=120)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert words in lines[0].lower()
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_scrape_html_file_prints_the_product_as_json(tmp_path, demo_shop):
    from products.demo.catalog import PRODUCTS
    from products.demo.pages import render_product_page

    product = PRODUCTS[0]
    page = tmp_path / "page.html"
    page.write_text(render_product_page(product, base_url="https://demo.shopreel.test"), encoding="utf-8")
    result = _run(
        ["scrape", "--html", str(page), "--url", f"https://demo.shopreel.test/products/{product.slug}", "--json"],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    for key in ("title", "brand", "price", "currency", "images", "description", "features", "availability", "sku", "vertical"):
        assert key in data
    assert data["title"] == product.title
    assert data["images"] and all(url.startswith("https://demo.shopreel.test/") for url in data["images"])


def test_scrape_url_reads_a_live_page(tmp_path, demo_shop):
    url = next(iter(demo_shop.product_urls.values()))
    result = _run(["scrape", url, "--json"], tmp_path, SHOPREEL_FETCH_ALLOW_HOSTS=demo_shop.host_port)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["price"] and data["currency"] and data["images"]
