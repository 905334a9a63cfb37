"""Fixtures shared with the bansos, marketplace and ops tests."""

from tests.aid.conftest import make_program, staff_a, units_a
from tests.marketplace.conftest import in_a, market
from tests.ops.conftest import redis_server

__all__ = ["in_a", "make_program", "market", "redis_server", "staff_a", "units_a"]
