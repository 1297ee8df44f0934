"""Settings, read from the environment only (12-factor).

Two modes:

* **embedded** (default): SQLite under ``var/``, background jobs in-process, a secret key
  generated once and kept in ``var/secret_key``. For a laptop, the demo and the tests.
* **production** (``TAXLIGHT_ENV=production``): PostgreSQL, Redis, Celery workers and beat.
  ``SECRET_KEY``, ``DATABASE_URL``, ``REDIS_URL`` and ``ALLOWED_HOSTS`` are required and the
  process refuses to start without them.

Every variable is listed, with its default, in ``.env.example`` and the README.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("TAXLIGHT_VAR_DIR", PROJECT_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = env(name)
    try:
        return default if value is None else int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


TAXLIGHT_ENV = env("TAXLIGHT_ENV", "embedded")
if TAXLIGHT_ENV not in {"embedded", "production"}:
    raise ImproperlyConfigured("TAXLIGHT_ENV must be 'embedded' or 'production'")
PRODUCTION = TAXLIGHT_ENV == "production"


def _required(name: str) -> str:
    value = env(name)
    if value is None:
        raise ImproperlyConfigured(f"{name} must be set when TAXLIGHT_ENV=production")
    return value


def _embedded_secret_key() -> str:
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        try:  # created readable by the owner only, never briefly by others
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


# --- core -----------------------------------------------------------------------------------

SECRET_KEY = (
    _required("SECRET_KEY") if PRODUCTION else (env("SECRET_KEY") or _embedded_secret_key())
)
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = (
    env_list("ALLOWED_HOSTS") if PRODUCTION else env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when TAXLIGHT_ENV=production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    "ninja",  # serves /api/docs from its bundled static files (without it: CDN links)
    "taxlight.core",
    "taxlight.audit",
    "taxlight.workdays",
    "taxlight.org",
    "taxlight.taxpayers",
    "taxlight.extract",
    "taxlight.analytics",
    "taxlight.accounts",
    "taxlight.authz",
    "taxlight.notifications",
    "taxlight.jobs",
    "taxlight.api",
    "taxlight.portal",
    "taxlight.mytax",
    "taxlight.workbench",
    "taxlight.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "taxlight.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "taxlight.authz.middleware.AuthorizationMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "taxlight.urls"
WSGI_APPLICATION = "taxlight.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "taxlight.core.context_processors.taxlight",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------

DATABASE_URL = (
    _required("DATABASE_URL")
    if PRODUCTION
    else env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'taxlight.sqlite3'}")
)
if DATABASE_URL and DATABASE_URL.startswith("sqlite:///"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL or "", conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions serialise writers up front, so the ledger's chain head and
    # gap-free sequences are never read stale by a concurrent writer.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, jobs ----------------------------------------------------------------------------

REDIS_URL = _required("REDIS_URL") if PRODUCTION else env("REDIS_URL")
EMBEDDED_JOBS = REDIS_URL is None

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "taxlight",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "taxlight",
        }
    }

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = EMBEDDED_JOBS
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 3}
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_DEFAULT_QUEUE = "taxlight"
# Periodic jobs. Production: run by `celery beat`. Embedded: run by the in-process scheduler
# of `taxlight serve` (taxlight.jobs.embedded). One table, both modes.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "notifications-dispatch-due": {
        "task": "taxlight.notifications.tasks.dispatch_due",
        "schedule": 30.0,
    },
    "notifications-poll-receipts": {
        "task": "taxlight.notifications.tasks.poll_receipts",
        "schedule": 120.0,
    },
    "audit-checkpoint": {
        "task": "taxlight.audit.tasks.checkpoint",
        "schedule": 3600.0,
    },
    "jobs-heartbeat": {
        "task": "taxlight.jobs.tasks.heartbeat",
        "schedule": 60.0,
    },
}

# --- authentication -------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "taxlight.authz.backends.CatalogueBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lock-out after repeated failures, per user name and address (django-axes).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "taxlight")
OTP_TOTP_THROTTLE_FACTOR = 1
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- languages and formats ------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "taxlight_language"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# Off: with it on, every integer in a template - ids in links included - gets separators
# ("?unit=1,062"). Amounts use the `yuan` filter and counts `intcomma`, both localised.
USE_THOUSAND_SEPARATOR = False
FORMAT_MODULE_PATH = ["taxlight.formats"]

# --- static files ---------------------------------------------------------------------------

STATIC_URL = "/static/"
# The bundles built by scripts/build-assets.mjs (static/dist/, gitignored).
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")) or "")
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")) or "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    # Embedded mode serves static files from the finders; an existing (empty) STATIC_ROOT
    # keeps WhiteNoise from warning about it on every start.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- e-mail ---------------------------------------------------------------------------------

EMAIL_CHANNEL = env("EMAIL_BACKEND", "smtp" if PRODUCTION else "file") or "file"
_EMAIL_BACKENDS = {
    "console": ("django.core.mail.backends.console.EmailBackend", {}),
    "file": (
        "django.core.mail.backends.filebased.EmailBackend",
        {"file_path": str(VAR_DIR / "outbox" / "email")},
    ),
    "smtp": (
        "django.core.mail.backends.smtp.EmailBackend",
        {
            "host": env("EMAIL_HOST", "localhost"),
            "port": env_int("EMAIL_PORT", 25),
            "username": env("EMAIL_HOST_USER", ""),
            "password": env("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", False),
            "use_ssl": env_bool("EMAIL_USE_SSL", False),
            "timeout": env_int("EMAIL_TIMEOUT", 10),
        },
    ),
    "memory": ("django.core.mail.backends.locmem.EmailBackend", {}),
}
if EMAIL_CHANNEL not in _EMAIL_BACKENDS:
    raise ImproperlyConfigured(f"EMAIL_BACKEND must be one of {', '.join(_EMAIL_BACKENDS)}")
MAILERS = {
    "default": {
        "BACKEND": _EMAIL_BACKENDS[EMAIL_CHANNEL][0],
        "OPTIONS": _EMAIL_BACKENDS[EMAIL_CHANNEL][1],
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "taxlight <noreply@taxlight.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- SMS ------------------------------------------------------------------------------------

SMS_BACKEND = env("SMS_BACKEND", "http" if PRODUCTION else "file")
SMS_FILE_PATH = str(VAR_DIR / "outbox" / "sms")
SMS_HTTP_URL = env("SMS_HTTP_URL")
SMS_HTTP_API_KEY = env("SMS_HTTP_API_KEY")
SMS_HTTP_TIMEOUT = float(env("SMS_HTTP_TIMEOUT", "5") or 5)
SMS_CALLBACK_SECRET = env("SMS_CALLBACK_SECRET")
SMS_SIGN_NAME = env("SMS_SIGN_NAME", "taxlight")
SMS_DAILY_LIMIT_PER_NUMBER = env_int("SMS_DAILY_LIMIT_PER_NUMBER", 10)
SMS_QUIET_HOURS = env("SMS_QUIET_HOURS", "21:00-08:00")
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 6)
if PRODUCTION and SMS_BACKEND == "http" and not (SMS_HTTP_URL and SMS_CALLBACK_SECRET):
    raise ImproperlyConfigured(
        "SMS_HTTP_URL and SMS_CALLBACK_SECRET must be set when SMS_BACKEND=http in production"
    )

# --- analytics store ------------------------------------------------------------------------

# The large facts (filings, invoices, enforcement actions, audits) as versioned Parquet
# datasets; see taxlight.extract.store. On a cluster: a path on storage Spark can read.
ANALYTICS_DIR = Path(env("ANALYTICS_DIR", str(VAR_DIR / "analytics")) or "")
# "duckdb" (embedded default) or "spark" (SPARK_MASTER: local[*], spark://host:7077, yarn …).
ANALYTICS_ENGINE = env("ANALYTICS_ENGINE", "duckdb")
SPARK_MASTER = env("SPARK_MASTER", "local[2]")
DUCKDB_MEMORY_LIMIT = env("DUCKDB_MEMORY_LIMIT", "4GB")
DUCKDB_THREADS = env_int("DUCKDB_THREADS", os.cpu_count() or 2)
# Where DuckDB spills when a query outgrows DUCKDB_MEMORY_LIMIT.
DUCKDB_TEMP_DIRECTORY = Path(env("DUCKDB_TEMP_DIRECTORY", str(VAR_DIR / "tmp" / "duckdb")) or "")
# The same store as Spark's executors see it (s3a://…, hdfs://…, file:///…) when it is
# mounted on this host at ANALYTICS_DIR; unset = ANALYTICS_DIR itself. See docs/analytics.md.
ANALYTICS_SPARK_URI = env("ANALYTICS_SPARK_URI")
# Extra Spark configuration as key=value pairs separated by ";" (e.g. executor memory).
SPARK_CONF = dict(
    item.split("=", 1) for item in (env("SPARK_CONF", "") or "").split(";") if "=" in item
)

# --- the bureau -----------------------------------------------------------------------------

TAXLIGHT_BUREAU_NAME = env("TAXLIGHT_BUREAU_NAME", "示范市税务局")
TAXLIGHT_SITE_URL = env("TAXLIGHT_SITE_URL", "http://127.0.0.1:8000")

# --- security -------------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

# --- logging --------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_pii": {"()": "taxlight.core.masking.MaskPIIFilter"},
        "request_id": {"()": "taxlight.core.middleware.RequestIdLogFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "mask_pii"],
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
