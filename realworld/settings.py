"""Settings for the RealWorld API, read from the environment only.

Production-safe by default: DEBUG is off unless DJANGO_DEBUG says otherwise, and then
DJANGO_SECRET_KEY is required. `make run` turns DEBUG on for local development.
"""

import hashlib
import hmac
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from realworld import errortracking
from realworld.env import env_bool, env_int, env_list, env_optional_int, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off "
            '(generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))")'
        )
    SECRET_KEY = "insecure-local-development-key-never-use-in-production"  # noqa: S105
if not DEBUG and len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 32 characters long")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

# DEBUG leaks settings and stack traces: it is refused in production (DJANGO_ENV=production,
# which the container image sets) and whenever the server answers for a non-loopback host name.
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
if DEBUG and env_str("DJANGO_ENV") == "production":
    raise ImproperlyConfigured("DJANGO_DEBUG must be off when DJANGO_ENV=production")
if DEBUG and not set(ALLOWED_HOSTS) <= LOOPBACK_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_DEBUG is only allowed for local development "
        f"(DJANGO_ALLOWED_HOSTS limited to {sorted(LOOPBACK_HOSTS)})"
    )

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.sitemaps",  # its sitemap.xml templates (web/syndication.py)
    "realworld.common.apps.StaticFilesConfig",  # django.contrib.staticfiles, trimmed
    "rest_framework",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "realworld.common",
    "realworld.users",
    "realworld.profiles",
    "realworld.articles",
    "realworld.comments",
    "realworld.web",
    "realworld.devtools",
]

MIDDLEWARE = [
    # Before anything can log: the request id of every line (realworld/logs.py).
    "realworld.common.middleware.RequestIdMiddleware",
    # Counts and times every response, probes included (realworld/metrics.py).
    "realworld.common.observability.MetricsMiddleware",
    # Probes first: they answer before host validation (kubelet sends the pod IP as Host).
    "realworld.common.middleware.HealthCheckMiddleware",
    "realworld.common.middleware.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Above host validation (CommonMiddleware): the 400 page for a foreign Host gets the
    # anti-framing headers and the CSP like every other page.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "realworld.web.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    # The web app's sign-in: a session cookie. The API does not read it (only `Token` JWTs),
    # so the API needs no CSRF protection and the pages get it from CsrfViewMiddleware.
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "realworld.web.middleware.PrivateToTheViewerMiddleware",
    "realworld.web.errors.DomainErrorMiddleware",
]

ROOT_URLCONF = "realworld.urls"
WSGI_APPLICATION = "realworld.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csrf",
                "realworld.web.page_cache.csrf_placeholder",  # after csrf: it overrides
                "realworld.web.context.conduit",
            ]
        },
    }
]

# --- Database ---------------------------------------------------------------------------------
# DATABASE_URL may carry sslmode, sslrootcert and friends (RDS: sslmode=verify-full).
# `make run` / `make test` set it to the embedded PostgreSQL when it is not configured.
DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set: use `make run` (embedded PostgreSQL) or export "
        "DATABASE_URL=postgres://user:password@host:5432/dbname"
    )
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        # Persistent connections: reconnecting per request costs several times the request itself.
        conn_max_age=env_int("DB_CONN_MAX_AGE", 600, minimum=0),
        # A stale connection (database restarted) is detected and replaced, not reused; the
        # backend checks without a round trip (realworld/common/postgresql/base.py).
        conn_health_checks=True,
        engine="realworld.common.postgresql",
    )
}
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].update(
    {
        # Never hang a worker on an unreachable database or a runaway query.
        "connect_timeout": env_int("DB_CONNECT_TIMEOUT", 2, minimum=1),
        "options": f"-c statement_timeout={env_int('DB_STATEMENT_TIMEOUT_MS', 5000, minimum=1)}",
        # Server-side parameters let psycopg prepare each hot statement once per connection
        # (after 2 runs), which skips planning on every request (measured in `make bench`).
        # DB_PREPARE_THRESHOLD= (empty) turns prepared statements off, for a transaction-mode
        # pooler that does not track them (docs/reliability-and-security.md "Connection poolers").
        "server_side_binding": True,
        "prepare_threshold": env_optional_int("DB_PREPARE_THRESHOLD", 2, minimum=0),
    }
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Caches: "default" for throttle counters (shared by every worker and pod: Redis or the
# database); "content", the read cache (realworld/common/read_cache.py): per process by rule,
# capped by bytes. 0 bytes turns it off. ---------------------------------------------------------
if "CONTENT_CACHE_ENTRIES" in os.environ:
    raise ImproperlyConfigured(
        "CONTENT_CACHE_ENTRIES is gone: the read cache is capped by bytes, CONTENT_CACHE_MAX_BYTES"
    )
CONTENT_CACHE_MAX_BYTES = env_int("CONTENT_CACHE_MAX_BYTES", 32 * 2**20, minimum=0)
REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        # The table is created by a migration (realworld/common/migrations).
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "realworld_cache",
        }
    ),
    "content": {
        "BACKEND": "realworld.common.read_cache.ProcessReadCache",
        "LOCATION": "realworld-content",
        # Entries are keyed by the content version, so none needs a time limit.
        "TIMEOUT": None,
        "OPTIONS": {"MAX_BYTES": CONTENT_CACHE_MAX_BYTES},
    },
}

