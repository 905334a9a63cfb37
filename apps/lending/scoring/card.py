"""Model cards: what a model is, what it was trained on, how well it did; and the hashes.

A saved model is a directory holding

* `model.json`: the xgboost booster (`Booster.save_model`, JSON format);
* `card.json`: this card, including the calibrator, `model_sha256` (SHA-256 of the bytes of
  `model.json`) and `card_sha256` (SHA-256 of the card's canonical JSON without that field).

Loading (`model.load_model`) recomputes both and refuses a mismatch (`ModelIntegrityError`):
an edited booster, an edited card (metrics, calibrator, features) or a swapped file is caught.
This is integrity, not authenticity: whoever can write the directory can recompute the hashes.
Signing the card with a server-side key (HMAC from settings) belongs to the lending app (later).

`training_data_sha256` identifies the exact training matrix: SHA-256 over a header with the
feature names, the matrix as little-endian float64 in row-major order (NaN canonicalised) and
the outcomes as int8; `verify_training_data` recomputes it for an audit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import ModelIntegrityError

__all__ = ["CARD_FORMAT", "ModelCard", "card_digest", "data_sha256", "sha256_bytes"]

CARD_FORMAT = "kotakita-lending-model-card/1"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def data_sha256(x: npt.ArrayLike, y: npt.ArrayLike, feature_names: tuple[str, ...] | list[str]) -> str:
    """SHA-256 of a training set (see the module docstring for the exact byte layout)."""
    xx = np.ascontiguousarray(np.asarray(x, dtype="<f8"))
    xx = np.where(np.isnan(xx), np.float64("nan"), xx).astype("<f8")  # one NaN bit pattern
    yy = np.ascontiguousarray(np.asarray(y).astype("<i1"))
    digest = hashlib.sha256()
    header = {"format": "kotakita-lending-training-data/1", "features": list(feature_names), "shape": list(xx.shape)}
    digest.update(json.dumps(header, sort_keys=True).encode("utf-8") + b"\n")
    digest.update(xx.tobytes(order="C"))
    digest.update(yy.tobytes(order="C"))
    return digest.hexdigest()


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def card_digest(data: dict[str, Any]) -> str:
    """SHA-256 of the card's canonical JSON, `card_sha256` itself left out."""
    return sha256_bytes(_canonical({k: v for k, v in data.items() if k != "card_sha256"}))


@dataclass(frozen=True)
class ModelCard:
    """Everything needed to audit a model; serialized next to it as `card.json`."""

    version: str
    created_at: str  # ISO 8601, UTC
    feature_set: str
    features: list[dict[str, Any]]  # name, label, unit, direction
    monotone_constraints: str
    training_data_sha256: str
    n_rows: int
    n_defaults: int
    params: dict[str, Any]
    calibration: dict[str, Any]  # the fitted calibrator (method + points/parameters)
    metrics: dict[str, Any]  # out-of-fold: auc, brier, ece, calibration intercept/slope, ...
    bands: dict[str, float]
    data_source: str = ""
    excluded_attributes: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    library_versions: dict[str, str] = field(default_factory=dict)
    model_sha256: str = ""
    card_sha256: str = ""
    format: str = CARD_FORMAT

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(str(f["name"]) for f in self.features)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def sealed(self, model_sha256: str) -> ModelCard:
        """This card with the model hash set and its own digest computed."""
        data = self.to_dict()
        data["model_sha256"] = model_sha256
        data["card_sha256"] = card_digest(data)
        return ModelCard(**data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ModelCard:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ModelIntegrityError("bad_card", f"model card is not valid JSON: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != CARD_FORMAT:
            raise ModelIntegrityError("bad_card", f"not a {CARD_FORMAT} card")
        if card_digest(data) != data.get("card_sha256"):
            raise ModelIntegrityError("card_tampered", "model card was edited: its card_sha256 does not match")
        try:
            return cls(**data)
        except TypeError as exc:
            raise ModelIntegrityError("bad_card", f"model card has unexpected fields: {exc}") from exc
