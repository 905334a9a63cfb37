"""When a lender's own data is enough for a statistical model (the cold-start rule).

A *repayment outcome* is a loan of this lender whose fate is known: closed (obligations met,
label 0) or defaulted (reached 90+ days past due or written off, label 1). Until a lender has at
least `min_outcomes` outcomes of which at least `min_defaults` are defaults, decisions use the
rule-based scorecard (`scorecard.py`) and say so; `model.retrain` refuses to train below it.

Defaults: 200 outcomes with >= 20 defaults. With fewer defaults than that, an AUC or a
calibration curve cannot be estimated with useful precision, whatever the number of good loans.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ScoringError

__all__ = ["DEFAULT_POLICY", "ColdStartPolicy", "LenderOutcomes"]


@dataclass(frozen=True)
class LenderOutcomes:
    """How many repayment outcomes a lender has (counted by the lending app, later)."""

    outcomes: int
    defaults: int

    def __post_init__(self) -> None:
        if self.outcomes < 0 or self.defaults < 0 or self.defaults > self.outcomes:
            raise ScoringError(
                "bad_outcomes", f"need 0 <= defaults <= outcomes, got {self.defaults} defaults of {self.outcomes}"
            )


@dataclass(frozen=True)
class ColdStartPolicy:
    min_outcomes: int = 200
    min_defaults: int = 20

    def __post_init__(self) -> None:
        if self.min_outcomes < 1 or self.min_defaults < 1 or self.min_defaults > self.min_outcomes:
            raise ScoringError("bad_policy", "cold-start thresholds must be >= 1 and min_defaults <= min_outcomes")

    def allows_model(self, outcomes: LenderOutcomes) -> bool:
        return outcomes.outcomes >= self.min_outcomes and outcomes.defaults >= self.min_defaults

    def shortfall(self, outcomes: LenderOutcomes) -> str:
        """Bahasa Indonesia: what the lender has against what is needed."""
        return (
            f"{outcomes.outcomes} hasil pelunasan, {outcomes.defaults} gagal bayar; "
            f"minimal {self.min_outcomes} hasil pelunasan dengan {self.min_defaults} gagal bayar"
        )


DEFAULT_POLICY = ColdStartPolicy()
