"""The confirm of a beneficiary import, a chunk of rows at a time, without a savepoint per row.

`services.enrol` checks one person under row locks, one savepoint each; PostgreSQL keeps the
lock of every savepoint (and every advisory lock) until the transaction ends, so thousands of
rows in one transaction exhaust its lock table, and one request cannot do them in 30 s. Here a
chunk's rows are checked together with a handful of queries, by the same rules and messages as
`enrol` (eligibility, one enrolment per person or per No. KK, exclusions, quota), and the rows
that pass are written with bulk inserts and updates. A row that fails is skipped entirely (its
beneficiary is not created or changed either), as the savepoint used to do.

With `write=True` the chunk runs under the locks `enrol` takes: the program row (quota and
duplicates), the beneficiaries' rows and the advisory lock of each No. KK (exclusions), taken
in a fixed order. A person created concurrently under the same NIK makes the insert fail on
the unique NIK hash: the caller retries the chunk, which then finds that person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import User
from apps.core.db import connection
from apps.core.errors import DomainError
from apps.rtrw.models import RukunTetangga

from . import services
from .importing import ParsedRow, RowError
from .models import FAMILY_TARGETS, Beneficiary, Enrolment, ImportBatch, Program


@dataclass
class ChunkResult:
    errors: list[RowError]
    accepted: int


class ChunkWriter:
    """Checks (and with `write`, writes) chunks of one import into one program. What does not
    change during the import (RT units, the program's RT rule and exclusions) is read once."""

    def __init__(self, program: Program, *, by: User | None, batch: ImportBatch) -> None:
        self.program = program
        self.by = by
        self.batch = batch
        self.today = timezone.localdate()
        self.units = {(unit.rw.number, unit.number): unit for unit in RukunTetangga.objects.select_related("rw")}
        self.allowed_rt_ids = list(program.allowed_rts.values_list("pk", flat=True))
        self.excluded_ids = list(program.excludes.values_list("pk", flat=True))

    def run(self, rows: Sequence[ParsedRow], *, write: bool, taken: int = 0) -> ChunkResult:
        """Check every row; with `write`, write the ones that pass (the caller's transaction).
        `taken`: quota places already claimed by earlier chunks of a check that writes nothing."""
        program = Program.objects.select_for_update().get(pk=self.program.pk) if write else self.program
        existing = self._beneficiaries(rows, lock=write)
        if write:
            self._lock_families(rows)
        candidates: dict[int, Beneficiary] = {}  # line → the beneficiary as it would be saved
        errors: list[RowError] = []
        for row in rows:
            unit = self.units.get((row.person.rw, row.person.rt))
            if unit is None:
                errors.append(_row_error(row, services.unknown_rt(row.person.rw, row.person.rt)))
                continue
            beneficiary = existing.get(row.person.nik_hash) or Beneficiary(nik_hash=row.person.nik_hash)
            for name, value in services.beneficiary_values(row.person, unit).items():
                setattr(beneficiary, name, value)
            candidates[row.line] = beneficiary
        by_line = {row.line: row for row in rows}
        enrolments, families, clashes = self._enrolments(program, list(candidates.values()))
        room = program.quota - Enrolment.objects.filter(program=program, status=Enrolment.Status.ACTIVE).count() - taken
        accepted: list[Beneficiary] = []
        for line, beneficiary in candidates.items():
            try:
                self._check(program, beneficiary, enrolments, families, clashes)
                if len(accepted) >= room:
                    raise services.quota_full(program)
            except DomainError as exc:
                errors.append(_row_error(by_line[line], exc))
                continue
            accepted.append(beneficiary)
        if write:
            self._write(program, accepted, enrolments)
        errors.sort(key=lambda error: error.line)
        return ChunkResult(errors=errors, accepted=len(accepted))

    def _beneficiaries(self, rows: Sequence[ParsedRow], *, lock: bool) -> dict[str, Beneficiary]:
        found = Beneficiary.objects.filter(nik_hash__in=[row.person.nik_hash for row in rows]).order_by("nik_hash")
        if lock:
            found = found.select_for_update()
        return {beneficiary.nik_hash: beneficiary for beneficiary in found}

    def _lock_families(self, rows: Sequence[ParsedRow]) -> None:
        """The advisory lock `enrol` takes on a family's No. KK, for every family of the chunk."""
        keys = sorted({f"{connection.schema_name}:aid:kk:{row.person.kk_hash}" for row in rows if row.person.kk_hash})
        if keys:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(key, 0)) FROM unnest(%s::text[]) AS key", [keys]
                )

    def _enrolments(
        self, program: Program, beneficiaries: list[Beneficiary]
    ) -> tuple[dict[int, Enrolment], dict[str, Enrolment], list[Enrolment]]:
        """This program's enrolments of these people, its active ones of their families, and the
        active enrolments in the programs it excludes that concern them."""
        ids = [b.pk for b in beneficiaries if b.pk]
        families = {b.kk_hash for b in beneficiaries if b.kk_hash}
        enrolments = {e.beneficiary_id: e for e in Enrolment.objects.filter(program=program, beneficiary_id__in=ids)}
        by_family: dict[str, Enrolment] = {}
        if program.is_family_target and families:
            active = Enrolment.objects.filter(program=program, match_key__in=families, status=Enrolment.Status.ACTIVE)
            by_family = {e.match_key: e for e in active.select_related("beneficiary")}
        clashes: list[Enrolment] = []
        if self.excluded_ids:
            family = Q(beneficiary__kk_hash__in=families)
            if not program.is_family_target:
                family &= Q(program__target_type__in=FAMILY_TARGETS)
            clashes = list(
                Enrolment.objects.filter(Q(beneficiary_id__in=ids) | family)
                .filter(program_id__in=self.excluded_ids, status=Enrolment.Status.ACTIVE)
                .select_related("program", "beneficiary")
                .order_by("program__name")
            )
        return enrolments, by_family, clashes

    def _check(
        self,
        program: Program,
        beneficiary: Beneficiary,
        enrolments: dict[int, Enrolment],
        families: dict[str, Enrolment],
        clashes: list[Enrolment],
    ) -> None:
        """enrol's checks, in its order, against what _enrolments read."""
        services.check_eligibility(program, beneficiary, today=self.today, allowed_rt_ids=self.allowed_rt_ids)
        existing = enrolments.get(beneficiary.pk) if beneficiary.pk else None
        if existing is not None and existing.status == Enrolment.Status.ACTIVE:
            raise services.already_enrolled(beneficiary, existing)
        if program.is_family_target and beneficiary.kk_hash in families:
            raise services.family_enrolled(beneficiary, families[beneficiary.kk_hash])
        for clash in clashes:
            same_person = beneficiary.pk is not None and clash.beneficiary_id == beneficiary.pk
            same_family = bool(beneficiary.kk_hash) and clash.beneficiary.kk_hash == beneficiary.kk_hash
            if same_person or (
                same_family and (program.is_family_target or clash.program.target_type in FAMILY_TARGETS)
            ):
                raise services.excluded_by(program, beneficiary, clash)

    def _write(self, program: Program, accepted: list[Beneficiary], enrolments: dict[int, Enrolment]) -> None:
        now = timezone.now()
        known = [b for b in accepted if b.pk]
        for beneficiary in known:
            beneficiary.updated_at = now
        Beneficiary.objects.bulk_update(known, [*services.BENEFICIARY_DATA_FIELDS, "updated_at"])
        # Raises IntegrityError when someone created one of these people meanwhile: the caller
        # retries the chunk, which then finds (and locks) them.
        Beneficiary.objects.bulk_create([b for b in accepted if not b.pk])
        again: list[Enrolment] = []
        new: list[Enrolment] = []
        for beneficiary in accepted:
            values: dict[str, Any] = {
                "match_key": services.match_key_for(program, beneficiary),
                "source": Enrolment.Source.IMPORT,
                "import_batch": self.batch,
                "enrolled_by": self.by,
            }
            enrolment = enrolments.get(beneficiary.pk)
            if enrolment is None:
                new.append(Enrolment(program=program, beneficiary=beneficiary, **values))
                continue
            for name, value in values.items():  # withdrawn earlier: enrolled again
                setattr(enrolment, name, value)
            enrolment.status = Enrolment.Status.ACTIVE
            enrolment.updated_at = now
            again.append(enrolment)
        Enrolment.objects.bulk_update(
            again, ["status", "match_key", "source", "import_batch", "enrolled_by", "updated_at"]
        )
        Enrolment.objects.bulk_create(new)


def _row_error(row: ParsedRow, exc: DomainError) -> RowError:
    return RowError(row.line, exc.code, str(exc.message), row.person.nik_masked)
