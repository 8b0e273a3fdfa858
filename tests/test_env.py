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
