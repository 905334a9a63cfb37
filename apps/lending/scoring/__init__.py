"""Credit scoring for UMKM micro-loans. Pure Python + numpy + xgboost; no Django import.

Modules: `features` (feature specs, directions, protected-attribute guard), `model` (monotone
xgboost, held-out calibration, model cards, save/load/retrain), `scorecard` (cold-start rules),
`engine` (decisions and batch scoring), `reasons`, `bands`, `offers`, `policy`, `german`
(public German Credit loader), `synthetic` (synthetic UMKM rows), `metrics`, `calibration`.
"""

from .bands import BAND_LABELS, DEFAULT_BANDS, BandPolicy
from .engine import BatchScores, CreditDecision, CreditEngine
from .errors import InsufficientOutcomesError, ModelIntegrityError, ProtectedAttributeError, ScoringError
from .features import UMKM_FEATURES, Direction, FeatureSet, FeatureSpec, UmkmFeatures, refuse_protected
from .model import ScoringModel, TrainParams, load_model, retrain, save_model, train_model, verify_training_data
from .offers import DEFAULT_OFFERS, Offer, OfferPolicy
from .policy import DEFAULT_POLICY, ColdStartPolicy, LenderOutcomes
from .scorecard import DEFAULT_SCORECARD, Scorecard

__all__ = [
    "BAND_LABELS",
    "DEFAULT_BANDS",
    "DEFAULT_OFFERS",
    "DEFAULT_POLICY",
    "DEFAULT_SCORECARD",
    "UMKM_FEATURES",
    "BandPolicy",
    "BatchScores",
    "ColdStartPolicy",
    "CreditDecision",
    "CreditEngine",
    "Direction",
    "FeatureSet",
    "FeatureSpec",
    "InsufficientOutcomesError",
    "LenderOutcomes",
    "ModelIntegrityError",
    "Offer",
    "OfferPolicy",
    "ProtectedAttributeError",
    "Scorecard",
    "ScoringError",
    "ScoringModel",
    "TrainParams",
    "UmkmFeatures",
    "load_model",
    "refuse_protected",
    "retrain",
    "save_model",
    "train_model",
    "verify_training_data",
]
