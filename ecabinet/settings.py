"""Settings for both deployment shapes, read from the environment.

Embedded shape (default): SQLite in WAL mode, in-memory channel layer, database task queue,
files under ECABINET_DATA_DIR. Scale shape: set DATABASE_URL (PostgreSQL) and REDIS_URL.
See docs/architecture.md and docs/decisions/.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

from ecabinet.core.env import ConfigError, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
DATA_DIR = Path(env_str("ECABINET_DATA_DIR", str(PROJECT_DIR / "var"))).resolve()

DEBUG = env_bool("DEBUG", False)
# Under pytest unless told otherwise (tests never need the embedded secret-key file).
TESTING = env_bool("ECABINET_TESTING", "pytest" in sys.modules)
# Behind TLS (any real deployment): secure cookies, HSTS, redirect to https.
HTTPS = env_bool("ECABINET_HTTPS", False)

DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL")
SHAPE = "scale" if DATABASE_URL else "embedded"


def _secret_key() -> str:
    configured = env_str("SECRET_KEY")
    if configured:
        return configured
    if SHAPE == "scale" and not TESTING:
        raise ConfigError("SECRET_KEY must be set in the scale shape")
    # Embedded shape: one random key per data directory, created on first run.
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "ecabinet.core",
    "ecabinet.audit",
    "ecabinet.accounts",
    "ecabinet.bodies",
    "ecabinet.notifications",
    "ecabinet.signatures",
    "ecabinet.search",
    "ecabinet.documents",
    "ecabinet.tracking",
    "ecabinet.ballots",
    "ecabinet.meetings",
    "ecabinet.resolutions",
    "ecabinet.exchange",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ecabinet.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ecabinet.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ecabinet.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "ecabinet.urls"
ASGI_APPLICATION = "ecabinet.asgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
CSRF_FAILURE_VIEW = "ecabinet.core.views.csrf_failure"

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
                "ecabinet.core.context_processors.shell",
            ],
        },
    },
]


def _databases() -> dict[str, Any]:
    if DATABASE_URL:
        # No persistent connections: under ASGI each request runs in its own thread, so a
        # kept connection is never reused and lingers until garbage collection.
        db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
        if db["ENGINE"] != "django.db.backends.postgresql":
            raise ConfigError("DATABASE_URL must point at PostgreSQL (postgres://...)")
        return {"default": db}
    # Measured settings for concurrent writers on SQLite: see DESIGN.md and
    # docs/decisions/0002-sqlite-immediate-wal.md. No ATOMIC_REQUESTS: with IMMEDIATE every
    # atomic block takes the write lock, so reads stay outside atomic blocks.
    return {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "ecabinet.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                    "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON;"
                ),
            },
            # A file, not :memory:, so the live server threads in browser tests share it
            # with the same locking as production.
            "TEST": {
                "NAME": str(Path(tempfile.gettempdir()) / f"ecabinet-test-{os.getpid()}.sqlite3")
            },
        }
    }


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Parallel test workers (pytest-xdist) each get their own test database, whose rows share
# ids with the other worker's: their Redis groups and cache keys must not meet either.
REDIS_PREFIX = env_str("ECABINET_REDIS_PREFIX", "ecab") + (
    f"-{os.environ['PYTEST_XDIST_WORKER']}" if os.environ.get("PYTEST_XDIST_WORKER") else ""
)

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": REDIS_PREFIX},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "ecabinet.core.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        "BACKEND": env_str("ECABINET_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

if TESTING:
    # Hashing at full strength makes building the personas take seconds per test.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Vietnamese first, English second.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Tests serve static files from the finders; no collected directory (WhiteNoise would warn).
STATIC_ROOT: Path | None = None if TESTING else DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Encrypted document files (documents/storage.py). The local directory can be replaced by
# any Django storage, e.g. an S3-compatible one: docs/decisions/0702-document-storage.md.
ECABINET_DOCUMENTS_DIR = Path(
    env_str("ECABINET_DOCUMENTS_DIR", str(DATA_DIR / "documents"))
).resolve()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "documents": {
        "BACKEND": env_str(
            "ECABINET_DOCUMENTS_STORAGE", "django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": (
            {"location": str(ECABINET_DOCUMENTS_DIR), "file_permissions_mode": 0o600}
            if env_str("ECABINET_DOCUMENTS_STORAGE", "") == ""
            else {}
        ),
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = DATA_DIR / "media"
# Serve from the finders when static files were not collected (tests, first run).
WHITENOISE_USE_FINDERS = DEBUG or TESTING

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ecabinet@localhost")
# Public address of the site, for links in e-mails (e.g. https://ecabinet.example.gov.vn).
ECABINET_BASE_URL = env_str("ECABINET_BASE_URL", "")
# Uploads: the default largest file (a body may set its own) and Django's in-memory limit.
ECABINET_MAX_UPLOAD_MB = env_int("ECABINET_MAX_UPLOAD_MB", 100, minimum=1)
# Uploaded files stay in memory (never in a plaintext temporary file) up to a hard cap;
# a body's own limit (at most the cap) is checked when the file is inspected.
ECABINET_MAX_UPLOAD_HARD_CAP_MB = max(
    env_int("ECABINET_MAX_UPLOAD_HARD_CAP_MB", 200, minimum=1), ECABINET_MAX_UPLOAD_MB
)
FILE_UPLOAD_HANDLERS = ["ecabinet.documents.uploads.CappedMemoryUploadHandler"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

SESSION_COOKIE_AGE = env_int("ECABINET_SESSION_SECONDS", 8 * 3600, minimum=300)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("ECABINET_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("ECABINET_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Accounts policy (see docs/decisions/).
ECABINET_LOCKOUT_THRESHOLD = env_int("ECABINET_LOCKOUT_THRESHOLD", 5, minimum=1)
ECABINET_LOCKOUT_MINUTES = env_int("ECABINET_LOCKOUT_MINUTES", 15, minimum=1)
OTP_TOTP_ISSUER = "ecabinet"
# Step-up before signing (docs/decisions/0601): how long a confirmation stays usable, and the
# default length of a meeting's signing window (hard maximum 8 hours).
ECABINET_STEPUP_SECONDS = env_int("ECABINET_STEPUP_SECONDS", 300, minimum=30)
ECABINET_SIGNING_WINDOW_SECONDS = env_int(
    "ECABINET_SIGNING_WINDOW_SECONDS", SESSION_COOKIE_AGE, minimum=60
)

# Signatures (docs/decisions/0600, 0602). Private keys are sealed with a key-encryption key
# kept OUTSIDE the database: back up ECABINET_KEY_DIR separately.
ECABINET_KEY_DIR = Path(env_str("ECABINET_KEY_DIR", str(DATA_DIR / "keys"))).resolve()
ECABINET_KEK_AUTOCREATE = env_bool("ECABINET_KEK_AUTOCREATE", SHAPE == "embedded")
ECABINET_KEY_STORE = env_str("ECABINET_KEY_STORE", "software")  # or "pkcs11"
ECABINET_PKCS11_MODULE = env_str("ECABINET_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
ECABINET_PKCS11_TOKEN = env_str("ECABINET_PKCS11_TOKEN", "")
ECABINET_PKCS11_PIN = env_str("ECABINET_PKCS11_PIN", "")
ECABINET_CA_ORGANIZATION = env_str("ECABINET_CA_ORGANIZATION", "eCabinet")
# Time-stamping: an external RFC 3161 TSA, or (unset) the internal TSA from `ecabinet ca init`.
ECABINET_TSA_URL = env_str("ECABINET_TSA_URL", "")
ECABINET_TSA_TIMEOUT = env_int("ECABINET_TSA_TIMEOUT", 10, minimum=1)
ECABINET_PDF_FONT_DIR = env_str("ECABINET_PDF_FONT_DIR", "/usr/share/fonts/truetype/liberation2")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # Font subsetting while signing PDFs logs every glyph table at INFO.
        "fontTools": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
    },
}
