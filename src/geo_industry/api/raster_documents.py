"""JSON documents of the raster and analysis resources, and the models that describe them.

Built from the core's typed objects (:class:`~geo_industry.raster.manifest.ProductInfo`,
:class:`~geo_industry.raster.analysis.ZoneAssessment`, …); the routes only choose and send.
"""

from __future__ import annotations

from html import escape
from typing import Any

import geopandas as gpd
import morecantile
import shapely
from pydantic import BaseModel, ConfigDict

from geo_industry.api.links import Urls, link
from geo_industry.api.models import Link
from geo_industry.api.responses import GEOJSON, JSON
from geo_industry.raster.analysis import Ranking, ZoneAssessment
from geo_industry.raster.manifest import ProductInfo
from geo_industry.raster.products import Legend
from geo_industry.raster.service import RasterService, zone_record
from geo_industry.raster.valuechain import ValueChainLink

PNG = "image/png"
SVG = "image/svg+xml"
XYZ_TEMPLATE = "/rasters/{product}/tiles/{{z}}/{{x}}/{{y}}.png"
OGC_TEMPLATE = "/rasters/{product}/tiles/{tms}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class RasterMeta(_Open):
    """One raster product: what it is, where it lies, how it is drawn, where to get it."""

    id: str
    kind: str
    title: str
    units: str
    crs: str
    bounds: list[float]
    bounds_lonlat: list[float]
    resolution_m: float
    width: int
    height: int
    value_min: float | None
    value_max: float | None
    legend: Legend
    links: list[Link]


class RasterList(_Open):
    """The built raster products, what was left out and why."""

    rasters: list[RasterMeta]
    terrain: dict[str, Any]
    skipped: dict[str, str]
    weights: dict[str, float]
    links: list[Link]


class TileMatrixSetRef(_Open):
    """A tile matrix set in the listing."""

    id: str
    title: str | None = None
    uri: str | None = None
    crs: str
    links: list[Link]


class TileMatrixSets(_Open):
    """The tile matrix sets tiles can be asked in."""

    tileMatrixSets: list[TileMatrixSetRef]  # noqa: N815 - OGC member name


class ZonalResult(_Open):
    """Zonal statistics of one product."""

    product: str
    units: str
    zones: str | None
    statistics: list[dict[str, Any]]


class GeoJSONCollection(_Open):
    """A GeoJSON FeatureCollection (analysis results)."""

    type: str
    features: list[dict[str, Any]]
    links: list[Link]


def raster_meta(info: ProductInfo, urls: Urls) -> dict[str, Any]:
    """The listing entry of one product, with its links."""
    base = f"/rasters/{info.id}"
    return {
        **info.model_dump(mode="json", exclude={"file"}),
        "links": [
            link(urls.url(base), "self", JSON, info.title),
            link(urls.url(XYZ_TEMPLATE.format(product=info.id)), "item", PNG, "XYZ tiles (WebMercatorQuad)",
                 templated=True),
            link(urls.url(OGC_TEMPLATE.format(product=info.id, tms="{tileMatrixSetId}")), "item", PNG,
                 "tiles in any tile matrix set (OGC API - Tiles path order: row, then column)", templated=True),
            link(urls.url(f"{base}/legend"), "describedby", JSON, "legend"),
            link(urls.url(f"{base}/legend", f="svg"), "describedby", SVG, "legend as SVG"),
            link(urls.url(f"{base}/point") + "?x={x}&y={y}&crs={crs}", "related", JSON,
                 "value at a point", templated=True),
            link(urls.url(f"{base}/zonal", zones="industrial_zones"), "related", JSON,
                 "statistics per industrial zone"),
        ],
    }


def raster_list(service: RasterService, urls: Urls) -> dict[str, Any]:
    """``/rasters``: every built product, terrain availability, skipped criteria, weights."""
    return {
        "rasters": [raster_meta(info, urls) for info in service.products],
        "terrain": {"available": service.terrain_note is None, "note": service.terrain_note},
        "skipped": service.skipped,
        "weights": service.weights,
        "links": [link(urls.url("/rasters"), "self", JSON, "raster products"),
                  link(urls.url("/tileMatrixSets"), "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
                       JSON, "tile matrix sets"),
                  link(urls.url("/analysis/zones"), "related", GEOJSON, "zone analysis")],
    }


