"""Build every raster product of the analysis into a folder of COGs, with a manifest.

Terrain products (``terrain``, ``slope``, ``hillshade``) need a DEM; distance products and
``suitability`` are always built (on a grid of ``resolution_without_dem_m`` without a DEM).
A criterion whose target layer is empty is skipped with its reason in the manifest, and the
suitability weights are renormalised over the others.

Writing products needs rasterio, rio-cogeo and SciPy (some 70 MB of a process's memory once
imported, more while a build runs); this module imports them only when products are written, and
:func:`build_rasters_apart` writes them in a short-lived interpreter of its own, so a server worker
that only serves what was built never holds them.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from shapely.geometry.base import BaseGeometry

from geo_industry.crs import METRIC_CRS
from geo_industry.errors import InvalidParameter
from geo_industry.raster.criteria import DISTANCE_CRITERIA
from geo_industry.raster.errors import (
    EmptyTargetsError,
    NotARasterError,
    RasterError,
    UnknownProductError,
)
from geo_industry.raster.manifest import (
    BuildManifest,
    ProductInfo,
    hash_file,
    hash_frame,
    hash_geometry,
    read_manifest,
    write_manifest,
)
from geo_industry.raster.products import distance_product, legend_for, product_spec
from geo_industry.raster.suitability import (
    SuitabilityConfig,
    geometry_mask,
    suitability_surface,
    water_mask,
)

if TYPE_CHECKING:  # writing products needs rasterio, rio-cogeo and SciPy: imported when a build runs
    from geo_industry.raster.grid import RasterGrid

__all__ = [
    "BuildConfig",
    "BuildResult",
    "ProgressCallback",
    "build_rasters",
    "build_rasters_apart",
    "list_products",
    "product_path",
]

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, int], None]
"""Called as ``progress(step_description, steps_done, steps_total)``."""


class BuildConfig(BaseModel):
    """Parameters of a raster build (all part of the manifest).

    Attributes
    ----------
    target_crs : str, default "EPSG:9208"
        Metric CRS of every product.
    resolution_m : float, optional
        Pixel size; by default the DEM's true ground pixel size.
    resolution_without_dem_m : float, default 250
        Pixel size of distance and suitability products when no DEM is given.
    search_margin_km : float, default 25
        How far outside the area a target feature still counts.
    min_coverage : float, default 0.99
        Share of the area the DEM must cover.
    hillshade_azimuth_deg, hillshade_altitude_deg : float, default 315, 45
    suitability : SuitabilityConfig
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    target_crs: str = METRIC_CRS
    resolution_m: float | None = Field(None, gt=0)
    resolution_without_dem_m: float = Field(250.0, gt=0)
    search_margin_km: float = Field(25.0, ge=0)
    min_coverage: float = Field(0.99, gt=0, le=1)
    hillshade_azimuth_deg: float = 315.0
    hillshade_altitude_deg: float = Field(45.0, gt=0, le=90)
    suitability: SuitabilityConfig = Field(default_factory=SuitabilityConfig)


@dataclass(frozen=True)
class BuildResult:
    """Where a build is, whether it ran, and its manifest."""

    out_dir: Path
    rebuilt: bool
    manifest: BuildManifest

    def path(self, product: str) -> Path:
        """File of a built product (UnknownProductError when it was not built)."""
        return product_path(self.out_dir, product, manifest=self.manifest)


def _inputs(*, area_of_interest: BaseGeometry, aoi_crs: object, dem_path: Path | None,
            targets: Mapping[str, gpd.GeoDataFrame], water: gpd.GeoDataFrame | None,
            excluded_areas: gpd.GeoDataFrame | None) -> dict[str, str]:
    inputs = {
        "area_of_interest": hash_geometry(area_of_interest, crs=aoi_crs),
        "dem": hash_file(dem_path) if dem_path else "none",
        "water": hash_frame(water),
        "excluded_areas": hash_frame(excluded_areas),
    }
    inputs.update({f"targets.{c}": hash_frame(targets.get(c)) for c in DISTANCE_CRITERIA})
    return inputs


def _up_to_date(out_dir: Path, inputs: dict[str, str], parameters: dict[str, object]
                ) -> BuildManifest | None:
    manifest = read_manifest(out_dir)
    if manifest is None or manifest.inputs != inputs or manifest.parameters != parameters:
        return None
    if not all((out_dir / p.file).exists() for p in manifest.products):
        return None
    return manifest


