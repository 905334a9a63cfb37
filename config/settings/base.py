"""Settings shared by every environment; each value can be overridden by the environment."""

from __future__ import annotations

import os
from pathlib import Path

import django_stubs_ext
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from config.embedded_db import database_config
from config.security_headers import PERMISSIONS_POLICY as _PERMISSIONS_POLICY
from config.security_headers import origin_of

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
# in each schema (users are per tenant on purpose). Login attempts (django-axes) are one public
# table for all tenants, keyed by "<schema>:<username>" (apps.accounts.lockout): four tables less
# in every tenant schema (issue 17, docs/design/schema-cost.md step 2). Sessions likewise: one
# public table keyed by schema (apps.websessions, SESSION_ENGINE below) instead of
# django.contrib.sessions, which is not installed (its `django_session` is dropped everywhere).
# Idempotency-Key records too (apps.idempotency, used by apps.core.idempotency).
# The admin app is public-only: its `django_admin_log` is the platform admin's; a tenant admin's
# change history is core_event rows (apps.core.admin_log, docs/design/schema-cost.md "Admin
# history"), and the tenant admin site itself works from the installed app as before.
_ADMIN = "config.admin_apps.KotaKitaAdminConfig"  # django.contrib.admin with KotaKita's site
_BOTH = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.messages",
    "rest_framework",
    "apps.core",
    "apps.accounts",
]
_PUBLIC_ONLY = [
    _ADMIN,  # its log table; INSTALLED_APPS keeps it after django.contrib.messages (below)
    "django_tenants",
    "apps.tenancy",
    "axes",  # login attempts of every tenant, usernames qualified by schema (apps.accounts.lockout)
    "apps.websessions",  # sessions of every tenant, each row keyed by its schema (SESSION_ENGINE)
    "apps.idempotency",  # Idempotency-Key records of every tenant, each row keyed by its schema
    # How each tenant reaches OSS and WhatsApp/SMS/Telegram, each row keyed by its schema (the
    # tenant apps' permits.OssConfig and notifications.ChannelConfig are its proxies).
    "apps.integrations",
    "apps.discovery",
    "apps.analytics",
    "apps.dataservice",
    "apps.billing",
    # The local sandboxes of outside services, one public table each keyed by tenant schema
    # (issue 17: not a table per kelurahan schema; refused outside DEBUG/staging, E510).
    "apps.sandbox",
    "apps.demo",  # manage.py seed_demo (no models)
    "apps.jobs",  # h-jobs: stale-job sweep and repair of lost after-commit work (no models)
    "apps.pangan",  # reference food prices (harga pangan): per city, so public, not per kelurahan
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
    "apps.invoicing",
    "apps.factoring",  # issue 20 part 3: invoice financing in the seller's schema
    "apps.fulfillment",
    "apps.lending",
    "apps.insights",
    "apps.bazar",  # issue 21: bazar digital and ArisanGo vouchers
    "apps.tukang",
    "apps.feedback",
    "apps.sembako",  # issue 21 part 2: Sembako Pintar group pre-orders
]
# Only kota schemas: the levy catalogue and bill register belong to the kota that legislates them
# (docs/design/gov-b2b-fintech.md section 1); leaving them out of kelurahan schemas keeps every
# kelurahan schema as cheap as before (issue 17 budget, tests/tenancy/test_schema_cost.py).
_KOTA_ONLY = ["apps.levies"]
_THIRD_PARTY_NO_MODELS = [
    "django.contrib.staticfiles",
    "django_htmx",
    "django_filters",  # the browsable API renders a list's filter form from its templates
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
        "APPS": [*_BOTH, *_TENANT_ONLY, *_KOTA_ONLY],
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
# Where the admin always stood (after contenttypes, auth and messages): template and translation
# lookups go by this order.
INSTALLED_APPS.remove(_ADMIN)
INSTALLED_APPS.insert(INSTALLED_APPS.index("django.contrib.messages") + 1, _ADMIN)

# How many ready-made, migrated schemas per tenant type wait to be handed out on activation.
TENANT_SCHEMA_POOL_SIZE = int(env("TENANT_SCHEMA_POOL_SIZE", "3"))
# Where a removed tenant's schema dump is written before its schema is dropped.
TENANT_ARCHIVE_DIR = Path(env("TENANT_ARCHIVE_DIR", str(BASE_DIR / ".data" / "archives")))
# --- tenant backups (h-backup): `manage.py backup_tenants` writes one archive per active tenant
# (the format restore_tenant reads) into TENANT_BACKUP_DIR/<YYYY-MM-DD>/ and deletes dated
# folders older than TENANT_BACKUP_KEEP_DAYS. Copy the folder off the machine.
TENANT_BACKUP_DIR = Path(env("TENANT_BACKUP_DIR", str(BASE_DIR / ".data" / "backups")))
TENANT_BACKUP_KEEP_DAYS = int(env("TENANT_BACKUP_KEEP_DAYS", "14"))
# --- end tenant backups

MIDDLEWARE = [
    # django-tenants' tenant selection, one SET search_path per request (apps.tenancy.middleware).
    "apps.tenancy.middleware.TenantLookupMiddleware",
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

# --- ops: a database or Redis outage answers 503 + Retry-After (apps.core.unavailable) --------
# First, before the tenant lookup (apps.tenancy.middleware), which queries the database.
MIDDLEWARE.insert(0, "apps.core.unavailable.ServiceUnavailableMiddleware")
SERVICE_UNAVAILABLE_RETRY_AFTER = int(env("SERVICE_UNAVAILABLE_RETRY_AFTER", "30"))
# --- end ops: 503 ---------------------------------------------------------------------------

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
                "apps.notifications.context_processors.menu",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {"default": database_config(BASE_DIR)}
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# --- Connections (docs/operations.md "Connections") --------------------------------------
# Our backend: django-tenants' schema switching with `SET search_path` once per request/task
# instead of once per cursor (TENANT_LIMIT_SET_CALLS), tracked per physical connection so a
# rolled-back SET or a pooled connection never runs a query in the previous tenant's schema.
DATABASES["default"]["ENGINE"] = "apps.tenancy.postgresql"
TENANT_LIMIT_SET_CALLS = True
# How the database is reached: "none" (directly, or Django's own pool below) or
# "pgbouncer-session". "pgbouncer-transaction" is refused (kotakita.E509): the search_path and
# the jobs' session advisory locks would land on another client's server connection.
DATABASE_POOLER = env("DATABASE_POOLER", "none")
# PostgreSQL keeps the catalog of every tenant table a connection opened (up to ~3.7 MB a
# tenant, never released; docs/operations.md): a connection that touched more tenant schemas
# than this is closed when its request or task ends, instead of being reused. 0: no limit.
DATABASE_CONN_MAX_TENANTS = int(env("DATABASE_CONN_MAX_TENANTS", "20"))
# Django's psycopg pool, per process, shared by its threads (off unless DATABASE_POOL_MAX_SIZE
# is set). Off: each thread keeps its own connection DATABASE_CONN_MAX_AGE seconds.
DATABASE_POOL_MAX_SIZE = int(env("DATABASE_POOL_MAX_SIZE", "0"))
if DATABASE_POOL_MAX_SIZE > 0:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(int(env("DATABASE_POOL_MIN_SIZE", "1")), DATABASE_POOL_MAX_SIZE),
        "max_size": DATABASE_POOL_MAX_SIZE,
        # Seconds a request waits for a free connection before failing (503, not a pile-up).
        "timeout": float(env("DATABASE_POOL_TIMEOUT", "10")),
        # Recycling bounds the catalog memory in time, as DATABASE_CONN_MAX_TENANTS does in size.
        "max_lifetime": float(env("DATABASE_POOL_MAX_LIFETIME", "1800")),
        "max_idle": float(env("DATABASE_POOL_MAX_IDLE", "300")),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(env("DATABASE_CONN_MAX_AGE", "60"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery ------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
# --- ops: caches that survive a Redis outage ----------------------------------------------
# "default" is for what can be recomputed (dashboards, facts versions): with Redis down a read
# is a miss and a write is dropped (apps.core.cache.DegradingRedisCache), so pages still serve.
# "state" is strict (raises): for data that is not a cache, e.g. the courier sandbox's bookings,
# where a silent miss would be a wrong answer. Every key carries the tenant's schema
# (KEY_FUNCTION), so one kelurahan never reads another's.
_CACHE_KEYS = {
    "KEY_FUNCTION": "django_tenants.cache.make_key",
    "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
}
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "apps.core.cache.DegradingRedisCache", "LOCATION": REDIS_URL, **_CACHE_KEYS},
        "state": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, **_CACHE_KEYS},
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", **_CACHE_KEYS},
        "state": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "state", **_CACHE_KEYS},
    }
