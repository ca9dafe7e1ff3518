"""Coordinate reference systems planners use, by OGC URI, and transformations between them.

Storage is OGC:CRS84 (lon/lat WGS 84). VN-2000 CRSs are reached with the explicit
EPSG:6960 transformation ("VN-2000 to WGS 84 (2)", 7-parameter Helmert, about 1 m), never
with a datum-less shortcut.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError
from pyproj.transformer import TransformerGroup

from geo_industry.errors import InvalidCRS, InvalidUpload

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
VN2000_TO_WGS84 = "VN-2000 to WGS 84 (2)"  # EPSG:6960
METRIC_CRS = "EPSG:9208"
"""VN-2000 / TM-3 104°45′, the province's metric CRS: distances, areas, raster grids, map coordinates."""


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
        "http://www.opengis.net/def/crs/EPSG/0/9208", METRIC_CRS, "VN-2000 / TM-3 104-45 (Lào Cai)"
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


def frame_in_crs(frame: gpd.GeoDataFrame, crs: SupportedCRS) -> gpd.GeoDataFrame:
    """``frame`` (storage CRS84) with its geometries in ``crs``, x/y order (the same frame for WGS 84)."""
    if crs.code in (CRS84.code, "EPSG:4326"):
        return frame
    geoms = transform_geometries(np.asarray(frame.geometry.array), CRS84.code, crs.code)
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=crs.code), crs=crs.code)


def swap_axes(geoms: np.ndarray) -> np.ndarray:
    """Swap x and y of every coordinate (for lat-first output such as EPSG:4326)."""
    return shapely.transform(geoms, lambda coords: coords[:, ::-1])


def transform_bbox(bbox: tuple[float, float, float, float], source: str, target: str) -> tuple[float, ...]:
    """Reproject a bbox given in x/y order, densifying its edges so the result encloses it."""
    if source == target:
        return bbox
    return transformer(source, target).transform_bounds(*bbox, densify_pts=21)


# CRS definitions from users (uploads) ---------------------------------------------------------
#: what in a CRS definition would make PROJ (or GDAL) open a file or reach the network: grid and
#: init files, ``@`` grid lists, file parameters, paths, URLs
_FILE_REFERENCE = re.compile(
    r"nadgrids|geoidgrids|gridshift|tinshift|\bgrids\s*=|\binit\s*=|parameter_?file|proj_?lib|\bfile\b|@"
    r"|[/\\][^/\\\s\"\]]+[/\\]|(^|[\"'=])\s*(~|\.\.?)?[/\\]|[A-Za-z]:\\|\b(https?|ftp|file)\s*:",
    re.IGNORECASE)
_PROJJSON_SCHEMA = re.compile(r'"\$schema"\s*:\s*"[^"]*"')
#: an Earth ellipsoid's semi-major axis lies within these bounds (metres); Mars, the Moon, a unit sphere do not
EARTH_SEMI_MAJOR_M = (6_350_000.0, 6_400_000.0)
MAX_CRS_DEFINITION_CHARS = 20_000


def refuse_file_references(definition: str, *, where: str) -> None:
    """Raise :class:`InvalidUpload` naming ``where`` when a CRS definition could make PROJ open a file.

    Checked on the text as the user sent it, before PROJ or GDAL sees it.
    """
    if len(definition) > MAX_CRS_DEFINITION_CHARS:
        raise InvalidUpload(f"{where}: the CRS definition is longer than {MAX_CRS_DEFINITION_CHARS} characters")
    match = _FILE_REFERENCE.search(_PROJJSON_SCHEMA.sub("", definition))
    if match:
        raise InvalidUpload(f"{where}: the CRS definition refers to a file, grid or URL "
                            f"({match.group(0)[:20]!r}); only self-contained definitions are accepted")


def checked_source_crs(crs: CRS | None, *, where: str) -> CRS:
    """``crs`` if it is an Earth CRS that transforms to CRS84; :class:`InvalidUpload` naming ``where`` otherwise.

    Refused: no CRS, local/engineering CRSs, other celestial bodies, degenerate parameters
    (``scale_factor`` 0) and any definition with a file reference.
    """
    if crs is None:
        raise InvalidUpload(f"{where}: the upload declares no CRS (a Shapefile needs its .prj)")
    refuse_file_references(crs.to_wkt() or "", where=where)
    if not (crs.is_geographic or crs.is_projected):
        raise InvalidUpload(f"{where}: {crs.type_name} is not a geographic or projected CRS on the Earth; "
                            "it cannot be placed in WGS 84")
    ellipsoid = crs.ellipsoid
    if ellipsoid is None or not EARTH_SEMI_MAJOR_M[0] <= ellipsoid.semi_major_metre <= EARTH_SEMI_MAJOR_M[1]:
        raise InvalidUpload(f"{where}: the CRS's ellipsoid is not the Earth's; it cannot be placed in WGS 84")
    try:
        forward = Transformer.from_crs(crs, _crs("OGC:CRS84"), always_xy=True)
        back = Transformer.from_crs(_crs("OGC:CRS84"), crs, always_xy=True)
        x, y = back.transform(104.0, 22.0, errcheck=True)  # a point of Lào Cai province, there and back
        lon, lat = forward.transform(x, y, errcheck=True)
    except (CRSError, ProjError) as exc:
        raise InvalidUpload(f"{where}: the CRS cannot be transformed to WGS 84 ({str(exc)[:160]})") from None
    if not all(math.isfinite(v) for v in (x, y, lon, lat)) or abs(lon - 104.0) > 1e-3 or abs(lat - 22.0) > 1e-3:
        raise InvalidUpload(f"{where}: the CRS does not transform to WGS 84 and back (degenerate parameters?)")
    return crs
