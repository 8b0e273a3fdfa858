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
