"""The raster products and zone analysis of one data revision, shared by the API, maps and CLI.

:class:`RasterService` turns the store's layers into everything a user meets: it builds the
COG products (reusing them through the manifest when nothing changed), keeps one
:class:`~geo_industry.raster.tiles.ProductReader` per product (opened when first read), and computes the zone
assessments and value-chain links once per data revision. It knows no web framework.

Inputs, all optional except the layers (:meth:`RasterService.update` reads only the layers the
analysis needs, :func:`geo_industry.raster.whole_layers.analysed_frames`: never a large layer of
another kind):

- the DEM (``dem_path``): terrain, slope and hillshade, and slope as a criterion. A DEM that
  cannot be used (not a raster, no CRS, not covering the area) does not stop the service: the
  other products are built and :attr:`RasterService.terrain_note` says why terrain is missing.
- the rivers (``rivers_path``): water excluded from suitability (buffered 200 m).
- the boundary (``boundary_path``): the area of interest. Without it the area is the extent of
  every located feature of those layers grown by :data:`AREA_MARGIN_M` (10 km).

Without a DEM, distance and suitability rasters use a metric grid (EPSG:9208) of
:data:`DEFAULT_RESOLUTION_WITHOUT_DEM_M` (250 m) over the area; with a DEM, the DEM's own
ground resolution.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import LineString, box
from shapely.geometry.base import BaseGeometry

from geo_industry.catalog import REFERENCE_LAYER_IDS, layer_kinds
from geo_industry.crs import METRIC_CRS
from geo_industry.errors import InvalidParameter
from geo_industry.raster.analysis import MeasuredSlope, Ranking, ZoneAssessment, assess_zones, rank_zones, slope_inputs
from geo_industry.raster.build import BuildConfig, BuildResult, ProgressCallback, build_rasters, build_rasters_apart
from geo_industry.raster.criteria import DISTANCE_CRITERIA
from geo_industry.raster.errors import RasterError, TerrainNotConfiguredError, UnknownProductError
from geo_industry.raster.layers import located_targets, target_layers
from geo_industry.raster.manifest import ProductInfo
from geo_industry.raster.products import PRODUCTS, product_spec
from geo_industry.raster.profiles import InvestorProfile
from geo_industry.raster.properties import ZONE_LAYERS, analysis_properties, measured_zone_frame, zone_frame
from geo_industry.raster.valuechain import ValueChainLink, link_value_chain
from geo_industry.raster.whole_layers import VALUE_CHAIN_LAYERS, analysed_frames
from geo_industry.store.base import BulkReader

if TYPE_CHECKING:  # rasterio and rio-tiler: imported when a product is first read, not when the service starts
    from geo_industry.raster.tiles import ProductReader
    from geo_industry.raster.zonal import ZonalStatistics

__all__ = [
    "AREA_MARGIN_M",
    "DEFAULT_RASTER_DIR",
    "DEFAULT_RESOLUTION_WITHOUT_DEM_M",
    "TERRAIN_PRODUCTS",
    "ZONE_LAYERS",
    "RasterService",
    "area_of_interest",
    "zone_record",
]

logger = logging.getLogger(__name__)

DEFAULT_RASTER_DIR = Path("var/rasters")
"""Where products are cached when ``raster_dir`` is not set (relative to the working directory)."""
DEFAULT_RESOLUTION_WITHOUT_DEM_M = 250.0
"""Pixel size of distance and suitability rasters without a DEM (province: about 600 × 700 px)."""
AREA_MARGIN_M = 10_000.0
"""Margin around the features' extent when no boundary is configured."""
TERRAIN_PRODUCTS = ("terrain", "slope", "hillshade")
_DEM_HELP = "set GEO_INDUSTRY_DEM_PATH to a DEM GeoTIFF (any CRS, e.g. SRTM or Copernicus) and restart"


def area_of_interest(layers: Mapping[str, gpd.GeoDataFrame], *, boundary: gpd.GeoDataFrame | None = None,
                     margin_m: float = AREA_MARGIN_M) -> BaseGeometry:
    """The analysis area in lon/lat: the boundary's union, else the features' extent plus a margin.

    Examples
    --------
    >>> area_of_interest({"mines": mines_gdf}).bounds  # doctest: +SKIP
    """
    if boundary is not None and not boundary.empty:
        return shapely.union_all(boundary.to_crs("EPSG:4326").geometry.dropna().values)
    located = [f.geometry.dropna().to_crs(METRIC_CRS) for f in layers.values()
               if f.crs is not None and f.geometry.notna().any()]
    if not located:
        raise RasterError("area of interest: no layer has a located feature and no boundary is configured")
    bounds = pd.concat(located).total_bounds
    grown = gpd.GeoSeries([box(*bounds).buffer(margin_m, join_style="mitre")], crs=METRIC_CRS)
    return grown.to_crs("EPSG:4326").iloc[0]


