"""Settings shared by every environment. Values that differ between hosts come from the
environment (see config/env.py); local/test/production only change defaults."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from kombu import Exchange, Queue

from config.env import env, envbool, envchoice, envfloat, envint, envlist

BASE_DIR = Path(__file__).resolve().parents[2]

SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key")
DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ("localhost", "127.0.0.1"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc files served locally: the docs work offline
    "accounts",
    "products",
    "templates_engine",
    "generation",
    "billing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite by default so the command line works on a fresh machine; servers set DATABASE_URL.
VAR_DIR = Path(env("SHOPREEL_VAR_DIR", str(BASE_DIR / "var")))
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'shopreel.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))

REST_FRAMEWORK = {
    # API v1 views (accounts.api.base.WorkspaceApiView) set API-key authentication, the scope
    # permission and the per-key throttle themselves; these defaults cover anything else.
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "accounts.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Requests per API key (accounts.api.throttling.ApiKeyRateThrottle), e.g. 120/min, 5000/hour.
    "DEFAULT_THROTTLE_RATES": {"api_key": env("SHOPREEL_API_RATE", "120/min")},
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Shopreel API",
    "DESCRIPTION": (
        "Product link → captioned, voiced marketing videos. Send an API key as "
        "`Authorization: Bearer <key>`. Errors are `{\"error\": {\"code\", \"message\", \"detail\"}}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs are public (they describe the API, not any workspace's data).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}

# --- Celery -------------------------------------------------------------------------------
# No broker URL means "no broker": the command line runs the same services in-process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", env("REDIS_URL", ""))
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
SHOPREEL_QUEUE_DEFAULT = env("SHOPREEL_QUEUE_DEFAULT", "default")
SHOPREEL_QUEUE_GPU = env("SHOPREEL_QUEUE_GPU", "gpu")
SHOPREEL_QUEUE_RENDER = env("SHOPREEL_QUEUE_RENDER", "render")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 15 * 60)
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 20 * 60)
CELERY_TASK_DEFAULT_QUEUE = SHOPREEL_QUEUE_DEFAULT
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name, type="direct"), routing_key=name)
    for name in (SHOPREEL_QUEUE_DEFAULT, SHOPREEL_QUEUE_GPU, SHOPREEL_QUEUE_RENDER)
]

# --- Shopreel -----------------------------------------------------------------------------
# Hosts (host or host:port) exempted from the private-address checks on fetched URLs.
# Empty in production; tests and the offline demo shop add their loopback server.
SHOPREEL_FETCH_ALLOW_HOSTS = envlist("SHOPREEL_FETCH_ALLOW_HOSTS")
SHOPREEL_FETCH_TIMEOUT = envint("SHOPREEL_FETCH_TIMEOUT", 15)
# Seconds to wait before each new try of a product page that failed transiently (timeout,
# connection refused, 429, 5xx). Page fetches only; a photo that fails is skipped.
SHOPREEL_FETCH_RETRY_DELAYS = (1.0, 4.0)
SHOPREEL_MAX_IMAGES = envint("SHOPREEL_MAX_IMAGES", 8)
SHOPREEL_DEFAULT_WORKSPACE = env("SHOPREEL_DEFAULT_WORKSPACE", "default")
SHOPREEL_RENDER_PRESET = env("SHOPREEL_RENDER_PRESET", "veryfast")
SHOPREEL_VOICE = envbool("SHOPREEL_VOICE", True)
SHOPREEL_MUSIC = envbool("SHOPREEL_MUSIC", True)
# Shot backends tried in order per shot type; "default" for the others. Only "motion" exists
# so far (diffusion and try-on come with the shot-generation issue).
SHOPREEL_SHOT_BACKENDS = {"default": ["motion"]}
# Headless Chromium for pages whose product only appears once their scripts run. Used only
# when the static page lacks the product; every browser request passes the same address
# checks. One warm browser per worker process.
SHOPREEL_BROWSER_FALLBACK = envbool("SHOPREEL_BROWSER_FALLBACK", True)
SHOPREEL_BROWSER_PATH = env("SHOPREEL_BROWSER_PATH", "/usr/bin/chromium")
SHOPREEL_BROWSER_TIMEOUT = envint("SHOPREEL_BROWSER_TIMEOUT", 20)
# Shopify / WooCommerce product endpoints read as an extra, most trusted layer.
SHOPREEL_PLATFORM_API = envbool("SHOPREEL_PLATFORM_API", True)
# Rows in one catalogue import (CSV of links or a Google Merchant feed).
SHOPREEL_CATALOG_MAX_ROWS = envint("SHOPREEL_CATALOG_MAX_ROWS", 500)

# Rendering: encoder and text-to-speech, refused here when malformed.
# H.264 encoder for renders: "auto" uses h264_nvenc only when the ffmpeg in use lists it and
# an NVIDIA device is present, else libx264.
SHOPREEL_VIDEO_ENCODER = envchoice("SHOPREEL_VIDEO_ENCODER", "auto", ("auto", "libx264", "h264_nvenc"))
# Text-to-speech: "espeak" (espeak-ng, the default) or "piper" (neural voices from local
# files in SHOPREEL_PIPER_VOICES_DIR: <voice>.onnx + <voice>.onnx.json; never downloaded).
SHOPREEL_TTS_ENGINE = envchoice("SHOPREEL_TTS_ENGINE", "espeak", ("espeak", "piper"))
SHOPREEL_PIPER_VOICES_DIR = env("SHOPREEL_PIPER_VOICES_DIR", "")

# Diffusion shots (generation/backends/diffusion.py), on `gpu` workers with the `ml` extra.
# Weights only ever come from SHOPREEL_DIFFUSION_WEIGHTS_DIR (a diffusers `save_pretrained`
# directory); empty = not configured, and the chain falls back to the next backend (motion).
SHOPREEL_DIFFUSION_PIPELINES = ("StableVideoDiffusionPipeline", "LTXImageToVideoPipeline")
SHOPREEL_DIFFUSION_PIPELINE = envchoice(
    "SHOPREEL_DIFFUSION_PIPELINE", "StableVideoDiffusionPipeline", SHOPREEL_DIFFUSION_PIPELINES
)
SHOPREEL_DIFFUSION_WEIGHTS_DIR = env("SHOPREEL_DIFFUSION_WEIGHTS_DIR", "")
SHOPREEL_DIFFUSION_DTYPE = envchoice("SHOPREEL_DIFFUSION_DTYPE", "bfloat16", ("float32", "float16", "bfloat16"))
# "cuda" on GPU workers (the backend is unavailable without a GPU); "cpu" for tests and demos.
SHOPREEL_DIFFUSION_DEVICE = envchoice("SHOPREEL_DIFFUSION_DEVICE", "cuda", ("cuda", "cpu"))
# Memory options; CPU offload only applies where CUDA is present.
SHOPREEL_DIFFUSION_CPU_OFFLOAD = envbool("SHOPREEL_DIFFUSION_CPU_OFFLOAD", False)
SHOPREEL_DIFFUSION_VAE_TILING = envbool("SHOPREEL_DIFFUSION_VAE_TILING", False)
SHOPREEL_DIFFUSION_VAE_SLICING = envbool("SHOPREEL_DIFFUSION_VAE_SLICING", False)
# Frames per shot (played over the scene's duration, clamped to 2-5 s), sampling steps, size.
SHOPREEL_DIFFUSION_NUM_FRAMES = envint("SHOPREEL_DIFFUSION_NUM_FRAMES", 25)
SHOPREEL_DIFFUSION_STEPS = envint("SHOPREEL_DIFFUSION_STEPS", 25)
SHOPREEL_DIFFUSION_WIDTH = envint("SHOPREEL_DIFFUSION_WIDTH", 576)
SHOPREEL_DIFFUSION_HEIGHT = envint("SHOPREEL_DIFFUSION_HEIGHT", 1024)
SHOPREEL_DIFFUSION_DECODE_CHUNK = envint("SHOPREEL_DIFFUSION_DECODE_CHUNK", 8)
# Text prompt for pipelines that take one (LTX); SVD is conditioned on the photo alone.
SHOPREEL_DIFFUSION_PROMPT = env(
    "SHOPREEL_DIFFUSION_PROMPT",
    "The product from the photo, unchanged, in a smooth slow camera move, soft studio light.",
)
# LoRA adapters (peft: adapter_config.json + adapter_model.safetensors) per vertical, in
# <dir>/verticals/<vertical>/; empty = none. Loaded on first use, kept with the pipeline.
SHOPREEL_DIFFUSION_ADAPTERS_DIR = env("SHOPREEL_DIFFUSION_ADAPTERS_DIR", "")
# Fidelity gate: a generated shot scoring below this (0-1) against the product photo is made
# again with a new seed once, then left to the next backend.
SHOPREEL_FIDELITY_THRESHOLD = envfloat("SHOPREEL_FIDELITY_THRESHOLD", 0.5, low=0.0, high=1.0)
