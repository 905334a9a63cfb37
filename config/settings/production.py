"""Production: everything from the environment; refuses to start without real secrets."""

import os

from django.core.exceptions import ImproperlyConfigured

# Before base: with no DATABASE_URL, base would start the embedded development PostgreSQL.
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("Set DATABASE_URL for production (the embedded database is for development only).")

from config.secrets_policy import personal_data_key_problems, secret_key_problems

from .base import *  # noqa: F403
from .base import SECRET_KEY, env, env_bool, env_list

DEBUG = False
KOTAKITA_URL_SCHEME = env("KOTAKITA_URL_SCHEME", "https")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
# SMTP relay for password resets and notifications (kotakita.W502 when EMAIL_HOST is unset).
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "587"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "10"))

# --- Secrets (secrets helper): refuse to start rather than run with weak or shared keys ----
PERSONAL_DATA_DEV_KEYS = False  # never derive personal-data keys from SECRET_KEY here
# Old SECRET_KEYs still accepted for sessions and reset links while a rotation settles.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
_secret_problems = secret_key_problems(SECRET_KEY) + personal_data_key_problems(globals(), SECRET_KEY)
if _secret_problems:
    raise ImproperlyConfigured("Production secrets: " + " ".join(_secret_problems))
# --- end secrets ---------------------------------------------------------------------------

# --- Observability: JSON log lines unless LOG_FORMAT says otherwise --------------------------
from apps.observability.logsetup import logging_config  # noqa: E402

LOG_FORMAT = env("LOG_FORMAT", "json")
LOGGING = logging_config(LOG_FORMAT, env("LOG_LEVEL", "INFO"))
# --- end observability ---------------------------------------------------------------------