def tile_matrix_sets(urls: Urls) -> dict[str, Any]:
    """``/tileMatrixSets``: the morecantile sets tiles can be rendered in."""
    entries = []
    for tms_id in morecantile.tms.list():
        tms = morecantile.tms.get(tms_id)
        entries.append({"id": tms_id, "title": tms.title, "uri": tms.uri, "crs": str(tms.crs.root),
                        "links": [link(urls.url(f"/tileMatrixSets/{tms_id}"), "self", JSON, tms_id)]})
    return {"tileMatrixSets": entries}


def legend_svg(legend: Legend, *, width: int = 240) -> str:
    """The legend as a small SVG: title with units, a gradient bar and the stop values."""
    bar = width - 20
    stops = "".join(
        f'<stop offset="{i / max(len(legend.stops) - 1, 1):.3f}" stop-color="{s.color}"/>'
        for i, s in enumerate(legend.stops))
    labels = "".join(
        f'<text x="{10 + bar * i / max(len(legend.stops) - 1, 1):.1f}" y="50" text-anchor="middle">'
        f"{s.value:g}</text>" for i, s in enumerate(legend.stops))
    title = escape(f"{legend.title} ({legend.units})")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="60" font-family="sans-serif" '
            f'font-size="11"><defs><linearGradient id="g">{stops}</linearGradient></defs>'
            f'<text x="10" y="14">{title}</text>'
            f'<rect x="10" y="20" width="{bar}" height="16" fill="url(#g)" stroke="#555" stroke-width="0.5"/>'
            f"{labels}</svg>")


def _geometry(geometry: object) -> dict[str, Any] | None:
    if geometry is None or not isinstance(geometry, shapely.Geometry) or geometry.is_empty:
        return None
    return shapely.geometry.mapping(geometry)  # type: ignore[no-any-return]


def zone_properties(assessment: ZoneAssessment, layer: str | None) -> dict[str, Any]:
    """Flat properties of an assessed zone (one column per criterion) plus each criterion's contribution."""
    suitability = assessment.suitability
    return {**zone_record(assessment, layer), "excluded_by": suitability.excluded_by,
            "missing": suitability.missing, "notes": assessment.notes,
            "contributions": [c.model_dump(mode="json") for c in suitability.contributions]}


def _located(zones: gpd.GeoDataFrame) -> dict[str, tuple[object, str | None]]:
    return {str(i): (g, str(lid)) for i, g, lid in zip(zones["id"], zones.geometry, zones["layer"], strict=True)}


def zones_collection(service: RasterService, urls: Urls) -> dict[str, Any]:
    """``/analysis/zones``: every zone and cluster with distances, mean slope, score and reasons."""
    where = _located(service.zones)
    features = [{"type": "Feature", "id": a.zone_id, "geometry": _geometry(where.get(a.zone_id, (None,))[0]),
                 "properties": zone_properties(a, where.get(a.zone_id, (None, None))[1])}
                for a in service.assessments]
    return {"type": "FeatureCollection", "features": features,
            "links": [link(urls.current(), "self", GEOJSON, "zone analysis")]}


def ranking_collection(ranking: Ranking, service: RasterService, urls: Urls) -> dict[str, Any]:
    """``/analysis/rankings``: zones in rank order with the reasons for each place."""
    where = _located(service.zones)
    features = []
    for zone in ranking.zones:
        geometry, layer = where.get(zone.zone_id, (None, None))
        properties = {**zone.model_dump(mode="json"), "layer": layer}
        features.append({"type": "Feature", "id": zone.zone_id, "geometry": _geometry(geometry),
                         "properties": properties})
    return {"type": "FeatureCollection", "profile": ranking.profile, "title": ranking.title,
            "weights": ranking.weights, "notes": ranking.notes, "features": features,
            "links": [link(urls.current(), "self", GEOJSON, f"ranking: {ranking.title}")]}


def value_chain_collection(service: RasterService, urls: Urls, links: list[ValueChainLink]) -> dict[str, Any]:
    """``/analysis/value-chain``: mine → plant links as LineStrings with capacity utilisation per year."""
    features = [{"type": "Feature", "id": f"{v.mine_id}--{v.stage}--{v.plant_id}",
                 "geometry": _geometry(service.value_chain_geometry.get((v.mine_id, v.plant_id))),
                 "properties": v.model_dump(mode="json")} for v in links]
    return {"type": "FeatureCollection", "features": features,
            "links": [link(urls.current(), "self", GEOJSON, "value chain")]}
