"""Progress lines for long operator commands: done/total, rate and time left."""

from __future__ import annotations

import time
from typing import Any


class Progress:
    def __init__(self, total: int, out: Any = None, label: str = "", every: int = 1) -> None:
        """`out` is any object with write() (a file, a command's stdout); None keeps quiet."""
        self.total = total
        self.done = 0
        self.failed = 0
        self.out = out
        self.label = label
        self.every = max(1, every)
        self.started = time.monotonic()

    def step(self, ok: bool = True, note: str = "") -> None:
        self.done += 1
        if not ok:
            self.failed += 1
        if self.out is not None and (self.done % self.every == 0 or self.done == self.total or not ok):
            self.out.write(self.line(note) + "\n")
            self.out.flush()

    def line(self, note: str = "") -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0.0
        pct = 100 * self.done / self.total if self.total else 100.0
        failed = f", {self.failed} gagal" if self.failed else ""
        text = (
            f"{self.label}[{self.done}/{self.total} {pct:5.1f}%] {rate:6.1f}/s, "
            f"sisa {int(left // 60):02d}:{int(left % 60):02d}{failed}"
        )
        return f"{text} {note}".rstrip()