class _Writer:
    """Writes products of one grid and collects their ProductInfo."""

    def __init__(self, out_dir: Path, grid: RasterGrid) -> None:
        from rasterio.warp import transform_bounds

        self.out_dir, self.grid = out_dir, grid
        self.products: list[ProductInfo] = []
        self.bounds_lonlat = tuple(float(v) for v in transform_bounds(
            grid.crs, "EPSG:4326", *grid.bounds, densify_pts=21))

    def write(self, product: str, array: np.ndarray) -> None:
        from geo_industry.raster.cog import write_cog

        spec = product_spec(product)
        data = array.astype(spec.dtype, copy=False)
        valid = data[data != spec.nodata] if spec.dtype == "uint8" else data[np.isfinite(data)]
        vmin = float(valid.min()) if valid.size else None
        vmax = float(valid.max()) if valid.size else None
        tags = {"PRODUCT": spec.id, "UNITS": spec.units,
                "VALUE_MIN": repr(vmin), "VALUE_MAX": repr(vmax)}
        file = f"{spec.id}.tif"
        write_cog(data, grid=self.grid, path=self.out_dir / file, nodata=spec.nodata, tags=tags,
                  overview_resampling=spec.overview_resampling)
        value_range = spec.value_range or ((vmin, vmax) if vmin is not None and vmax is not None
                                           else None)
        self.products.append(ProductInfo(
            id=spec.id, kind=spec.kind, title=spec.title, units=spec.units, file=file,
            crs=self.grid.crs.to_string(), bounds=self.grid.bounds,
            bounds_lonlat=self.bounds_lonlat, resolution_m=self.grid.resolution[0],
            width=self.grid.width, height=self.grid.height, value_min=vmin, value_max=vmax,
            legend=legend_for(spec.id, value_range=value_range)))


