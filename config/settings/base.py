"""Settings shared by every environment. Values that differ between hosts come from the
environment (see config/env.py); local/test/production only change defaults."""

from __future__ import annotations

import json
from pathlib import Path

import dj_database_url
from kombu import Exchange, Queue

from config.env import EnvError, env, envbool, envchoice, envfloat, envint, envlist, envurl

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
    # htmx for the studio's live parts (request.htmx, {% htmx_script %}): its own static file, no CDN.
    "django_htmx",
    "accounts",
    "products",
    "templates_engine",
    "generation",
    "billing",
    "campaigns",
    # The beat scheduler's schedules in the database (celery -A config beat -S django).
    "django_celery_beat",
    # Sign-up, login, email verification, password reset (after "accounts": our templates win).
    "allauth",
    "allauth.account",
]

MIDDLEWARE = [
    # First: every line logged while a request is handled carries its request id (core/logcontext.py).
    "config.middleware.LogContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # An htmx request whose session ended opens the login page (HX-Redirect), not swapped in.
    "accounts.htmx.HtmxLoginMiddleware",
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

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",  # the admin (username)
    "allauth.account.auth_backends.AuthenticationBackend",  # the dashboard (email)
]

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
    # JSON nested deeper than any request needs is refused before it is parsed (a RecursionError).
    "DEFAULT_PARSER_CLASSES": ["accounts.api.parsers.BoundedJSONParser"],
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

# SHOPREEL_LOG_FORMAT=json: one JSON object a line (python-json-logger) with time, level, logger,
# message and the ids of the work it belongs to (request_id, workspace_id, task_id, task_name,
# job_id…: core/logcontext.py binds them, in web requests and in Celery tasks). "text": plain lines.
SHOPREEL_LOG_FORMAT = envchoice("SHOPREEL_LOG_FORMAT", "text", ("text", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.logcontext.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "core.logcontext.json_formatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if SHOPREEL_LOG_FORMAT == "json" else "plain",
            "filters": ["context"],
        },
    },
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
# Worker processes are not recycled after N tasks by default (0 = never): a gpu worker keeps
# its loaded model for its whole life. Set it only to contain a leak.
CELERY_WORKER_MAX_TASKS_PER_CHILD = envint("CELERY_WORKER_MAX_TASKS_PER_CHILD", 0) or None
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 15 * 60)
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 20 * 60)
# Redis redelivers a task whose worker died (acks_late) after this many seconds. Longer than the
# hard time limit, or a long task still running is handed to a second worker; much shorter than
# the transport's default hour, or a job lost with its machine waits an hour (and holds its credits).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 5 * 60),
}
CELERY_TASK_DEFAULT_QUEUE = SHOPREEL_QUEUE_DEFAULT
# The job watchdog (generation/watchdog.py): a running job whose heartbeat is older than this
# was lost with its worker or its message; it is resent, at most SHOPREEL_JOB_MAX_RESUMES times,
# then failed in plain words (credits released). Beat sends the sweep every minute.
SHOPREEL_JOB_STALL_SECONDS = envint("SHOPREEL_JOB_STALL_SECONDS", 5 * 60)
SHOPREEL_JOB_MAX_RESUMES = envint("SHOPREEL_JOB_MAX_RESUMES", 2)
# /readyz says "degraded" (still 200) when a queue holds more messages than this, or a task has
# waited longer than this many seconds in the outbox (config/views.py, docs/OPERATIONS.md).
SHOPREEL_QUEUE_DEPTH_WARN = envint("SHOPREEL_QUEUE_DEPTH_WARN", 100)
SHOPREEL_OUTBOX_AGE_WARN = envint("SHOPREEL_OUTBOX_AGE_WARN", 300)
CELERY_BEAT_SCHEDULE = {
    "generation.jobs_watchdog": {"task": "generation.jobs_watchdog", "schedule": 60.0},
    # accounts/outbox.py: tasks kept while the broker was down are sent once it is back.
    "accounts.outbox_flush": {"task": "accounts.outbox_flush", "schedule": 30.0},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# `celery -A config beat` reads its schedules from the database (django-celery-beat); run one
# beat process. Its one periodic task, campaigns.run_due, runs every campaign whose time has come.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# How often beat sends campaigns.run_due (seconds); a scheduled run starts within this of its time.
SHOPREEL_CAMPAIGN_TICK_SECONDS = envint("SHOPREEL_CAMPAIGN_TICK_SECONDS", 30)
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
# Shot backends tried in order per shot type; "default" for the others. A backend that cannot
# run (no weights configured, not a garment, drifted) leaves the shot to the next one and its
# reason on the Shot. GPU backends without weights do not send the shot to the gpu queue
# (generation/backends/registry.py), so with nothing configured every shot is motion, on CPU.
SHOPREEL_SHOT_BACKENDS = {"default": ["motion"], "on_model": ["tryon", "diffusion", "motion"]}
# A deployment's chains as JSON, the same on every host (web and default workers pick queues
# and batches with it), e.g. {"default": ["diffusion", "motion"], "cta": ["motion"]}.
if env("SHOPREEL_SHOT_BACKENDS"):
    try:
        SHOPREEL_SHOT_BACKENDS = json.loads(env("SHOPREEL_SHOT_BACKENDS"))
    except ValueError as exc:
        raise EnvError(f"SHOPREEL_SHOT_BACKENDS must be JSON: {exc}") from None
    if not (
        isinstance(SHOPREEL_SHOT_BACKENDS, dict)
        and isinstance(SHOPREEL_SHOT_BACKENDS.get("default"), list)
        and all(
            isinstance(chain, list) and chain and all(isinstance(name, str) for name in chain)
            for chain in SHOPREEL_SHOT_BACKENDS.values()
        )
    ):
        raise EnvError(
            'SHOPREEL_SHOT_BACKENDS must map shot types to non-empty lists of backend names, '
            f'with a "default" chain, got {env("SHOPREEL_SHOT_BACKENDS")!r}'
        )
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
# Bytes of one feed in a batch import (POST /api/v1/products/batch/, uploaded or fetched).
SHOPREEL_BATCH_MAX_BYTES = envint("SHOPREEL_BATCH_MAX_BYTES", 5_000_000)
# Several models have a `state`: each choice set gets its own enum name in the OpenAPI document
# (the jobs' keeps the name it had, StateEnum).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update({
    "StateEnum": "generation.models.RenderJob.State",
    "ImportBatchStateEnum": "products.models.ImportBatch.State",
    "ImportBatchRowStateEnum": "products.models.ImportBatchRow.State",
    "CampaignRegenerateEnum": "campaigns.models.Campaign.Regenerate",
    "CampaignRunStateEnum": "campaigns.models.CampaignRun.State",
    "RunItemStateEnum": "campaigns.models.RunItem.State",
})

