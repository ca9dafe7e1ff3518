"""Metric raster grids: where every raster product of the analysis lives.

A :class:`RasterGrid` is a north-up grid (CRS, affine transform, shape). Products of one build
share one grid, so their pixels line up and can be combined without resampling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from affine import Affine
from pyproj import CRS, Geod, Transformer
from rasterio.crs import CRS as RioCRS
from shapely.geometry.base import BaseGeometry

from geo_industry.crs import METRIC_CRS
from geo_industry.errors import InvalidParameter

__all__ = [
    "RasterGrid",
    "metric_grid",
    "ground_pixel_size",
    "to_crs_geometry",
    "rio_crs",
]

_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class RasterGrid:
    """A north-up raster grid.

    Attributes
    ----------
    crs : rasterio.crs.CRS
        Coordinate reference system of the grid.
    transform : affine.Affine
        Pixel-to-CRS transform (upper-left corner, positive x size, negative y size).
    width, height : int
        Number of columns and rows.
    """

    crs: RioCRS
    transform: Affine
    width: int
    height: int

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return (self.height, self.width)

    @property
    def resolution(self) -> tuple[float, float]:
        """Pixel size (x, y) in CRS units, both positive."""
        return (abs(self.transform.a), abs(self.transform.e))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in CRS units."""
        left, top = self.transform.c, self.transform.f
        right = left + self.width * self.transform.a
        bottom = top + self.height * self.transform.e
        return (left, bottom, right, top)

    def padded(self, *, left: int, bottom: int, right: int, top: int) -> RasterGrid:
        """Return a grid grown by whole pixels on each side (same pixel alignment)."""
        xres, yres = self.resolution
        transform = Affine(xres, 0.0, self.transform.c - left * xres,
                           0.0, -yres, self.transform.f + top * yres)
        return RasterGrid(self.crs, transform, self.width + left + right,
                          self.height + top + bottom)


def to_crs_geometry(geometry: BaseGeometry, *, src_crs: object, dst_crs: object) -> BaseGeometry:
    """Reproject one shapely geometry between two CRSs (lon/lat order for geographic CRSs)."""
    import shapely

    src, dst = CRS.from_user_input(src_crs), CRS.from_user_input(dst_crs)
    if src == dst:
        return geometry
    transformer = Transformer.from_crs(src, dst, always_xy=True)
    return shapely.transform(geometry, lambda xy: np.column_stack(
        transformer.transform(xy[:, 0], xy[:, 1])))


def ground_pixel_size(*, crs: object, transform: Affine, lon: float, lat: float
                      ) -> tuple[float, float]:
    """True ground size (metres) of one pixel of a grid near a lon/lat position.

    The pixel steps of ``transform`` are taken at the grid position of (lon, lat) and measured
    as geodesic distances on the WGS 84 ellipsoid, so the result is right for grids in degrees,
    metres or feet alike.

    Examples
    --------
    >>> from affine import Affine
    >>> dx, dy = ground_pixel_size(crs="EPSG:4326", transform=Affine(0.02, 0, 103, 0, -0.02, 23),
    ...                            lon=104.0, lat=22.0)
    >>> round(dx), round(dy)
    (2064, 2212)
    """
    to_src = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    to_geo = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    x, y = to_src.transform(lon, lat)
    xs = [x, x + transform.a, x]
    ys = [y, y, y + transform.e]
    lons, lats = to_geo.transform(xs, ys)
    _, _, dx = _GEOD.inv(lons[0], lats[0], lons[1], lats[1])
    _, _, dy = _GEOD.inv(lons[0], lats[0], lons[2], lats[2])
    return (abs(float(dx)), abs(float(dy)))


def metric_grid(
    *,
    area_of_interest: BaseGeometry,
    aoi_crs: object = "EPSG:4326",
    resolution_m: float,
    crs: object = METRIC_CRS,
    margin_pixels: int = 2,
) -> RasterGrid:
    """Build a square-pixel grid in a metric CRS that covers an area of interest.

    Bounds are snapped to whole multiples of ``resolution_m`` (so grids of equal resolution
    align) and grown by ``margin_pixels`` on every side, which keeps edge effects of slope and
    distance computations outside the area.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> g = metric_grid(area_of_interest=box(104.0, 22.0, 104.1, 22.1), resolution_m=1000)
    >>> g.resolution
    (1000.0, 1000.0)
    """
    if not resolution_m or resolution_m <= 0 or not math.isfinite(resolution_m):
        raise InvalidParameter("resolution_m", resolution_m, "a positive number",
                               message=f"resolution_m must be a positive number, got {resolution_m!r}")
    target = CRS.from_user_input(crs)
    if not target.is_projected or target.axis_info[0].unit_name not in ("metre", "meter"):
        raise InvalidParameter("crs", target.name, "a projected CRS in metres",
                               message=f"crs must be a projected CRS in metres, got {target.name!r}")
    if area_of_interest.is_empty:
        raise InvalidParameter("area_of_interest", area_of_interest.wkt, "a non-empty geometry",
                               message="area_of_interest is empty")
    projected = to_crs_geometry(area_of_interest.segmentize(_segment_length(aoi_crs)),
                                src_crs=aoi_crs, dst_crs=target)
    left, bottom, right, top = projected.bounds
    res = float(resolution_m)
    left = math.floor(left / res - margin_pixels) * res
    bottom = math.floor(bottom / res - margin_pixels) * res
    right = math.ceil(right / res + margin_pixels) * res
    top = math.ceil(top / res + margin_pixels) * res
    width, height = round((right - left) / res), round((top - bottom) / res)
    transform = Affine(res, 0.0, left, 0.0, -res, top)
    return RasterGrid(rio_crs(target), transform, width, height)


def rio_crs(crs: object) -> RioCRS:
    """A rasterio CRS for any pyproj-understood CRS input (EPSG code kept when there is one)."""
    target = CRS.from_user_input(crs)
    epsg = target.to_epsg()
    return RioCRS.from_epsg(epsg) if epsg else RioCRS.from_wkt(target.to_wkt())


def _segment_length(crs: object) -> float:
    """A densification step so that bounds survive reprojection (≈1 km)."""
    return 0.01 if CRS.from_user_input(crs).is_geographic else 1000.0