# --- end ops: caches ------------------------------------------------------------------------

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
# --- ops: Celery queues, time limits and broker robustness (see docs/operations.md) --------
# Five queues so a 10-second route solve, the weekly retraining and the every-minute sweeps
# never wait behind each other; each gets its own worker group (deploy/). Every task is routed
# here by name (tests/test_operations_celery.py fails on a task that is not).
CELERY_TASK_DEFAULT_QUEUE = "default"
_QUEUE_TASKS = {
    "default": [  # short, user-facing: a person is waiting for the e-mail, the payment, the job
        "accounts.send_set_password_email",
        "notifications.deliver_message",
        "marketplace.sync_order_payment",
        "community.sync_iuran_payment",
        "community.sync_contribution",
        "invoicing.record_payment",
        "invoicing.issue_from_procurement",
        "invoicing.issue_from_order",
        "invoicing.notify_opd",
        "marketplace.sync_listings",
        "payments.deliver_sandbox_notification",
        "payments.cancel_at_gateway",
        "payments.refund_at_gateway",
        "tenancy.run_activation_job",
        "levies.open_payer_copy",  # a kota bill's copy in the payer's kelurahan
        "levies.mark_bill_paid",  # a kelurahan's settlement back into the kota's register
        "levies.settle_treasury",  # the daily payout of a kelurahan's kas daerah clearing
        "levies.remind_payer",
        "levies.resync_payer_copies",  # a resident recorded their NIK; a kota came back from an archive
        "tukang.handle_whatsapp_message",
    ],
    "routing": ["fulfillment.run_routing_job"],
    "scoring": ["lending.score", "lending.nightly", "lending.retrain", "insights.forecast"],
    "bulk": [
        "analytics.rollup_tenant_recent",
        "analytics.rollup_today",
        "billing.issue_invoices",
        "payments.reconcile",
        "marketplace.resync_listings",
        "tenancy.refill_schema_pool",
        # --- jobs (h-jobs): imports as background jobs, repair of lost after-commit work ---
        "aid.run_import_preview",
        "aid.run_import_confirm",
        "marketplace.run_import_preview",
        "marketplace.run_import_apply",
        # --- end jobs ---
        "tenancy.run_tenant_operation",  # archive/remove or restore a tenant (h-tenjobs)
    ],
    "sweeps": [  # beat jobs and their per-tenant fan-out: frequent, small
        "notifications.deliver_due",
        "notifications.deliver_due_everywhere",
        "reports.check_sla",
        "reports.check_sla_everywhere",
        "permits.remind_overdue",
        "permits.remind_overdue_everywhere",
        "marketplace.sweep",
        "marketplace.sweep_everywhere",
        "community.send_reminders",
        "community.send_reminders_everywhere",
        "bazar.expire_vouchers",
        "bazar.expire_vouchers_everywhere",
        "community.sync_qris",
        "community.sync_qris_everywhere",
        "levies.sweep",
        "levies.sweep_where_due",
        "fulfillment.dispatch_due",
        "fulfillment.dispatch_due_everywhere",
        "payments.reconcile_all_tenants",
        "lending.nightly_everywhere",
        "lending.retrain_everywhere",
        "analytics.rollup_everywhere",
        "insights.forecast_everywhere",
        # --- jobs (h-jobs): stale-job detection by heartbeat and repair sweeps ---
        "jobs.requeue_stale",
        "jobs.requeue_stale_tenant",
        "jobs.repair_everywhere",
        "jobs.repair_tenant",
        # --- end jobs ---
        "invoicing.remind",
        "invoicing.remind_everywhere",
        "sembako.close_due",
        "sembako.close_due_everywhere",
        "factoring.check_defaults",
        "factoring.check_defaults_everywhere",
        "tenancy.mark_all_due",
    ],
}
KOTAKITA_CELERY_QUEUES = list(_QUEUE_TASKS)
CELERY_TASK_ROUTES = {name: {"queue": queue} for queue, names in _QUEUE_TASKS.items() for name in names}
# Time limits: the soft one raises SoftTimeLimitExceeded in the task (it can mark its job
# interrupted), the hard one kills the process, which then is replaced. Seconds.
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
_TIME_LIMITS = {  # name: (soft, hard)
    "fulfillment.run_routing_job": (60, 90),  # the solver's own budget is FULFILLMENT_SOLVER_SECONDS (10)
    "lending.retrain": (1500, 1800),
    "lending.score": (600, 900),
    "lending.nightly": (600, 900),
    "insights.forecast": (600, 900),
    "analytics.rollup_tenant_recent": (600, 900),
    "billing.issue_invoices": (600, 900),
    "payments.reconcile": (300, 420),
    "marketplace.resync_listings": (300, 420),
    "tenancy.refill_schema_pool": (300, 420),
    "tenancy.run_activation_job": (1500, 1800),  # resumable: a timed-out job is marked interrupted
    # --- jobs (h-jobs) ---
    "aid.run_import_preview": (1500, 1800),  # ~11 ms a row; resumable chunk by chunk
    "aid.run_import_confirm": (900, 1200),  # bulk writes a chunk at a time; resumes after the last chunk
    "marketplace.run_import_preview": (600, 900),
    "marketplace.run_import_apply": (1500, 1800),  # one transaction; a rerun waits, then finds it applied
    # --- end jobs ---
    # A big tenant's dump, files and restore; a rerun resumes (apps.tenancy.operations). Kept at
    # the longest limit (the visibility timeout stays under kombu's hour); a tenant too big for
    # 30 minutes is archived with `manage.py remove_tenant`, which runs the same job unlimited.
    "tenancy.run_tenant_operation": (1500, 1800),
}
CELERY_TASK_ANNOTATIONS = {
    name: {"soft_time_limit": soft, "time_limit": hard} for name, (soft, hard) in _TIME_LIMITS.items()
}
KOTAKITA_CELERY_LONGEST_TIME_LIMIT = max([CELERY_TASK_TIME_LIMIT, *(hard for _soft, hard in _TIME_LIMITS.values())])
# Redis redelivers a message not acknowledged within the visibility timeout (acks_late: a task
# is acknowledged when it ends). It must be longer than the longest hard limit, or a long task
# still running would be handed to a second worker. A task whose worker process dies is
# requeued at once (REJECT_ON_WORKER_LOST); the timeout matters only when a whole worker host
# is lost. Checked at start-up (kotakita.E600).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(env("CELERY_VISIBILITY_TIMEOUT", str(KOTAKITA_CELERY_LONGEST_TIME_LIMIT + 300))),
    "socket_connect_timeout": 5,  # an unreachable Redis fails a publish fast instead of hanging a request
}
# Never give up on the broker: at start-up, and after a Redis restart under a running worker.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# On a lost broker connection, running acks_late tasks are cancelled (and so redelivered)
# rather than finished with an acknowledgement that can no longer be sent. Tasks are idempotent.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# --- end ops: Celery -------------------------------------------------------------------------
# --- jobs (h-jobs): a running job whose heartbeat is older than this is stale (its worker was
# killed): the sweep marks it failed-retryable and queues it again (apps/jobs/stale.py).
# Routing must exceed its task's hard limit (kotakita.E900) so a live run is never doubled.
JOBS_ACTIVATION_STALE_SECONDS = int(env("JOBS_ACTIVATION_STALE_SECONDS", "600"))
JOBS_ROUTING_STALE_SECONDS = int(env("JOBS_ROUTING_STALE_SECONDS", "120"))
JOBS_IMPORT_STALE_SECONDS = int(env("JOBS_IMPORT_STALE_SECONDS", "300"))
# Tenant archive/restore jobs beat every 10 s from a thread, even while pg_dump runs.
JOBS_TENANT_OPERATION_STALE_SECONDS = int(env("JOBS_TENANT_OPERATION_STALE_SECONDS", "120"))
# --- end jobs -----------------------------------------------------------------------------
# Periodic jobs (celery beat). Per-tenant work fans out with apps.tenancy.fanout: the frequent
# sweeps only into tenants whose public due-work row says work is due (enqueue_where_due), the
# daily jobs every tenant has into all of them (docs/operations.md, "Periodic work").
# A claimed sweep that has not reported back after this many seconds is queued again; it must
# exceed a sweep's hard time limit plus its wait in the `sweeps` queue.
DUE_WORK_LEASE_SECONDS = int(env("DUE_WORK_LEASE_SECONDS", "600"))
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Safety net of the due-work index: every tenant's sweeps run once a day, spread over an hour.
    "due-work-safety-net": {"task": "tenancy.mark_all_due", "schedule": crontab(hour=3, minute=30)},
    "notifications-sweep": {"task": "notifications.deliver_due_everywhere", "schedule": 60.0},
    "reports-sla": {"task": "reports.check_sla_everywhere", "schedule": 60.0},
    "permits-overdue-reminders": {
        "task": "permits.remind_overdue_everywhere",
        "schedule": crontab(hour=7, minute=0),
    },
    "marketplace-sweep": {"task": "marketplace.sweep_everywhere", "schedule": 60.0},
    "community-reminders": {
        "task": "community.send_reminders_everywhere",
        "schedule": crontab(hour=8, minute=0),
    },
    "community-qris-sync": {"task": "community.sync_qris_everywhere", "schedule": 60.0},
    # Kota levies: recurring bills, fines and reminders, only in kota tenants with levy work due.
    "levies-sweep": {"task": "levies.sweep_where_due", "schedule": 60.0},
    # ArisanGo vouchers past their date: the rest back to the holder's wallet (apps.bazar).
    "bazar-expire-vouchers": {"task": "bazar.expire_vouchers_everywhere", "schedule": crontab(hour=0, minute=20)},
    # Invoice reminders and overdue marks, only in tenants where one is due (due-work index).
    "invoicing-reminders": {"task": "invoicing.remind_everywhere", "schedule": 60.0},
    # Sembako Pintar rounds whose closing time came: aggregated into the supplier purchase.
    "sembako-close-due": {"task": "sembako.close_due_everywhere", "schedule": 60.0},
    "factoring-defaults": {"task": "factoring.check_defaults_everywhere", "schedule": 300.0},
    "payments-reconcile-daily": {
        "task": "payments.reconcile_all_tenants",
        "schedule": crontab(hour=2, minute=0),
    },
    # Orders ready for delivery are batched per hub at each cut-off and routed.
    "fulfillment-dispatch": {"task": "fulfillment.dispatch_due_everywhere", "schedule": 60.0},
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
    # --- jobs (h-jobs): stale jobs by heartbeat, and repair of work lost while the broker was down
    "jobs-requeue-stale": {"task": "jobs.requeue_stale", "schedule": 120.0},
    # Every 5 minutes, a twelfth of the tenants: each tenant once an hour (apps.jobs.tasks).
    "jobs-repair": {"task": "jobs.repair_everywhere", "schedule": 300.0},
    # --- end jobs ---
}

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that refuses demo accounts outside DEBUG (apps.accounts.demo_lock).
    "apps.accounts.backends.ModelBackend",
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
# The attempts of every tenant share the public schema's tables: a username is counted, reset
# and logged as "<schema>:<username>", so a lock-out in one kelurahan never touches a namesake
# in another (apps.accounts.lockout).
AXES_USERNAME_CALLABLE = "apps.accounts.lockout.axes_username"
AXES_HANDLER = "apps.accounts.lockout.TenantDatabaseHandler"
# django-import-export's ImportMixin writes LogEntry directly, which in a tenant schema would be
# public.django_admin_log (apps.core.admin_log): never. Imports keep their own batch records.
IMPORT_EXPORT_SKIP_ADMIN_LOG = True
AXES_ENABLE_ADMIN = False  # registered per site instead: apps.accounts.admin, apps.tenancy.admin
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date style per language on every page (config/formats/<lang>/formats.py); templates use
# the named formats (DATE_FORMAT, DATETIME_FORMAT, ...) instead of spelling one out.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / ".data" / "media")))
# --- File storage (apps.core.files) --------------------------------------------------------
# Two storages, each keyed <schema>/<name>: "public" (shop, product, report photos) and
# "private" (KTP scans, receipts, proofs; also "default", so anything unclassified is private).
# Both are served only by Django views on the tenant's own host (never a static /media/ tree).
# KOTAKITA_STORAGE: "local" (MEDIA_ROOT/public/<schema>/, MEDIA_ROOT/private/<schema>/) or "s3"
# (any S3-compatible store through django-storages; objects always private, public files are
# redirects to short-lived presigned URLs). The two buckets may be the same bucket.
KOTAKITA_STORAGE = env("KOTAKITA_STORAGE", "local").strip().lower()
# How local files leave: "" Django streams them, "nginx" X-Accel-Redirect to
# KOTAKITA_FILE_ACCEL_PREFIX + "<public|private>/<schema>/<name>", "sendfile" X-Sendfile.
KOTAKITA_FILE_ACCEL = env("KOTAKITA_FILE_ACCEL", "").strip().lower()
KOTAKITA_FILE_ACCEL_PREFIX = env("KOTAKITA_FILE_ACCEL_PREFIX", "/_berkas/")
AWS_STORAGE_BUCKET_NAME_PUBLIC = env("AWS_STORAGE_BUCKET_NAME_PUBLIC")
AWS_STORAGE_BUCKET_NAME_PRIVATE = env("AWS_STORAGE_BUCKET_NAME_PRIVATE")
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL") or None
AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME") or None
AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID") or None
AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY") or None
AWS_S3_ADDRESSING_STYLE = env("AWS_S3_ADDRESSING_STYLE") or None  # "path" for most self-hosted stores
AWS_QUERYSTRING_EXPIRE = int(env("AWS_QUERYSTRING_EXPIRE", "300"))  # presigned URL lifetime (s)
AWS_DEFAULT_ACL = None  # bucket policy decides; our storages force "private" on each object
_FILES = "apps.core.files.storages."
_FILE_BACKENDS = (
    (_FILES + "PublicS3Storage", _FILES + "PrivateS3Storage")
    if KOTAKITA_STORAGE == "s3"
    else (_FILES + "PublicFileSystemStorage", _FILES + "PrivateFileSystemStorage")
)
_FILE_OPTIONS: dict[str, dict[str, object]] = {
    "public": {"bucket_name": AWS_STORAGE_BUCKET_NAME_PUBLIC} if KOTAKITA_STORAGE == "s3" else {},
    "private": {"bucket_name": AWS_STORAGE_BUCKET_NAME_PRIVATE} if KOTAKITA_STORAGE == "s3" else {},
}
STORAGES = {
    "default": {"BACKEND": _FILE_BACKENDS[1], "OPTIONS": _FILE_OPTIONS["private"]},
    "private": {"BACKEND": _FILE_BACKENDS[1], "OPTIONS": _FILE_OPTIONS["private"]},
    "public": {"BACKEND": _FILE_BACKENDS[0], "OPTIONS": _FILE_OPTIONS["public"]},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# --- end file storage -------------------------------------------------------------------------

# Map tiles are fetched by the visitor's browser; kelurahan may point this at a local cache.
# --- offline maps (h-demo): a self-hosted tile server works too (e.g.
# MAP_TILES_URL=http://tiles.local/{z}/{x}/{y}.png). Empty (MAP_TILES_URL=) means no tiles: maps
# show the kelurahan boundaries only, as they do whenever tiles fail to load (static/js/basemap.js).
MAP_TILES_URL = env("MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILES_ATTRIBUTION = env("MAP_TILES_ATTRIBUTION", "&copy; OpenStreetMap contributors")

# --- Security headers (secrets helper) -----------------------------------------------------
# Content-Security-Policy (django-csp 4): scripts only from our own origin (vendored, never a
# CDN) or an inline block carrying the per-request nonce `{{ request.csp_nonce }}`; no inline
# event handlers (static/js/kotakita.js wires `data-autosubmit` / `data-confirm` instead).
# Styles keep 'unsafe-inline': Leaflet's generated markup and htmx's indicator <style> carry
# inline styles, as do a few templates; style injection cannot run script. Images: ours, data:
# (Leaflet, Pico icons), the map tile host and CSP_IMG_SRC (e.g. a media/storage host).
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
MIDDLEWARE.insert(
    MIDDLEWARE.index("csp.middleware.CSPMiddleware") + 1, "apps.core.middleware.PermissionsPolicyMiddleware"
)
CSP_IMG_SRC = env_list("CSP_IMG_SRC")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", *filter(None, [origin_of(MAP_TILES_URL)]), *CSP_IMG_SRC],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    }
}
# The tile server needs the origin as Referer (OpenStreetMap's usage policy); no paths leak.
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
PERMISSIONS_POLICY = dict(_PERMISSIONS_POLICY)
# --- end security headers ------------------------------------------------------------------

# --- E-mail -------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "KotaKita <noreply@kotakita.id>")

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first so unauthenticated calls get 401 with WWW-Authenticate. Hashed,
        # expiring keys (apps.accounts.api_tokens), same `Authorization: Token <key>` header.
        "apps.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.Pagination",
    # django-filter FilterSets (`filterset_class` of a view); bad values answer 400 invalid_filter.
    "DEFAULT_FILTER_BACKENDS": ["apps.core.api.filters.FilterBackend"],
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "apps.core.api.errors.exception_handler",
    # drf-spectacular's, plus the error answers every operation can give (one Error component).
    "DEFAULT_SCHEMA_CLASS": "apps.core.api.openapi.AutoSchema",
}

