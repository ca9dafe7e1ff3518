"""Zonal statistics of a raster per polygon (or point) zone."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
from pydantic import BaseModel, Field
from rasterio import features as rio_features
from rasterio.windows import Window, from_bounds
from shapely.geometry.base import BaseGeometry

from geo_industry.errors import InvalidParameter
from geo_industry.raster.errors import EmptyZoneError, NotARasterError
from geo_industry.raster.grid import RasterGrid, to_crs_geometry

__all__ = ["ZonalStatistics", "zonal_statistics", "zonal_statistics_array"]


class ZonalStatistics(BaseModel):
    """Statistics of the valid pixels of a raster inside one zone."""

    zone_id: str | None
    count: int = Field(description="valid pixels in the zone")
    mean: float | None
    min: float | None
    max: float | None
    percentiles: dict[str, float] = Field(default_factory=dict, description="'p50' → value")
    note: str | None = Field(None, description="why the zone has no pixels, or how it was read")


class _Window:
    """Reads a window of either an in-memory array or an open dataset."""

    def __init__(self, *, grid: RasterGrid, array: np.ndarray | None = None,
                 dataset: rasterio.DatasetReader | None = None) -> None:
        self.grid, self.array, self.dataset = grid, array, dataset

    def read(self, window: Window) -> np.ndarray:
        if self.array is not None:
            rows, cols = window.toslices()
            return self.array[rows, cols].astype("float64")
        assert self.dataset is not None
        data = self.dataset.read(1, window=window, masked=True).astype("float64")
        return data.filled(np.nan)


def _window_for(geometry: BaseGeometry, grid: RasterGrid) -> Window | None:
    left, bottom, right, top = grid.bounds
    gl, gb, gr, gt = geometry.bounds
    xres, yres = grid.resolution
    gl, gb, gr, gt = gl - xres, gb - yres, gr + xres, gt + yres
    if gr < left or gl > right or gt < bottom or gb > top:
        return None
    win = from_bounds(max(gl, left), max(gb, bottom), min(gr, right), min(gt, top),
                      transform=grid.transform).round_offsets().round_lengths()
    full = Window(0, 0, grid.width, grid.height)
    return win.intersection(full)


def _stats(zone_id: str | None, values: np.ndarray, percentiles: Sequence[float],
           note: str | None) -> ZonalStatistics:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return ZonalStatistics(zone_id=zone_id, count=0, mean=None, min=None, max=None,
                               note=note or "no valid pixel in the zone")
    pct = np.percentile(values, percentiles) if percentiles else []
    return ZonalStatistics(
        zone_id=zone_id, count=int(values.size), mean=float(values.mean()),
        min=float(values.min()), max=float(values.max()),
        percentiles={f"p{p:g}": float(v) for p, v in zip(percentiles, pct, strict=True)},
        note=note)


def _zone(reader: _Window, zone_id: str | None, geometry: BaseGeometry | None,
          percentiles: Sequence[float], all_touched: bool) -> ZonalStatistics:
    if geometry is None or geometry.is_empty:
        return ZonalStatistics(zone_id=zone_id, count=0, mean=None, min=None, max=None,
                               note="zone has no geometry")
    window = _window_for(geometry, reader.grid)
    if window is None or window.width <= 0 or window.height <= 0:
        return ZonalStatistics(zone_id=zone_id, count=0, mean=None, min=None, max=None,
                               note="zone lies outside the raster")
    data = reader.read(window)
    transform = rasterio.windows.transform(window, reader.grid.transform)
    note = None
    for touched in (all_touched, True):
        inside = rio_features.geometry_mask([geometry], out_shape=data.shape,
                                            transform=transform, invert=True,
                                            all_touched=touched)
        if inside.any():
            break
        note = "zone smaller than a pixel: pixels touching it were used"
    return _stats(zone_id, data[inside], percentiles, note)


def _zones(zones: gpd.GeoDataFrame | BaseGeometry, *, crs: object, zones_crs: object,
           id_column: str) -> list[tuple[str | None, BaseGeometry | None]]:
    if isinstance(zones, BaseGeometry):
        if zones.is_empty:
            raise EmptyZoneError("zone geometry is empty")
        return [(None, to_crs_geometry(zones, src_crs=zones_crs, dst_crs=crs))]
    if not isinstance(zones, gpd.GeoDataFrame):
        raise InvalidParameter(
            "zones", type(zones).__name__, "a GeoDataFrame or a shapely geometry",
            message=f"zones must be a GeoDataFrame or a shapely geometry, got {type(zones).__name__}")
    if zones.crs is None:
        raise InvalidParameter("zones", None, "a CRS (e.g. EPSG:4326)",
                               message="zones has no CRS; set one (e.g. EPSG:4326)")
    projected = zones.geometry.to_crs(crs)
    ids = zones[id_column].astype(str).tolist() if id_column in zones else [
        str(i) for i in zones.index]
    return list(zip(ids, [None if g is None else g for g in projected], strict=True))


def _check_percentiles(percentiles: Sequence[float]) -> None:
    if any(not 0 <= p <= 100 for p in percentiles):
        raise InvalidParameter("percentiles", list(percentiles), "numbers within 0–100",
                               message=f"percentiles must be within 0–100, got {list(percentiles)}")


def zonal_statistics_array(
    array: np.ndarray,
    *,
    grid: RasterGrid,
    zones: gpd.GeoDataFrame | BaseGeometry,
    zones_crs: object = "EPSG:4326",
    id_column: str = "id",
    percentiles: Sequence[float] = (10, 50, 90),
    all_touched: bool = False,
) -> list[ZonalStatistics]:
    """Zonal statistics of an in-memory raster (NaN is nodata), one result per zone.

    ``zones`` is a GeoDataFrame (ids from ``id_column``, else the index) or one shapely
    geometry in ``zones_crs``. Pixels whose centre lies in a polygon count; a zone smaller than
    a pixel, or a point, uses the pixels it touches.
    """
    _check_percentiles(percentiles)
    if array.shape != grid.shape:
        raise InvalidParameter("array", array.shape, f"the grid's shape {grid.shape}",
                               message=f"array has shape {array.shape}, grid is {grid.shape}")
    reader = _Window(grid=grid, array=array)
    results = [_zone(reader, zid, geom, percentiles, all_touched)
               for zid, geom in _zones(zones, crs=grid.crs, zones_crs=zones_crs,
                                       id_column=id_column)]
    return _single_checked(zones, results)


def _single_checked(zones: object, results: list[ZonalStatistics]) -> list[ZonalStatistics]:
    if isinstance(zones, BaseGeometry) and results[0].count == 0:
        raise EmptyZoneError(f"the polygon has no valid pixel: {results[0].note}")
    return results


def zonal_statistics(
    path: str | Path,
    *,
    zones: gpd.GeoDataFrame | BaseGeometry,
    zones_crs: object = "EPSG:4326",
    id_column: str = "id",
    percentiles: Sequence[float] = (10, 50, 90),
    all_touched: bool = False,
) -> list[ZonalStatistics]:
    """Zonal statistics of a product COG, reading only each zone's window.

    Same rules as :func:`zonal_statistics_array`; one user polygon with no valid pixel raises
    :class:`~geo_industry.raster.errors.EmptyZoneError`.

    Examples
    --------
    >>> stats = zonal_statistics("rasters/slope.tif", zones=zones_gdf)  # doctest: +SKIP
    >>> stats[0].mean, stats[0].percentiles["p90"]  # doctest: +SKIP
    """
    _check_percentiles(percentiles)
    try:
        dataset = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise NotARasterError(f"path {str(path)!r} is not a readable raster: {exc}") from exc
    with dataset:
        grid = RasterGrid(dataset.crs, dataset.transform, dataset.width, dataset.height)
        reader = _Window(grid=grid, dataset=dataset)
        results = [_zone(reader, zid, geom, percentiles, all_touched)
                   for zid, geom in _zones(zones, crs=dataset.crs.to_wkt(), zones_crs=zones_crs,
                                           id_column=id_column)]
    return _single_checked(zones, results)
