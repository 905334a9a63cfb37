"""Start-up/deploy checks of the payment gateway configuration (apps/payments/checks.py)."""

from __future__ import annotations

from typing import Any

from django.core.checks import run_checks
from django.test import override_settings

from apps.payments.checks import CHECK_IDS, check_payment_gateway

PRODUCTION: dict[str, Any] = {
    "DEBUG": False,
    "PAYMENTS_ALLOW_SANDBOX": False,
    "PAYMENTS_SANDBOX_SERVER_KEY": "",
    "PAYMENTS_CONFIRM_NOTIFICATIONS": True,
    "MIDTRANS_SERVER_KEY": "",
    "MIDTRANS_CLIENT_KEY": "",
    "MIDTRANS_IS_PRODUCTION": True,
    "MIDTRANS_BASE_URL": "",
}
MIDTRANS_OK: dict[str, Any] = {
    **PRODUCTION,
    "PAYMENTS_GATEWAY": "midtrans",
    "MIDTRANS_SERVER_KEY": "Mid-server-abcdefghijklmnop",
    "MIDTRANS_CLIENT_KEY": "Mid-client-abcdefghijklmnop",
}


def ids(**overrides: Any) -> list[str]:
    with override_settings(**overrides):
        return [message.id or "" for message in check_payment_gateway()]


def test_production_without_a_gateway_is_an_error() -> None:
    assert ids(**PRODUCTION, PAYMENTS_GATEWAY="") == ["kotakita.E100"]
    assert ids(**PRODUCTION, PAYMENTS_GATEWAY="paypal") == ["kotakita.E100"]


def test_the_sandbox_in_production_without_the_staging_flag_is_an_error() -> None:
    assert ids(**PRODUCTION, PAYMENTS_GATEWAY="sandbox") == ["kotakita.E101"]
    # ...also when the environment gives it a key: the flag is what makes it a staging site.
    keyed = {"PAYMENTS_GATEWAY": "sandbox", "PAYMENTS_SANDBOX_SERVER_KEY": "k" * 40}
    assert ids(**PRODUCTION | keyed) == ["kotakita.E101"]


def test_the_staging_flag_without_a_sandbox_key_from_the_environment_is_an_error() -> None:
    staging = {**PRODUCTION, "PAYMENTS_GATEWAY": "sandbox", "PAYMENTS_ALLOW_SANDBOX": True}
    assert ids(**staging) == ["kotakita.E103"]
    assert ids(**staging | {"PAYMENTS_SANDBOX_SERVER_KEY": "staging-only-" + "k" * 32}) == []


def test_midtrans_without_keys_is_an_error() -> None:
    assert ids(**MIDTRANS_OK | {"MIDTRANS_SERVER_KEY": ""}) == ["kotakita.E102"]
    assert ids(**MIDTRANS_OK | {"MIDTRANS_CLIENT_KEY": ""}) == ["kotakita.E102"]


def test_a_correctly_configured_midtrans_has_no_payments_messages() -> None:
    assert ids(**MIDTRANS_OK) == []
    with override_settings(**MIDTRANS_OK):  # registered: `manage.py check --deploy` runs it
        found = run_checks(include_deployment_checks=True)
    assert not [message.id for message in found if message.id in {f"kotakita.{code}" for code in CHECK_IDS}]


def test_the_check_is_registered_and_runs_at_start_up() -> None:
    with override_settings(**PRODUCTION, PAYMENTS_GATEWAY="sandbox"):
        found = run_checks()  # plain checks: every management command and runserver run them
    assert "kotakita.E101" in [message.id for message in found]


def test_unconfirmed_notifications_and_plain_http_are_errors_outside_debug() -> None:
    assert ids(**MIDTRANS_OK | {"PAYMENTS_CONFIRM_NOTIFICATIONS": False}) == ["kotakita.E104"]
    assert ids(**MIDTRANS_OK | {"MIDTRANS_BASE_URL": "http://midtrans.example"}) == ["kotakita.E105"]


def test_midtrans_trial_mode_and_mismatched_keys_are_warnings() -> None:
    assert ids(**MIDTRANS_OK | {"MIDTRANS_IS_PRODUCTION": False, "MIDTRANS_SERVER_KEY": "SB-Mid-server-x"}) == [
        "kotakita.W100"
    ]
    assert ids(**MIDTRANS_OK | {"MIDTRANS_SERVER_KEY": "SB-Mid-server-x"}) == ["kotakita.W101"]


def test_local_and_test_settings_pass() -> None:
    assert ids() == []  # config.settings.test: the sandbox, declared like staging, with a key
    developer = {"DEBUG": True, "PAYMENTS_ALLOW_SANDBOX": False, "PAYMENTS_SANDBOX_SERVER_KEY": ""}
    assert ids(**developer, PAYMENTS_GATEWAY="sandbox") == []


def test_the_citus_trigger_check_passes_on_plain_postgresql(db: None) -> None:
    from apps.payments.checks import check_citus_ledger_triggers

    assert check_citus_ledger_triggers(databases=["default"]) == []
    assert check_citus_ledger_triggers() == []  # a plain `check` touches no database
    # registered as a database check: `check --database default` and every migrate run it
    assert "kotakita.E106" not in [message.id for message in run_checks(databases=["default"])]


def test_every_migrate_runs_the_database_checks() -> None:
    """E106 refuses a misconfigured Citus at the release step even when no schema is behind."""
    from apps.tenancy.management.commands.migrate_schemas import Command

    assert Command().get_check_kwargs({"database": "default"})["databases"] == ["default"]
