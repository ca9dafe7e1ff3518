"""What the maps show, gathered once: layer frames, titles, statistics and reference layers.

Builders take a :class:`MapData` and nothing else, so they are pure (no store, no files) and
tests build one from tiny GeoDataFrames. :func:`map_data_from_store` is the one adapter from
the store and settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from pydantic import BaseModel
from shapely.geometry.base import BaseGeometry

from geo_industry.catalog import layer_kinds
from geo_industry.i18n import catalog, data_language, translate
from geo_industry.investor_facts import InvestorFact, load_investor_facts
from geo_industry.models import FeatureQuery
from geo_industry.raster.analysis import ZoneAssessment, assess_zones
from geo_industry.raster.layers import target_layers
from geo_industry.raster.properties import measured_zone_frame
from geo_industry.raster.whole_layers import analysed_frames, drawn_from_tiles
from geo_industry.store.base import BulkReader, InvestorFactSource
from geo_industry.uncertainty import clip_outline

SHIPPED_BOUNDARIES = "boundaries"
"""The reference collection of province boundaries (``status: current`` is the merged province)."""
STATISTICS_COLUMNS = (
    "indicator",
    "entity",
    "year",
    "period",
    "value",
    "unit",
    "basis",
    "price_basis",
    "source",
    "note",
)


@dataclass(frozen=True)
class ReferenceLayer:
    """A background layer that orients the reader offline (boundary, rivers)."""

    key: str
    """i18n key of its name, e.g. ``layer.boundary``."""
    frame: gpd.GeoDataFrame
    kind: str = "boundary"
    """``boundary`` (province outlines), ``countries``, ``rivers``, ``places`` or ``transport_lines``."""
    attribution: str = ""


def empty_statistics() -> pd.DataFrame:
    """A statistics table with the documented columns and no rows."""
    return pd.DataFrame({name: pd.Series(dtype="object") for name in STATISTICS_COLUMNS})


@dataclass(frozen=True)
class RasterOverlay:
    """A raster product as the maps draw it: tiles from the API, or one image in a static build."""

    product: str
    """Product id (``suitability``, ``slope``, ``hillshade``, ``distance_border_gate`` …)."""
    url: str
    """Tile URL template with ``{z}/{x}/{y}``, or the URL of one EPSG:3857 PNG when ``image``."""
    bounds: tuple[float, float, float, float]
    """(west, south, east, north) in lon/lat."""
    units: str = ""
    legend: tuple[tuple[float, str], ...] = ()
    """(value, #rrggbb) stops."""
    image: bool = False


@dataclass(frozen=True)
class LayerSummary:
    """A layer too large for the maps to read whole: served pages draw it from its vector tiles."""

    features: int
    located: int
    """Features with a geometry (those a whole-world ``bbox`` query matches)."""
    bbox: tuple[float, float, float, float] | None
    geometry_type: str
    fields: tuple[str, ...] = ()
    """The layer's declared fields (what a filter on it may name)."""


@dataclass(frozen=True)
class MapData:
    """Everything the map builders read."""

    layers: Mapping[str, gpd.GeoDataFrame]
    titles: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    statistics: pd.DataFrame = field(default_factory=empty_statistics)
    reference: tuple[ReferenceLayer, ...] = ()
    entities: pd.DataFrame | None = None
    as_of: str = ""
    assessments: Mapping[str, Any] = field(default_factory=dict)
    """Zone id → :class:`~geo_industry.raster.analysis.ZoneAssessment` (distances, slope, score, reasons)."""
    overlays: tuple[RasterOverlay, ...] = ()
    """Raster products to offer as overlays (a ``hillshade`` one is also the offline basemap's relief)."""
    investor_facts: tuple[InvestorFact, ...] = ()
    """Rows of ``investor_facts.csv``: boards, contacts, incentives, published occupancy, land and price."""
    kinds: Mapping[str, str] = field(default_factory=dict)
    """Layer id → kind, from the catalog (:func:`geo_industry.catalog.layer_kind`); absent: the id itself."""
    summaries: Mapping[str, LayerSummary] = field(default_factory=dict)
    """Layers left out of ``layers`` for their size (see :func:`map_data_from_store`'s ``read_below``)."""

    def kind(self, layer_id: str) -> str:
        """What the layer's features are (decides its symbol); its id unless the catalog says otherwise."""
        return self.kinds.get(layer_id, layer_id)

    def geometry_type(self, layer_id: str) -> str:
        """The geometry type of the layer's first located feature (``Point`` for a layer with none)."""
        types = self.layer(layer_id).geometry.dropna().geom_type
        return str(types.iloc[0]) if len(types) else "Point"

    def overlay(self, product: str) -> RasterOverlay | None:
        """The overlay of ``product``, if offered."""
        return next((o for o in self.overlays if o.product == product), None)

    def layer(self, layer_id: str) -> gpd.GeoDataFrame:
        """The frame of ``layer_id``; an empty frame when the layer is absent."""
        frame = self.layers.get(layer_id)
        if frame is None:
            return gpd.GeoDataFrame({"id": pd.Series(dtype="object")}, geometry=[], crs="EPSG:4326")
        return frame

    def title(self, layer_id: str, lang: str) -> str:
        """The layer's title in ``lang``: the data's own (vi, en), the message catalog's for Chinese."""
        if lang == "zh-CN" and f"layer.{layer_id}" in catalog(lang):
            return translate(f"layer.{layer_id}", lang)
        titles = self.titles.get(layer_id, {})
        return titles.get(data_language(lang)) or titles.get("en") or layer_id.replace("_", " ").title()

    def reference_of(self, kind: str) -> ReferenceLayer | None:
        """The first reference layer of ``kind`` (see :attr:`ReferenceLayer.kind`)."""
        return next((r for r in self.reference if r.kind == kind), None)

    @cached_property
    def province_outline(self) -> BaseGeometry | None:
        """The province outline uncertainty rings are clipped to, if the maps have one.

        The configured boundary layer (union of its polygons), else the current province of the
        shipped ``boundaries`` collection (the merged province), else ``None``.
        """
        boundary = self.reference_of("boundary")
        if boundary is not None:
            return clip_outline(boundary.frame.geometry)
        shipped = self.layer(SHIPPED_BOUNDARIES)
        if "status" in shipped:
            shipped = shipped[shipped["status"] == "current"]
        return clip_outline(shipped.geometry)


def simplify_frame(frame: gpd.GeoDataFrame, tolerance: float) -> gpd.GeoDataFrame:
    """Simplify lines and polygons (degrees; points untouched) to keep embedded pages small."""
    if frame.empty or tolerance <= 0:
        return frame
    simplified = frame.copy()
    mask = simplified.geometry.notna() & ~simplified.geom_type.isin(["Point", "MultiPoint"])
    simplified.loc[mask, "geometry"] = simplified.loc[mask].geometry.simplify(tolerance, preserve_topology=True)
    return simplified


def _title_of(meta: Any) -> dict[str, str]:
    title = getattr(meta, "title", None)
    if title is None and isinstance(meta, Mapping):
        title = meta.get("title")
    if isinstance(title, BaseModel):
        title = title.model_dump()
    return {k: v for k, v in (title or {}).items() if isinstance(v, str)}


def _meta_id(meta: Any) -> str:
    return str(meta["id"] if isinstance(meta, Mapping) else meta.id)


REFERENCE_KINDS = {"boundaries": "boundary", "countries": "countries", "rivers": "rivers", "places": "places",
                   "transport_lines": "transport_lines"}
"""Reference collection id → the basemap role it plays (:attr:`ReferenceLayer.kind`)."""


def _is_reference(meta: Any) -> bool:
    group = meta.get("group") if isinstance(meta, Mapping) else getattr(meta, "group", None)
    return group == "reference"


def shipped_reference(store: BulkReader, metas: list[Any]) -> list[ReferenceLayer]:
    """The reference group's collections (``data/reference/``) as basemap layers, with their attribution."""
    layers = []
    for meta in metas:
        kind = REFERENCE_KINDS.get(_meta_id(meta))
        if kind is not None and _is_reference(meta):
            attribution = meta.get("attribution") if isinstance(meta, Mapping) else getattr(meta, "attribution", "")
            layers.append(ReferenceLayer(key=f"layer.{kind}", frame=store.frame(_meta_id(meta)), kind=kind,
                                         attribution=str(attribution or "")))
    return layers


def read_reference(path: Path | None, *, key: str, kind: str, attribution: str) -> ReferenceLayer | None:
    """Read a configured reference layer file (GeoJSON, GeoPackage), or ``None`` if unset."""
    if path is None:
        return None
    frame = gpd.read_file(path).to_crs("EPSG:4326")
    return ReferenceLayer(key=key, frame=frame, kind=kind, attribution=attribution)


def vector_assessments(layers: Mapping[str, gpd.GeoDataFrame], *,
                       kinds: Mapping[str, str] | None = None) -> dict[str, ZoneAssessment]:
    """Zone id → assessment from the layers alone (uncertain distances and score, no slope)."""
    zones = measured_zone_frame(layers)
    if zones.empty:
        return {}
    return {a.zone_id: a for a in assess_zones(zones=zones, targets=target_layers(layers, kinds=kinds))}


def read_investor_facts(path: Path | None) -> tuple[InvestorFact, ...]:
    """The investor facts of ``path``; none when unset or absent (``validate`` checks the file)."""
    if path is None or not path.is_file():
        return ()
    return tuple(load_investor_facts(path))


def investor_facts_of(store: object, path: Path | None) -> tuple[InvestorFact, ...]:
    """The investor facts of ``store`` when it holds them (a database: edits follow its revision), else
    those of the data folder's file ``path``."""
    if isinstance(store, InvestorFactSource):
        return store.investor_facts()
    return read_investor_facts(path)


def _summary(store: Any, meta: Any) -> LayerSummary:
    """Size, located features, extent and geometry type of a layer, without reading its rows."""
    layer_id = _meta_id(meta)
    located = store.query(layer_id, FeatureQuery(bbox=(-180.0, -90.0, 180.0, 90.0), limit=1)).matched
    geometry_type = meta.get("geometry_type") if isinstance(meta, Mapping) else getattr(meta, "geometry_type", "")
    fields = meta.get("fields") if isinstance(meta, Mapping) else getattr(meta, "fields", None)
    names = tuple(str(f.get("name") if isinstance(f, Mapping) else getattr(f, "name", "")) for f in fields or ())
    return LayerSummary(features=store.count(layer_id), located=int(located or 0), bbox=store.extent(layer_id)[0],
                        geometry_type=str(geometry_type or "Point"), fields=names)


def map_data_from_store(
    store: BulkReader,
    *,
    boundary_path: Path | None = None,
    rivers_path: Path | None = None,
    simplify: float = 0.0,
    assessments: Mapping[str, Any] | None = None,
    overlays: tuple[RasterOverlay, ...] = (),
    investor_facts_path: Path | None = None,
    read_below: int | None = None,
) -> MapData:
    """Gather the layers, titles and statistics from the store, plus the reference layers.

    The reference layers are the store's ``reference`` collections (shipped in ``data/reference/``);
    a configured ``boundary_path`` or ``rivers_path`` replaces the shipped layer of its kind.

    ``simplify`` (degrees) simplifies lines and polygons, for the static build. ``assessments``
    and ``overlays`` come from the raster service (see :mod:`geo_industry.maps.rasters`); without
    it the zones are assessed from the store's layers (distances with their uncertainty, no slope).
    ``investor_facts_path`` is the data folder's ``investor_facts.csv`` (none: the fact sheets
    show no investor facts; a missing file is the same as none, the file being optional), read
    unless the store holds the investor facts itself (PostGIS: :func:`investor_facts_of`).
    ``read_below`` (served pages: the vector tile threshold) leaves every non-reference layer of
    at least that many features out of the frames read (the rule of
    :func:`geo_industry.raster.whole_layers.needs_whole_frame`): it is summarised
    (:class:`LayerSummary`) through the store's reads (``count``, ``extent``, a ``bbox`` query's
    ``matched``), never read whole. The zone analysis reads the layers it needs, whatever their size
    (:func:`~geo_industry.raster.whole_layers.analysed_frames`).
    """
    all_metas = list(store.collections())
    summaries = {m.id: _summary(store, m) for m in drawn_from_tiles(store, all_metas, threshold=read_below)}
    readable = [m for m in all_metas if _meta_id(m) not in summaries]
    if assessments is None:  # the analysis reads its own layers (geo_industry.raster.whole_layers)
        assessments = vector_assessments(analysed_frames(store, all_metas), kinds=layer_kinds(all_metas))
    metas = [m for m in readable if not _is_reference(m)]
    layers = {_meta_id(m): simplify_frame(store.frame(_meta_id(m)), simplify) for m in metas}
    configured = [
        r
        for r in (
            read_reference(boundary_path, key="layer.boundary", kind="boundary",
                           attribution="Boundaries: geoBoundaries (CC BY 4.0)"),
            read_reference(rivers_path, key="layer.rivers", kind="rivers", attribution="Rivers: Natural Earth"),
        )
        if r is not None
    ]
    shipped = [r for r in shipped_reference(store, all_metas)
               if r.kind not in {c.kind for c in configured}]
    reference = tuple(
        ReferenceLayer(r.key, simplify_frame(r.frame, simplify), r.kind, r.attribution) for r in [*configured, *shipped]
    )
    as_of = max((str(getattr(m, "as_of", "") or "") for m in metas), default="")
    return MapData(
        layers=layers,
        titles={_meta_id(m): _title_of(m) for m in all_metas if not _is_reference(m)},
        kinds=layer_kinds([m for m in all_metas if not _is_reference(m)]),
        statistics=store.statistics,
        entities=store.entities,
        reference=reference,
        as_of=as_of,
        assessments=dict(assessments or {}),
        overlays=overlays,
        investor_facts=investor_facts_of(store, investor_facts_path),
        summaries=summaries,
    )