def build_rasters(
    *,
    out_dir: str | Path,
    area_of_interest: BaseGeometry,
    aoi_crs: str = "EPSG:4326",
    dem_path: str | Path | None = None,
    targets: Mapping[str, gpd.GeoDataFrame],
    water: gpd.GeoDataFrame | None = None,
    excluded_areas: gpd.GeoDataFrame | None = None,
    config: BuildConfig | None = None,
    progress: ProgressCallback | None = None,
    force: bool = False,
) -> BuildResult:
    """Build terrain, distance and suitability COGs into ``out_dir`` (skipped when up to date).

    Parameters
    ----------
    out_dir : path
        Build folder; holds ``<product>.tif`` files and ``manifest.json``.
    area_of_interest : shapely geometry
        The province (or any area) in ``aoi_crs``; suitability is left empty outside it.
    dem_path : path, optional
        A DEM in any CRS; without it no terrain products are built and slope is not a criterion.
    targets : mapping
        Distance criterion (``border_gate``, ``railway``, ``expressway``, ``hydropower``,
        ``copper_mine``, ``apatite_mine``) → GeoDataFrame of its features (see
        :func:`geo_industry.raster.layers.target_layers`). Missing or empty ones are skipped.
    water, excluded_areas : GeoDataFrame, optional
        Water (rivers are buffered by ``config.suitability.water_buffer_m``) and areas
        excluded from suitability.
    progress : callable, optional
        ``progress(step, done, total)`` after each step.
    force : bool
        Rebuild even when the manifest says the products are up to date.

    Examples
    --------
    >>> result = build_rasters(out_dir="build/rasters", area_of_interest=province,
    ...                        dem_path="dem.tif", targets=target_layers(layers))  # doctest: +SKIP
    >>> result.path("slope")  # doctest: +SKIP
    """
    unknown = set(targets) - set(DISTANCE_CRITERIA)
    if unknown:
        raise InvalidParameter(
            "targets", sorted(unknown), f"keys among the distance criteria {DISTANCE_CRITERIA}",
            message=f"targets keys {sorted(unknown)} are not distance criteria {DISTANCE_CRITERIA}")
    config = config or BuildConfig()
    out = Path(out_dir)
    dem = Path(dem_path) if dem_path is not None else None
    if dem is not None and not dem.is_file():
        raise NotARasterError(f"dem_path {str(dem)!r} is not a file")
    if not force and (built := _built_already(
            out_dir=out, area_of_interest=area_of_interest, aoi_crs=aoi_crs, dem_path=dem, targets=targets,
            water=water, excluded_areas=excluded_areas, config=config)) is not None:
        if progress:
            progress("up to date", 1, 1)
        return built
    inputs = _inputs(area_of_interest=area_of_interest, aoi_crs=aoi_crs, dem_path=dem,
                     targets=targets, water=water, excluded_areas=excluded_areas)
    parameters = config.model_dump(mode="json")
    from geo_industry.raster.grid import metric_grid
    from geo_industry.raster.terrain import hillshade, load_dem, slope_degrees

    out.mkdir(parents=True, exist_ok=True)
    total = (4 if dem else 1) + len(DISTANCE_CRITERIA) + 2
    step = _Stepper(progress, total)
    slope = None
    if dem is not None:
        dem_data = load_dem(dem, area_of_interest=area_of_interest, aoi_crs=aoi_crs,
                            target_crs=config.target_crs, resolution_m=config.resolution_m,
                            min_coverage=config.min_coverage)
        grid = dem_data.grid
        step("DEM loaded")
        writer = _Writer(out, grid)
        writer.write("terrain", dem_data.elevation)
        step("terrain written")
        slope = slope_degrees(dem_data.elevation, pixel_size=grid)
        writer.write("slope", slope)
        step("slope written")
        writer.write("hillshade", hillshade(
            dem_data.elevation, pixel_size=grid, azimuth_deg=config.hillshade_azimuth_deg,
            altitude_deg=config.hillshade_altitude_deg))
        step("hillshade written")
    else:
        grid = metric_grid(area_of_interest=area_of_interest, aoi_crs=aoi_crs,
                           resolution_m=config.resolution_m or config.resolution_without_dem_m,
                           crs=config.target_crs)
        writer = _Writer(out, grid)
        step("grid ready (no DEM)")
    distances, skipped = _distances(writer, targets, config, step)
    aoi = gpd.GeoDataFrame(geometry=[area_of_interest], crs=aoi_crs)
    surface = suitability_surface(
        grid=grid, distances_km=distances, slope_deg=slope, config=config.suitability,
        water=(water_mask(water, grid=grid, buffer_m=config.suitability.water_buffer_m)
               if water is not None else None),
        excluded_areas=(geometry_mask(excluded_areas, grid=grid) if excluded_areas is not None
                        else None),
        inside=_inside(aoi, grid), missing=skipped)
    writer.write("suitability", surface.score)
    step("suitability written")
    manifest = BuildManifest(inputs=inputs, parameters=parameters, products=writer.products,
                             skipped=surface.missing | skipped, weights=surface.weights)
    write_manifest(out, manifest)
    step("manifest written")
    return BuildResult(out, True, manifest)



def build_rasters_apart(
    *,
    out_dir: str | Path,
    area_of_interest: BaseGeometry,
    aoi_crs: str = "EPSG:4326",
    dem_path: str | Path | None = None,
    targets: Mapping[str, gpd.GeoDataFrame],
    water: gpd.GeoDataFrame | None = None,
    excluded_areas: gpd.GeoDataFrame | None = None,
    config: BuildConfig | None = None,
) -> BuildResult:
    """:func:`build_rasters`, writing the products in a fresh interpreter when they are not up to date.

    Up-to-date products are found here, as :func:`build_rasters` finds them (it imports nothing
    heavy for that). A build runs in ``python -c`` (not multiprocessing, which would run the
    caller's main script again): the arguments go in pickled on its stdin, the result or the error
    (:class:`RasterError`, :class:`InvalidParameter` …) comes back pickled on its stdout, and the
    memory the build took leaves with the interpreter.
    """
    arguments: dict[str, Any] = {"out_dir": out_dir, "area_of_interest": area_of_interest, "aoi_crs": aoi_crs,
                                 "dem_path": dem_path, "targets": targets, "water": water,
                                 "excluded_areas": excluded_areas, "config": config}
    built = _built_already(**arguments)
    if built is not None:
        return built
    paths = os.pathsep.join(p for p in sys.path if p)  # this package where the caller found it
    child = subprocess.run(
        [sys.executable, "-c", "from geo_industry.raster.build import _build_piped; _build_piped()"],
        input=pickle.dumps(arguments), capture_output=True, check=False,
        env={**os.environ, "PYTHONPATH": paths})
    said = child.stderr.decode(errors="replace").strip()[-4000:]
    if child.returncode != 0:
        raise RasterError(f"the raster build stopped (exit status {child.returncode}): {said}")
    if said:  # its warnings, in this process's log as when it built here
        logger.warning("raster build: %s", said)
    outcome = pickle.loads(child.stdout)
    if isinstance(outcome, BaseException):
        raise outcome
    result: BuildResult = outcome
    return result


