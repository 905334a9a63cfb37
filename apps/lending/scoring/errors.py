"""Errors of the scoring engine. All are `ValueError` subclasses with a stable `code`.

Messages are English and name the fault (as in `apps.payments.qris`); the lending service layer
(later) maps `code` to translated UI text.
"""

from __future__ import annotations


class ScoringError(ValueError):
    """Bad input to the scoring engine; `code` is stable, `field` names the input if any."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class ProtectedAttributeError(ScoringError):
    """A protected attribute (gender, religion, ethnicity, marital status, nationality) was offered."""

    def __init__(self, names: list[str]) -> None:
        listed = ", ".join(sorted(names))
        super().__init__(
            "protected_attribute",
            f"protected attribute(s) refused: {listed}; credit decisions must not use gender/sex, religion, "
            "ethnicity/race, marital status or nationality (nor proxies named after them)",
            field=listed,
        )
        self.names = sorted(names)


class InsufficientOutcomesError(ScoringError):
    """Too few repayment outcomes (or defaults) to train or use a statistical model."""


class ModelIntegrityError(ScoringError):
    """A saved model does not match its model card (hash mismatch, edited card, wrong features)."""