# --- API tokens and rate limits (h-tokens) ---------------------------------------------------
# Days a new API token lives; 0 = never expires (the deploy check warns, kotakita.W300).
API_TOKEN_TTL_DAYS = int(env("API_TOKEN_TTL_DAYS", "30"))
# Counted per tenant (the cache KEY_FUNCTION prefixes the schema); see apps.core.api.throttling.
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = [
    "apps.core.api.throttling.AnonThrottle",
    "apps.core.api.throttling.UserThrottle",
    "apps.core.api.throttling.ScopeThrottle",
]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "anon": env("THROTTLE_ANON", "60/min"),  # API calls without credentials, per address
    "user": env("THROTTLE_USER", "600/min"),  # API calls per signed-in user
    "login": env("THROTTLE_LOGIN", "20/min"),  # sign-in form POSTs, per address
    "token": env("THROTTLE_TOKEN", "20/hour"),  # API token issue/renewal, per user or address
    "open311": env("THROTTLE_OPEN311", "30/hour"),  # Open311 POST requests, per address
    "report_guest": env("THROTTLE_REPORT_GUEST", "10/hour"),  # laporan without an account, per address and per device
    "gateway_notification": env("THROTTLE_GATEWAY_NOTIFICATION", "300/min"),  # payment callbacks
}
# Proxies in front of the app whose X-Forwarded-For is trusted for the client address; with
# 0 the header is ignored (it is the client's to forge) and REMOTE_ADDR counts.
REST_FRAMEWORK["NUM_PROXIES"] = int(env("THROTTLE_NUM_PROXIES", "0"))
# --- end h-tokens ------------------------------------------------------------------------------
SPECTACULAR_SETTINGS = {
    "TITLE": "KotaKita API",
    "DESCRIPTION": "API KotaKita untuk operator waralaba, kelurahan, kota dan integrator.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # 423 on tenant hosts, create → read links, examples of the main flows.
        "apps.core.api.openapi_hooks.postprocess",
    ],
}
# Two choice sets named like others elsewhere: named here so the schema (and `check --deploy
# --fail-level WARNING`, which builds it) has no collision warnings.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "CommunityPaymentMethodEnum": "apps.community.models.ArisanContribution.Method",
    "CommunityPaymentStatusEnum": "apps.community.models.ArisanContribution.Status",
    "TukangSkillEnum": "apps.tukang.models.Skill",  # Tukang.skills, Job.skill and the job input
    "SembakoRoundStatusEnum": "apps.sembako.models.Round.Status",
    "SembakoOrderStatusEnum": "apps.sembako.models.HouseholdOrder.Status",
    "FactoringStatusEnum": "apps.factoring.models.Status",  # Financing.status and the list's filter
}

