"""The arisan draw engine (pure): reproducible from the seed, checkable, fair."""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from itertools import permutations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.community import draw

SEED = "9f2c4e7a1b3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8"


def test_commitment_is_plain_sha256_of_the_seed_text() -> None:
    assert draw.commitment(SEED) == hashlib.sha256(SEED.encode()).hexdigest()
    assert len(draw.commitment(draw.new_seed())) == 64


def test_new_seeds_are_64_hex_characters_and_differ() -> None:
    seeds = {draw.new_seed() for _ in range(50)}
    assert len(seeds) == 50
    assert all(len(s) == 64 and int(s, 16) >= 0 for s in seeds)


def test_order_is_reproducible_and_independent_of_the_input_order() -> None:
    ids = [17, 3, 42, 8, 5, 99, 23]
    first = draw.draw_order(SEED, ids)
    assert first == draw.draw_order(SEED, list(reversed(ids)))
    assert first == draw.draw_order(SEED, sorted(ids))
    assert sorted(first) == sorted(ids)


def test_known_answer_so_other_implementations_can_check_themselves() -> None:
    # Independent re-implementation of the published recipe (module docstring).
    def reference(seed: str, ids: list[int]) -> list[int]:
        items, counter = sorted(ids), 0
        for i in range(len(items) - 1, 0, -1):
            bound = i + 1
            while True:
                digest = hmac.new(seed.encode(), counter.to_bytes(8, "big"), hashlib.sha256).digest()
                counter += 1
                x = int.from_bytes(digest[:8], "big")
                if x < 2**64 - (2**64 % bound):
                    break
            j = x % bound
            items[i], items[j] = items[j], items[i]
        return items

    for n in (1, 2, 5, 12, 40):
        ids = list(range(100, 100 + n))
        assert draw.draw_order(SEED, ids) == reference(SEED, ids)


def test_verification_passes_for_the_revealed_seed() -> None:
    ids = [4, 9, 11, 12]
    order = draw.draw_order(SEED, ids)
    result = draw.verify(SEED, draw.commitment(SEED), ids, order)
    assert result.ok and result.commitment_ok and result.order_ok


def test_verification_fails_for_a_wrong_seed() -> None:
    ids = list(range(1, 9))
    order = draw.draw_order(SEED, ids)
    wrong = SEED[:-1] + ("0" if SEED[-1] != "0" else "1")
    result = draw.verify(wrong, draw.commitment(SEED), ids, order)
    assert not result.commitment_ok and not result.ok


def test_verification_fails_when_the_published_order_was_changed() -> None:
    ids = [1, 2, 3, 4, 5]
    order = draw.draw_order(SEED, ids)
    swapped = [order[1], order[0], *order[2:]]
    result = draw.verify(SEED, draw.commitment(SEED), ids, swapped)
    assert result.commitment_ok and not result.order_ok and not result.ok
    assert list(result.expected_order) == order


def test_verification_fails_when_a_member_was_added_after_the_commitment() -> None:
    ids = [1, 2, 3, 4, 5]
    order = draw.draw_order(SEED, ids)
    assert not draw.verify(SEED, draw.commitment(SEED), [*ids, 6], order).ok


def test_commitment_check_tolerates_case_and_spaces_but_not_garbage() -> None:
    assert draw.verify(SEED, f"  {draw.commitment(SEED).upper()} ", [1], [1]).commitment_ok
    assert not draw.verify(SEED, "ž" * 64, [1], [1]).commitment_ok


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ValueError):
        draw.draw_order(SEED, [1, 1, 2])


def test_all_orders_of_three_members_are_reachable_and_roughly_even() -> None:
    counts = Counter(tuple(draw.draw_order(f"seed-{n}", [1, 2, 3])) for n in range(6000))
    assert set(counts) == set(permutations([1, 2, 3]))
    assert all(800 < c < 1200 for c in counts.values())  # expected 1000 each


@given(st.text(min_size=1, max_size=80), st.sets(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=60))
def test_order_is_a_permutation_so_nobody_wins_twice(seed: str, ids: set[int]) -> None:
    order = draw.draw_order(seed, ids)
    assert sorted(order) == sorted(ids)
    assert len(set(order)) == len(order)
    assert draw.verify(seed, draw.commitment(seed), ids, order).ok
