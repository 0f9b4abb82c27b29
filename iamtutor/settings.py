"""IAM Tutor's one settings module, driven by environment variables.

Every variable is read through a strict helper below: a value that is not understood stops the site
with ``ImproperlyConfigured`` naming the variable, instead of silently meaning something else.
See README.md ("Configuration") for the list.
"""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def code_digest(base: Path) -> str:
    """12 hex digits that change whenever the site's templates or Python code change (read at start-up)."""
    digest = hashlib.sha256()
    for pattern in ("templates/**/*", "iamtutor/**/*.py", "iamtutor/**/templates/**/*", "lessons/**/*.py"):
        for path in sorted(base.glob(pattern)):
            if path.is_file():
                digest.update(path.relative_to(base).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def env_bool(name: str, default: bool) -> bool:
    """Reads a true/false variable; accepts 1/0, true/false, yes/no, on/off (any case)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no, on/off), not {raw!r}.")


def env_int(name: str, default: int) -> int:
    """Reads a whole-number variable."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_positive_int(name: str, default: int) -> int:
    """Reads a whole number of 1 or more."""
    value = env_int(name, default)
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be 1 or more, not {value}.")
    return value


def env_redis_url(name: str) -> str | None:
    """Reads a Redis URL (redis://, rediss:// or unix://), or None when unset."""
    url = os.environ.get(name) or None
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"{name} must start with redis://, rediss:// or unix://, not {url!r}.")
    return url