# --- Security defaults (tightened further in production) -----------------------------------
SESSION_COOKIE_HTTPONLY = True
# One public session table for all tenants; a session is read only on its own tenant's host.
SESSION_ENGINE = "apps.websessions.backend"
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the cookie-free meta tag instead.
X_FRAME_OPTIONS = "DENY"

# --- Observability (apps.observability; docs/operations.md "Observability") ------------------
# Logs: JSON lines (LOG_FORMAT=json, the production default) or a readable console rendering,
# both through structlog's ProcessorFormatter so stdlib `logging` calls look the same.
from apps.observability.logsetup import configure_structlog, logging_config  # noqa: E402

LOG_FORMAT = env("LOG_FORMAT", "console")
LOGGING = logging_config(LOG_FORMAT, env("LOG_LEVEL", "INFO"))
configure_structlog()
# RequestIdMiddleware sanitises X-Request-ID first, so the id django-structlog trusts is safe.
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False  # an IP address is personal data
INSTALLED_APPS.append("apps.observability")
MIDDLEWARE.insert(0, "apps.observability.endpoints.OpsEndpointsMiddleware")
MIDDLEWARE.insert(0, "apps.observability.middleware.RequestIdMiddleware")
MIDDLEWARE.insert(
    MIDDLEWARE.index("apps.tenancy.middleware.TenantLookupMiddleware") + 1,
    "django_structlog.middlewares.RequestMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "apps.observability.middleware.UserContextMiddleware",
)
# django-prometheus' own request metrics (django_http_*), around everything else.
MIDDLEWARE.insert(0, "django_prometheus.middleware.PrometheusBeforeMiddleware")
MIDDLEWARE.append("django_prometheus.middleware.PrometheusAfterMiddleware")
# /metrics: bearer token and/or allowed peer addresses (IPs or CIDR); neither set → 404.
METRICS_TOKEN = env("METRICS_TOKEN")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS")
METRICS_GAUGE_CACHE_SECONDS = int(env("METRICS_GAUGE_CACHE_SECONDS", "30"))
METRICS_OUTBOX_MAX_SCHEMAS = int(env("METRICS_OUTBOX_MAX_SCHEMAS", "1000"))
# Sentry: only with a DSN. Personal data is scrubbed (apps.observability.sentry).
SENTRY_DSN = env("SENTRY_DSN")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", "production")
SENTRY_RELEASE = env("SENTRY_RELEASE")
SENTRY_TRACES_SAMPLE_RATE = float(env("SENTRY_TRACES_SAMPLE_RATE", "0"))
if SENTRY_DSN:
    from apps.observability.sentry import init_sentry

    init_sentry(SENTRY_DSN, SENTRY_ENVIRONMENT, SENTRY_RELEASE, SENTRY_TRACES_SAMPLE_RATE)
