"""Investor profiles: named weight presets for the suitability analysis."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, Field

from geo_industry.raster.errors import UnknownProfileError
from geo_industry.raster.suitability import SuitabilityConfig

__all__ = ["InvestorProfile", "PROFILES", "get_profile", "profile_config"]


class InvestorProfile(BaseModel):
    """A named set of criterion weights (and optional thresholds) for one kind of investor."""

    id: str
    title: str
    description: str
    weights: dict[str, float]
    thresholds_km: dict[str, float] = Field(default_factory=dict)


PROFILES: dict[str, InvestorProfile] = {p.id: p for p in (
    InvestorProfile(
        id="balanced", title="Balanced (default weights)",
        description="Transport and terrain first, raw materials a little.",
        weights=dict(SuitabilityConfig().weights)),
    InvestorProfile(
        id="copper_downstream", title="Copper downstream processing",
        description="Cathode, wire and rod: near the copper mines and smelters' ore, power "
                    "for electro-refining, rail for concentrate and acid.",
        weights={"copper_mine": 0.35, "hydropower": 0.20, "railway": 0.20, "border_gate": 0.05,
                 "national_road": 0.05, "expressway": 0.05, "slope": 0.10}),
    InvestorProfile(
        id="fertiliser_chemicals", title="Fertiliser and chemicals",
        description="Phosphorus, DAP and acids: near the apatite belt, cheap power, rail.",
        weights={"apatite_mine": 0.35, "hydropower": 0.20, "railway": 0.25, "national_road": 0.05,
                 "expressway": 0.05, "slope": 0.10}),
    InvestorProfile(
        id="agro_processing", title="Agro-processing",
        description="Tea, spice, fruit and timber: road access to markets and the border, "
                    "flat land.",
        weights={"national_road": 0.20, "expressway": 0.15, "border_gate": 0.20, "railway": 0.10,
                 "hydropower": 0.05, "slope": 0.30}),
    InvestorProfile(
        id="logistics_border_trade", title="Logistics and border trade",
        description="Warehousing and trade with Yunnan: the border gates, roads and rail.",
        weights={"border_gate": 0.45, "national_road": 0.10, "expressway": 0.15, "railway": 0.20,
                 "slope": 0.10},
        thresholds_km={"border_gate": 60.0}),
)}
"""Profile presets by id."""


def get_profile(profile: str) -> InvestorProfile:
    """A preset profile by id; UnknownProfileError lists the ids when it does not exist."""
    try:
        return PROFILES[profile]
    except KeyError:
        raise UnknownProfileError(
            f"profile {profile!r} is not one of {', '.join(PROFILES)}") from None


def profile_config(profile: str | InvestorProfile | Mapping[str, float], *,
                   base: SuitabilityConfig | None = None) -> SuitabilityConfig:
    """A SuitabilityConfig from a profile id, a profile, or custom weights (criterion → weight).

    Slope and exclusion settings come from ``base`` (default config); a profile's thresholds
    override the base thresholds.

    Examples
    --------
    >>> profile_config("copper_downstream").weights["copper_mine"]
    0.35
    >>> profile_config({"railway": 2, "slope": 1}).weights
    {'railway': 2.0, 'slope': 1.0}
    """
    base = base or SuitabilityConfig()
    if isinstance(profile, str):
        profile = get_profile(profile)
    if isinstance(profile, InvestorProfile):
        weights, thresholds = profile.weights, profile.thresholds_km
    else:
        weights, thresholds = {k: float(v) for k, v in profile.items()}, {}
    return SuitabilityConfig.model_validate({
        **base.model_dump(), "weights": weights,
        "thresholds_km": {**base.thresholds_km, **thresholds}})
