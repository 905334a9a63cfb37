"""Fixtures shared with the bansos, marketplace and ops tests, and the test database's URL for
the processes a test starts."""

from typing import Any

from tests.aid.conftest import make_program, staff_a, units_a
from tests.marketplace.conftest import in_a, market
from tests.ops.conftest import redis_server

__all__ = ["in_a", "make_program", "market", "redis_server", "staff_a", "units_a"]


def database_url(db: dict[str, Any]) -> str:
    """The test database for another process: over TCP, or the embedded server's socket dir."""
    socket_dir = db.get("OPTIONS", {}).get("host", "")
    if socket_dir:  # the embedded server, as config.embedded_db builds its URL
        return f"postgresql://{db['USER']}@/{db['NAME']}?host={socket_dir}"
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{db['USER']}@{host}:{db['PORT'] or 5432}/{db['NAME']}"
