"""kefu settings: every knob comes from an environment variable (see docs/settings.md)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


def env_bool(name: str, default: bool) -> bool:
    return env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(env("KEFU_DATA_DIR", str(PROJECT_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    given = env("SECRET_KEY")
    if given:
        return given
    # An embedded install keeps a generated key beside its data, so sessions survive restarts.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        import secrets

        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
#: Keys that encrypt stored credentials (kefu/core/secrets.py): the first seals, all open.
SECRETS_KEYS = [k for k in (env("KEFU_SECRETS_KEYS", "") or "").split(",") if k.strip()]
DEBUG = env_bool("KEFU_DEBUG", False)
ALLOWED_HOSTS = (env("ALLOWED_HOSTS", "*") or "*").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in (env("CSRF_TRUSTED_ORIGINS", "") or "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "huey.contrib.djhuey",
    "kefu.core",
    "kefu.accounts",
    "kefu.customers",
    "kefu.tickets",
    "kefu.workflow",
    "kefu.insights",
    "kefu.conversations",
    "kefu.surveys",
    "kefu.knowledge",
    "kefu.analytics",
    "kefu.proactive",
    "kefu.console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kefu.core.middleware.ImagePolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Sessions, CSRF, session users and messages serve the browser pages; /api/ requests
    # authenticate with a bearer token and skip them (see kefu.core.middleware).
    "kefu.core.middleware.BrowserSessionMiddleware",
    "kefu.core.middleware.UserLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "kefu.core.middleware.BrowserCsrfMiddleware",
    "kefu.core.middleware.BrowserAuthenticationMiddleware",
    "kefu.core.middleware.UserTimezoneMiddleware",
    "kefu.core.middleware.BrowserMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kefu.urls"
WSGI_APPLICATION = "kefu.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:inbox"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'kefu.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=20000;"
        ),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if env_bool("KEFU_TESTING", False) else 600
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-kefu.sqlite3")}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"].endswith("postgresql") and env_bool(
            "KEFU_PG_SERVER_SIDE_BINDING", True):
        # Server-side parameters and a prepare threshold (Django's default is None: never)
        # let psycopg prepare a statement after its 5th run on a connection: PostgreSQL then
        # plans the inbox and ticket queries once per connection instead of every request.
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["server_side_binding"] = True
        options.setdefault("prepare_threshold", env_int("KEFU_PG_PREPARE_THRESHOLD", 5))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache and background jobs ----------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL, "KEY_PREFIX": "kefu"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

HUEY_IMMEDIATE = env_bool("KEFU_HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": env("KEFU_HUEY_NAME", "kefu"),
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": env_int("KEFU_WORKERS", 2), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": env("KEFU_HUEY_NAME", "kefu"),
        "filename": str(DATA_DIR / env("KEFU_HUEY_FILE", "huey.sqlite3")),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": env_int("KEFU_WORKERS", 2), "worker_type": "thread"},
    }

# --- sessions, passwords, security ------------------------------------------------------
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("KEFU_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if env_bool("KEFU_FAST_PASSWORD_HASHER", False)
    else ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
TOKEN_CACHE_SECONDS = env_int("KEFU_TOKEN_CACHE_SECONDS", 15)
REFERENCE_CACHE_SECONDS = env_int("KEFU_REFERENCE_CACHE_SECONDS", 30)
SLA_ESCALATE_AFTER_MINUTES = env_int("KEFU_SLA_ESCALATE_AFTER_MINUTES", 30)
HANDOFF_REMIND_HOURS = env_int("KEFU_HANDOFF_REMIND_HOURS", 4)

# --- channels -------------------------------------------------------------------------------
#: Outgoing mail: smtp://user:password@host:port (STARTTLS when offered), smtps://… (TLS from
#: the start); empty: e-mail is queued but not sent (the delivery state says so).
SMTP_URL = env("KEFU_SMTP_URL", "")
MAIL_FROM = env("KEFU_MAIL_FROM", "kefu@localhost")
#: The address customers reach kefu at (https://help.example.com), used in links sent by
#: e-mail; empty: the host of the request (set it when ALLOWED_HOSTS is "*").
PUBLIC_URL = env("KEFU_PUBLIC_URL", "")
MAX_EMAIL_BYTES = env_int("KEFU_MAX_EMAIL_BYTES", 25 * 1024 * 1024)
#: A reply's files go out attached up to this total (before encoding: base64 adds a third,
#: so 15 MB makes a message of about 20 MB, under the usual 20-25 MB limits); above it the
#: e-mail links to them in the customer portal instead.
MAX_OUTBOUND_ATTACHMENT_BYTES = env_int("KEFU_MAX_OUTBOUND_ATTACHMENT_BYTES", 15 * 1024 * 1024)
#: Answers posted to one survey link (page or API) per client address per hour.
SURVEY_SUBMIT_LIMIT_PER_HOUR = env_int("KEFU_SURVEY_SUBMIT_LIMIT_PER_HOUR", 60)
MAIL_LISTEN_PORT = env_int("KEFU_MAIL_LISTEN_PORT", 2525)
#: Messages from one sender within an hour beyond which more are treated as a mail loop.
MAIL_LOOP_LIMIT_PER_HOUR = env_int("KEFU_MAIL_LOOP_LIMIT_PER_HOUR", 20)
#: Web form: submissions per client address per hour.
WEB_FORM_LIMIT_PER_HOUR = env_int("KEFU_WEB_FORM_LIMIT_PER_HOUR", 10)
LOGIN_MAX_FAILURES = env_int("KEFU_LOGIN_MAX_FAILURES", 5)
LOGIN_LOCK_SECONDS = env_int("KEFU_LOGIN_LOCK_SECONDS", 900)

# --- language and time ------------------------------------------------------------------
LANGUAGE_CODE = env("KEFU_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("KEFU_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "kefu.core.staticfinders.VendorFinder",
]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"
MAX_ATTACHMENT_BYTES = env_int("KEFU_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_ATTACHMENT_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- business defaults (policy a business edits lives in the database) -------------------
AUTO_CLOSE_DAYS = env_int("KEFU_AUTO_CLOSE_DAYS", 7)
AUTO_CLOSE_EVERY_MINUTES = env_int("KEFU_AUTO_CLOSE_EVERY_MINUTES", 15)
IDEMPOTENCY_KEY_TTL_HOURS = env_int("KEFU_IDEMPOTENCY_TTL_HOURS", 24)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("KEFU_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
