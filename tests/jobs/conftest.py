"""Fixtures of the bansos and marketplace tests, shared with the job tests."""

from tests.aid.conftest import make_program, staff_a, units_a
from tests.marketplace.conftest import in_a, market

__all__ = ["in_a", "make_program", "market", "staff_a", "units_a"]
