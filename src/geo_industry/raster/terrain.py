"""Terrain from a user DEM: load onto a metric grid, slope (Horn) and hillshade.

The DEM may come in any CRS and resolution (SRTM and Copernicus in degrees, national grids in
metres). It is reprojected to a metric CRS (VN-2000 / TM-3 by default) at the source's true
ground pixel size, so slope is computed with real metres on both axes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from rasterio.errors import RasterioIOError
from rasterio.warp import Resampling, reproject
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from geo_industry.crs import METRIC_CRS
from geo_industry.errors import InvalidParameter
from geo_industry.raster.errors import (
    MissingCRSError,
    NoCoverageError,
    NotARasterError,
)
from geo_industry.raster.grid import (
    RasterGrid,
    ground_pixel_size,
    metric_grid,
    to_crs_geometry,
)

__all__ = ["Dem", "load_dem", "slope_degrees", "hillshade", "dem_coverage"]


@dataclass(frozen=True)
class Dem:
    """A DEM resampled onto a metric grid.

    Attributes
    ----------
    elevation : numpy.ndarray
        float32 metres, NaN where the source had no data or did not reach.
    grid : RasterGrid
        The metric grid of ``elevation``.
    source_path : str
        Where the DEM was read from.
    source_crs : str
        The source CRS as WKT-derived name/EPSG string.
    source_pixel_size_m : tuple of float
        True ground size (x, y) in metres of one source pixel at the area's centre.
    coverage : float
        Share (0–1) of the area of interest inside the source raster's footprint.
    """

    elevation: np.ndarray
    grid: RasterGrid
    source_path: str
    source_crs: str
    source_pixel_size_m: tuple[float, float]
    coverage: float


def _open(path: str | Path) -> rasterio.DatasetReader:
    try:
        return rasterio.open(path)
    except RasterioIOError as exc:
        raise NotARasterError(f"dem path {str(path)!r} is not a readable raster: {exc}") from exc


def dem_coverage(src: rasterio.DatasetReader, *, area_of_interest: BaseGeometry,
                 aoi_crs: object) -> float:
    """Share (0–1) of the area of interest that lies inside the raster's footprint."""
    aoi = to_crs_geometry(area_of_interest.segmentize(0.01 if _geographic(aoi_crs) else 1000.0),
                          src_crs=aoi_crs, dst_crs=src.crs.to_wkt())
    footprint = box(*src.bounds)
    if aoi.area == 0:
        return 1.0 if footprint.covers(aoi) else 0.0
    return float(aoi.intersection(footprint).area / aoi.area)


def _geographic(crs: object) -> bool:
    from pyproj import CRS

    return bool(CRS.from_user_input(crs).is_geographic)


def load_dem(
    path: str | Path,
    *,
    area_of_interest: BaseGeometry,
    aoi_crs: object = "EPSG:4326",
    target_crs: object = METRIC_CRS,
    resolution_m: float | None = None,
    min_coverage: float = 0.99,
) -> Dem:
    """Read a DEM and resample it onto a metric grid covering the area of interest.

    Parameters
    ----------
    path : str or Path
        A GeoTIFF (or any GDAL raster) with elevations in metres in band 1.
    area_of_interest : shapely geometry
        The province or area to cover, in ``aoi_crs``.
    aoi_crs : CRS-like, default "EPSG:4326"
    target_crs : CRS-like, default "EPSG:9208" (VN-2000 / TM-3 104°45′)
        A projected CRS in metres.
    resolution_m : float, optional
        Output pixel size; by default the geometric mean of the source's true ground pixel
        size (x, y) at the area's centre, which keeps the pixel area of the source.
    min_coverage : float, default 0.99
        Smallest accepted share of the area inside the DEM's footprint.

    Raises
    ------
    NotARasterError, MissingCRSError, NoCoverageError, InvalidParameter

    Examples
    --------
    >>> dem = load_dem("laocai_dem.tif", area_of_interest=province)  # doctest: +SKIP
    >>> dem.grid.resolution  # doctest: +SKIP
    (2137.2, 2137.2)
    """
    if not 0 < min_coverage <= 1:
        raise InvalidParameter("min_coverage", min_coverage, "a share in (0, 1]",
                               message=f"min_coverage must be in (0, 1], got {min_coverage!r}")
    with _open(path) as src:
        if src.crs is None:
            raise MissingCRSError(f"dem {str(path)!r} has no CRS; assign one (e.g. EPSG:4326)")
        coverage = dem_coverage(src, area_of_interest=area_of_interest, aoi_crs=aoi_crs)
        if coverage < min_coverage:
            raise NoCoverageError(
                f"dem {str(path)!r} covers {coverage:.1%} of the area of interest, "
                f"expected at least {min_coverage:.0%}; "
                f"bounds {tuple(round(b, 4) for b in src.bounds)}"
            )
        centre = to_crs_geometry(area_of_interest.centroid, src_crs=aoi_crs, dst_crs="EPSG:4326")
        dx, dy = ground_pixel_size(crs=src.crs.to_wkt(), transform=src.transform,
                                   lon=centre.x, lat=centre.y)
        res = resolution_m if resolution_m is not None else round(math.sqrt(dx * dy), 2)
        grid = metric_grid(area_of_interest=area_of_interest, aoi_crs=aoi_crs,
                           resolution_m=res, crs=target_crs)
        elevation = _resample(src, grid, coarser=res > 1.5 * math.sqrt(dx * dy))
        return Dem(elevation, grid, str(path), src.crs.to_string(), (dx, dy), coverage)


