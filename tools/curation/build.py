"""One curation run: research in, the text of every curated file out (nothing written here)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from shapely.geometry import Polygon, shape

from .catalog import LAYER_GEOMETRY_TYPE, build_catalog
from .features import build_feature, build_outline_feature
from .investor_facts import build_investor_facts
from .layers import LAYERS, OUTLINE_LAYER, LayerFeatures
from .readme import readme_text
from .statistics import build_entities, build_statistics
from .text import geojson_text


def generate(research: Path) -> dict[str, str]:
    """Every curated file (path under the repository root -> text), in writing order."""
    with open(research / "lao-cai-sites.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with open(research / "zone-outlines.geojson", encoding="utf-8") as fh:
        outlines = {f["properties"]["id"]: f for f in json.load(fh)["features"]}
    layer_features: LayerFeatures = {layer: [] for layer in LAYERS}
    for row in rows:
        layer, feat = build_feature(row, outlines)
        layer_features[layer].append(feat)
        if feat["id"] in outlines:
            layer_features[OUTLINE_LAYER].append(
                build_outline_feature(outlines[feat["id"]], layer, feat))
    missing = set(outlines) - {f["properties"]["site_id"] for f in layer_features[OUTLINE_LAYER]}
    if missing:
        raise SystemExit(f"outlines without a zone or cluster row: {sorted(missing)}")
    validate(rows, layer_features)
    feature_ids = {f["id"] for fs in layer_features.values() for f in fs}
    stats_text, stats_rows, used = build_statistics(research, feature_ids)
    facts_text, n_facts = build_investor_facts(research, feature_ids)
    files: dict[str, str] = {}
    for layer in LAYERS:
        files[f"data/geo/{layer}.geojson"] = geojson_text(layer, layer_features[layer])
    files["data/geo/catalog.json"] = (
        json.dumps(build_catalog(layer_features), ensure_ascii=False, indent=1) + "\n")
    files["data/geo/README.md"] = readme_text(layer_features, stats_rows, used, n_facts)
    files["data/statistics.csv"] = stats_text
    files["data/entities.csv"] = build_entities()
    files["data/investor_facts.csv"] = facts_text
    return files


def validate(rows: list[dict[str, str]], layer_features: LayerFeatures) -> None:
    """Stop on a lost row, mixed geometry types, a duplicate id, an invalid or over-precise geometry."""
    feats = [f for fs in layer_features.values() for f in fs]
    sites = [f for layer, fs in layer_features.items() if layer != OUTLINE_LAYER for f in fs]
    assert len(sites) == len(rows), "every CSV row must become exactly one feature"
    for layer, fs in layer_features.items():
        present = {f["geometry"]["type"] for f in fs if f["geometry"]}
        assert present <= {LAYER_GEOMETRY_TYPE[layer]}, f"{layer} mixes geometry types: {present}"
    assert len({f["id"] for f in feats}) == len(feats), "duplicate ids"
    for f in feats:
        g = f["geometry"]
        if g is None:
            continue
        geom = shape(g)
        assert geom.is_valid, f"invalid geometry: {f['id']}"
        coords = [g["coordinates"]] if g["type"] == "Point" else [
            c for ring in g["coordinates"] for c in ring]
        for c in coords:
            for v in c:
                assert round(v, 6) == v, f"more than 6 decimals: {f['id']}"
        if g["type"] == "Polygon":
            assert isinstance(geom, Polygon) and geom.exterior.is_ccw, f"ring order: {f['id']}"
