"""k-anonymity for aggregated cells and an auditor against differencing (pure, no Django).

A *cell* is one aggregate (a count, a sum of omzet, ...) over a set of distinct *entities*
(households, UMKM, residents) identified by opaque ids. Three layers of protection:

1. **Primary suppression** (`suppress_cells`): a cell computed from 1..k-1 entities is not
   released. A cell of 0 entities is released (an empty cell discloses no one's value).

2. **Complementary suppression in a table** (`protect_table`): cells form a hierarchy by key
   prefix (("RW 01",) is the parent of ("RW 01", "RT 03"); the root is the key ()). A released
   parent minus its released children gives the sum over the entities no released child covers;
   that *residual* must be empty or hold at least k entities. When it does not, the released
   child with the fewest entities is suppressed too (with its released descendants, since they
   would rebuild it) and the check repeats. Parents are checked deepest first, so a suppression
   low in the tree is seen by the checks above it. A child counts as covered when it is released
   or when its own released descendants rebuild it.

3. **Query auditing** (`QueryAuditor`): cells released one by one (an API, a dashboard filter)
   are recorded per requester in an `AuditStore`. A new cell of the same `measure` is refused
   when it and an already released cell differ in 1..k-1 entities (their difference would be an
   aggregate of fewer than k entities: "RW 01" then "RW 01 without RT 03" where RT 03 has one
   UMKM), or when, together with the released cells it overlaps, it would pin down one entity's
   value exactly (a unit vector in the row space of the 0/1 query-by-entity matrix: "RW 01",
   then "RT 01", then "RT 02" when RW 01 = RT 01 + RT 02 + one entity). Decisions look only at
   entity sets, never at values, so a refusal itself leaks nothing about the values.

Limits, documented rather than hidden: combinations of three or more released cells that isolate
a *group* of 2..k-1 entities (not one) are not detected (finding the smallest group in a span
is a hard problem); auditing is per requester, so requesters who collude should share one key
(e.g. everything published on a public dashboard under "public"); a dominant entity (one UMKM
with 90% of an RW's omzet) is not handled (that needs a p%-rule on values); and cells of
different `measure`s (e.g. different periods) are not differenced against each other.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import numpy as np

DEFAULT_K = 5
Key = tuple[str, ...]


class Reason(StrEnum):
    BELOW_K = "below_k"  # fewer than k entities
    COMPLEMENT = "complement"  # released, it would let a parent's residual of < k be derived
    DIFFERENCING = "differencing"  # differs from a released cell in fewer than k entities
    INDIVIDUAL = "individual_disclosure"  # with released cells it would reveal one entity's value


@dataclass(frozen=True)
class Cell:
    key: Key
    value: float
    entities: frozenset[Hashable]
    measure: str = ""

    @property
    def n(self) -> int:
        return len(self.entities)


@dataclass(frozen=True)
class Released:
    """A cell as it may be shown: `value` and `n` are None when suppressed."""

    key: Key
    value: float | None
    n: int | None
    suppressed: bool
    reason: Reason | None = None


def is_publishable(n_entities: int, k: int = DEFAULT_K) -> bool:
    """0 entities or at least k."""
    if k < 1:
        raise ValueError("k must be at least 1")
    return n_entities == 0 or n_entities >= k


def _show(cell: Cell, reason: Reason | None) -> Released:
    if reason is None:
        return Released(cell.key, cell.value, cell.n, suppressed=False)
    return Released(cell.key, None, None, suppressed=True, reason=reason)


def suppress_cells(cells: Iterable[Cell], k: int = DEFAULT_K) -> list[Released]:
    """Primary suppression only: each cell on its own."""
    return [_show(c, None if is_publishable(c.n, k) else Reason.BELOW_K) for c in cells]


def _parent(key: Key, keys: set[Key]) -> Key | None:
    """Nearest ancestor of `key` present in the table (levels may be skipped)."""
    for cut in range(len(key) - 1, -1, -1):
        if key[:cut] in keys:
            return key[:cut]
    return None


def protect_table(cells: Sequence[Cell], k: int = DEFAULT_K) -> list[Released]:
    """Primary plus complementary suppression over a hierarchy of cells (see module doc).

    Children's entities must be subsets of their parent's. Returns one `Released` per input
    cell, in input order.
    """
    by_key = {c.key: c for c in cells}
    if len(by_key) != len(cells):
        raise ValueError("cell keys must be unique")
    keys = set(by_key)
    children: dict[Key, list[Key]] = {key: [] for key in keys}
    for key in keys:
        parent = _parent(key, keys)
        if parent is not None:
            if not by_key[key].entities <= by_key[parent].entities:
                raise ValueError(f"entities of {key} are not a subset of its parent {parent}")
            children[parent].append(key)
    reason: dict[Key, Reason | None] = {
        key: None if is_publishable(c.n, k) else Reason.BELOW_K for key, c in by_key.items()
    }

    def covered(key: Key) -> frozenset[Hashable]:
        if reason[key] is None:
            return by_key[key].entities
        out: frozenset[Hashable] = frozenset()
        for child in children[key]:
            out |= covered(child)
        return out

    def suppress_subtree(key: Key) -> None:
        if reason[key] is None:
            reason[key] = Reason.COMPLEMENT
        for child in children[key]:
            suppress_subtree(child)

    for key in sorted(keys, key=lambda kk: (-len(kk), kk)):  # deepest parents first
        if reason[key] is not None or not children[key]:
            continue
        while True:
            cover = {child: covered(child) for child in children[key]}
            union: frozenset[Hashable] = frozenset().union(*cover.values())
            residual = len(by_key[key].entities - union)
            if is_publishable(residual, k):
                break
            candidates = [child for child, ents in cover.items() if ents]
            # Smallest covered set first: it costs the least information to hide.
            victim = min(candidates, key=lambda ch: (len(cover[ch]), ch))
            suppress_subtree(victim)
    return [_show(c, reason[c.key]) for c in cells]


# --- query auditing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditRecord:
    key: Key
    measure: str
    entities: frozenset[Hashable]


class AuditStore(Protocol):
    """Where released cells are remembered (in memory here; a Django model later)."""

    def released(self, requester: str, measure: str) -> Sequence[AuditRecord]: ...

    def record(self, requester: str, record: AuditRecord) -> None: ...


@dataclass
class InMemoryAuditStore:
    records: dict[tuple[str, str], list[AuditRecord]] = field(default_factory=dict)

    def released(self, requester: str, measure: str) -> Sequence[AuditRecord]:
        return tuple(self.records.get((requester, measure), ()))

    def record(self, requester: str, record: AuditRecord) -> None:
        self.records.setdefault((requester, record.measure), []).append(record)


@dataclass(frozen=True)
class Decision:
    released: bool
    value: float | None
    reason: Reason | None = None
    conflicts: tuple[Key, ...] = ()  # released cells the new one would be combined with


def _disclosed_entities(sets: Sequence[frozenset[Hashable]]) -> set[Hashable]:
    """Entities whose individual value is a linear combination of the sums over `sets`."""
    universe = sorted(frozenset().union(*sets), key=repr)
    if not universe:
        return set()
    index = {e: i for i, e in enumerate(universe)}
    m = np.zeros((len(sets), len(universe)))
    for r, ents in enumerate(sets):
        m[r, [index[e] for e in ents]] = 1.0
    _, sv, vt = np.linalg.svd(m, full_matrices=False)
    rank = int((sv > 1e-9 * max(sv.max(initial=0.0), 1.0)).sum())
    leverage = (vt[:rank] ** 2).sum(axis=0)  # e_i is in the row space iff this is 1
    return {universe[i] for i in np.flatnonzero(leverage > 1.0 - 1e-9)}


class QueryAuditor:
    """Releases cells one at a time, refusing those that would break k-anonymity by differencing.

    `request` returns a Decision and records released cells in the store. Refused cells are not
    recorded. Asking again for an already released population is allowed.
    """

    def __init__(self, store: AuditStore | None = None, k: int = DEFAULT_K, check_individual: bool = True) -> None:
        if k < 1:
            raise ValueError("k must be at least 1")
        self.store: AuditStore = store if store is not None else InMemoryAuditStore()
        self.k = k
        self.check_individual = check_individual

    def check(self, requester: str, cell: Cell) -> Decision:
        """What `request` would decide, without recording anything."""
        if not is_publishable(cell.n, self.k):
            return Decision(False, None, Reason.BELOW_K)
        previous = self.store.released(requester, cell.measure)
        for rec in previous:
            diff = len(rec.entities ^ cell.entities)
            if 0 < diff < self.k:
                return Decision(False, None, Reason.DIFFERENCING, (rec.key,))
        if self.check_individual and cell.entities:
            group = self._connected(previous, cell.entities)
            before = _disclosed_entities([r.entities for r in group])
            after = _disclosed_entities([*(r.entities for r in group), cell.entities])
            if after - before:
                return Decision(False, None, Reason.INDIVIDUAL, tuple(r.key for r in group))
        return Decision(True, cell.value)

    def request(self, requester: str, cell: Cell) -> Decision:
        decision = self.check(requester, cell)
        if decision.released and cell.entities:
            known = self.store.released(requester, cell.measure)
            if not any(rec.entities == cell.entities for rec in known):
                self.store.record(requester, AuditRecord(cell.key, cell.measure, cell.entities))
        return decision

    @staticmethod
    def _connected(records: Sequence[AuditRecord], start: frozenset[Hashable]) -> list[AuditRecord]:
        """Released cells linked to `start` through shared entities (others cannot combine with
        it into a new disclosure: the query matrix is block-diagonal across unlinked groups)."""
        reach = set(start)
        group: list[AuditRecord] = []
        pending = list(records)
        grew = True
        while grew:
            grew = False
            rest = []
            for rec in pending:
                if rec.entities & reach:
                    group.append(rec)
                    reach |= rec.entities
                    grew = True
                else:
                    rest.append(rec)
            pending = rest
        return group
