"""The zone analysis as flat, typed feature properties of industrial zones and clusters.

Every zone and cluster feature carries, in every format and in the queryables:

- ``dist_<criterion>_km`` and ``dist_<criterion>_uncertainty_km`` for the border gate, railway,
  national road, hydropower plant, copper mine and apatite mine: the interval the nearest target
  lies in, as its middle ± half its width (:mod:`geo_industry.raster.distances`); null when the
  zone's location is unknown or no target is located;
- ``mean_slope_deg``: the mean slope over the zone, from the raster service's zone statistics
  when a DEM is configured; null otherwise;
- ``suitability_score``: the balanced profile's score, the one ``/analysis/rankings`` gives
  (with a DEM; without one, from the distances alone: "without slope");
- ``placeholder_inputs``: comma-separated criteria a district-seat placeholder could decide
  (``zone_location`` when the zone itself is one), null when none.

A store computes them from its own layers when it loads (or snapshots) them, without slope
(:func:`with_zone_analysis`); once the raster service has assessed the same revision with the
DEM's slope, the API serves a view of the store holding the service's assessments instead
(:func:`with_zone_analysis` given them, ``api.state.Prepared``). Either way they are columns
of the store's frames, so a filter such as ``dist_border_gate_km < 20 AND suitability_score > 50``
works on every backend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import pandas as pd

from geo_industry.catalog import layer_kinds
from geo_industry.models import Bilingual, FieldSpec, LayerMeta
from geo_industry.raster.analysis import MeasuredSlope, ZoneAssessment, assess_zones
from geo_industry.raster.layers import target_layers

__all__ = [
    "ANALYSIS_CRITERIA", "ANALYSIS_FIELDS", "ZONE_LAYERS", "analysis_fields", "analysis_properties",
    "measured_zone_frame", "with_analysis_fields",
    "with_zone_analysis", "zone_frame",
]

ZONE_LAYERS = ("industrial_zones", "industrial_clusters")
"""Layers whose features are assessed: industrial zones (with economic-zone areas) and clusters."""
ANALYSIS_CRITERIA = ("border_gate", "railway", "national_road", "hydropower", "copper_mine", "apatite_mine")
"""The distance criteria published as properties (the expressway has no geometry in the research)."""

_NOUNS = {"border_gate": ("cửa khẩu", "border gate"), "railway": ("đường sắt", "railway"),
          "national_road": ("quốc lộ", "national road"), "hydropower": ("thuỷ điện", "hydropower plant"),
          "copper_mine": ("mỏ đồng", "copper mine"), "apatite_mine": ("mỏ apatit", "apatite mine")}


def _distance_fields(criterion: str) -> list[FieldSpec]:
    vi, en = _NOUNS[criterion]
    return [
        FieldSpec(name=f"dist_{criterion}_km", type="number", unit="km",
                  title=Bilingual(vi=f"Khoảng cách tới {vi} gần nhất", en=f"Distance to the nearest {en}"),
                  description=f"geodesic km to the nearest {en}: middle of the interval it lies in "
                              "(computed; null when unknown)"),
        FieldSpec(name=f"dist_{criterion}_uncertainty_km", type="number", unit="km",
                  title=Bilingual(vi=f"Độ bất định khoảng cách tới {vi}", en=f"Uncertainty of the {en} distance"),
                  description="half the interval's width, from both ends' position uncertainty "
                              "(a distance equal to its uncertainty is a range from 0)"),
    ]


def _slope_and_score_fields(with_slope: bool) -> list[FieldSpec]:
    if with_slope:
        slope = "mean terrain slope over the zone's outline (or a disc around its point), from the configured DEM"
        score = "0-100, balanced profile, from the distances and the mean slope: the score of /analysis/rankings"
    else:
        slope = "null: no DEM-based slope is available (no DEM configured, or the terrain is still being built)"
        score = ("0-100, balanced profile, from the distances, without slope (no DEM-based slope is "
                 "available; /analysis/rankings says the same)")
    return [
        FieldSpec(name="mean_slope_deg", type="number", unit="deg",
                  title=Bilingual(vi="Độ dốc trung bình", en="Mean slope"), description=f"{slope} (computed)"),
        FieldSpec(name="suitability_score", type="number",
                  title=Bilingual(vi="Điểm phù hợp", en="Suitability score"), description=f"{score} (computed)"),
    ]


def analysis_fields(*, with_slope: bool = False) -> list[FieldSpec]:
    """The computed, read-only fields added to the zone layers' schema (descriptions say whether
    slope is in the score)."""
    return [
        *(f for c in ANALYSIS_CRITERIA for f in _distance_fields(c)),
        *_slope_and_score_fields(with_slope),
        FieldSpec(name="placeholder_inputs", type="string",
                  title=Bilingual(vi="Đầu vào là vị trí thay thế", en="Placeholder inputs"),
                  description="comma-separated criteria a district-seat placeholder could decide "
                              "(zone_location: the zone's own position); null when none"),
    ]


ANALYSIS_FIELDS: list[FieldSpec] = analysis_fields()
"""The computed fields of a store without the raster service's slope (names and types never change)."""