@contextmanager
def _build_lock(out_dir: Path) -> Any:
    """An exclusive lock on the build folder, so server workers do not write the same files at once."""
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: one process per folder is the caller's duty
        yield
        return
    with open(out_dir / ".build.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class RasterService:
    """Products, readers, zone assessments and value chain of one data revision.

    Examples
    --------
    >>> service = RasterService(out_dir="var/rasters", dem_path="dem.tif")  # doctest: +SKIP
    >>> service.update(store)  # doctest: +SKIP
    >>> service.reader("slope").tile(x=1620, y=898, z=11)  # doctest: +SKIP
    >>> service.ranking("copper_downstream").zones[0].zone_id  # doctest: +SKIP
    """

    def __init__(self, *, out_dir: str | Path, dem_path: str | Path | None = None,
                 rivers_path: str | Path | None = None, boundary_path: str | Path | None = None,
                 config: BuildConfig | None = None, build_apart: bool = False) -> None:
        """Remember where products go and which optional inputs to use; nothing is built yet.

        With ``build_apart``, products are written in a process of their own
        (:func:`~geo_industry.raster.build.build_rasters_apart`) unless progress is reported: a
        server worker keeps none of what writing them took.
        """
        self.build_apart = build_apart
        self.out_dir = Path(out_dir)
        self.dem_path = Path(dem_path) if dem_path is not None else None
        self.rivers_path = Path(rivers_path) if rivers_path is not None else None
        self.boundary_path = Path(boundary_path) if boundary_path is not None else None
        self.config = config or BuildConfig()
        self.revision: object = None
        self.result: BuildResult | None = None
        self.terrain_note: str | None = None
        self.zones = zone_frame({})
        self.assessments: list[ZoneAssessment] = []
        self.value_chain: list[ValueChainLink] = []
        self.value_chain_geometry: dict[tuple[str, str], LineString | None] = {}
        self._files: dict[str, Path] = {}
        self._readers: dict[str, ProductReader] = {}
        self._retired: list[ProductReader] = []
        self._by_zone: dict[str, ZoneAssessment] = {}
        self._measured: list[MeasuredSlope] = []
        self._sloped: tuple[object, list[ZoneAssessment], list[MeasuredSlope]] | None = None
        self._lock = threading.Lock()
        self._opening = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Any, *, build_apart: bool = False) -> RasterService:
        """A service for :class:`geo_industry.settings.Settings` (``raster_dir`` defaults to var/rasters)."""
        return cls(out_dir=settings.raster_dir or DEFAULT_RASTER_DIR, dem_path=settings.dem_path,
                   rivers_path=settings.rivers_path, boundary_path=settings.boundary_path,
                   build_apart=build_apart)

    # building ---------------------------------------------------------------------------------

    def update(self, store: BulkReader, *, progress: ProgressCallback | None = None) -> bool:
        """Build (or reuse) the products and recompute the analysis if the store's revision changed.

        Returns True when it did anything. Thread-safe: concurrent callers wait for one update.
        """
        revision = store.revision()
        if revision == self.revision and self.result is not None:
            return False
        with self._lock:
            if revision == self.revision and self.result is not None:
                return False
            metas = store.collections()
            layers = analysed_frames(store, metas)  # never a layer the analysis does not read
            self._update(layers, store.statistics, progress=progress, kinds=layer_kinds(metas))
            self.revision = revision
            self._sloped = (revision, self.assessments, self._measured) if "slope" in self._files else None
        return True

    def build_from_layers(self, layers: Mapping[str, gpd.GeoDataFrame], *, statistics: pd.DataFrame | None = None,
                          progress: ProgressCallback | None = None) -> BuildResult:
        """Build from layer frames directly (the CLI and tests); returns the build result."""
        with self._lock:
            self._update(layers, statistics, progress=progress)
            assert self.result is not None
            return self.result

    def _update(self, layers: Mapping[str, gpd.GeoDataFrame], statistics: pd.DataFrame | None, *,
                progress: ProgressCallback | None, kinds: Mapping[str, str] | None = None) -> None:
        boundary = gpd.read_file(self.boundary_path) if self.boundary_path else None
        water = gpd.read_file(self.rivers_path) if self.rivers_path else None
        sites = {k: v for k, v in layers.items() if k not in REFERENCE_LAYER_IDS}  # countries span Asia
        aoi = area_of_interest(sites, boundary=boundary)
        targets = target_layers(layers, kinds=kinds)
        result = self._build(aoi, located_targets(targets), water, progress)
        self._open_readers(result)
        self.zones = zone_frame(layers)
        slope = result.path("slope") if "slope" in self._files else None
        measured = measured_zone_frame(layers)
        self.assessments = assess_zones(zones=measured, targets=targets, slope_path=slope,
                                        config=self.config.suitability)
        self._by_zone = {a.zone_id: a for a in self.assessments}
        self._measured = _measured_slopes(measured, self.assessments)
        self._link_value_chain(layers, statistics)

    def _build(self, aoi: BaseGeometry, targets: Mapping[str, gpd.GeoDataFrame], water: gpd.GeoDataFrame | None,
               progress: ProgressCallback | None) -> BuildResult:
        kwargs: dict[str, Any] = {"out_dir": self.out_dir, "area_of_interest": aoi, "targets": targets,
                                  "water": water, "config": self.config}
        if progress is not None or not self.build_apart:
            kwargs["progress"] = progress
        build = build_rasters if "progress" in kwargs else build_rasters_apart
        with _build_lock(self.out_dir):
            if self.dem_path is None:
                self.terrain_note = f"no DEM is configured: {_DEM_HELP}"
                return build(**kwargs)
            try:
                result = build(dem_path=self.dem_path, **kwargs)
            except (RasterError, InvalidParameter) as exc:
                logger.warning("DEM %s not used, terrain products left out: %s", self.dem_path, exc)
                self.terrain_note = f"the configured DEM could not be used ({exc}); {_DEM_HELP}"
                return build(**kwargs)
            self.terrain_note = None
            return result

    def _open_readers(self, result: BuildResult) -> None:
        """Serve ``result``'s products: each one's reader is opened when it is first read (:meth:`reader`)."""
        with self._opening:
            self._retired.extend(self._readers.values())  # requests may still hold them; closed in close()
            self._files = {info.id: result.out_dir / info.file for info in result.manifest.products}
            self._readers = {}
            self.result = result

    def _link_value_chain(self, layers: Mapping[str, gpd.GeoDataFrame], statistics: pd.DataFrame | None) -> None:
        mines, plants = (layers.get(layer_id) for layer_id in VALUE_CHAIN_LAYERS)
        if mines is None or plants is None or mines.empty or plants.empty:
            self.value_chain, self.value_chain_geometry = [], {}
            return
        self.value_chain = link_value_chain(mines=mines, plants=plants, statistics=statistics)
        where = {str(i): g for frame in (mines, plants) for i, g in zip(frame["id"], frame.geometry, strict=True)}
        self.value_chain_geometry = {
            (link.mine_id, link.plant_id): _line(where.get(link.mine_id), where.get(link.plant_id))
            for link in self.value_chain}

    def close(self) -> None:
        """Close every open reader."""
        with self._opening:
            for reader in [*self._readers.values(), *self._retired]:
                reader.close()
            self._readers.clear()
            self._retired.clear()

    # reading ----------------------------------------------------------------------------------

    @property
    def products(self) -> list[ProductInfo]:
        """The built products, in build order."""
        return list(self.result.manifest.products) if self.result else []

    @property
    def skipped(self) -> dict[str, str]:
        """Criterion → why it has no raster (no targets, no DEM)."""
        return dict(self.result.manifest.skipped) if self.result else {}

    @property
    def weights(self) -> dict[str, float]:
        """Normalised weights the suitability raster was built with."""
        return dict(self.result.manifest.weights) if self.result else {}

    def product(self, product: str) -> ProductInfo:
        """One built product's metadata; UnknownProductError (TerrainNotConfiguredError for terrain)."""
        for info in self.products:
            if info.id == product:
                return info
        if product in TERRAIN_PRODUCTS:
            raise TerrainNotConfiguredError(f"raster {product!r} is not available: {self.terrain_note}")
        if product in PRODUCTS:
            criterion = product.removeprefix("distance_")
            reason = self.skipped.get(criterion, "it was not built")
            raise UnknownProductError(f"raster {product!r} is not available: {reason}")
        product_spec(product)  # raises with the list of known products
        raise UnknownProductError(f"raster {product!r} is not available")  # pragma: no cover

    def reader(self, product: str) -> ProductReader:
        """The open reader of a built product, opened on first use (same errors as :meth:`product`)."""
        self.product(product)
        from geo_industry.raster.tiles import ProductReader

        with self._opening:  # one reader per product of the current build, however many threads ask
            reader = self._readers.get(product)
            if reader is None:
                reader = self._readers[product] = ProductReader(self._files[product], product=product)
        return reader

    def sloped_assessments(self, revision: object) -> list[ZoneAssessment] | None:
        """The zone assessments of the store's ``revision`` when they include the DEM's slope.

        None without a DEM, before the build of that revision has finished, or for another
        revision; never waits. The API serves them as the zones' analysis properties.
        """
        sloped = self._sloped  # one read: the revision and its assessments always go together
        return sloped[1] if sloped is not None and sloped[0] == revision else None

    def measured_slopes(self, revision: object) -> list[MeasuredSlope] | None:
        """Each zone's mean slope in the assessments of the store's ``revision``, with what it was read
        over, when they include the DEM's slope (as :meth:`sloped_assessments`), for a store to keep."""
        sloped = self._sloped
        return sloped[2] if sloped is not None and sloped[0] == revision else None

    def assessment(self, zone_id: str) -> ZoneAssessment | None:
        """The assessment of one zone or cluster, None for any other id."""
        return self._by_zone.get(zone_id)

    def ranking(self, profile: str | InvestorProfile | Mapping[str, float] = "balanced") -> Ranking:
        """Zones ranked for a profile id or custom weights (criterion → weight)."""
        return rank_zones(self.assessments, profile=profile, base=self.config.suitability)

    def zone_table(self) -> gpd.GeoDataFrame:
        """One row per assessed zone: distances, nearest ids, mean slope, balanced score, rank, reasons.

        Flat columns (``distance_border_gate_km``, ``nearest_border_gate`` …) for CSV and GIS;
        ``explanation`` spells out each criterion's contribution.
        """
        ranked = {z.zone_id: z for z in self.ranking("balanced").zones} if self.assessments else {}
        layers = dict(zip(self.zones["id"].astype(str), self.zones["layer"], strict=True))
        geometry = dict(zip(self.zones["id"].astype(str), self.zones.geometry, strict=True))
        rows = []
        for assessment in self.assessments:
            place = ranked.get(assessment.zone_id)
            rows.append({**zone_record(assessment, layers.get(assessment.zone_id)),
                         "rank": None if place is None else place.rank,
                         "explanation": None if place is None else place.explanation})
        frame = pd.DataFrame(rows)
        return gpd.GeoDataFrame(frame, geometry=[geometry.get(z) for z in frame.get("zone_id", [])],
                                crs="EPSG:4326")

    def zonal(self, product: str, *, zones: gpd.GeoDataFrame | BaseGeometry, zones_crs: object = "EPSG:4326",
              percentiles: Sequence[float] = (10, 50, 90)) -> list[ZonalStatistics]:
        """Zonal statistics of a built product per zone (GeoDataFrame with ``id``) or for one geometry."""
        from geo_industry.raster.zonal import zonal_statistics

        info = self.product(product)
        assert self.result is not None
        return zonal_statistics(self.result.out_dir / info.file, zones=zones, zones_crs=zones_crs,
                                percentiles=percentiles)


