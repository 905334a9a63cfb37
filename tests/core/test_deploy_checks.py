"""KotaKita's `check --deploy` checks (apps/core/checks.py, kotakita.E5xx/W5xx), one test each,
and the production settings as a whole: a complete environment passes `check --deploy
--fail-level WARNING` with no database, and removing any required variable fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from apps.core import checks

ROOT = Path(__file__).resolve().parents[2]

# The environment of a correct production deployment: THE one place to extend when a new
# required production variable arrives (payment gateway, storage, throttles...). Every variable
# here must be required: the test below removes each in turn and expects production to fail.
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    # Nothing listens on port 1: `check --deploy` must not need the database.
    "DATABASE_URL": "postgres://kotakita:unused@127.0.0.1:1/kotakita",
    # How PostgreSQL is reached (kotakita.E508); never PgBouncer in transaction mode (E509).
    "DATABASE_POOLER": "none",
    "SECRET_KEY": "p9Vq2Lr7-Xc4Tz8Wm1Hs6Ny3Bk5Jd0Fg_Ua7Qe2Ro9Ci4Pv1Zl6Mx8Tb3Sw5Yn0Hj",
    "KOTAKITA_BASE_DOMAIN": "kotakita.example",
    "PERMITS_NIK_KEYS": "nik-current-Qm7Xr2Vt9Lp4Zc8Wk1Hs6Ny3Bd5Jf0Gu,nik-previous-Ae4Rb8Tc2Yd6Uf1Ig5Oh9Pj3Kl7Zx",
    "NIK_HMAC_KEY": "aid-hmac-Wd3Ft7Gy1Hu5Ji9Ko2Lp6Zq4Xr8Cs0Vb",
    "ANALYTICS_ENTITY_KEY": "analytics-Mn2Bv6Cx0Zl4Kj8Hg3Fd7Sa1Qw5Er9Ty",
    "LEVIES_NIK_KEY": "levies-nik-Rt6Yu0Io4Pa8Sd2Fg7Hj1Kl5Zx9Cv3Bn",
    "EMAIL_HOST": "smtp.kotakita.example",
    # The broker (W600); nothing is contacted by the checks.
    "REDIS_URL": "redis://127.0.0.1:1/0",
    # A real payment gateway (kotakita.E1xx), production keys.
    "PAYMENTS_GATEWAY": "midtrans",
    "MIDTRANS_SERVER_KEY": "Mid-server-Zq4Xr8Cs0VbWd3Ft7Gy1Hu5Ji9Ko2Lp6",
    "MIDTRANS_CLIENT_KEY": "Mid-client-Kj8Hg3Fd7Sa1Qw5Er9TyMn2Bv6Cx0Zl4",
    "MIDTRANS_IS_PRODUCTION": "true",
    # Files on an S3-compatible store (kotakita.E2xx): local disk is a warning in production.
    "KOTAKITA_STORAGE": "s3",
    "AWS_STORAGE_BUCKET_NAME_PUBLIC": "kotakita-public",
    "AWS_STORAGE_BUCKET_NAME_PRIVATE": "kotakita-private",
    "AWS_ACCESS_KEY_ID": "kotakita-files",
    "AWS_SECRET_ACCESS_KEY": "s3-secret-Ty5Er9Qw1Sa7Fd3Hg8Kj4Zl0Cx6Bv2Mn",
    # Observability (kotakita.W7xx): errors reach Sentry, Prometheus may scrape /metrics.
    "SENTRY_DSN": "https://public-key@sentry.kotakita.example/1",
    "METRICS_TOKEN": "metrics-Gh4Jk8Lz2Xc6Vb0Nm3Qw7Er1Ty5Ui9Op",
}


def run_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_complete_production_environment_passes_every_deploy_check() -> None:
    run = run_check(PRODUCTION_ENV)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no issues" in run.stdout


@pytest.mark.parametrize("missing", [name for name in PRODUCTION_ENV if name != "DJANGO_SETTINGS_MODULE"])
def test_production_fails_without_each_required_variable(missing: str) -> None:
    run = run_check({name: value for name, value in PRODUCTION_ENV.items() if name != missing})
    assert run.returncode != 0
    assert missing in run.stdout + run.stderr  # the message names what is missing


def test_production_refuses_a_short_secret_key_and_a_personal_data_key_equal_to_it() -> None:
    short = run_check({**PRODUCTION_ENV, "SECRET_KEY": "x" * 20 + "abcdefghij"})
    assert short.returncode != 0 and "at least 50 characters" in short.stderr
    same = run_check({**PRODUCTION_ENV, "NIK_HMAC_KEY": PRODUCTION_ENV["SECRET_KEY"]})
    assert same.returncode != 0 and "NIK_HMAC_KEY must differ from SECRET_KEY" in same.stderr
    assert PRODUCTION_ENV["SECRET_KEY"] not in same.stderr  # never the secret itself


@pytest.mark.parametrize("switch", ["KOTAKITA_ALLOW_SANDBOX", "PAYMENTS_ALLOW_SANDBOX"])
def test_production_refuses_the_local_sandboxes(switch: str) -> None:
    """apps.sandbox (payment gateway, OSS, notification channels) never answers in production."""
    run = run_check({**PRODUCTION_ENV, switch: "true"})
    assert run.returncode != 0 and "kotakita.E510" in run.stdout + run.stderr


def ids(messages: list[Any]) -> set[str]:
    return {message.id for message in messages}


def test_e501_debug_on(settings: Any) -> None:
    settings.DEBUG = True
    assert ids(checks.check_debug()) == {"kotakita.E501"}
    settings.DEBUG = False
    assert checks.check_debug() == []


@pytest.mark.parametrize("hosts", [[], ["*"], ["kotakita.id", "*"], ["."]])
def test_e502_allowed_hosts_empty_or_wildcard(settings: Any, hosts: list[str]) -> None:
    settings.ALLOWED_HOSTS = hosts
    assert ids(checks.check_allowed_hosts()) == {"kotakita.E502"}


def test_w501_base_domain_still_localhost(settings: Any) -> None:
    settings.KOTAKITA_BASE_DOMAIN, settings.ALLOWED_HOSTS = "localhost", ["localhost", ".localhost"]
    assert ids(checks.check_allowed_hosts()) == {"kotakita.W501"}
    settings.KOTAKITA_BASE_DOMAIN, settings.ALLOWED_HOSTS = "kotakita.id", ["kotakita.id", ".kotakita.id"]
    assert checks.check_allowed_hosts() == []


@pytest.mark.parametrize(
    "secret_key",
    [
        "short-but-random-Xq8",
        "a" * 60,  # long, but only one character
        "dev-only-insecure-key-change-me" + "x9Lp2" * 6,  # the repository's default, padded
        "django-insecure-" + "k3Jd8Qw1Zx5Cv7Bn2Ml4Po6Iu9Yt0Re" * 2,
    ],
)
def test_e503_weak_secret_key(settings: Any, secret_key: str) -> None:
    settings.SECRET_KEY = secret_key
    messages = checks.check_secret_key()
    assert ids(messages) == {"kotakita.E503"}
    assert all(secret_key not in str(message) for message in messages)
    settings.SECRET_KEY = PRODUCTION_ENV["SECRET_KEY"]
    assert checks.check_secret_key() == []


def _production_keys(settings: Any) -> None:
    settings.SECRET_KEY = PRODUCTION_ENV["SECRET_KEY"]
    settings.PERMITS_NIK_KEYS = PRODUCTION_ENV["PERMITS_NIK_KEYS"].split(",")
    settings.PERMITS_NIK_KEY = ""
    settings.NIK_HMAC_KEY = PRODUCTION_ENV["NIK_HMAC_KEY"]
    settings.ANALYTICS_ENTITY_KEY = PRODUCTION_ENV["ANALYTICS_ENTITY_KEY"]
    settings.LEVIES_NIK_KEY = PRODUCTION_ENV["LEVIES_NIK_KEY"]
    settings.PERSONAL_DATA_DEV_KEYS = False


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("NIK_HMAC_KEY", "", "Set NIK_HMAC_KEY"),
        ("ANALYTICS_ENTITY_KEY", "", "Set ANALYTICS_ENTITY_KEY"),
        ("LEVIES_NIK_KEY", "", "Set LEVIES_NIK_KEY"),
        ("LEVIES_NIK_KEY", PRODUCTION_ENV["NIK_HMAC_KEY"], "must be different keys"),
        ("PERMITS_NIK_KEYS", [], "Set PERMITS_NIK_KEYS"),
        ("NIK_HMAC_KEY", "too-short", "at least 32 characters"),
        ("ANALYTICS_ENTITY_KEY", PRODUCTION_ENV["SECRET_KEY"], "must differ from SECRET_KEY"),
        ("ANALYTICS_ENTITY_KEY", PRODUCTION_ENV["NIK_HMAC_KEY"], "must be different keys"),
        ("PERMITS_NIK_KEYS", ["new-key-Qm7Xr2Vt9Lp4Zc8Wk1Hs6Ny3Bd5", PRODUCTION_ENV["SECRET_KEY"]], "SECRET_KEY"),
    ],
)
def test_e504_personal_data_keys_missing_short_or_shared(settings: Any, name: str, value: Any, problem: str) -> None:
    _production_keys(settings)
    assert checks.check_personal_data_keys() == []
    setattr(settings, name, value)
    messages = checks.check_personal_data_keys()
    assert ids(messages) == {"kotakita.E504"}
    assert any(problem in str(message.msg) for message in messages)


def test_e504_the_old_single_permits_key_still_counts(settings: Any) -> None:
    _production_keys(settings)
    settings.PERMITS_NIK_KEYS, settings.PERMITS_NIK_KEY = [], "single-Qm7Xr2Vt9Lp4Zc8Wk1Hs6Ny3Bd5Jf0"
    assert checks.check_personal_data_keys() == []


def test_e505_dev_personal_data_keys(settings: Any) -> None:
    _production_keys(settings)
    settings.PERSONAL_DATA_DEV_KEYS = True
    assert ids(checks.check_personal_data_keys()) == {"kotakita.E505"}


def test_e506_content_security_policy(settings: Any) -> None:
    assert checks.check_content_security_policy() == []  # as configured in base.py
    policy = settings.CONTENT_SECURITY_POLICY
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != checks.CSP_MIDDLEWARE]
    assert ids(checks.check_content_security_policy()) == {"kotakita.E506"}
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, checks.CSP_MIDDLEWARE]
    directives = policy["DIRECTIVES"]
    for broken in (
        {**directives, "script-src": ["'self'", "'unsafe-inline'"]},
        {**directives, "frame-ancestors": ["'self'"]},
        {key: value for key, value in directives.items() if key != "default-src"},
    ):
        settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": broken}
        assert ids(checks.check_content_security_policy()) == {"kotakita.E506"}, broken
    settings.CONTENT_SECURITY_POLICY = {}
    assert ids(checks.check_content_security_policy()) == {"kotakita.E506"}


def test_e507_referrer_and_permissions_policy(settings: Any) -> None:
    assert checks.check_privacy_headers() == []
    settings.SECURE_REFERRER_POLICY = "unsafe-url"
    assert ids(checks.check_privacy_headers()) == {"kotakita.E507"}
    settings.SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
    settings.PERMISSIONS_POLICY = {}
    assert ids(checks.check_privacy_headers()) == {"kotakita.E507"}


def test_the_checks_are_registered_for_deploy_only() -> None:
    from django.core.checks import registry

    deploy = {check.__name__ for check in registry.registry.get_checks(include_deployment_checks=True)}
    plain = {check.__name__ for check in registry.registry.get_checks(include_deployment_checks=False)}
    ours = {"check_debug", "check_allowed_hosts", "check_secret_key", "check_personal_data_keys"}
    assert ours <= deploy and not ours & plain


def test_e510_sandboxes_allowed_outside_debug(settings: Any) -> None:
    settings.DEBUG, settings.SANDBOX_ALLOWED = False, True
    assert ids(checks.check_sandboxes_off()) == {"kotakita.E510"}
    settings.SANDBOX_ALLOWED = False
    assert checks.check_sandboxes_off() == []
    settings.DEBUG, settings.SANDBOX_ALLOWED = True, True  # a developer's machine
    assert checks.check_sandboxes_off() == []


def test_w502_smtp_on_localhost(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "localhost"
    assert ids(checks.check_email()) == {"kotakita.W502"}
    settings.EMAIL_HOST = "smtp.kotakita.example"
    assert checks.check_email() == []