def env_list(name: str, default: list[str]) -> list[str]:
    """Reads a comma-separated list; blanks around items are ignored."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str) -> str | None:
    """Reads a secret from ``NAME`` or from the file named by ``NAME_FILE`` (Docker/systemd secrets)."""
    value = os.environ.get(name)
    path = os.environ.get(f"{name}_FILE")
    if value and path:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both.")
    if path:
        try:
            return Path(path).read_text().strip() or None
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE names {path!r}, which cannot be read: {exc}.") from None
    return value or None


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production needs a long random secret: set SECRET_KEY (or SECRET_KEY_FILE). "
            "For local development set DEBUG=true instead (make run does this for you)."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "iamtutor.accounts",
    "iamtutor.pages",
    "iamtutor.sandbox",
    "iamtutor.classrooms",
    "iamtutor.labs",
    "iamtutor.awsapi",
    "lessons",
]

MIDDLEWARE = [
    # /aws/ straight to the AWS endpoint with the security headers only (iamtutor/awsapi/middleware.py).
    "iamtutor.awsapi.middleware.AwsEndpointMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any view or process_view (the CSRF check reads the body): refuses an oversized body unread.
    "iamtutor.lib.limits.RequestSizeLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into our friendly page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "iamtutor.urls"
WSGI_APPLICATION = "iamtutor.wsgi.application"
ASGI_APPLICATION = "iamtutor.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "iamtutor.sandbox.nav.sandbox_links",
                "iamtutor.classrooms.nav.main_nav",
            ],
            # Django's i18n library with constant text rendered once (iamtutor/lib/i18n_tags.py); every
            # template loads it by this name, never Django's own "i18n" (tests/lib/test_i18n_tags.py).
            "libraries": {"iamtutor_i18n": "iamtutor.lib.i18n_tags"},
        },
    },
]

# --- Data: SQLite by default, anything dj-database-url understands through DATABASE_URL ---------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL this site understands: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Caches (iamtutor.lib.caches; README "Caches and Redis memory") ----------------------------------------------
# Every entry of every cache has a lifetime. "default" holds what must not be lost early: sessions, log-in
# limits, staged imports. It is local memory by default and Redis when REDIS_URL is set (sessions and rate
# limits then move there too); that Redis must never evict ("noeviction"). "renders" holds what can always
# be drawn again (SVGs, lesson fragments, sandbox page fragments per revision): values over 256 KiB are not
# kept, none lives past RENDER_CACHE_SECONDS; it is each process's memory (RENDER_CACHE_MEMORY_MB each), or
# a Redis of its own at RENDER_CACHE_URL, set to "allkeys-lru". "worlds" holds parsed sandbox worlds per
# revision, always in process memory (pickled engine objects never leave the process that made them).
REDIS_URL = env_redis_url("REDIS_URL")
RENDER_CACHE_URL = env_redis_url("RENDER_CACHE_URL")
if RENDER_CACHE_URL and RENDER_CACHE_URL == REDIS_URL:
    raise ImproperlyConfigured(
        "RENDER_CACHE_URL must not be REDIS_URL: the render cache may be emptied and evicted, sessions must not be."
    )
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "iamtutor")
# In DEBUG a render lives 10 s, so an edited template shows at once without a restart.
RENDER_CACHE_SECONDS = env_positive_int("RENDER_CACHE_SECONDS", 10 if DEBUG else 3600)
RENDER_CACHE_MAX_VALUE_BYTES = 256 * 1024
WORLD_CACHE_SECONDS = 600
if REDIS_URL:
    _default_cache = {
        "BACKEND": "iamtutor.lib.caches.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        "TIMEOUT": 3600,
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    AXES_HANDLER = "iamtutor.accounts.throttle.CacheHandler"
else:
    _default_cache = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "iamtutor",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
    AXES_HANDLER = "iamtutor.accounts.throttle.DatabaseHandler"
_render_limits = {"MAX_VALUE_BYTES": RENDER_CACHE_MAX_VALUE_BYTES}
CACHES = {
    "default": _default_cache,
    "renders": {
        "BACKEND": "iamtutor.lib.caches.BoundedRedisCache",
        "LOCATION": RENDER_CACHE_URL,
        # Shared by every process and outliving a deploy: its keys carry the code's digest, so a release that
        # changes a template or the code behind a fragment never serves a fragment drawn by the one before.
        "KEY_PREFIX": f"{CACHE_KEY_PREFIX}-renders-{code_digest(BASE_DIR)}",
        "TIMEOUT": RENDER_CACHE_SECONDS,
        "OPTIONS": _render_limits,
    }
    if RENDER_CACHE_URL
    else {
        "BACKEND": "iamtutor.lib.caches.BoundedLocMemCache",
        "LOCATION": "iamtutor-renders",
        "TIMEOUT": RENDER_CACHE_SECONDS,
        "OPTIONS": {
            **_render_limits,
            "MAX_BYTES": env_positive_int("RENDER_CACHE_MEMORY_MB", 32) * 1024 * 1024,
            "MAX_ENTRIES": 5000,
        },
    },
    "worlds": {
        "BACKEND": "iamtutor.lib.caches.BoundedLocMemCache",
        "LOCATION": "iamtutor-worlds",
        "TIMEOUT": WORLD_CACHE_SECONDS,
        "OPTIONS": {
            "MAX_VALUE_BYTES": 4 * 1024 * 1024,
            "MAX_BYTES": env_positive_int("WORLD_CACHE_MEMORY_MB", 32) * 1024 * 1024,
            "MAX_ENTRIES": 2000,
        },
    },
}

# --- Accounts ---------------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# New passwords are hashed with Argon2id (memory-hard; the hasher Django's docs recommend), which also costs a
# log-in about 0.25 s of CPU against PBKDF2's 0.43 s with Django's defaults: a class logging in at once waits
# less. Passwords hashed before keep working with PBKDF2 and are re-hashed with Argon2 at their next log-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Failed-login throttling (django-axes, with iamtutor.accounts.throttle's handlers): five failures for one
# user name from one address pause that pair for 15 minutes; fifty failures from one address, whatever the
# user names, pause that address (password spraying). The locked-out page says which (accounts.views).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 50)
LOGIN_COOLOFF_MINUTES = env_int("LOGIN_COOLOFF_MINUTES", 15)
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "iamtutor.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
for _name, _value in [
    ("LOGIN_FAILURE_LIMIT", AXES_FAILURE_LIMIT),
    ("LOGIN_ADDRESS_FAILURE_LIMIT", LOGIN_ADDRESS_FAILURE_LIMIT),
    ("LOGIN_COOLOFF_MINUTES", LOGIN_COOLOFF_MINUTES),
]:
    if _value < 1:
        raise ImproperlyConfigured(f"{_name} must be 1 or more, not {_value}.")

# The client's address: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT = n proxies in front, the n-th entry from
# the right of X-Forwarded-For (iamtutor.lib.clientip). Log-in throttling counts by it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more, not {TRUSTED_PROXY_COUNT}.")
AXES_CLIENT_IP_CALLABLE = "iamtutor.lib.clientip.client_ip"

# Email (password resets). Development prints messages to the console; production sends through SMTP.
if env_bool("EMAIL_SMTP", not DEBUG):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("EMAIL_HOST", "localhost"),
                "port": env_int("EMAIL_PORT", 25),
                "username": os.environ.get("EMAIL_HOST_USER") or None,
                "password": env_secret("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "IAM Tutor <noreply@localhost>")

# --- Language, time, static files --------------------------------------------------------------------------
# Every string is marked for translation, but English is the only language so far. Until a translation
# lands in locale/, Django's translation machinery stays off (USE_I18N): each {% translate %} and gettext is
# then the string itself, which takes about a fifth of a page's time off (README "Page speed"). A translator
# adds the language to LANGUAGES and sets USE_I18N=true; LocaleMiddleware comes back with it.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = env_bool("USE_I18N", False)
if USE_I18N:  # picks each request's language (Accept-Language, the language cookie)
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.common.CommonMiddleware"), "django.middleware.locale.LocaleMiddleware"
    )
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "iamtutor.lib.staticfiles.CachedURLStaticFilesStorage"
    },
}

# Request-size limits: policies are small; anything bigger is refused before a view runs, and before the
# body is read (iamtutor.lib.limits): form fields up to DATA_UPLOAD_MAX_MEMORY_SIZE, each uploaded file up to
# MAX_UPLOAD_BYTES (the sandbox import's limit), a whole request body up to MAX_REQUEST_BYTES.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 2 * 1024 * 1024)
if MAX_UPLOAD_BYTES < 1:
    raise ImproperlyConfigured(f"MAX_UPLOAD_BYTES must be 1 or more, not {MAX_UPLOAD_BYTES}.")
MAX_REQUEST_BYTES = max(DATA_UPLOAD_MAX_MEMORY_SIZE, MAX_UPLOAD_BYTES) + 65_536  # room for multipart framing

# The AWS-compatible endpoint (iamtutor/awsapi; README "Use the AWS CLI and boto3 against your sandbox").
AWSAPI_RATE_PER_SECOND = env_int("AWSAPI_RATE_PER_SECOND", 50)  # calls per access key per second; 0: no limit
AWSAPI_MAX_OBJECT_BYTES = env_int("AWSAPI_MAX_OBJECT_BYTES", 256 * 1024)  # one S3 object
AWSAPI_MAX_OBJECTS = env_int("AWSAPI_MAX_OBJECTS", 200)  # S3 objects per sandbox
AWSAPI_MAX_QUERY_BYTES = 128 * 1024  # one STS or IAM request body
AWSAPI_SEAL_KEY = os.environ.get(
    "AWSAPI_SEAL_KEY", ""
)  # seals stored secret access keys; empty: derived from SECRET_KEY
FILE_UPLOAD_HANDLERS = [
    "iamtutor.lib.limits.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Classrooms' lifecycle ---------------------------------------------------------------------------------------
# purge_classrooms exports each classroom archived for more than CLASSROOM_RETENTION_DAYS to a classroom file in
# CLASSROOM_ARCHIVE_DIR, then deletes it; `classroom import` reads files up to CLASSROOM_FILE_MAX_BYTES.
CLASSROOM_RETENTION_DAYS = env_int("CLASSROOM_RETENTION_DAYS", 180)
if CLASSROOM_RETENTION_DAYS < 1:
    raise ImproperlyConfigured(f"CLASSROOM_RETENTION_DAYS must be 1 or more, not {CLASSROOM_RETENTION_DAYS}.")
CLASSROOM_ARCHIVE_DIR = Path(os.environ.get("CLASSROOM_ARCHIVE_DIR") or BASE_DIR / "archive" / "classrooms")
CLASSROOM_FILE_MAX_BYTES = env_int("CLASSROOM_FILE_MAX_BYTES", 256 * 1024 * 1024)

# --- Security headers ----------------------------------------------------------------------------------------
# A strict Content-Security-Policy (Django 6's middleware): our own files only, no inline script or style
# except where a template carries the per-request nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