def zone_record(assessment: ZoneAssessment, layer: str | None) -> dict[str, Any]:
    """Flat properties of an assessed zone: the feature properties of the analysis
    (:func:`~geo_industry.raster.properties.analysis_properties`) plus, per criterion, the
    nearest id, the distance's status and the bounds of its interval."""
    record: dict[str, Any] = {"zone_id": assessment.zone_id, "layer": layer, "kind": assessment.kind,
                              "name_vi": assessment.name_vi, "name_en": assessment.name_en,
                              **analysis_properties(assessment)}
    for criterion in DISTANCE_CRITERIA:
        distance = assessment.distances.get(criterion)
        record[f"nearest_{criterion}"] = None if distance is None else distance.nearest
        record[f"dist_{criterion}_status"] = None if distance is None else distance.status
        record[f"dist_{criterion}_range_km"] = (
            None if distance is None or distance.upper_km is None
            else f"{distance.lower_km:.1f}-{distance.upper_km:.1f}")
    record.update({"excluded_by": "; ".join(assessment.suitability.excluded_by) or None,
                   "missing": "; ".join(f"{k}: {v}" for k, v in assessment.suitability.missing.items()) or None})
    return record


def _measured_slopes(zones: gpd.GeoDataFrame, assessments: Sequence[ZoneAssessment]) -> list[MeasuredSlope]:
    """The mean slope of each assessed zone of ``zones`` (:func:`measured_zone_frame`), with its layer and
    what it was read over."""
    inputs = slope_inputs(zones)
    layers = dict(zip(zones["id"].astype(str), zones["layer"], strict=True))
    return [MeasuredSlope(str(layers[a.zone_id]), a.zone_id, inputs[a.zone_id], a.mean_slope_deg)
            for a in assessments if a.zone_id in inputs]


def _line(start: object, end: object) -> LineString | None:
    if not isinstance(start, BaseGeometry) or not isinstance(end, BaseGeometry) or start.is_empty or end.is_empty:
        return None
    a, b = start.representative_point(), end.representative_point()
    return LineString([(a.x, a.y), (b.x, b.y)])
