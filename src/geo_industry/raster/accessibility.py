"""Accessibility: distance rasters (km) to the nearest target features, on a metric grid.

Targets (points, lines or polygons) are burnt into the grid and the Euclidean distance
transform is taken with the grid's pixel size as sampling, so distances are metres of the
metric CRS, never degrees. For point targets the transform only finds the nearest point and the
distance to it is then computed exactly from the pixel centre (no snapping error); lines and
polygons are right to within one pixel. Features just outside the grid still count: the grid is grown
towards them by up to ``search_margin_km`` before the transform and cropped afterwards.

An empty target set (no rows, or only null/empty geometries) raises
:class:`~geo_industry.raster.errors.EmptyTargetsError`: a distance to nothing has no meaning,
and the build records the criterion as skipped with that message as its reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np

from geo_industry.errors import InvalidParameter
from geo_industry.raster.errors import EmptyTargetsError, MissingCRSError

if TYPE_CHECKING:  # rasterio, SciPy: imported when a distance raster is computed (usable_geometries needs neither)
    from geo_industry.raster.grid import RasterGrid

__all__ = ["DistanceRaster", "distance_raster", "usable_geometries"]


@dataclass(frozen=True)
class DistanceRaster:
    """Distance in km from every pixel centre to the nearest target feature.

    Attributes
    ----------
    name : str
        Criterion name (e.g. ``border_gate``).
    distance_km : numpy.ndarray
        float32 kilometres on ``grid``.
    grid : RasterGrid
    feature_count : int
        Features burnt into the grid.
    skipped_count : int
        Features skipped: null or empty geometry, or beyond the search margin.
    """

    name: str
    distance_km: np.ndarray
    grid: RasterGrid
    feature_count: int
    skipped_count: int


def usable_geometries(frame: gpd.GeoDataFrame, *, argument: str = "features") -> gpd.GeoSeries:
    """The non-null, non-empty geometries of a GeoDataFrame (its CRS must be set)."""
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InvalidParameter(argument, type(frame).__name__, "a GeoDataFrame",
                               message=f"{argument} must be a GeoDataFrame, got {type(frame).__name__}")
    if frame.crs is None:
        raise MissingCRSError(f"{argument} has no CRS; set one (e.g. EPSG:4326)")
    geoms = frame.geometry
    return geoms[geoms.notna() & ~geoms.is_empty]


def _reach(grid: RasterGrid, bounds: tuple[float, float, float, float],
           margin_m: float) -> tuple[int, int, int, int]:
    """Whole pixels to add (left, bottom, right, top) so features within the margin fit."""
    left, bottom, right, top = grid.bounds
    xres, yres = grid.resolution
    fl, fb, fr, ft = bounds

    def grow(outside: float, res: float) -> int:
        return math.ceil(min(max(outside, 0.0), margin_m) / res)

    return (grow(left - fl, xres), grow(bottom - fb, yres),
            grow(fr - right, xres), grow(ft - top, yres))


def _edt_distances(burnt: np.ndarray, work: RasterGrid, rows: slice, cols: slice) -> np.ndarray:
    """Distance to the nearest burnt pixel centre (error below one pixel)."""
    from scipy import ndimage

    xres, yres = work.resolution
    dist = ndimage.distance_transform_edt(burnt == 0, sampling=(yres, xres))
    return (dist[rows, cols] / 1000.0).astype("float32")


def _point_distances(burnt: np.ndarray, work: RasterGrid, points: gpd.GeoSeries, rows: slice,
                     cols: slice) -> np.ndarray:
    """Exact distance to the point whose pixel is nearest (points are not snapped to pixels)."""
    from scipy import ndimage

    xres, yres = work.resolution
    index = ndimage.distance_transform_edt(burnt == 0, sampling=(yres, xres),
                                           return_distances=False, return_indices=True)
    nearest = burnt[index[0][rows, cols], index[1][rows, cols]] - 1
    px, py = points.x.to_numpy()[nearest], points.y.to_numpy()[nearest]
    height, width = nearest.shape
    x = work.transform.c + (np.arange(width) + cols.start + 0.5) * xres
    y = work.transform.f - (np.arange(height) + rows.start + 0.5) * yres
    return (np.hypot(x[None, :] - px, y[:, None] - py) / 1000.0).astype("float32")


def distance_raster(
    features: gpd.GeoDataFrame,
    *,
    grid: RasterGrid,
    name: str = "distance",
    search_margin_km: float = 25.0,
) -> DistanceRaster:
    """Distance (km) from each pixel of a metric grid to the nearest feature.

    Parameters
    ----------
    features : GeoDataFrame
        Targets in any CRS; rows with null or empty geometry are skipped.
    grid : RasterGrid
        A grid in a metric CRS (see :func:`~geo_industry.raster.grid.metric_grid`).
    name : str
        The criterion this raster feeds (kept on the result).
    search_margin_km : float, default 25
        How far outside the grid a feature may lie and still count as nearest.

    Raises
    ------
    EmptyTargetsError
        No usable geometry, or none within the search margin of the grid.

    Examples
    --------
    >>> gates = gpd.read_file("data/geo/border_gates.geojson")  # doctest: +SKIP
    >>> distance_raster(gates, grid=grid, name="border_gate").distance_km.max()  # doctest: +SKIP
    """
    if search_margin_km < 0:
        raise InvalidParameter("search_margin_km", search_margin_km, "a distance >= 0",
                               message=f"search_margin_km must be >= 0, got {search_margin_km!r}")
    geoms = usable_geometries(features)
    skipped = len(features) - len(geoms)
    if geoms.empty:
        raise EmptyTargetsError(
            f"{name}: no target feature with a geometry ({len(features)} rows, all null or empty)")
    projected = geoms.to_crs(grid.crs)
    pads = _reach(grid, tuple(projected.total_bounds), search_margin_km * 1000.0)
    work = grid.padded(left=pads[0], bottom=pads[1], right=pads[2], top=pads[3])
    points = bool((projected.geom_type == "Point").all())
    from rasterio import features as rio_features

    burnt = rio_features.rasterize(
        ((g, i + 1) for i, g in enumerate(projected)), out_shape=work.shape,
        transform=work.transform, fill=0, all_touched=True, dtype="int32")
    if not burnt.any():
        raise EmptyTargetsError(
            f"{name}: none of {len(geoms)} features lies within {search_margin_km} km of the grid")
    rows = slice(pads[3], pads[3] + grid.height)
    cols = slice(pads[0], pads[0] + grid.width)
    km = (_point_distances(burnt, work, projected, rows, cols) if points
          else _edt_distances(burnt, work, rows, cols))
    inside = sum(1 for g in projected if _touches_box(g.bounds, work.bounds))
    return DistanceRaster(name, km, grid, inside, skipped + len(geoms) - inside)


Bounds = tuple[float, float, float, float]


def _touches_box(b: Bounds, box: Bounds) -> bool:
    return not (b[2] < box[0] or b[0] > box[2] or b[3] < box[1] or b[1] > box[3])