# Rendering: encoder and text-to-speech, refused here when malformed.
# H.264 encoder for renders: "auto" uses h264_nvenc only when the ffmpeg in use lists it and
# an NVIDIA device is present, else libx264.
SHOPREEL_VIDEO_ENCODER = envchoice("SHOPREEL_VIDEO_ENCODER", "auto", ("auto", "libx264", "h264_nvenc"))
# Text-to-speech: "espeak" (espeak-ng, the default), "piper" (neural voices from local
# files in SHOPREEL_PIPER_VOICES_DIR: <voice>.onnx + <voice>.onnx.json) or "kokoro" (Kokoro-82M
# from SHOPREEL_KOKORO_DIR: kokoro-v1.0.onnx + voices-v1.0.bin); never downloaded.
SHOPREEL_TTS_ENGINE = envchoice("SHOPREEL_TTS_ENGINE", "espeak", ("espeak", "piper", "kokoro"))
SHOPREEL_PIPER_VOICES_DIR = env("SHOPREEL_PIPER_VOICES_DIR", "")
SHOPREEL_KOKORO_DIR = env("SHOPREEL_KOKORO_DIR", "")
# Which voice a neural engine speaks with: a Piper voice file's name, or for Kokoro "female",
# "male" or a Kokoro voice's name. Empty: the language's first (Kokoro: female) voice.
SHOPREEL_TTS_VOICE = env("SHOPREEL_TTS_VOICE", "")

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
# Fine-tuning (generation/training/, `manage.py finetune`, the gpu task): trained adapters are
# stored under SHOPREEL_TRAINING_DIR (not MEDIA_ROOT: never served) and registered as
# ModelAdapter rows. Base weights, pipeline class and device are the diffusion settings above.
SHOPREEL_TRAINING_DIR = Path(env("SHOPREEL_TRAINING_DIR", str(VAR_DIR / "adapters")))
SHOPREEL_TRAINING_MIXED_PRECISION = envchoice("SHOPREEL_TRAINING_MIXED_PRECISION", "bf16", ("no", "fp16", "bf16"))
SHOPREEL_TRAINING_GRAD_ACCUM = envint("SHOPREEL_TRAINING_GRAD_ACCUM", 1)
SHOPREEL_TRAINING_LEARNING_RATE = envfloat("SHOPREEL_TRAINING_LEARNING_RATE", 1e-4, low=1e-7, high=1.0)
SHOPREEL_TRAINING_RANK = envint("SHOPREEL_TRAINING_RANK", 16)
# Training clips: frames (SVD any >= 2; LTX-Video 8k+1) and size (multiples of 16 for SVD,
# 32 for LTX), smaller than the shots' to fit a GPU with gradients.
SHOPREEL_TRAINING_NUM_FRAMES = envint("SHOPREEL_TRAINING_NUM_FRAMES", 9)
SHOPREEL_TRAINING_WIDTH = envint("SHOPREEL_TRAINING_WIDTH", 256)
SHOPREEL_TRAINING_HEIGHT = envint("SHOPREEL_TRAINING_HEIGHT", 448)
# Photos per product used as (static) training items, besides its clips.
SHOPREEL_TRAINING_PHOTOS_PER_PRODUCT = envint("SHOPREEL_TRAINING_PHOTOS_PER_PRODUCT", 3)
# The finetune task's soft time limit (seconds; the hard one is a minute more).
SHOPREEL_TRAINING_TIME_LIMIT = envint("SHOPREEL_TRAINING_TIME_LIMIT", 6 * 3600)
# Fidelity gate: a generated shot scoring below this (0-1) against the product photo is made
# again with a new seed once, then left to the next backend.
SHOPREEL_FIDELITY_THRESHOLD = envfloat("SHOPREEL_FIDELITY_THRESHOLD", 0.5, low=0.0, high=1.0)
# Shots of one ad whose first backend batches (diffusion) and that share a model, adapter and
# frame rate go to a gpu worker together, this many to a task and one pipeline call;
# 1 = one shot per task. Out of GPU memory, a batch is halved before the size is lowered.
SHOPREEL_GPU_BATCH_SIZE = envint("SHOPREEL_GPU_BATCH_SIZE", 4)
if SHOPREEL_GPU_BATCH_SIZE < 1:
    raise EnvError(f"SHOPREEL_GPU_BATCH_SIZE must be at least 1, got {SHOPREEL_GPU_BATCH_SIZE}")

