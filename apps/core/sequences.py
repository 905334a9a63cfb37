"""Yearly document numbers (permit numbers, purchase order numbers): one counter row per year.

`YearlySequence` is abstract: each document kind keeps its own table in the tenant schema
(apps.permits.PermitSequence, apps.procurement.OrderSequence), so numbers restart at 1 every year
and per tenant, and the existing counters stay where they are. `next_value(year)` must run inside
the transaction that stores the numbered document: the counter row stays locked
(SELECT ... FOR UPDATE) until that commits, so two concurrent issues never share a number and a
rolled-back issue gives its number back.
"""

from __future__ import annotations

from django.db import models, transaction


class YearlySequence(models.Model):
    """The last number used in a year (row-locked when a number is taken)."""

    year = models.PositiveSmallIntegerField(unique=True)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.year}: {self.last_value}"

    @classmethod
    def next_value(cls, year: int) -> int:
        """The next number of `year` (1 for its first document); call inside the issuing transaction."""
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError(f"{cls.__name__}.next_value must run inside the issuing transaction")
        # Insert the year's row if missing without failing (or waiting on) a concurrent insert,
        # then lock it: the second of two concurrent callers waits here for the first to commit.
        cls._default_manager.bulk_create([cls(year=year)], ignore_conflicts=True)
        counter = cls._default_manager.select_for_update().get(year=year)
        counter.last_value += 1
        counter.save(update_fields=["last_value"])
        return counter.last_value