# --- end observability ---------------------------------------------------------------------


# --- Personal-data keys (secrets helper) ---------------------------------------------------
# Long random secrets of their own, never SECRET_KEY (apps.core.personal_data): rotating
# SECRET_KEY must not make stored NIKs unreadable. Permits NIK encryption + lookup digests:
# PERMITS_NIK_KEYS = "new,old,..." (first encrypts, all decrypt; then reencrypt_personal_data);
# PERMITS_NIK_KEY is the older single-key form, still read when the list is empty.
PERMITS_NIK_KEYS = env_list("PERMITS_NIK_KEYS")
PERMITS_NIK_KEY = env("PERMITS_NIK_KEY")
# Keys the anonymous entity keys of the public daily facts (apps.facts.metrics.entity_key).
ANALYTICS_ENTITY_KEY = env("ANALYTICS_ENTITY_KEY")
NIK_HMAC_KEY = env("NIK_HMAC_KEY")  # apps.aid matching of beneficiaries (hash only: see README)
# Keys the NIK digest that matches a kota levy bill to a resident (apps.levies.identity): the kota
# register and the residents' accounts keep only this digest. Never rotate it casually: both
# sides' digests must be recomputed from the NIK, which nobody stores.
LEVIES_NIK_KEY = env("LEVIES_NIK_KEY")
# DEV ONLY: with no key set, SECRET_KEY stands in. Switched on by the local and test settings.
PERSONAL_DATA_DEV_KEYS = False
# --- end personal-data keys ----------------------------------------------------------------