def _build_piped() -> None:
    """:func:`build_rasters` of the pickled arguments on stdin; its result or error pickled to stdout
    (what the build's libraries print goes to stderr)."""
    arguments = pickle.load(sys.stdin.buffer)
    result_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        outcome: object = build_rasters(**arguments)
    except (RasterError, InvalidParameter) as exc:
        outcome = exc
    with result_out:
        result_out.write(pickle.dumps(outcome))


def _built_already(*, out_dir: str | Path, area_of_interest: BaseGeometry, aoi_crs: str,
                   dem_path: str | Path | None, targets: Mapping[str, gpd.GeoDataFrame],
                   water: gpd.GeoDataFrame | None, excluded_areas: gpd.GeoDataFrame | None,
                   config: BuildConfig | None) -> BuildResult | None:
    """The result of the products in ``out_dir`` if they are up to date for these inputs, else None."""
    dem = Path(dem_path) if dem_path is not None else None
    if (dem is not None and not dem.is_file()) or set(targets) - set(DISTANCE_CRITERIA):
        return None  # build_rasters says what is wrong
    inputs = _inputs(area_of_interest=area_of_interest, aoi_crs=aoi_crs, dem_path=dem,
                     targets=targets, water=water, excluded_areas=excluded_areas)
    manifest = _up_to_date(Path(out_dir), inputs, (config or BuildConfig()).model_dump(mode="json"))
    return None if manifest is None else BuildResult(Path(out_dir), False, manifest)


class _Stepper:
    def __init__(self, progress: ProgressCallback | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self, message: str) -> None:
        self.done += 1
        if self.progress:
            self.progress(message, self.done, self.total)


def _inside(aoi: gpd.GeoDataFrame, grid: RasterGrid) -> np.ndarray:
    from rasterio import features as rio_features

    shape = aoi.to_crs(grid.crs).geometry.iloc[0]
    return rio_features.geometry_mask([shape], out_shape=grid.shape, transform=grid.transform,
                                      invert=True)


def _distances(writer: _Writer, targets: Mapping[str, gpd.GeoDataFrame], config: BuildConfig,
               step: _Stepper) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    from geo_industry.raster.accessibility import distance_raster

    distances: dict[str, np.ndarray] = {}
    skipped: dict[str, str] = {}
    for criterion in DISTANCE_CRITERIA:
        frame = targets.get(criterion)
        if frame is None:
            skipped[criterion] = "no target layer given"
            step(f"{criterion} skipped")
            continue
        try:
            raster = distance_raster(frame, grid=writer.grid, name=criterion,
                                     search_margin_km=config.search_margin_km)
        except EmptyTargetsError as exc:
            skipped[criterion] = str(exc)
            step(f"{criterion} skipped")
            continue
        writer.write(distance_product(criterion), raster.distance_km)
        distances[criterion] = raster.distance_km
        step(f"distance to {criterion} written")
    return distances, skipped


def list_products(out_dir: str | Path) -> list[ProductInfo]:
    """The products of a build folder (empty when nothing was built there)."""
    manifest = read_manifest(out_dir)
    return list(manifest.products) if manifest else []


def product_path(out_dir: str | Path, product: str, *, manifest: BuildManifest | None = None
                 ) -> Path:
    """File of a built product; UnknownProductError when the build has no such product."""
    manifest = manifest or read_manifest(out_dir)
    for info in manifest.products if manifest else []:
        if info.id == product:
            return Path(out_dir) / info.file
    built = ", ".join(p.id for p in manifest.products) if manifest else "nothing"
    raise UnknownProductError(f"product {product!r} was not built in this folder (built: {built})")
