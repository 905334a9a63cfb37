"""Deploy checks kotakita.W701-W703."""

from __future__ import annotations

from django.test import override_settings

from apps.observability.checks import check_metrics_access, check_sentry


def ids(messages: list[object]) -> list[str]:
    return [m.id for m in messages]  # type: ignore[attr-defined]


def test_sentry_dsn_missing_warns() -> None:
    with override_settings(SENTRY_DSN=""):
        assert ids(check_sentry()) == ["kotakita.W701"]
    with override_settings(SENTRY_DSN="https://key@sentry.example/1"):
        assert check_sentry() == []


def test_metrics_without_token_warns() -> None:
    with override_settings(METRICS_TOKEN="", METRICS_ALLOWED_IPS=[]):
        assert ids(check_metrics_access()) == ["kotakita.W702"]
    with override_settings(METRICS_TOKEN="short", METRICS_ALLOWED_IPS=[]):
        assert ids(check_metrics_access()) == ["kotakita.W703"]
    with override_settings(METRICS_TOKEN="x" * 40, METRICS_ALLOWED_IPS=[]):
        assert check_metrics_access() == []
    with override_settings(METRICS_TOKEN="", METRICS_ALLOWED_IPS=["10.0.0.0/8"]):
        assert check_metrics_access() == []


def test_checks_are_registered_for_deploy() -> None:
    from django.core.checks import registry

    deploy = registry.registry.get_checks(include_deployment_checks=True)
    assert check_sentry in deploy and check_metrics_access in deploy