# After an activation takes a pooled schema, a Celery task clones a replacement.
TENANT_SCHEMA_POOL_REFILL = env_bool("TENANT_SCHEMA_POOL_REFILL", True)

# --- Payments gateway (apps.payments; checks in apps/payments/checks.py, ids kotakita.E1xx) ----
# PAYMENTS_GATEWAY: "midtrans" (real money) or "sandbox" (the local stand-in, play money). No
# default here: local/test settings choose "sandbox", production must say which (E100).
PAYMENTS_GATEWAY = env("PAYMENTS_GATEWAY")
MIDTRANS_SERVER_KEY = env("MIDTRANS_SERVER_KEY")
MIDTRANS_CLIENT_KEY = env("MIDTRANS_CLIENT_KEY")
# true: api.midtrans.com (live money); false: api.sandbox.midtrans.com. MIDTRANS_BASE_URL wins
# when set (tests point it at a local fake).
MIDTRANS_IS_PRODUCTION = env_bool("MIDTRANS_IS_PRODUCTION", False)
MIDTRANS_BASE_URL = env("MIDTRANS_BASE_URL") or (
    "https://api.midtrans.com" if MIDTRANS_IS_PRODUCTION else "https://api.sandbox.midtrans.com"
)
# The sandbox outside DEBUG only on a declared staging site (every page then says SANDBOX),
# signed with a key from the environment, never the development key in the source.
PAYMENTS_ALLOW_SANDBOX = env_bool("PAYMENTS_ALLOW_SANDBOX", False)
PAYMENTS_SANDBOX_SERVER_KEY = env("PAYMENTS_SANDBOX_SERVER_KEY")
# The local sandboxes of outside services (apps.sandbox: payment gateway, OSS, WhatsApp/SMS/
# Telegram) outside DEBUG: only on a declared staging site; production refuses it (E510) and
# every sandbox call raises apps.sandbox.services.SandboxUnavailable without it.
SANDBOX_ALLOWED = env_bool("KOTAKITA_ALLOW_SANDBOX", PAYMENTS_ALLOW_SANDBOX)
TEMPLATES[0]["OPTIONS"]["context_processors"].append("apps.payments.context_processors.sandbox")  # type: ignore[index]

