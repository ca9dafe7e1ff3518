"""Features of the site layers: the common properties of every site, then one builder per layer."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .facts import (
    AREA_ALTERNATIVES,
    AREA_BASIS,
    AS_OF_MANUAL,
    CAPACITY_ALTERNATIVES,
    CLUSTER_FACTS,
    CLUSTER_SOURCES,
    COMMODITY_RULES,
    DESIGN_GWH,
    GATES,
    MINERAL_GROUP,
    NULL_TEXT,
    PLANT_TYPE,
    PLANT_ZONE,
    RESERVES_NOTES,
    RIVER,
    START_YEAR_ALTERNATIVES,
    STATUS_MAP,
    TRANSPORT_TYPE,
    ZONE_FACTS,
)
from .geometry import SiteGeometry, geometry_for, outline_polygon
from .layers import KIND_TO_LAYER, ZONE_LAYERS, Feature, Properties, outline_id
from .sources import APX_FACT_IDS, DOC_DATES
from .text import Number, clean, name_search, normalised_capacity, num, radius_km, split_unit, split_urls, uniq

Row = dict[str, str]
"""A row of the research's ``lao-cai-sites.csv``."""
OUTLINE_COPIED = ("name_vi", "name_en", "name_search", "former_province", "province_code",
                  "admin_vintage", "legacy_province_code", "district", "status", "start_year")
"""Properties a ``zone_outlines`` feature copies from its zone or cluster."""


@dataclass(frozen=True)
class Site:
    """What a layer builder reads: the research row and the values already parsed from it."""

    id: str
    kind: str
    row: Row
    capacity: Number | None
    unit: str | None
    geometry: SiteGeometry


def as_of_for(row: Row, sources: list[str]) -> tuple[str | None, str]:
    """The as-of date of a row's facts and how it was chosen (the newest dated fact source)."""
    rid = row["id"]
    if rid in AS_OF_MANUAL:
        return AS_OF_MANUAL[rid]
    best: tuple[str, str] | None = None
    for url in sources:
        for sub, date, label, scope in DOC_DATES:
            if sub not in url:
                continue
            if scope == "APX" and not (row["kind"] == "hydropower" or rid in APX_FACT_IDS):
                continue
            if scope == "QD866" and not (row["kind"] == "mine" or rid.startswith("yb-")):
                continue
            if best is None or date > best[0]:
                best = (date, f"newest dated source cited for the row: {label}")
    if best:
        return best
    return None, "no datable source for this row in the research"


def area_basis(row: Row, sources: list[str]) -> str:
    """What the row's area is: planned, established, adjusted, licensed or unknown."""
    rid = row["id"]
    if rid in AREA_BASIS:
        return AREA_BASIS[rid]
    if row["kind"] in ("industrial_zone", "industrial_cluster") and any(
            "qd525" in u for u in sources):
        return "planned"  # area as listed in the provincial plan QĐ 525/QĐ-UBND
    if row["kind"] == "mine" and any("ds-gp-khai-thac" in u for u in sources):
        return "licensed"  # area of the mining licence (licence list of 31 Oct 2025)
    return "unknown"


def _sources(row: Row, rid: str, outline: dict[str, Any] | None) -> list[str]:
    """The row's URLs, then its outline's, its alternatives', its zone facts' and the cluster report."""
    sources = split_urls(row["source_urls"])
    if outline is not None:
        sources += split_urls(outline["properties"]["source_url"])
    for alts in (AREA_ALTERNATIVES.get(rid, []), CAPACITY_ALTERNATIVES.get(rid, []),
                 START_YEAR_ALTERNATIVES.get(rid, [])):
        for a in alts:
            sources += split_urls(a["source"]) if a["source"].startswith("http") else []
    sources += ZONE_FACTS.get(rid, {}).get("sources", [])
    if rid in CLUSTER_SOURCES:
        sources.append(CLUSTER_SOURCES[rid])
    return uniq(sources)