# --- Users and passwords ----------------------------------------------------------------------
AUTH_USER_MODEL = "users.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Password rules live in realworld/users (PASSWORD_MIN_LENGTH), shared by the API and the web.
AUTH_PASSWORD_VALIDATORS: list[dict[str, str]] = []

# --- REST framework, JWT, schema --------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["realworld.users.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PARSER_CLASSES": ["realworld.common.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["realworld.common.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "realworld.common.api_exception_handler.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Client address for the per-address limits (realworld/common/client.py): REMOTE_ADDR, or the
# X-Forwarded-For entry added by the nearest of TRUSTED_PROXY_COUNT proxies (0: the header is
# ignored, it can be forged).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

# Abuse limits (realworld/common/ratelimit.py), "<count>/<s|min|hour|day>": sign-in and
# registration (users/limits.py), and writes per user, for the API and the web app alike.
THROTTLE_RATES = {
    "login_ip": env_rate("THROTTLE_LOGIN_IP_RATE", "60/min"),
    "login_account": env_rate("THROTTLE_LOGIN_ACCOUNT_RATE", "10/min"),
    "register_ip": env_rate("THROTTLE_REGISTER_IP_RATE", "30/min"),
    "register_account": env_rate("THROTTLE_REGISTER_ACCOUNT_RATE", "10/min"),
    "article_write": env_rate("THROTTLE_ARTICLE_WRITE_RATE", "30/min"),
    "comment_write": env_rate("THROTTLE_COMMENT_WRITE_RATE", "30/min"),
    "social_write": env_rate("THROTTLE_SOCIAL_WRITE_RATE", "120/min"),
}

JWT_MAX_LIFETIME_SECONDS = 7 * 24 * 3600
# JWTs have their own key: JWT_SIGNING_KEY, or one derived from the secret key (so rotating the
# session/CSRF secret and the token key can be done apart).
JWT_SIGNING_KEY = (
    env_str("JWT_SIGNING_KEY")
    or hmac.new(SECRET_KEY.encode(), b"realworld.jwt.signing-key", hashlib.sha256).hexdigest()
)
if not DEBUG and len(JWT_SIGNING_KEY) < 32:
    raise ImproperlyConfigured("JWT_SIGNING_KEY must be at least 32 characters long")
