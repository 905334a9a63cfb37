"""PgBouncer in transaction mode would run a request's queries in another tenant's schema:
refused at startup (kotakita.E509). Production must say how it reaches PostgreSQL (E508)."""

from __future__ import annotations

from typing import Any

import pytest

from apps.tenancy.checks import check_database_pooler, check_database_pooler_declared


def ids(messages: list[Any]) -> list[str]:
    return [message.id for message in messages]


@pytest.mark.parametrize("pooler", ["none", "pgbouncer-session"])
def test_direct_and_session_pooling_pass(settings: Any, pooler: str) -> None:
    settings.DATABASE_POOLER = pooler
    assert check_database_pooler() == []


@pytest.mark.parametrize("pooler", ["pgbouncer-transaction", "pgbouncer"])
def test_transaction_pooling_and_unknown_poolers_are_refused(settings: Any, pooler: str) -> None:
    settings.DATABASE_POOLER = pooler
    assert ids(check_database_pooler()) == ["kotakita.E509"]


def test_production_must_declare_the_pooler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_POOLER", raising=False)
    assert ids(check_database_pooler_declared()) == ["kotakita.E508"]
    monkeypatch.setenv("DATABASE_POOLER", "none")
    assert check_database_pooler_declared() == []