# Try-on shots (generation/backends/tryon.py): garment photo -> on-model still (an inpainting
# pipeline that repaints body, face and background around the garment's own pixels) -> the
# diffusion image-to-video pipeline above. Weights only from SHOPREEL_TRYON_WEIGHTS_DIR (a
# diffusers `save_pretrained` directory); empty = not configured. Device, dtype, memory options
# and frame size are the SHOPREEL_DIFFUSION_* ones.
SHOPREEL_TRYON_PIPELINES = ("StableDiffusionInpaintPipeline",)
SHOPREEL_TRYON_PIPELINE = envchoice(
    "SHOPREEL_TRYON_PIPELINE", "StableDiffusionInpaintPipeline", SHOPREEL_TRYON_PIPELINES
)
SHOPREEL_TRYON_WEIGHTS_DIR = env("SHOPREEL_TRYON_WEIGHTS_DIR", "")
SHOPREEL_TRYON_STEPS = envint("SHOPREEL_TRYON_STEPS", 30)
SHOPREEL_TRYON_GUIDANCE = envfloat("SHOPREEL_TRYON_GUIDANCE", 7.0, low=1.0, high=20.0)
# Each generation picks one model, pose and background (seeded; recorded on the shot's asset).
# Comma-separated lists; the prompt's {model}, {pose} and {background} take the picks.
SHOPREEL_TRYON_MODELS = envlist("SHOPREEL_TRYON_MODELS", (
    "a young woman with short dark hair", "a man in his thirties with a beard",
    "a woman in her forties with curly hair", "a young man with long blond hair",
    "a woman with braided black hair",
))
SHOPREEL_TRYON_POSES = envlist("SHOPREEL_TRYON_POSES", (
    "standing facing the camera", "walking towards the camera", "standing with hands on hips",
    "three-quarter turn looking over the shoulder", "leaning against a wall",
))
SHOPREEL_TRYON_BACKGROUNDS = envlist("SHOPREEL_TRYON_BACKGROUNDS", (
    "plain light grey studio backdrop", "sunlit city street", "minimalist white loft",
    "park with soft green bokeh", "warm beige studio with a plant",
))
SHOPREEL_TRYON_PROMPT = env(
    "SHOPREEL_TRYON_PROMPT",
    "Fashion photo of {model} wearing the garment, {pose}, {background}, natural light, "
    "sharp focus, photorealistic",
)
SHOPREEL_TRYON_NEGATIVE_PROMPT = env(
    "SHOPREEL_TRYON_NEGATIVE_PROMPT",
    "deformed body, extra limbs, distorted hands, blurry face, second garment, text, watermark",
)

