"""Query budgets of the arisan lists (API and page): the same count at n and 10n groups, ≤ 12.

The kas book (entries API, /kas/rt/<id>/) and /kas/ cost 17, 22 and 28 queries whatever the
number of rows: role checks repeated by apps.community.policy, not a per-row query. They get a
budget test once that policy reads the roles once per request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from apps.community import services
from tests.budgets import assert_list_budget

from .conftest import World, client_as

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _search_path_once_per_request(settings: Any) -> None:
    """Count as production runs: `SET search_path` when the schema changes, not before every
    query (TENANT_LIMIT_SET_CALLS, which the connection-pool work turns on in settings)."""
    settings.TENANT_LIMIT_SET_CALLS = True


API = "/api/v1/community"


def _groups(world: World) -> Callable[[int], None]:
    made = [0]

    def grow(count: int) -> None:
        for _ in range(count):
            made[0] += 1
            group = services.create_group(
                organiser=world.sri,
                name=f"Arisan {made[0]}",
                contribution="20000",
                period="monthly",
                draw_method="random",
                start_date=date(2026, 1, 5),
            )
            services.add_member(group, world.joko, actor=world.sri)
            if made[0] % 2:  # running, with rounds and winners
                services.commit_draw(group, actor=world.sri)
                services.reveal_draw(group, actor=world.sri)

    return grow


@pytest.mark.parametrize("path", [f"{API}/arisan/?page_size=100", "/kas/arisan/"])
def test_arisan_lists(world: World, path: str) -> None:
    client = client_as(world.joko)
    assert_list_budget(lambda: client.get(path), _groups(world))
