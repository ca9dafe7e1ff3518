"""Coordinate reference systems planners use, by OGC URI, and transformations between them.

Storage is OGC:CRS84 (lon/lat WGS 84). VN-2000 CRSs are reached with the explicit
EPSG:6960 transformation ("VN-2000 to WGS 84 (2)", 7-parameter Helmert, about 1 m), never
with a datum-less shortcut.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.transformer import TransformerGroup

from geo_industry.errors import InvalidCRS

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
VN2000_TO_WGS84 = "VN-2000 to WGS 84 (2)"  # EPSG:6960


@dataclass(frozen=True)
class SupportedCRS:
    """A CRS we accept and emit, with its OGC URI and a short label."""

    uri: str
    code: str
    label: str

    @property
    def crs(self) -> CRS:
        """The pyproj CRS (authority axis order)."""
        return _crs(self.code)

    @property
    def lat_first(self) -> bool:
        """Whether the CRS's authority axis order puts latitude (northing) first."""
        return _lat_first(self.code)


SUPPORTED_CRS: tuple[SupportedCRS, ...] = (
    SupportedCRS(CRS84_URI, "OGC:CRS84", "WGS 84 lon/lat (CRS84)"),
    SupportedCRS("http://www.opengis.net/def/crs/EPSG/0/4326", "EPSG:4326", "WGS 84 lat/lon"),
    SupportedCRS("http://www.opengis.net/def/crs/EPSG/0/3857", "EPSG:3857", "WGS 84 / Pseudo-Mercator"),
    SupportedCRS("http://www.opengis.net/def/crs/EPSG/0/4756", "EPSG:4756", "VN-2000 geographic"),
    SupportedCRS("http://www.opengis.net/def/crs/EPSG/0/3405", "EPSG:3405", "VN-2000 / UTM zone 48N"),
    SupportedCRS(
        "http://www.opengis.net/def/crs/EPSG/0/9208", "EPSG:9208", "VN-2000 / TM-3 104-45 (Lào Cai)"
    ),
)
_BY_URI = {c.uri: c for c in SUPPORTED_CRS}
_BY_CODE = {c.code: c for c in SUPPORTED_CRS}
CRS84 = _BY_URI[CRS84_URI]


@cache
def _crs(code: str) -> CRS:
    return CRS.from_user_input(code)


@cache
def _lat_first(code: str) -> bool:
    axis = _crs(code).axis_info
    return bool(axis) and axis[0].direction.lower() in ("north", "south")


def resolve_crs(value: str, *, parameter: str = "crs") -> SupportedCRS:
    """Return the supported CRS for an OGC URI, a CURIE ``[EPSG:9208]`` or ``EPSG:9208``.

    Raises
    ------
    InvalidCRS
        When the value is not one of :data:`SUPPORTED_CRS`.

    Examples
    --------
    >>> resolve_crs("EPSG:9208").label
    'VN-2000 / TM-3 104-45 (Lào Cai)'
    """
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if text in _BY_URI:
        return _BY_URI[text]
    code = text.upper()
    if code in ("CRS84", "OGC:CRS84"):
        return CRS84
    if code in _BY_CODE:
        return _BY_CODE[code]
    if code.startswith("HTTP://WWW.OPENGIS.NET/DEF/CRS/EPSG/0/"):
        code = "EPSG:" + code.rsplit("/", 1)[-1]
        if code in _BY_CODE:
            return _BY_CODE[code]
    raise InvalidCRS(parameter, value, "one of " + ", ".join(c.uri for c in SUPPORTED_CRS))


@cache
def transformer(source: str, target: str) -> Transformer:
    """A transformer between two CRS codes in lon/lat, easting/northing (x, y) order.

    Operations that involve VN-2000 use the EPSG:6960 Helmert transformation explicitly.
    """
    group = TransformerGroup(_crs(source), _crs(target), always_xy=True)
    for candidate in group.transformers:
        if VN2000_TO_WGS84 in candidate.description:
            return candidate
    return group.transformers[0]


def transform_geometries(geoms: np.ndarray, source: str, target: str) -> np.ndarray:
    """Reproject an array of shapely geometries, keeping x = lon/easting, y = lat/northing."""
    if source == target or _crs(source) == _crs(target):
        return geoms
    forward = transformer(source, target)

    def _apply(coords: np.ndarray) -> np.ndarray:
        x, y = forward.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, _apply)


def swap_axes(geoms: np.ndarray) -> np.ndarray:
    """Swap x and y of every coordinate (for lat-first output such as EPSG:4326)."""
    return shapely.transform(geoms, lambda coords: coords[:, ::-1])


def transform_bbox(bbox: tuple[float, float, float, float], source: str, target: str) -> tuple[float, ...]:
    """Reproject a bbox given in x/y order, densifying its edges so the result encloses it."""
    if source == target:
        return bbox
    return transformer(source, target).transform_bounds(*bbox, densify_pts=21)