# --- Accounts and dashboard (django-allauth, accounts/views.py) ----------------------------
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard:home"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# No login before the address is verified: invitations are accepted by address, so an
# address must be proven before it can claim one.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Shopreel] "
# Failed logins: 5 per address per 5 minutes and 20 per IP per minute, counted in the default
# cache (share one cache between web processes: SHOPREEL_CACHE_URL).
ACCOUNT_RATE_LIMITS = {"login_failed": env("SHOPREEL_LOGIN_FAILED_RATE", "20/m/ip,5/5m/key")}
SHOPREEL_INVITATION_DAYS = envint("SHOPREEL_INVITATION_DAYS", 7)
# A Redis URL for the shared cache (login rate limits, API throttle); empty: this process only.
SHOPREEL_CACHE_URL = env("SHOPREEL_CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": SHOPREEL_CACHE_URL}
        if SHOPREEL_CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Email: the console in development; SMTP where EMAIL_HOST is set.
EMAIL_HOST = env("EMAIL_HOST", "")
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Shopreel <no-reply@localhost>")

# --- Outgoing webhooks (accounts/webhooks) -------------------------------------------------
# Webhook URLs pass the same address checks as product URLs (SHOPREEL_FETCH_ALLOW_HOSTS is the
# one allow-list), at registration and on every delivery. https only where this is true
# (production's default); an allow-listed host is exempt.
SHOPREEL_WEBHOOK_REQUIRE_HTTPS = envbool("SHOPREEL_WEBHOOK_REQUIRE_HTTPS", False)
SHOPREEL_WEBHOOK_TIMEOUT = envint("SHOPREEL_WEBHOOK_TIMEOUT", 10)  # seconds for one POST, all in
# Seconds before each retry (plus up to 10 % jitter); a delivery is tried at most
# SHOPREEL_WEBHOOK_MAX_ATTEMPTS times (the last delay repeats when it outnumbers them).
SHOPREEL_WEBHOOK_RETRY_DELAYS = tuple(envlist("SHOPREEL_WEBHOOK_RETRY_DELAYS", ("30", "120", "600", "3600", "21600")))
if not SHOPREEL_WEBHOOK_RETRY_DELAYS or not all(d.isdigit() for d in SHOPREEL_WEBHOOK_RETRY_DELAYS):
    raise EnvError(f"SHOPREEL_WEBHOOK_RETRY_DELAYS must be whole seconds, comma-separated, got {SHOPREEL_WEBHOOK_RETRY_DELAYS!r}")
SHOPREEL_WEBHOOK_RETRY_DELAYS = tuple(int(d) for d in SHOPREEL_WEBHOOK_RETRY_DELAYS)
SHOPREEL_WEBHOOK_MAX_ATTEMPTS = envint("SHOPREEL_WEBHOOK_MAX_ATTEMPTS", 6)
# An endpoint whose deliveries failed (every attempt) this many times in a row is turned off.
SHOPREEL_WEBHOOK_DISABLE_AFTER = envint("SHOPREEL_WEBHOOK_DISABLE_AFTER", 15)
# Days a finished delivery stays in the log (`manage.py deliver_webhooks` prunes older ones).
SHOPREEL_WEBHOOK_LOG_DAYS = envint("SHOPREEL_WEBHOOK_LOG_DAYS", 30)
# Fernet keys (comma-separated; the first encrypts, all decrypt) for endpoint secrets at rest.
# Empty: one key derived from SECRET_KEY (changing SECRET_KEY then means rotating every secret).
SHOPREEL_WEBHOOK_SECRET_KEYS = envlist("SHOPREEL_WEBHOOK_SECRET_KEYS")
# Public base URL (https://app.example.com) for absolute file links in webhook payloads; empty:
# links are paths (/media/...).
SHOPREEL_SITE_URL = env("SHOPREEL_SITE_URL", "")
# Rendered files are private (the studio serves them to the workspace's members only). Set to an
# internal location of the web server (e.g. "/protected-media", nginx `internal;` aliased to
# MEDIA_ROOT) and the checked view answers with `X-Accel-Redirect: <prefix>/<name>` instead of
# sending the file itself (the server then handles Range requests). Empty: Django sends the file.
SHOPREEL_MEDIA_ACCEL_REDIRECT = env("SHOPREEL_MEDIA_ACCEL_REDIRECT", "")
# Seconds a signed file link from the API (/media-links/<token>/, accounts/media_links.py) stays
# good: videos, posters, captions and product photos are never public /media/ URLs.
SHOPREEL_MEDIA_LINK_SECONDS = envint("SHOPREEL_MEDIA_LINK_SECONDS", 3600)
if SHOPREEL_MEDIA_LINK_SECONDS < 1:
    raise EnvError(f"SHOPREEL_MEDIA_LINK_SECONDS must be at least 1, got {SHOPREEL_MEDIA_LINK_SECONDS}")
