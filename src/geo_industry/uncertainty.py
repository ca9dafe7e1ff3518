"""Where an estimated site can be: the disc of its uncertainty radius, clipped to the province.

A site placed from a textual location carries ``coord_radius_km`` (the research's honest
radius). Maps draw the disc's edge as a dashed ring and the zone analysis may read a raster
over the disc; both clip it to the province outline so no estimate reaches into China. The
declared area of a zone is never turned into a shape.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import shapely
from pyproj import CRS, Transformer
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import transform

__all__ = ["RING_VERTICES", "clip_outline", "uncertainty_area", "uncertainty_disc"]

RING_VERTICES = 72
"""Vertices of the disc's edge (5° apart)."""


def uncertainty_disc(point: Point, radius_km: float) -> BaseGeometry:
    """The geodesic disc of ``radius_km`` around a lon/lat ``point`` (a lon/lat polygon).

    Built in an azimuthal equidistant projection centred on the point, so every vertex lies
    ``radius_km`` from it along the ellipsoid.

    Examples
    --------
    >>> disc = uncertainty_disc(Point(103.5, 22.7), 10)
    >>> round(disc.bounds[3] - 22.7, 2)
    0.09
    """
    if not math.isfinite(radius_km) or radius_km <= 0:
        raise ValueError(f"radius_km must be a positive number of km, got {radius_km!r}")
    local = CRS.from_proj4(f"+proj=aeqd +lat_0={point.y} +lon_0={point.x} +ellps=WGS84 +units=m +no_defs")
    to_lonlat = Transformer.from_crs(local, "EPSG:4326", always_xy=True)
    circle = Point(0, 0).buffer(radius_km * 1000, quad_segs=RING_VERTICES // 4)
    return transform(to_lonlat.transform, circle)


def clip_outline(geometries: Iterable[BaseGeometry | None]) -> BaseGeometry | None:
    """The union of the polygons that bound the province (the boundary layer), or ``None``."""
    polygons = [g for g in geometries if isinstance(g, BaseGeometry) and not g.is_empty
                and g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polygons) if polygons else None


def uncertainty_area(point: Point, radius_km: float, clip: BaseGeometry | None) -> BaseGeometry:
    """The disc of :func:`uncertainty_disc`, clipped to ``clip`` (the province) when given.

    When the clip leaves nothing (a point outside the outline), the unclipped disc is returned
    rather than an empty shape: the uncertainty is still drawn.
    """
    disc = uncertainty_disc(point, radius_km)
    if clip is None:
        return disc
    parts = [g for g in shapely.get_parts(disc.intersection(clip)) if g.geom_type == "Polygon" and not g.is_empty]
    return shapely.union_all(parts) if parts else disc