def _common_properties(site: Site, sources: list[str]) -> Properties:
    """The properties every site layer shares (docs/data-model.md, common fields)."""
    row, rid, cap, unit = site.row, site.id, site.capacity, site.unit
    district = clean(row["district"])
    former = ("yen_bai" if (district and "(former Yên Bái)" in district) or rid.startswith("yb-")
              else "lao_cai")
    status_raw = row["status"].strip()
    status = STATUS_MAP[status_raw]
    operator = clean(row["operator"])
    area = num(row["area_ha"])
    label = row["coord_precision"].strip()
    as_of, as_of_note = as_of_for(row, sources)
    p: Properties = {}
    p["id"] = rid
    p["kind"] = site.kind
    p["name_vi"] = clean(row["name_vi"])
    p["name_en"] = clean(row["name_en"])
    p["name_search"] = name_search(p["name_vi"], p["name_en"])
    p["former_province"] = former
    p["province_code"] = "15"
    p["admin_vintage"] = "2025-07-01"
    p["legacy_province_code"] = "15" if former == "yen_bai" else "10"
    p["district"] = district
    p["status"] = status
    p["status_note"] = status_raw if status_raw and status_raw != status else None
    p["operator"] = None if operator in NULL_TEXT else operator
    p["sector"] = clean(row["commodity_or_sector"])
    p["capacity_value"] = cap
    p["capacity_unit"] = unit
    p["capacity_note"] = split_unit(row["capacity_unit"])[1]
    p["capacity_alternatives"] = CAPACITY_ALTERNATIVES.get(rid)
    p.update(normalised_capacity(cap, unit))
    p["area_ha"] = area
    p["area_basis"] = area_basis(row, sources) if area is not None else None
    p["area_ha_alternatives"] = AREA_ALTERNATIVES.get(rid)
    p["start_year"] = num(row["start_year"])
    p["start_year_alternatives"] = START_YEAR_ALTERNATIVES.get(rid)
    p["sources"] = sources
    p["as_of"] = as_of
    p["as_of_note"] = as_of_note
    p["coord_precision"] = label
    p["coord_radius_km"] = radius_km(label)
    p["geometry_quality"] = site.geometry.quality
    p["geometry_note"] = site.geometry.note
    p["research_note"] = clean(row.get("note"))
    return p


def _zone_properties(site: Site) -> Properties:
    """Industrial zones and clusters: zone facts, cluster occupancy, surveyed outline."""
    zf = ZONE_FACTS.get(site.id, {})
    zone_type = {"economic_zone": "border_economic_zone"}.get(site.kind, site.kind)
    land, occ, occ_note = CLUSTER_FACTS.get(site.id, (None, None, None))
    outline = site.geometry.outline
    return {
        "zone_type": "border_ez_subzone" if site.id == "kim-thanh-trade-zone" else zone_type,
        "in_economic_zone": zf.get("in_economic_zone"),
        "establishment_decision": zf.get("establishment_decision"),
        "investment_policy_decision": zf.get("investment_policy_decision"),
        "planning_decision": zf.get("planning_decision"),
        "priority_sectors": zf.get("priority_sectors"),
        "investment_capital_bn_vnd": zf.get("investment_capital_bn_vnd"),
        "operating_term_years": zf.get("operating_term_years"),
        "industrial_land_ha": land,
        "occupancy_pct": occ,
        "occupancy_note": occ_note,
        "occupancy_as_of": "2026-06-18" if occ is not None else None,
        "zone_note": zf.get("zone_note"),
        "published_area_ha": outline.get("published_area_ha"),
        "computed_area_ha": outline.get("computed_area_ha"),
        "outline_id": outline.get("outline_id"),
    }


def _mine_properties(site: Site) -> Properties:
    """Mines: commodity slug (first matching rule), mineral group, reserves as the sources give them."""
    text = (site.row["commodity_or_sector"] or "").lower()
    slug = next((s for rx, s in COMMODITY_RULES if re.search(rx, text)), "other")
    return {"commodity": slug, "mineral_group": MINERAL_GROUP.get(slug),
            "reserves_note": RESERVES_NOTES.get(site.id)}


