"""KotaKita's own `manage.py check --deploy` checks (ids kotakita.E5xx / W5xx): the settings a
real deployment must have, beyond Django's security.* checks. Production settings already refuse
to start on weak secrets (config/settings/production.py); these checks say the same for any
settings module that runs with DEBUG off, and give each problem an id to silence or grep.

Messages never contain a secret's value.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from config.secrets_policy import personal_data_key_problems, secret_key_problems

CSP_MIDDLEWARE = "csp.middleware.CSPMiddleware"
PERMISSIONS_POLICY_MIDDLEWARE = "apps.core.middleware.PermissionsPolicyMiddleware"
_REFERRER_POLICIES_OK = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}


@register(Tags.security, deploy=True)
def check_debug(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.DEBUG:
        return [
            Error(
                "DEBUG is on: error pages show settings and code, and the demo accounts and keys work.",
                hint="Run with DJANGO_SETTINGS_MODULE=config.settings.production.",
                id="kotakita.E501",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_allowed_hosts(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    hosts = list(settings.ALLOWED_HOSTS)
    if not hosts or any(host.strip() in {"*", ".", ""} for host in hosts):
        return [
            Error(
                "ALLOWED_HOSTS is empty or a wildcard: any Host header would be served (password-reset links).",
                hint="Set KOTAKITA_BASE_DOMAIN (or ALLOWED_HOSTS=kotakita.id,.kotakita.id).",
                id="kotakita.E502",
            )
        ]
    messages: list[CheckMessage] = []
    if settings.KOTAKITA_BASE_DOMAIN in {"localhost", "127.0.0.1"} or any(
        host.lstrip(".") in {"localhost", "127.0.0.1"} for host in hosts
    ):
        messages.append(
            Warning(
                "KOTAKITA_BASE_DOMAIN / ALLOWED_HOSTS still name localhost.",
                hint="Set KOTAKITA_BASE_DOMAIN to the public domain, e.g. kotakita.id.",
                id="kotakita.W501",
            )
        )
    return messages


@register(Tags.security, deploy=True)
def check_secret_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return [
        Error(problem, hint="python -c 'import secrets; print(secrets.token_urlsafe(64))'", id="kotakita.E503")
        for problem in secret_key_problems(str(settings.SECRET_KEY))
    ]


@register(Tags.security, deploy=True)
def check_personal_data_keys(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    values = {
        name: getattr(settings, name, "")
        for name in ("PERMITS_NIK_KEYS", "PERMITS_NIK_KEY", "NIK_HMAC_KEY", "ANALYTICS_ENTITY_KEY", "LEVIES_NIK_KEY")
    }
    messages: list[CheckMessage] = [
        Error(problem, hint="See README, 'Deploying to production'.", id="kotakita.E504")
        for problem in personal_data_key_problems(values, str(settings.SECRET_KEY))
    ]
    if getattr(settings, "PERSONAL_DATA_DEV_KEYS", False):
        messages.append(
            Error(
                "PERSONAL_DATA_DEV_KEYS is on: a missing personal-data key silently becomes SECRET_KEY.",
                hint="Only the local and test settings may turn it on.",
                id="kotakita.E505",
            )
        )
    return messages


@register(Tags.security, deploy=True)
def check_content_security_policy(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    directives = policy.get("DIRECTIVES") or {}
    problems = []
    if CSP_MIDDLEWARE not in settings.MIDDLEWARE:
        problems.append(f"{CSP_MIDDLEWARE} is not in MIDDLEWARE.")
    if not directives.get("default-src"):
        problems.append("CONTENT_SECURITY_POLICY has no default-src.")
    scripts = [str(source) for source in directives.get("script-src", directives.get("default-src", []))]
    if any(source in {"'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:"} for source in scripts):
        problems.append("CONTENT_SECURITY_POLICY lets scripts run inline, from eval or from any host.")
    if "'none'" not in [str(source) for source in directives.get("frame-ancestors", [])]:
        problems.append("CONTENT_SECURITY_POLICY must forbid framing (frame-ancestors 'none').")
    return [
        Error(problem, hint="See 'Security headers' in config/settings/base.py.", id="kotakita.E506")
        for problem in problems
    ]


@register(Tags.security, deploy=True)
def check_privacy_headers(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    problems = []
    if getattr(settings, "SECURE_REFERRER_POLICY", None) not in _REFERRER_POLICIES_OK:
        problems.append("SECURE_REFERRER_POLICY must be strict-origin-when-cross-origin or stricter.")
    if PERMISSIONS_POLICY_MIDDLEWARE not in settings.MIDDLEWARE or not getattr(settings, "PERMISSIONS_POLICY", None):
        problems.append("No Permissions-Policy header (PERMISSIONS_POLICY and its middleware).")
    return [Error(problem, id="kotakita.E507") for problem in problems]


@register(Tags.security, deploy=True)
def check_email(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend" and settings.EMAIL_HOST in {
        "localhost",
        "127.0.0.1",
        "",
    }:
        return [
            Warning(
                "E-mail goes to an SMTP server on localhost: password resets and notifications are likely lost.",
                hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD).",
                id="kotakita.W502",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_sandboxes_off(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The local sandboxes of outside services (apps.sandbox: payment gateway, OSS, WhatsApp/SMS/
    Telegram) answer instead of the real services wherever SANDBOX_ALLOWED is on: a staging
    site (silence E510 there), never production."""
    if not settings.DEBUG and getattr(settings, "SANDBOX_ALLOWED", False):
        return [
            Error(
                "SANDBOX_ALLOWED is on: payments, OSS and notifications may be answered by local sandboxes.",
                hint="Unset KOTAKITA_ALLOW_SANDBOX and PAYMENTS_ALLOW_SANDBOX (staging sites silence kotakita.E510).",
                id="kotakita.E510",
            )
        ]
    return []
