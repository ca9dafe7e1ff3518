"""Geometry of a site: its point (inside a surveyed outline when there is one) and how it was made."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import Point, Polygon, shape

from .facts import COORD_LABELS, LINE_IDS
from .layers import OUTLINE_LAYER, ZONE_LAYERS, outline_id
from .text import fmt_num, num, radius_km, rnd

Geometry = dict[str, Any]


@dataclass(frozen=True)
class SiteGeometry:
    """Point (or null) geometry of a site, its quality, how it was made, and its outline's facts."""

    geometry: Geometry | None
    quality: str | None
    note: str
    outline: dict[str, Any] = field(default_factory=dict)


def outline_polygon(outline: dict[str, Any]) -> Geometry:
    """The outline's polygon, 6 decimals, RFC 7946 ring order (exterior counter-clockwise)."""
    geom = outline["geometry"]
    rings = []
    for i, ring in enumerate(geom["coordinates"]):
        ring = [[rnd(x), rnd(y)] for x, y in ring]
        if Polygon(ring).exterior.is_ccw != (i == 0):
            ring = ring[::-1]
        rings.append(ring)
    return {"type": geom["type"], "coordinates": rings}


def outline_point(polygon: Geometry, lon: str, lat: str) -> tuple[Geometry, str]:
    """The site's point inside its surveyed outline.

    The research's point when it lies inside the outline (it does for every outline so far:
    they are centroids of the same corner tables), else shapely's representative point.
    """
    outline = shape(polygon)
    if lon and lat and outline.contains(Point(float(lon), float(lat))):
        return {"type": "Point", "coordinates": [float(lon), float(lat)]}, "the research's point"
    point = outline.representative_point()
    lon_r, lat_r = rnd(point.x), rnd(point.y)
    assert outline.contains(Point(lon_r, lat_r)), "rounded representative point left the outline"
    return {"type": "Point", "coordinates": [lon_r, lat_r]}, "representative point"


def label_meaning(label: str) -> str:
    """What a coordinate precision label says, in words."""
    if label.startswith("estimated-"):
        return f"placed from a textual location, honest radius {radius_km(label)} km"
    return COORD_LABELS.get(label, label)


def _surveyed(row: dict[str, str], outline: dict[str, Any], label: str) -> SiteGeometry:
    p = outline["properties"]
    extra = {
        "published_area_ha": p.get("published_area_ha"),
        "computed_area_ha": p.get("computed_area_ha"),
        "outline_id": outline_id(row["id"].strip()),
    }
    point, how = outline_point(outline_polygon(outline), row["lon"].strip(), row["lat"].strip())
    note = (f"{how} (labelled {label}), inside the surveyed outline {extra['outline_id']} "
            f"(collection {OUTLINE_LAYER}): {p['note']}")
    return SiteGeometry(point, "surveyed", note, extra)


def geometry_for(row: dict[str, str], outline: dict[str, Any] | None, layer: str) -> SiteGeometry:
    """Point (or null) geometry of a site, its quality, how it was made, outline facts.

    Zones and clusters are points like every other site: a surveyed outline gives the point
    inside it (the outline itself is a feature of ``zone_outlines``); an estimated site keeps
    the research's point, and its declared area stays a number, never a shape.
    """
    lat, lon = row["lat"].strip(), row["lon"].strip()
    label = row["coord_precision"].strip()
    area = num(row["area_ha"])
    if outline is not None:
        return _surveyed(row, outline, label)
    if not lat or not lon:
        if row["id"] in LINE_IDS:
            return SiteGeometry(None, None, "line feature; the research gives no coordinates for the line, "
                                            "so the geometry is null")
        return SiteGeometry(None, None, "no coordinate in the research; geometry is null")
    geom = {"type": "Point", "coordinates": [float(lon), float(lat)]}
    note = f"point labelled {label} ({label_meaning(label)})"
    if layer in ZONE_LAYERS and area:
        note += f"; declared area {fmt_num(area)} ha, outline not published"
    return SiteGeometry(geom, "approximate", note)
