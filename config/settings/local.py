"""Embedded defaults for the command line and development: SQLite, no broker, local files."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env, envbool

DEBUG = envbool("DEBUG", True)
SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key")