SIMPLE_JWT = {
    "AUTH_HEADER_TYPES": ("Token",),
    "ALGORITHM": "HS256",  # pinned: tokens signed with anything else (or `none`) are rejected
    "SIGNING_KEY": JWT_SIGNING_KEY,
    # Verified on every token: one minted by another service with the same key is refused.
    "ISSUER": env_str("JWT_ISSUER", "realworld"),
    "AUDIENCE": env_str("JWT_AUDIENCE", "realworld-api"),
    "ACCESS_TOKEN_LIFETIME": timedelta(
        seconds=env_int(
            "JWT_ACCESS_TOKEN_LIFETIME_SECONDS",
            24 * 3600,
            minimum=60,
            maximum=JWT_MAX_LIFETIME_SECONDS,
        )
    ),
    "LEEWAY": 0,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "UPDATE_LAST_LOGIN": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "RealWorld Conduit API",
    "DESCRIPTION": "The RealWorld (Conduit) API, spec 2.0.0, in Django REST Framework.",
    "VERSION": "2.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api",
    "SWAGGER_UI_DIST": "SIDECAR",
    # JavaScript, not JSON: a plugin that adds the `Token ` prefix in the Authorize dialog.
    "SWAGGER_UI_SETTINGS": (
        BASE_DIR / "realworld" / "common" / "swagger_ui_settings.js"
    ).read_text(),
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- HTTP ---------------------------------------------------------------------------------------
MAX_REQUEST_BODY_BYTES = env_int("MAX_REQUEST_BODY_BYTES", 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES
# Seconds gunicorn's connection threads wait for each part of a body (realworld/serving.py).
BODY_READ_TIMEOUT = env_int("BODY_READ_TIMEOUT", 10, minimum=1)
# ...and at most this long for the whole body (a byte just before each timeout is no way round).
BODY_TOTAL_TIMEOUT = env_int("BODY_TOTAL_TIMEOUT", 30, minimum=1)

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
# Local development accepts any origin unless told otherwise; production only the listed ones.
CORS_ALLOW_ALL_ORIGINS = DEBUG and not CORS_ALLOWED_ORIGINS
CORS_URLS_REGEX = r"^/api/.*$"

SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on form posts,
# which Django's CSRF check refuses. Other sites still receive no Referer.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients):
# requests count as HTTPS, and HTTPS responses carry Strict-Transport-Security.
if env_bool("DJANGO_TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600, minimum=0)

# --- The web app's session and CSRF cookies ---------------------------------------------------
# Sessions in the database: signing out or changing the password ends them on the server, not
# only in the browser. Cookies are HttpOnly and SameSite=Lax, and Secure behind TLS.
SESSION_ENGINE = "realworld.web.sessions"  # Django's database sessions (realworld/web/sessions.py)
AUTHENTICATION_BACKENDS = [
    "realworld.web.sessions.SessionBackend",
    # Only for sessions signed in before SessionBackend existed (a session keeps its backend's
    # path). Nothing calls django.contrib.auth.authenticate(): passwords are checked by
    # users.services.user_authenticate.
    "django.contrib.auth.backends.ModelBackend",
]
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE_SECONDS", 14 * 24 * 3600, minimum=300)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool(
    "DJANGO_SECURE_COOKIES", default=env_bool("DJANGO_TRUST_X_FORWARDED_PROTO", default=False)
)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "realworld.handlers.csrf_failure"
LOGIN_URL = "/login"

# --- Static files -----------------------------------------------------------------------------
# Collected once (the image build; `make run`/`make test` before starting gunicorn) into
# STATIC_ROOT with content-hashed names, and served by whitenoise with far-future caching.
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / ".data" / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = False
# Source maps are fetched by developer tools only: not worth compressing (seconds per collect).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    "map",
    "jpg",
    "jpeg",
    "png",
    "gif",
    "webp",
    "zip",
    "gz",
    "br",
]

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = False

# Error tracking (realworld/errortracking.py): Sentry, only when SENTRY_DSN is set.
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    errortracking.init(
        dsn=SENTRY_DSN,
        release=env_str("REALWORLD_VERSION", "0.0.0-dev"),  # the image's, from its build
        environment=env_str("SENTRY_ENVIRONMENT") or env_str("DJANGO_ENV") or "development",
    )

# One line per event, JSON unless LOG_FORMAT=text, each with the request id (realworld/logs.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"default": {"()": "realworld.logs.formatter"}},
    "filters": {"request_id": {"()": "realworld.logs.RequestIdFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "default",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
