"""SHOPREEL_TRANSLATION switched on without what it needs stops start-up, naming the setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _load(env: dict) -> subprocess.CompletedProcess:
    code = "import django; django.setup(); from django.conf import settings; print(settings.SHOPREEL_LLM_API_KEY)"
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SHOPREEL_LLM", "SHOPREEL_TRANSLATION"))
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.local", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"SHOPREEL_TRANSLATION": "llm"},
            "SHOPREEL_TRANSLATION=llm needs SHOPREEL_LLM_BASE_URL and SHOPREEL_LLM_MODEL",
        ),
        (
            {"SHOPREEL_TRANSLATION": "llm", "SHOPREEL_LLM_BASE_URL": "http://gpu-1:8000/v1"},
            "SHOPREEL_TRANSLATION=llm needs SHOPREEL_LLM_BASE_URL and SHOPREEL_LLM_MODEL",
        ),
        (
            {
                "SHOPREEL_TRANSLATION": "llm",
                "SHOPREEL_LLM_BASE_URL": "gpu-1:8000",
                "SHOPREEL_LLM_MODEL": "m",
            },
            "SHOPREEL_LLM_BASE_URL must be an http(s) URL",
        ),
        (
            {"SHOPREEL_TRANSLATION": "local"},
            "SHOPREEL_TRANSLATION=local needs SHOPREEL_TRANSLATION_MODEL_DIR",
        ),
        ({"SHOPREEL_TRANSLATION": "deepl"}, "SHOPREEL_TRANSLATION must be one of none, llm, local"),
    ],
)
def test_switched_on_but_not_configured_stops_start_up(env, message):
    result = _load(env)
    assert result.returncode != 0
    assert message in result.stderr


def test_configured_it_starts_and_the_key_may_come_from_a_file(tmp_path):
    key = tmp_path / "llm-key"
    key.write_text("sk-from-a-file\n")
    result = _load(
        {
            "SHOPREEL_TRANSLATION": "llm",
            "SHOPREEL_LLM_BASE_URL": "http://127.0.0.1:11434/v1",
            "SHOPREEL_LLM_MODEL": "llama3.1:8b",
            "SHOPREEL_LLM_API_KEY_FILE": str(key),
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "sk-from-a-file"