def analysis_properties(assessment: ZoneAssessment) -> dict[str, object]:
    """The flat analysis properties of one assessed zone."""
    row: dict[str, object] = {}
    for criterion in ANALYSIS_CRITERIA:
        distance = assessment.distances.get(criterion)
        row[f"dist_{criterion}_km"] = None if distance is None else distance.distance_km
        row[f"dist_{criterion}_uncertainty_km"] = None if distance is None else distance.uncertainty_km
    row["mean_slope_deg"] = assessment.mean_slope_deg
    row["suitability_score"] = (None if assessment.suitability.score is None
                                else round(assessment.suitability.score, 1))
    row["placeholder_inputs"] = ", ".join(assessment.placeholder_inputs) or None
    return row


_ZONE_COLUMNS = ("id", "layer", "kind", "name_vi", "name_en", "area_ha", "coord_precision", "coord_radius_km",
                 "geometry_quality", "district", "outline_id")
OUTLINE_LAYER = "zone_outlines"
"""Surveyed outlines of zones and clusters (polygons); a zone names its own in ``outline_id``."""


def zone_frame(layers: Mapping[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Zones and clusters of ``layers`` in one frame: the columns the analysis reads, and ``layer``."""
    frames = [layers[lid].assign(layer=lid) for lid in ZONE_LAYERS if lid in layers and not layers[lid].empty]
    if not frames:
        return gpd.GeoDataFrame({"id": pd.Series(dtype="object"), "layer": pd.Series(dtype="object")},
                                geometry=[], crs="EPSG:4326")
    zones = pd.concat([f[[c for c in _ZONE_COLUMNS if c in f.columns] + [f.geometry.name]] for f in frames],
                      ignore_index=True)
    return gpd.GeoDataFrame(zones, geometry=frames[0].geometry.name, crs="EPSG:4326")


def measured_zone_frame(layers: Mapping[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """:func:`zone_frame` with each zone's surveyed outline (``zone_outlines``) in place of its point.

    The analysis measures distances from the outline (uncertainty 0) and reads the slope over
    it; a zone without an outline keeps its point and the uncertainty of its position.
    """
    zones = zone_frame(layers)
    outlines = layers.get(OUTLINE_LAYER)
    if outlines is None or outlines.empty or "outline_id" not in zones:
        return zones
    by_id = dict(zip(outlines["id"].astype(str), outlines.geometry.to_crs("EPSG:4326"), strict=True))
    shapes = [by_id.get(str(oid), geom) for oid, geom in zip(zones["outline_id"], zones.geometry, strict=True)]
    return zones.set_geometry(gpd.GeoSeries(shapes, index=zones.index, crs="EPSG:4326"))


def with_analysis_fields(meta: LayerMeta, *, with_slope: bool = False) -> LayerMeta:
    """A zone layer's metadata with the analysis fields declared (other layers unchanged)."""
    if meta.id not in ZONE_LAYERS:
        return meta
    fields = analysis_fields(with_slope=with_slope)
    names = {f.name for f in fields}
    return meta.model_copy(update={"fields": [*(f for f in meta.fields if f.name not in names), *fields]})


def with_zone_analysis(frames: Mapping[str, gpd.GeoDataFrame], metas: Mapping[str, LayerMeta],
                       assessments: Sequence[ZoneAssessment] | None = None, *,
                       measured_slopes: Mapping[str, MeasuredSlope] | None = None,
                       ) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, LayerMeta]]:
    """Zone layers with the analysis columns and fields added (other layers unchanged).

    ``assessments`` are the raster service's (with the DEM's slope) for these frames; without
    them the zones are assessed here from the frames alone: distances, and the slopes of
    ``measured_slopes`` (the raster service's, kept by a database) for the zones whose shape is
    the one they were measured over (:func:`~geo_industry.raster.analysis.slope_inputs`), else no slope.

    Examples
    --------
    >>> frames, metas = with_zone_analysis(frames, metas)  # doctest: +SKIP
    >>> frames["industrial_zones"]["dist_railway_km"].dtype  # doctest: +SKIP
    dtype('float64')
    """
    out, out_metas = dict(frames), dict(metas)
    present = [layer_id for layer_id in ZONE_LAYERS if layer_id in frames and layer_id in metas]
    if not present:
        return out, out_metas
    with_slope = assessments is not None or measured_slopes is not None
    if assessments is None:
        targets = target_layers(frames, kinds=layer_kinds(metas.values()))
        assessments = assess_zones(zones=measured_zone_frame(frames), targets=targets,
                                   measured_slopes=measured_slopes)
    by_id = {a.zone_id: analysis_properties(a) for a in assessments}
    names = [f.name for f in ANALYSIS_FIELDS]
    for layer_id in present:
        frame = frames[layer_id].drop(columns=[n for n in names if n in frames[layer_id]])
        table = pd.DataFrame([by_id.get(str(i), {}) for i in frame["id"]], columns=names, index=frame.index)
        for name in names:
            kind = next(f.type for f in ANALYSIS_FIELDS if f.name == name)
            frame[name] = (pd.to_numeric(table[name], errors="coerce").astype(float) if kind == "number"
                           else table[name].astype(object).where(table[name].notna(), None))
        out[layer_id], out_metas[layer_id] = frame, with_analysis_fields(metas[layer_id], with_slope=with_slope)
    return out, out_metas
