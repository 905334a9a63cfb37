"""Seeing what reaches PostgreSQL: statements at the driver, and the schema each one ran in.

`driver_statements` records at psycopg, below Django: it sees every `SET search_path`, also
the ones django-tenants runs on a throw-away raw cursor (for server-side cursors), which
Django's query capture does not.
`schema_witness` asks the server, before every statement Django runs, which schema it is in
(on a separate raw cursor, so asking triggers no SET of its own) and records every statement
whose server-side schema is not the one the connection believes it is in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from psycopg.pq import TransactionStatus


@contextmanager
def driver_statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    seen: list[str] = []
    original = psycopg.Cursor.execute

    def execute(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(query if isinstance(query, str) else repr(query))
        return original(self, query, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(psycopg.Cursor, "execute", execute)
        yield seen


def set_calls(statements: list[str]) -> list[str]:
    return [sql for sql in statements if sql.startswith("SET search_path")]


def server_schema(wrapper: Any) -> str:
    """The schema PostgreSQL resolves unqualified names in, asked without going through Django.
    (Outside autocommit, asking opens a transaction: use it only where one is open anyway.)"""
    with wrapper.connection.cursor() as raw:
        raw.execute("SELECT current_schema()")
        row = raw.fetchone()
    return str(row[0])


@contextmanager
def schema_witness(wrapper: Any) -> Iterator[list[tuple[str, str, str]]]:
    """(statement, schema Django meant, schema PostgreSQL used) for every statement that ran
    in the wrong schema; statements in an aborted transaction are not checked (they fail)."""
    wrong: list[tuple[str, str, str]] = []

    def witness(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        raw = wrapper.connection
        setting = sql.startswith("SET search_path")  # runs before the path is there, by definition
        if not setting and raw is not None and raw.info.transaction_status != TransactionStatus.INERROR:
            actual = server_schema(wrapper)
            if actual != wrapper.schema_name:
                wrong.append((sql, wrapper.schema_name, actual))
        return execute(sql, params, many, context)

    with wrapper.execute_wrapper(witness):
        yield wrong
