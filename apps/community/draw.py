"""Verifiable arisan draw order: commit–reveal with a published seed. No Django import.

How anyone can check a draw (this module is the reference; it is short on purpose):

1. Before the draw the organiser's group publishes a *commitment* `C = sha256(seed)` (hex of
   the SHA-256 of the seed's UTF-8 bytes; `printf %s SEED | sha256sum` gives the same) together
   with the frozen list of member ids. The seed is 32 random bytes from `secrets`, written as
   64 hex characters; it is kept secret until the draw.
2. At the draw the seed is revealed. Check `sha256(seed) == C` (the seed was not changed after
   the member list was known), then recompute the order:

       items = sorted(member_ids)                       # ascending integers
       counter = 0
       for i from len(items) - 1 down to 1:             # Fisher–Yates, from the end
           j = uniform(i + 1)                           # 0 <= j <= i
           swap items[i], items[j]

   where `uniform(bound)` takes the next 64-bit number
   `x = first 8 bytes, big-endian, of HMAC-SHA256(key=seed (UTF-8), msg=counter as 8 bytes
   big-endian)`, counter += 1, and returns `x % bound` unless `x` falls in the last, incomplete
   block of `bound` values below 2**64 (then it draws again) — rejection sampling, so every order
   is equally likely. `items[0]` wins round 1, `items[1]` round 2, and so on.

The order depends only on the seed and the member ids, so nobody (not even the server) can
change it after the commitment without the check in step 2 failing. Trust that is left: whoever
generated the seed could have tried many seeds before committing (KotaKita generates it on the
server with `secrets`, never the organiser) and could learn the order early.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

VERSION = "kk-arisan-v1"
_SPACE = 2**64


def new_seed() -> str:
    """32 random bytes as 64 lowercase hex characters."""
    return secrets.token_hex(32)


def commitment(seed: str) -> str:
    """sha256 of the seed's UTF-8 bytes, lowercase hex (what is published before the draw)."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


class _Stream:
    """The deterministic random numbers of one seed: HMAC-SHA256(seed, counter)."""

    def __init__(self, seed: str) -> None:
        self.key = seed.encode("utf-8")
        self.counter = 0

    def next64(self) -> int:
        digest = hmac.new(self.key, self.counter.to_bytes(8, "big"), hashlib.sha256).digest()
        self.counter += 1
        return int.from_bytes(digest[:8], "big")

    def uniform(self, bound: int) -> int:
        if bound <= 0:
            raise ValueError("bound must be positive")
        limit = _SPACE - (_SPACE % bound)
        while True:
            value = self.next64()
            if value < limit:
                return value % bound


def draw_order(seed: str, member_ids: Iterable[int]) -> list[int]:
    """The draw order (winner of round 1 first) for this seed and these member ids."""
    items = sorted(int(m) for m in member_ids)
    if len(set(items)) != len(items):
        raise ValueError("member ids must be distinct")
    stream = _Stream(seed)
    for i in range(len(items) - 1, 0, -1):
        j = stream.uniform(i + 1)
        items[i], items[j] = items[j], items[i]
    return items


@dataclass(frozen=True)
class Verification:
    commitment_ok: bool  # sha256(seed) equals the published commitment
    order_ok: bool  # the published order is the one the seed gives
    expected_order: tuple[int, ...]  # what the seed gives for these members

    @property
    def ok(self) -> bool:
        return self.commitment_ok and self.order_ok


def verify(
    seed: str, published_commitment: str, member_ids: Iterable[int], published_order: Sequence[int]
) -> Verification:
    """Check a revealed draw: the seed matches the commitment and gives the published order."""
    expected = tuple(draw_order(seed, member_ids))
    commitment_ok = hmac.compare_digest(commitment(seed).encode(), published_commitment.strip().lower().encode("utf-8"))
    return Verification(commitment_ok, tuple(int(m) for m in published_order) == expected, expected)