def _plant_properties(site: Site) -> Properties:
    """Processing plants: plant type, product, the zone or cluster the plant is in."""
    product = clean(site.row["commodity_or_sector"])
    return {"plant_type": PLANT_TYPE[site.id], "product": None if product in NULL_TEXT else product,
            "zone_id": PLANT_ZONE.get(site.id)}


def _hydropower_properties(site: Site) -> Properties:
    """Hydropower plants: installed MW, river, design generation."""
    return {"installed_mw": site.capacity if site.unit == "MW" else None, "river": RIVER.get(site.id),
            "design_gwh_yr": DESIGN_GWH.get(site.id)}


def _border_gate_properties(site: Site) -> Properties:
    """Border gates: class, Chinese counterpart, mode, facts."""
    gate_class, counterpart, mode, note = GATES[site.id]
    return {"gate_class": gate_class, "counterpart_cn": counterpart, "mode": mode, "gate_note": note}


def _transport_properties(site: Site) -> Properties:
    """Transport: type and, for lines, length."""
    return {"transport_type": TRANSPORT_TYPE[site.id],
            "length_km": site.capacity if site.unit == "km" else None}


LAYER_BUILDERS: dict[str, Callable[[Site], Properties]] = {
    "industrial_zones": _zone_properties,
    "industrial_clusters": _zone_properties,
    "mines": _mine_properties,
    "processing_plants": _plant_properties,
    "hydropower_plants": _hydropower_properties,
    "border_gates": _border_gate_properties,
    "transport": _transport_properties,
}
"""The layer-specific properties of each site layer (``zone_outlines`` is built from outlines)."""
assert set(LAYER_BUILDERS) == set(KIND_TO_LAYER.values()) and set(ZONE_LAYERS) <= set(LAYER_BUILDERS)


def build_feature(row: Row, outlines: dict[str, dict[str, Any]]) -> tuple[str, Feature]:
    """The layer of a research row and its feature."""
    rid = row["id"].strip()
    kind = row["kind"].strip()
    layer = KIND_TO_LAYER[kind]
    outline = outlines.get(rid)
    unit = split_unit(row["capacity_unit"])[0]
    site = Site(id=rid, kind=kind, row=row, capacity=num(row["capacity_value"]), unit=unit,
                geometry=geometry_for(row, outline, layer))
    properties = _common_properties(site, _sources(row, rid, outline)) | LAYER_BUILDERS[layer](site)
    return layer, {"type": "Feature", "id": rid, "properties": properties, "geometry": site.geometry.geometry}


def build_outline_feature(outline: dict[str, Any], site_layer: str, site: Feature) -> Feature:
    """The ``zone_outlines`` feature of a surveyed outline: its polygon, site and provenance."""
    sp, op = site["properties"], outline["properties"]
    sources = split_urls(op["source_url"])
    p: Properties = {}
    p["id"] = outline_id(sp["id"])
    p["kind"] = "zone_outline"
    p["site_id"] = sp["id"]
    p["site_layer"] = site_layer
    for key in OUTLINE_COPIED:
        p[key] = sp[key]
    p["published_area_ha"] = op.get("published_area_ha")
    p["computed_area_ha"] = op.get("computed_area_ha")
    p["source_crs"] = op["source_crs"]
    p["sources"] = sources
    p["as_of"], p["as_of_note"] = as_of_for({"id": sp["id"], "kind": sp["kind"]}, sources)
    p["coord_precision"] = sp["coord_precision"]
    p["coord_radius_km"] = None
    p["geometry_quality"] = "surveyed"
    p["geometry_note"] = (f"Surveyed outline: {op['note']} Source CRS: {op['source_crs']}. "
                          f"Source: {op['source_url']}")
    return {"type": "Feature", "id": p["id"], "properties": p, "geometry": outline_polygon(outline)}
