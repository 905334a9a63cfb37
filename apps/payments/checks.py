"""Start-up checks of the payment gateway configuration (ids kotakita.E100–E199 / W100–W199).

Plain checks, not only `--deploy`: every management command and `runserver` refuses to start
with a gateway that would let money be made up (the sandbox outside DEBUG without a declared
staging site) or that cannot be verified (Midtrans without keys). Local and test settings pass.

    E100  PAYMENTS_GATEWAY is empty or unknown (production has no default).
    E101  the sandbox outside DEBUG without PAYMENTS_ALLOW_SANDBOX=true (a staging site).
    E102  midtrans without MIDTRANS_SERVER_KEY or MIDTRANS_CLIENT_KEY.
    E103  the sandbox on a staging site without PAYMENTS_SANDBOX_SERVER_KEY from the environment.
    E104  PAYMENTS_CONFIRM_NOTIFICATIONS=False outside DEBUG.
    E105  MIDTRANS_BASE_URL is not https outside DEBUG.
    E106  the database is a Citus cluster and citus.enable_unsafe_triggers is off (a database
          check: `check --database default`, and every `migrate`).
    W100  midtrans outside DEBUG with MIDTRANS_IS_PRODUCTION=false (Midtrans' sandbox: no money).
    W101  a Midtrans server key of the other kind than MIDTRANS_IS_PRODUCTION says.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db import connections

from .gateways import GATEWAYS, configured_gateway, midtrans_base_url

CHECK_IDS = ("E100", "E101", "E102", "E103", "E104", "E105", "E106", "W100", "W101")


def _id(code: str) -> str:
    return f"kotakita.{code}"


@register(Tags.security)
def check_payment_gateway(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    gateway = configured_gateway()
    debug = bool(settings.DEBUG)
    if gateway not in GATEWAYS:
        return [
            Error(
                f"PAYMENTS_GATEWAY={gateway!r} is unknown." if gateway else "PAYMENTS_GATEWAY is not set.",
                hint="Set it to 'midtrans' (with its keys), or 'sandbox' on a staging site: production never "
                "falls back to the sandbox.",
                id=_id("E100"),
            )
        ]
    messages: list[CheckMessage] = []
    if not debug and not getattr(settings, "PAYMENTS_CONFIRM_NOTIFICATIONS", True):
        messages.append(
            Error(
                "PAYMENTS_CONFIRM_NOTIFICATIONS is False: notifications would move money unconfirmed.",
                hint="Remove the setting; only DEBUG may skip asking the gateway.",
                id=_id("E104"),
            )
        )
    if gateway == "sandbox":
        return messages + _sandbox_checks(debug)
    return messages + _midtrans_checks(debug)


def _sandbox_checks(debug: bool) -> list[CheckMessage]:
    if debug:
        return []
    if not getattr(settings, "PAYMENTS_ALLOW_SANDBOX", False):
        return [
            Error(
                "PAYMENTS_GATEWAY=sandbox outside DEBUG: anyone could settle charges with play money.",
                hint="Set PAYMENTS_GATEWAY=midtrans with its keys, or PAYMENTS_ALLOW_SANDBOX=true on a staging site.",
                id=_id("E101"),
            )
        ]
    if not getattr(settings, "PAYMENTS_SANDBOX_SERVER_KEY", ""):
        return [
            Error(
                "PAYMENTS_ALLOW_SANDBOX=true but PAYMENTS_SANDBOX_SERVER_KEY is not set.",
                hint="Give the staging sandbox a long random key of its own; the key in the source is public.",
                id=_id("E103"),
            )
        ]
    return []


def _midtrans_checks(debug: bool) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    missing = [name for name in ("MIDTRANS_SERVER_KEY", "MIDTRANS_CLIENT_KEY") if not getattr(settings, name, "")]
    if missing:
        messages.append(
            Error(
                f"PAYMENTS_GATEWAY=midtrans but {', '.join(missing)} not set.",
                hint="Copy them from the Midtrans dashboard (Settings > Access Keys).",
                id=_id("E102"),
            )
        )
    if not debug and not midtrans_base_url().startswith("https://"):
        messages.append(Error(f"MIDTRANS_BASE_URL {midtrans_base_url()!r} is not https.", id=_id("E105")))
    live = bool(getattr(settings, "MIDTRANS_IS_PRODUCTION", False))
    if not debug and not live:
        messages.append(
            Warning(
                "PAYMENTS_GATEWAY=midtrans with MIDTRANS_IS_PRODUCTION=false: Midtrans' sandbox, no real money.",
                hint="Set MIDTRANS_IS_PRODUCTION=true with the production keys when going live.",
                id=_id("W100"),
            )
        )
    server_key = str(getattr(settings, "MIDTRANS_SERVER_KEY", "") or "")
    if server_key and server_key.startswith("SB-") == live:
        kind = "sandbox" if server_key.startswith("SB-") else "production"
        messages.append(
            Warning(
                f"MIDTRANS_SERVER_KEY looks like a {kind} key but MIDTRANS_IS_PRODUCTION={str(live).lower()}.",
                id=_id("W101"),
            )
        )
    return messages


@register(Tags.database)
def check_citus_ledger_triggers(
    app_configs: Any = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """On Citus the ledger's rules are triggers on distributed tables (migrations 0002/0007),
    which Citus refuses to create, and refuses to distribute a tenant schema carrying, unless
    citus.enable_unsafe_triggers is on (docs/operations.md "Citus"). Off, migrations and tenant
    activation would fail half-way; refuse to start instead."""
    messages: list[CheckMessage] = []
    for alias in databases or ():
        with connections[alias].cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('citus.enable_unsafe_triggers', true) FROM pg_extension WHERE extname = 'citus'"
            )
            row = cursor.fetchone()
        if row is not None and row[0] != "on":
            messages.append(
                Error(
                    f"Database {alias!r} is a Citus cluster and citus.enable_unsafe_triggers is {row[0] or 'unset'}: "
                    "the payments ledger's triggers cannot be created on distributed tables.",
                    hint=f"ALTER DATABASE {connections[alias].settings_dict['NAME']} SET citus.enable_unsafe_triggers "
                    '= on (on the coordinator), then reconnect; see docs/operations.md "Citus".',
                    id=_id("E106"),
                )
            )
    return messages
