import re

import pytest

from config.env import EnvError, env, envbool, envint


def test_envbool_refuses_anything_but_true_or_false(monkeypatch):
    monkeypatch.setenv("SHOPREEL_X", "maybe")
    with pytest.raises(EnvError, match="SHOPREEL_X must be true or false"):
        envbool("SHOPREEL_X", False)
    monkeypatch.setenv("SHOPREEL_X", "false")
    assert envbool("SHOPREEL_X", True) is False
    monkeypatch.delenv("SHOPREEL_X")
    assert envbool("SHOPREEL_X", True) is True


def test_envint_names_the_variable(monkeypatch):
    monkeypatch.setenv("SHOPREEL_N", "12a")
    with pytest.raises(EnvError, match="SHOPREEL_N must be an integer"):
        envint("SHOPREEL_N", 1)


def test_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cr3t\n")
    monkeypatch.setenv("SHOPREEL_SECRET_FILE", str(secret))
    assert env("SHOPREEL_SECRET") == "s3cr3t"
    monkeypatch.setenv("SHOPREEL_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(EnvError, match="cannot be read"):
        env("SHOPREEL_SECRET")


def test_envchoice_names_the_choices(monkeypatch):
    from config.env import envchoice

    monkeypatch.setenv("SHOPREEL_ENGINE", "festival")
    with pytest.raises(EnvError, match="SHOPREEL_ENGINE must be one of espeak, piper, got 'festival'"):
        envchoice("SHOPREEL_ENGINE", "espeak", ("espeak", "piper"))
    monkeypatch.setenv("SHOPREEL_ENGINE", "piper")
    assert envchoice("SHOPREEL_ENGINE", "espeak", ("espeak", "piper")) == "piper"
    monkeypatch.delenv("SHOPREEL_ENGINE")
    assert envchoice("SHOPREEL_ENGINE", "espeak", ("espeak", "piper")) == "espeak"


def test_envfloat_refuses_out_of_range(monkeypatch):
    from config.env import envfloat

    monkeypatch.setenv("SHOPREEL_T", "1.5")
    with pytest.raises(EnvError, match="between 0 and 1"):
        envfloat("SHOPREEL_T", 0.5, low=0.0, high=1.0)
    monkeypatch.setenv("SHOPREEL_T", "x")
    with pytest.raises(EnvError, match="must be a number"):
        envfloat("SHOPREEL_T", 0.5, low=0.0, high=1.0)
    monkeypatch.setenv("SHOPREEL_T", "0.7")
    assert envfloat("SHOPREEL_T", 0.5, low=0.0, high=1.0) == 0.7


def test_a_malformed_setting_stops_start_up_with_its_name():
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "SHOPREEL_VIDEO_ENCODER": "h265", "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=Path(__file__).resolve().parents[1],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "SHOPREEL_VIDEO_ENCODER must be one of auto, libx264, h264_nvenc, got 'h265'" in result.stderr


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "a-production-secret-key-for-this-test-only-0123456789",
    "DATABASE_URL": "postgres://shopreel@127.0.0.1:5432/shopreel",
    "ALLOWED_HOSTS": "shopreel.example.com",
    "SHOPREEL_CACHE_URL": "redis://127.0.0.1:6379/1",
    "EMAIL_HOST": "smtp.example.com",
}


def _settings_load(env: dict):
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = "import django; django.setup(); from django.conf import settings; print(settings.EMAIL_BACKEND)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=60,
    )


@pytest.mark.parametrize(
    ("missing", "message"),
    [("SHOPREEL_CACHE_URL", "SHOPREEL_CACHE_URL must point to Redis in production"),
     ("EMAIL_HOST", "EMAIL_HOST must be set in production")],
)
def test_production_refuses_to_start_without_a_shared_cache_or_an_email_server(missing, message):
    result = _settings_load({**PRODUCTION, missing: ""})
    assert result.returncode != 0
    assert message in result.stderr


def test_production_starts_with_everything_set_and_sends_real_email():
    result = _settings_load(PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.mail.backends.smtp.EmailBackend"


@pytest.mark.parametrize("missing", ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"])
def test_production_with_billing_on_refuses_to_start_without_stripe(missing):
    stripe = {"SHOPREEL_BILLING": "on", "STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}
    result = _settings_load({**PRODUCTION, **stripe, missing: ""})
    assert result.returncode != 0
    assert "SHOPREEL_BILLING=on needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET" in result.stderr
    assert _settings_load({**PRODUCTION, **stripe}).returncode == 0


def test_envurl_takes_only_http_or_https(monkeypatch):
    from config.env import envurl

    monkeypatch.setenv("SHOPREEL_URL", "media.example.com")
    message = "SHOPREEL_URL must be an http(s) URL, got 'media.example.com'"
    with pytest.raises(EnvError, match=re.escape(message)):
        envurl("SHOPREEL_URL")
    monkeypatch.setenv("SHOPREEL_URL", "https://media.example.com")
    assert envurl("SHOPREEL_URL") == "https://media.example.com"
    monkeypatch.setenv("SHOPREEL_URL", "")
    assert envurl("SHOPREEL_URL") == ""