# Where media live (accounts/storage.py; docs/OPERATIONS.md "Several machines"). "local": under
# MEDIA_ROOT (one host, or a file system the hosts share). "s3": product photos, brand kits and
# finished ads as private objects of a bucket on any S3-compatible store (django-storages); the
# checked views then answer a 302 to a presigned URL good for SHOPREEL_MEDIA_S3_URL_SECONDS.
# Switched on without bucket, endpoint, region and keys, start-up stops here.
SHOPREEL_MEDIA_STORAGE = envchoice("SHOPREEL_MEDIA_STORAGE", "local", ("local", "s3"))
SHOPREEL_MEDIA_S3_URL_SECONDS = envint("SHOPREEL_MEDIA_S3_URL_SECONDS", 300)
# Where the users' browsers reach the store, when the hosts reach it at another address (an
# internal http://minio:9000 behind a public https://media.example.com that passes the Host
# header on): presigned links are signed for this one. Empty: the endpoint URL itself.
SHOPREEL_MEDIA_S3_PUBLIC_URL = envurl("SHOPREEL_MEDIA_S3_PUBLIC_URL").rstrip("/")


def s3_media_storages(*, bucket: str, endpoint_url: str, region: str, access_key: str, secret_key: str,
                      url_seconds: int, addressing_style: str = "auto") -> dict:
    """STORAGES with media in a private bucket: no ACL of our own (the bucket's policy keeps
    every object private), presigned GET links only, and a name already taken never overwritten
    (Django's habit: the new file gets a new name). Calls give up in seconds, not minutes, so
    a store that is down fails a request or the readiness check instead of hanging it."""
    from botocore.config import Config

    client_config = Config(
        signature_version="s3v4", s3={"addressing_style": addressing_style},
        connect_timeout=5, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"},
    )
    return {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket, "endpoint_url": endpoint_url, "region_name": region,
                "access_key": access_key, "secret_key": secret_key,
                "default_acl": None, "querystring_auth": True, "querystring_expire": url_seconds,
                "file_overwrite": False, "client_config": client_config,
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


if SHOPREEL_MEDIA_STORAGE == "s3":
    _s3 = {
        name: env(name, "")
        for name in (
            "SHOPREEL_MEDIA_S3_BUCKET", "SHOPREEL_MEDIA_S3_ENDPOINT_URL", "SHOPREEL_MEDIA_S3_REGION",
            "SHOPREEL_MEDIA_S3_ACCESS_KEY_ID", "SHOPREEL_MEDIA_S3_SECRET_ACCESS_KEY",
        )
    }
    if _missing := [name for name, value in _s3.items() if not value]:
        raise EnvError(f"SHOPREEL_MEDIA_STORAGE=s3 needs {', '.join(_missing)} (or NAME_FILE for the keys)")
    if not 1 <= SHOPREEL_MEDIA_S3_URL_SECONDS <= 3600:
        raise EnvError(f"SHOPREEL_MEDIA_S3_URL_SECONDS must be between 1 and 3600, got {SHOPREEL_MEDIA_S3_URL_SECONDS}")
    STORAGES = s3_media_storages(
        bucket=_s3["SHOPREEL_MEDIA_S3_BUCKET"], endpoint_url=_s3["SHOPREEL_MEDIA_S3_ENDPOINT_URL"],
        region=_s3["SHOPREEL_MEDIA_S3_REGION"], access_key=_s3["SHOPREEL_MEDIA_S3_ACCESS_KEY_ID"],
        secret_key=_s3["SHOPREEL_MEDIA_S3_SECRET_ACCESS_KEY"], url_seconds=SHOPREEL_MEDIA_S3_URL_SECONDS,
        addressing_style=envchoice("SHOPREEL_MEDIA_S3_ADDRESSING_STYLE", "auto", ("auto", "path", "virtual")),
    )
# The delivery log's `state` enum gets its own name in the OpenAPI document.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})["WebhookDeliveryStateEnum"] = (
    "accounts.webhooks.models.WebhookDelivery.State"
)

