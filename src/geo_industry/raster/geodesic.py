"""Geodesic distances between geometries (WGS 84 ellipsoid, pyproj.Geod)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry.base import BaseGeometry

from geo_industry.crs import METRIC_CRS
from geo_industry.raster.accessibility import usable_geometries

__all__ = ["Nearest", "NearestFinder", "nearest_feature"]

_GEOD = Geod(ellps="WGS84")


@lru_cache(maxsize=16)
def _to_lonlat(crs: str) -> Transformer:
    return Transformer.from_crs(crs, "EPSG:4326", always_xy=True)


@dataclass(frozen=True)
class Nearest:
    """The nearest feature of a target set: its row label and geodesic distance in km."""

    index: object
    distance_km: float


class NearestFinder:
    """Finds the nearest of a fixed set of targets, projected once into a metric CRS.

    The closest points of each (geometry, target) pair are found in ``metric_crs`` and the
    distance between them is measured on the WGS 84 ellipsoid (0 when they touch).
    """

    def __init__(self, targets: gpd.GeoDataFrame, *, metric_crs: object = METRIC_CRS
                 ) -> None:
        """Project the usable geometries of ``targets`` (null ones are skipped)."""
        geoms = usable_geometries(targets, argument="targets")
        self.metric_crs = str(metric_crs)
        self._index = geoms.index
        self._metric = geoms.to_crs(self.metric_crs).values

    @property
    def empty(self) -> bool:
        """True when no target has a geometry."""
        return len(self._index) == 0

    def nearest(self, geometry: BaseGeometry, *, geometry_crs: object = "EPSG:4326"
                ) -> Nearest | None:
        """Nearest target to ``geometry`` (in ``geometry_crs``); None when there is none."""
        if self.empty or not isinstance(geometry, BaseGeometry) or geometry.is_empty:
            return None
        here = (geometry if str(geometry_crs) == self.metric_crs
                else gpd.GeoSeries([geometry], crs=geometry_crs).to_crs(self.metric_crs).iloc[0])
        lines = shapely.shortest_line(here, self._metric)
        coords = shapely.get_coordinates(lines).reshape(-1, 2, 2)
        back = _to_lonlat(self.metric_crs)
        lon1, lat1 = back.transform(coords[:, 0, 0], coords[:, 0, 1])
        lon2, lat2 = back.transform(coords[:, 1, 0], coords[:, 1, 1])
        _, _, metres = _GEOD.inv(lon1, lat1, lon2, lat2)
        metres = np.where(shapely.intersects(here, self._metric), 0.0, np.abs(metres))
        best = int(np.argmin(metres))
        return Nearest(self._index[best], float(metres[best]) / 1000.0)


    def nearest_many(self, metric_geometries: Sequence[BaseGeometry | None]) -> list[Nearest | None]:
        """Nearest target of each geometry (already in ``metric_crs``), in one vectorised pass."""
        out: list[Nearest | None] = [None] * len(metric_geometries)
        rows = [i for i, g in enumerate(metric_geometries) if isinstance(g, BaseGeometry) and not g.is_empty]
        if self.empty or not rows:
            return out
        here = np.asarray([metric_geometries[i] for i in rows], dtype=object)[:, None]
        targets = np.asarray(self._metric, dtype=object)[None, :]
        lines = shapely.shortest_line(here, targets)
        coords = shapely.get_coordinates(lines.ravel()).reshape(-1, 2, 2)
        back = _to_lonlat(self.metric_crs)
        lon1, lat1 = back.transform(coords[:, 0, 0], coords[:, 0, 1])
        lon2, lat2 = back.transform(coords[:, 1, 0], coords[:, 1, 1])
        _, _, metres = _GEOD.inv(lon1, lat1, lon2, lat2)
        metres = np.abs(np.asarray(metres)).reshape(lines.shape)
        metres = np.where(shapely.intersects(here, targets), 0.0, metres)
        best = np.argmin(metres, axis=1)
        for row, column, i in zip(range(len(rows)), best, rows, strict=True):
            out[i] = Nearest(self._index[int(column)], float(metres[row, column]) / 1000.0)
        return out


def nearest_feature(geometry: BaseGeometry, targets: gpd.GeoDataFrame, *,
                    geometry_crs: object = "EPSG:4326",
                    metric_crs: object = METRIC_CRS) -> Nearest | None:
    """Nearest target to a geometry with its geodesic distance in km (0 when they touch).

    None when ``targets`` has no usable geometry. For many geometries against the same
    targets, build one :class:`NearestFinder`.

    Examples
    --------
    >>> nearest_feature(zone_polygon, gates).distance_km  # doctest: +SKIP
    3.41
    """
    return NearestFinder(targets, metric_crs=metric_crs).nearest(geometry,
                                                                 geometry_crs=geometry_crs)
