"""``data/geo/catalog.json``: layer titles, descriptions, keywords, provenance and field schemas."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .facts import COMMODITY_VOCAB, read_yaml
from .fields import COMMON_FIELDS, LAYER_FIELDS, FieldSpec
from .layers import LAYERS, OUTLINE_LAYER, Feature, LayerFeatures
from .sources import ATTRIBUTION, LICENCE
from .text import radius_km

LAYER_TEXTS: dict[str, dict[str, Any]] = read_yaml("layers.yaml")
"""Title, description (vi, en), keywords and an optional geometry_note of each layer (``tables/layers.yaml``)."""
LAYER_GEOMETRY_TYPE = dict.fromkeys(LAYERS, "Point") | {OUTLINE_LAYER: "Polygon"}
"""The one geometry type of each layer (null geometries aside)."""


def _fields(layer: str, feats: list[Feature]) -> list[FieldSpec]:
    """The layer's field specs, ``coord_precision`` listing the labels present."""
    specs = LAYER_FIELDS[layer] if layer == OUTLINE_LAYER else COMMON_FIELDS + LAYER_FIELDS[layer]
    fields = [dict(f) for f in specs]
    labels = sorted({f["properties"]["coord_precision"] for f in feats},
                    key=lambda x: (x.startswith("estimated-"), radius_km(x) or 0, x))
    for spec in fields:
        if spec["name"] == "coord_precision":
            spec["enum"] = labels
            spec["description"] = ("research label: source-exact, source-derived, "
                                   "estimated-Nkm (N = honest radius in km), proxy-district, "
                                   "none")
    return fields


def _layer_entry(layer: str, feats: list[Feature]) -> dict[str, Any]:
    gcount = Counter((f["geometry"] or {}).get("type", "null") for f in feats)
    gtype = LAYER_GEOMETRY_TYPE[layer]
    gnote = ", ".join(f"{k}: {gcount[k]}" for k in sorted(gcount))
    as_ofs = sorted(f["properties"]["as_of"] for f in feats if f["properties"]["as_of"])
    texts = LAYER_TEXTS[layer]
    entry: dict[str, Any] = {}
    entry["id"] = layer
    entry["title"] = {"vi": texts["title"]["vi"], "en": texts["title"]["en"]}
    entry["description"] = {"vi": texts["description"]["vi"], "en": texts["description"]["en"]}
    entry["keywords"] = texts["keywords"]
    entry["geometry_type"] = gtype
    entry["geometry_types_present"] = {k: gcount[k] for k in sorted(gcount)}
    entry["geometry_note"] = (
        f"Geometry counts: {gnote}. One geometry type per layer ({gtype}); null geometry "
        "means the research gives no coordinate." + (f" {texts['geometry_note']}" if "geometry_note" in texts else ""))
    entry["feature_count"] = len(feats)
    entry["crs"] = "OGC:CRS84"
    entry["as_of"] = as_ofs[-1][:4] if as_ofs else None
    entry["licence"] = LICENCE
    entry["attribution"] = ATTRIBUTION
    entry["sources"] = sorted({s for f in feats for s in f["properties"]["sources"]})
    entry["temporal_field"] = "start_year"
    entry["fields"] = _fields(layer, feats)
    if layer == "mines":
        entry["commodity_vocabulary"] = {k: {"vi": vi, "en": en} for k, (vi, en) in sorted(COMMODITY_VOCAB.items())}
    return entry


def build_catalog(layer_features: LayerFeatures) -> dict[str, Any]:
    """``data/geo/catalog.json``: metadata and field schemas of every layer, in layer order."""
    return {"layers": [_layer_entry(layer, layer_features[layer]) for layer in LAYERS]}