# --- Input limits: bad input is a 4xx, never a 500 (apps.core.input_guard, api.parsers, uploads)
# Largest body other than multipart (JSON, url-encoded forms); larger → 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(env("DATA_UPLOAD_MAX_MEMORY_SIZE", str(2_621_440)))
# Largest multipart body (files included); larger → 413 before anything is read.
KOTAKITA_MAX_REQUEST_BYTES = int(env("KOTAKITA_MAX_REQUEST_BYTES", str(30 * 1024 * 1024)))
# Deepest JSON nesting the API parses; deeper → 400.
KOTAKITA_MAX_JSON_DEPTH = int(env("KOTAKITA_MAX_JSON_DEPTH", "32"))
# Largest image (width × height) an upload may declare; larger (decompression bombs) → 422.
KOTAKITA_MAX_IMAGE_PIXELS = int(env("KOTAKITA_MAX_IMAGE_PIXELS", str(40_000_000)))
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.locale.LocaleMiddleware") + 1, "apps.core.input_guard.InputGuardMiddleware"
)
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = [
    "apps.core.api.parsers.SafeJSONParser",
    "apps.core.api.parsers.SafeFormParser",
    "apps.core.api.parsers.SafeMultiPartParser",
]
# --- PostgreSQL client binaries (embedded/CI helper) ----------------------------------------
# Tenant archives (pg_dump/pg_restore) and the schema clone use the client binaries of the
# database server's own major version; set this to their directory when they are neither in
# /usr/lib/postgresql/<major>/bin nor on PATH (e.g. /usr/lib/postgresql/15/bin).
KOTAKITA_PG_BIN_DIR = env("KOTAKITA_PG_BIN_DIR")
