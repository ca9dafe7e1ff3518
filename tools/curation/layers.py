"""The curated layers and how research kinds map onto them."""

from __future__ import annotations

from typing import Any

from geo_industry.catalog import LAYER_IDS

Feature = dict[str, Any]
"""A GeoJSON feature as written (key order is the file's order)."""
Properties = dict[str, Any]
LayerFeatures = dict[str, list[Feature]]

LAYERS: list[str] = list(LAYER_IDS)  # the layer ids are defined once, in the package's catalog module
KIND_TO_LAYER = {
    "industrial_zone": "industrial_zones",
    "economic_zone": "industrial_zones",
    "industrial_cluster": "industrial_clusters",
    "mine": "mines",
    "processing_plant": "processing_plants",
    "hydropower": "hydropower_plants",
    "border_gate": "border_gates",
    "transport": "transport",
}
ZONE_LAYERS = ("industrial_zones", "industrial_clusters")
OUTLINE_LAYER = "zone_outlines"


def outline_id(site_id: str) -> str:
    """Feature id, in ``zone_outlines``, of the surveyed outline of a zone or cluster."""
    return f"{site_id}-outline"
