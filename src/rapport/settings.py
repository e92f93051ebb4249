"""Django settings for Rapport, read from the environment.

Everything has a working default for the embedded install (SQLite in a data folder, in-process
tasks and bus); production sets DATABASE_URL, REDIS_URL, SECRET_KEY and ALLOWED_HOSTS.
"""

import os
import warnings
from pathlib import Path

import dj_database_url


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("RAPPORT_DATA_DIR", Path.cwd() / "data")).resolve()

DEBUG = _env_bool("RAPPORT_DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or "rapport-embedded-insecure-key-set-SECRET_KEY-in-production"
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks_db",
    "rapport.core",
    "rapport.workspaces",
    "rapport.events",
    "rapport.records",
    "rapport.search",
    "rapport.analytics",
    "rapport.intake",
    "rapport.dashboard",
    "rapport.api",
    "rapport.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "servestatic.middleware.ServeStaticMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "rapport.core.middleware.actor_kind_middleware",
    "rapport.api.middleware.method_not_allowed_middleware",
    "rapport.web.middleware.current_member_middleware",
    "rapport.web.access.SignInRequiredMiddleware",
]

ROOT_URLCONF = "rapport.urls"
WSGI_APPLICATION = "rapport.wsgi.application"
ASGI_APPLICATION = "rapport.asgi.application"

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
                "rapport.web.context.navigation",
            ],
        },
    },
]


# Covering indexes (INCLUDE columns) exist on PostgreSQL; on SQLite the same index is built
# without them, which is what this warning says on every command.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Form widgets render through Jinja2: the same markup as Django's own widget templates, several
# times faster, which the list pages' filter and bulk-edit forms (hundreds of options) feel.
FORM_RENDERER = "rapport.web.forms_renderer.FormRenderer"


def _database() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url)
        if config["ENGINE"] == "django.db.backends.postgresql":
            # A connection pool per server process, shared by its request threads and the
            # live streams' short reads; a connection goes back to it at the end of each request.
            pool_size = int(os.environ.get("DB_POOL_MAX_SIZE", "8"))
            config["CONN_MAX_AGE"] = 0
            config.setdefault("OPTIONS", {})["pool"] = {"min_size": 1, "max_size": pool_size, "timeout": 10}
            # JIT compilation costs tens of milliseconds and saves nothing on the app's queries,
            # which are short or read indexes; PostgreSQL would otherwise JIT every dashboard sum.
            # Parallel workers neither: many requests run at once, so a query's workers only take
            # cores from the others (the month's dashboard: 334 -> 309 ms of work even alone).
            # `?options=...` in DATABASE_URL replaces both.
            config["OPTIONS"].setdefault("options", "-c jit=off -c max_parallel_workers_per_gather=0")
            # One test database per test process, so parallel runs never drop each other's.
            default_test_name = f"test_{config['NAME']}_{os.getpid()}"
            config["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME") or default_test_name}
        return config
    # The embedded default keeps everything in one folder, made on first use.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "rapport.sqlite3",
        "OPTIONS": {
            # WAL lets readers (the web server, SSE streams) run beside one writer (a worker).
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
# The cache holds sign-in throttling counters: shared through Redis when there is one.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("RAPPORT_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("ru", "Русский"),
    ("pl", "Polski"),
    ("gl", "Galego"),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("RAPPORT_STATIC_ROOT", DATA_DIR / "static"))
MEDIA_ROOT = Path(os.environ.get("RAPPORT_MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "servestatic.storage.CompressedStaticFilesStorage"},
}
SERVESTATIC_USE_FINDERS = True
# Static files are served from the app folders until `collectstatic` fills STATIC_ROOT.
warnings.filterwarnings("ignore", message="No directory at", module="servestatic.base")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _env_bool("RAPPORT_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler", "level": os.environ.get("RAPPORT_LOG_LEVEL", "WARNING")}},
    "root": {"handlers": ["console"], "level": os.environ.get("RAPPORT_LOG_LEVEL", "WARNING")},
}

# Largest page an API list returns, whatever `limit` asks for.
RAPPORT_API_MAX_LIMIT = 200
# Threads per server process answering requests (core/handler.py): as many as its database pool
# holds connections, since a request beyond that would only wait for a connection.
RAPPORT_REQUEST_THREADS = int(os.environ.get("RAPPORT_REQUEST_THREADS", os.environ.get("DB_POOL_MAX_SIZE", "8")))