def _resample(src: rasterio.DatasetReader, grid: RasterGrid, *, coarser: bool) -> np.ndarray:
    out = np.full(grid.shape, np.nan, dtype="float32")
    reproject(
        source=rasterio.band(src, 1),
        destination=out,
        src_nodata=src.nodata,
        dst_transform=grid.transform,
        dst_crs=grid.crs,
        dst_nodata=np.nan,
        resampling=Resampling.average if coarser else Resampling.bilinear,
        num_threads=2,
    )
    return out


def _horn_gradients(elevation: np.ndarray, *, pixel_size: tuple[float, float]
                    ) -> tuple[np.ndarray, np.ndarray]:
    """dz/d(east) and dz/d(north) by Horn's 3×3 method; edges by linear extrapolation."""
    xres, yres = pixel_size
    z = np.pad(elevation.astype("float32", copy=False), 1, mode="reflect", reflect_type="odd")
    a, b, c = z[:-2, :-2], z[:-2, 1:-1], z[:-2, 2:]
    d, f = z[1:-1, :-2], z[1:-1, 2:]
    g, h, i = z[2:, :-2], z[2:, 1:-1], z[2:, 2:]
    dzdx = ((c + 2 * f + i) - (a + 2 * d + g)) / np.float32(8 * xres)
    dzdy = ((a + 2 * b + c) - (g + 2 * h + i)) / np.float32(8 * yres)
    return dzdx, dzdy


def _pixel_size(grid_or_size: RasterGrid | tuple[float, float]) -> tuple[float, float]:
    size = grid_or_size.resolution if isinstance(grid_or_size, RasterGrid) else grid_or_size
    if min(size) <= 0:
        raise InvalidParameter("pixel_size", size, "positive metres",
                               message=f"pixel_size must be positive metres, got {size!r}")
    return (float(size[0]), float(size[1]))


def slope_degrees(elevation: np.ndarray, *, pixel_size: RasterGrid | tuple[float, float]
                  ) -> np.ndarray:
    """Slope in degrees (0–90) by Horn's method with the true pixel size in metres.

    ``pixel_size`` is a metric :class:`RasterGrid` or (x, y) metres. NaN elevations make the
    slope of their 3×3 neighbourhood NaN.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.add.outer(np.zeros(5), np.arange(5) * 10.0)  # rises 10 m per 10 m eastwards
    >>> float(slope_degrees(z, pixel_size=(10.0, 10.0))[2, 2])
    45.0
    """
    dzdx, dzdy = _horn_gradients(elevation, pixel_size=_pixel_size(pixel_size))
    return np.degrees(np.arctan(np.hypot(dzdx, dzdy))).astype("float32")


def hillshade(
    elevation: np.ndarray,
    *,
    pixel_size: RasterGrid | tuple[float, float],
    azimuth_deg: float = 315.0,
    altitude_deg: float = 45.0,
    z_factor: float = 1.0,
) -> np.ndarray:
    """Analytical hillshade (uint8, 1–255; 0 is nodata) lit from ``azimuth_deg``/``altitude_deg``.

    The illumination is the dot product of the surface normal and the sun vector; flat
    ground lit at 45° gives 180.
    """
    dzdx, dzdy = _horn_gradients(elevation, pixel_size=_pixel_size(pixel_size))
    az, alt = math.radians(azimuth_deg), math.radians(altitude_deg)
    sun = (math.sin(az) * math.cos(alt), math.cos(az) * math.cos(alt), math.sin(alt))
    gx, gy = dzdx * np.float32(z_factor), dzdy * np.float32(z_factor)
    norm = np.sqrt(gx * gx + gy * gy + 1)
    light = (-gx * sun[0] - gy * sun[1] + sun[2]) / norm
    shade = np.rint(np.clip(light, 0, 1) * 254 + 1)
    out = np.where(np.isnan(shade), 0, shade).astype("uint8")
    return out
