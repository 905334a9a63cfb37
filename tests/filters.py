"""What every API list answers for a filter value it cannot read (apps.core.api.filters)."""

from __future__ import annotations

from typing import Any


def assert_refused(response: Any, *names: str) -> dict[str, Any]:
    """400 `invalid_filter` naming exactly these parameters; returns the error body."""
    assert response.status_code == 400, response.content
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == "invalid_filter", error
    assert sorted(error["details"]) == sorted(names), error
    return error