# ------------------------------------------------------------------ billing
# "on": renders cost credits (plans, packs, Stripe); "off" (the quick start, self-hosting without
# payments): no charges and no limits.
SHOPREEL_BILLING = envchoice("SHOPREEL_BILLING", "off", ("on", "off")) == "on"
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", "")
# Another server speaking Stripe's API (tests: a fake on loopback); empty: Stripe's own.
STRIPE_API_BASE = env("STRIPE_API_BASE", "")
# Seconds a Stripe-Signature timestamp may be old (Stripe's libraries use 300).
STRIPE_WEBHOOK_TOLERANCE = envint("STRIPE_WEBHOOK_TOLERANCE", 300)
# The studio warns below this balance (credits).
SHOPREEL_BILLING_LOW_BALANCE = envint("SHOPREEL_BILLING_LOW_BALANCE", 20)

# ------------------------------------------------------------------ translation of product facts
# The product's own words (features, description snippets, variant names) in the ad's language
# (products.translation): "none" keeps the page's words and warns on the ad; "llm" asks any
# OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, llama.cpp server); "local" runs a
# transformers seq2seq model (MarianMT, M2M100, NLLB) from SHOPREEL_TRANSLATION_MODEL_DIR, never
# downloaded. Switched on without what it needs, start-up stops here.
SHOPREEL_TRANSLATION = envchoice("SHOPREEL_TRANSLATION", "none", ("none", "llm", "local"))
SHOPREEL_LLM_BASE_URL = envurl("SHOPREEL_LLM_BASE_URL")  # e.g. https://api.openai.com/v1, http://gpu-1:8000/v1
SHOPREEL_LLM_MODEL = env("SHOPREEL_LLM_MODEL", "")
SHOPREEL_LLM_API_KEY = env("SHOPREEL_LLM_API_KEY", "")  # or SHOPREEL_LLM_API_KEY_FILE; empty for Ollama/llama.cpp
SHOPREEL_LLM_TIMEOUT = envint("SHOPREEL_LLM_TIMEOUT", 30)
SHOPREEL_TRANSLATION_MODEL_DIR = env("SHOPREEL_TRANSLATION_MODEL_DIR", "")
SHOPREEL_TRANSLATION_DEVICE = envchoice("SHOPREEL_TRANSLATION_DEVICE", "cpu", ("cpu", "cuda"))
if SHOPREEL_TRANSLATION == "llm" and not (SHOPREEL_LLM_BASE_URL and SHOPREEL_LLM_MODEL):
    raise EnvError("SHOPREEL_TRANSLATION=llm needs SHOPREEL_LLM_BASE_URL and SHOPREEL_LLM_MODEL")
if SHOPREEL_TRANSLATION == "local" and not SHOPREEL_TRANSLATION_MODEL_DIR:
    raise EnvError("SHOPREEL_TRANSLATION=local needs SHOPREEL_TRANSLATION_MODEL_DIR (a local model folder)")
# Who writes an ad's captions and voice-over (templates_engine.copywriter): "template" (the
# library's lines) or "llm" (the model at SHOPREEL_LLM_BASE_URL writes them within the template,
# from the product's facts; a line with a fact the page lacks, or no usable answer, and the ad
# keeps the template's copy, the reason recorded on Ad.copy).
SHOPREEL_COPYWRITER = envchoice("SHOPREEL_COPYWRITER", "template", ("template", "llm"))
if SHOPREEL_COPYWRITER == "llm" and not (SHOPREEL_LLM_BASE_URL and SHOPREEL_LLM_MODEL):
    raise EnvError("SHOPREEL_COPYWRITER=llm needs SHOPREEL_LLM_BASE_URL and SHOPREEL_LLM_MODEL")
