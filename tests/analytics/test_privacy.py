"""k-anonymity suppression and the query auditor against differencing (pure, no DB)."""

from __future__ import annotations

import pytest

from apps.analytics.privacy import (
    Cell,
    InMemoryAuditStore,
    QueryAuditor,
    Reason,
    is_publishable,
    protect_table,
    suppress_cells,
)


def people(prefix: str, n: int) -> frozenset[str]:
    return frozenset(f"{prefix}-{i}" for i in range(n))


RT01, RT02, RT03 = people("rt01", 6), people("rt02", 5), people("rt03", 1)
RW01 = RT01 | RT02 | RT03  # 12 UMKM


def cell(key: tuple[str, ...], entities: frozenset[str], measure: str = "omzet:2025-03") -> Cell:
    return Cell(key, value=1_000_000.0 * len(entities), entities=entities, measure=measure)


def test_primary_suppression() -> None:
    assert is_publishable(0) and is_publishable(5) and not is_publishable(4) and not is_publishable(1)
    assert is_publishable(2, k=2)
    out = suppress_cells([cell(("a",), people("a", 4)), cell(("b",), people("b", 5)), cell(("c",), frozenset())])
    assert [(r.suppressed, r.reason) for r in out] == [(True, Reason.BELOW_K), (False, None), (False, None)]
    assert out[0].value is None and out[0].n is None
    assert out[1].value == 5_000_000.0 and out[1].n == 5
    with pytest.raises(ValueError):
        is_publishable(3, k=0)


def test_complement_suppression_in_a_table() -> None:
    """RW 01 = RT 01 (6) + RT 02 (5) + RT 03 (1). RT 03 is suppressed, but RW 01 - RT 01 - RT 02
    would give it back: the smallest other RT is suppressed too, leaving a residual of 6."""
    table = [cell(("RW 01",), RW01), cell(("RW 01", "RT 01"), RT01), cell(("RW 01", "RT 02"), RT02)]
    table.append(cell(("RW 01", "RT 03"), RT03))
    out = {r.key: r for r in protect_table(table)}
    assert out[("RW 01", "RT 03")].reason == Reason.BELOW_K
    assert out[("RW 01", "RT 02")].reason == Reason.COMPLEMENT
    assert not out[("RW 01",)].suppressed and not out[("RW 01", "RT 01")].suppressed


def test_complement_rule_with_an_unlisted_remainder() -> None:
    """The parent holds entities no child lists (no RT recorded): parent - children shows them."""
    nobody_rt = people("tanpa-rt", 2)
    table = [cell(("RW 02",), RT01 | RT02 | nobody_rt), cell(("RW 02", "RT 01"), RT01), cell(("RW 02", "RT 02"), RT02)]
    out = {r.key: r for r in protect_table(table)}
    assert out[("RW 02", "RT 02")].reason == Reason.COMPLEMENT
    assert not out[("RW 02", "RT 01")].suppressed


def test_three_levels_and_the_kelurahan_total() -> None:
    rw02 = people("rw02", 9)
    table = [
        cell((), RW01 | rw02),
        cell(("RW 01",), RW01),
        cell(("RW 02",), rw02),
        cell(("RW 01", "RT 01"), RT01),
        cell(("RW 01", "RT 02"), RT02),
        cell(("RW 01", "RT 03"), RT03),
    ]
    out = {r.key: r for r in protect_table(table)}
    assert out[("RW 01", "RT 03")].reason == Reason.BELOW_K
    assert out[("RW 01", "RT 02")].reason == Reason.COMPLEMENT
    for key in [(), ("RW 01",), ("RW 02",), ("RW 01", "RT 01")]:
        assert not out[key].suppressed
    with pytest.raises(ValueError, match="subset"):
        protect_table([cell(("RW 01",), RT01), cell(("RW 01", "RT 02"), RT02)])


def test_nothing_to_hide_releases_everything() -> None:
    table = [cell(("RW 01",), RT01 | RT02), cell(("RW 01", "RT 01"), RT01), cell(("RW 01", "RT 02"), RT02)]
    assert not any(r.suppressed for r in protect_table(table))


def test_differencing_attempt_is_refused() -> None:
    """Total of RW 01, then RW 01 without RT 03 (a single UMKM): the second is refused."""
    auditor = QueryAuditor(InMemoryAuditStore())
    first = auditor.request("bpr-madiun", cell(("RW 01",), RW01))
    assert first.released and first.value == 12_000_000.0
    second = auditor.request("bpr-madiun", cell(("RW 01", "tanpa RT 03"), RT01 | RT02))
    assert not second.released and second.value is None
    assert second.reason == Reason.DIFFERENCING and second.conflicts == (("RW 01",),)


def test_differencing_in_the_other_order_is_refused_too() -> None:
    auditor = QueryAuditor()
    assert auditor.request("u", cell(("RW 01 tanpa RT 03",), RT01 | RT02)).released
    assert auditor.request("u", cell(("RW 01",), RW01)).reason == Reason.DIFFERENCING


def test_combining_three_cells_to_isolate_one_entity_is_refused() -> None:
    """Pairwise every difference has >= 5 entities, but RW 01 - RT 01 - RT 02 = RT 03 (one UMKM)."""
    auditor = QueryAuditor()
    assert auditor.request("u", cell(("RW 01",), RW01)).released
    assert auditor.request("u", cell(("RT 01",), RT01)).released
    third = auditor.request("u", cell(("RT 02",), RT02))
    assert not third.released and third.reason == Reason.INDIVIDUAL
    assert set(third.conflicts) == {("RW 01",), ("RT 01",)}
    # Without the linear check the pairwise rule alone lets it through (documented limit).
    assert QueryAuditor(auditor.store, check_individual=False).check("u", cell(("RT 02",), RT02)).released


def test_below_k_requests_and_repeats() -> None:
    auditor = QueryAuditor(k=5)
    assert auditor.request("u", cell(("RT 03",), RT03)).reason == Reason.BELOW_K
    assert auditor.request("u", cell(("RT 01",), RT01)).released
    assert auditor.request("u", cell(("RT 01",), RT01)).released  # the same population again
    store = auditor.store
    assert isinstance(store, InMemoryAuditStore)
    assert len(store.released("u", "omzet:2025-03")) == 1


def test_audit_is_per_requester_and_per_measure() -> None:
    auditor = QueryAuditor()
    assert auditor.request("bpr-madiun", cell(("RW 01",), RW01)).released
    # Another requester has seen nothing yet; so does another measure (e.g. another month).
    assert auditor.request("bumdes-api", cell(("RW 01 tanpa RT 03",), RT01 | RT02)).released
    assert auditor.request("bpr-madiun", cell(("RW 01 tanpa RT 03",), RT01 | RT02, measure="omzet:2025-04")).released
    # Colluding requesters are handled by auditing them under one key (e.g. "public").
    assert auditor.request("bpr-madiun", cell(("RW 01 tanpa RT 03",), RT01 | RT02)).reason == Reason.DIFFERENCING


def test_check_does_not_record() -> None:
    auditor = QueryAuditor()
    assert auditor.check("u", cell(("RW 01",), RW01)).released
    assert auditor.request("u", cell(("RW 01 tanpa RT 03",), RT01 | RT02)).released
