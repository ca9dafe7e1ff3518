"""The criteria of the investment analysis, their scoring functions and documented defaults.

Every criterion scores 0–1. Distance criteria decay linearly from 1 at the feature to 0 at the
criterion's threshold distance; slope decays linearly from 1 on flat land to 0 at the maximum
slope, beyond which land is excluded. The same functions score raster pixels and zones.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import ArrayLike

from geo_industry.errors import InvalidParameter

__all__ = [
    "DISTANCE_CRITERIA",
    "SLOPE",
    "CRITERIA",
    "CRITERION_TITLES",
    "DEFAULT_WEIGHTS",
    "DEFAULT_THRESHOLDS_KM",
    "DEFAULT_MAX_SLOPE_DEG",
    "score_distance",
    "score_slope",
    "check_criterion",
]

DISTANCE_CRITERIA: Final = (
    "border_gate", "railway", "national_road", "expressway", "hydropower", "copper_mine",
    "apatite_mine",
)
"""Distance criteria, in the order products and explanations list them."""

SLOPE: Final = "slope"
CRITERIA: Final = (*DISTANCE_CRITERIA, SLOPE)

CRITERION_TITLES: Final[dict[str, str]] = {
    "border_gate": "nearest border gate",
    "railway": "nearest railway station or line",
    "national_road": "nearest national road",
    "expressway": "nearest expressway",
    "hydropower": "nearest hydropower plant",
    "copper_mine": "nearest copper mine",
    "apatite_mine": "nearest apatite mine",
    "slope": "terrain slope",
}

DEFAULT_WEIGHTS: Final[dict[str, float]] = {
    "border_gate": 0.20,
    "railway": 0.20,
    "national_road": 0.10,
    "expressway": 0.10,
    "hydropower": 0.10,
    "copper_mine": 0.05,
    "apatite_mine": 0.05,
    "slope": 0.20,
}
"""Balanced weights (sum 1): transport and terrain first, raw materials a little."""

DEFAULT_THRESHOLDS_KM: Final[dict[str, float]] = {
    "border_gate": 100.0,
    "railway": 30.0,
    "national_road": 30.0,
    "expressway": 30.0,
    "hydropower": 40.0,
    "copper_mine": 60.0,
    "apatite_mine": 60.0,
}
"""Distance at which a criterion's score reaches 0 (trucking range for raw materials)."""

DEFAULT_MAX_SLOPE_DEG: Final = 20.0
"""Land steeper than this is excluded; slope score is 1 - slope / max."""


def check_criterion(name: str, *, argument: str = "criterion") -> str:
    """Return ``name`` if it is a known criterion, else raise InvalidParameter."""
    if name not in CRITERIA:
        raise InvalidParameter(argument, name, "one of " + ", ".join(CRITERIA),
                               message=f"{argument} {name!r} is not one of {', '.join(CRITERIA)}")
    return name


def score_distance(distance_km: ArrayLike, *, threshold_km: float) -> np.ndarray:
    """Linear decay score: 1 at 0 km, 0 at and beyond ``threshold_km`` (NaN stays NaN).

    Examples
    --------
    >>> score_distance([0.0, 15.0, 45.0], threshold_km=30.0).tolist()
    [1.0, 0.5, 0.0]
    """
    if threshold_km <= 0:
        raise InvalidParameter("threshold_km", threshold_km, "a distance > 0",
                               message=f"threshold_km must be > 0, got {threshold_km!r}")
    d = np.asarray(distance_km, dtype="float32")
    return np.clip(1.0 - d / np.float32(threshold_km), 0.0, 1.0)


def score_slope(slope_deg: ArrayLike, *, max_slope_deg: float) -> np.ndarray:
    """Linear decay score: 1 on flat land, 0 at and beyond ``max_slope_deg``.

    Examples
    --------
    >>> score_slope([0.0, 10.0, 30.0], max_slope_deg=20.0).tolist()
    [1.0, 0.5, 0.0]
    """
    if not 0 < max_slope_deg <= 90:
        raise InvalidParameter("max_slope_deg", max_slope_deg, "degrees in (0, 90]",
                               message=f"max_slope_deg must be in (0, 90], got {max_slope_deg!r}")
    s = np.asarray(slope_deg, dtype="float32")
    return np.clip(1.0 - s / np.float32(max_slope_deg), 0.0, 1.0)
