"""Parsing of OGC API - Features query parameters into a :class:`FeatureQuery`.

Every function raises an :class:`InvalidParameter` subclass whose message names the
parameter, the value received and what was expected.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from datetime import date, datetime

import orjson

from geo_industry.crs import CRS84, SupportedCRS, resolve_crs, transform_bbox
from geo_industry.errors import (
    InvalidBBox,
    InvalidDatetime,
    InvalidLimit,
    InvalidParameter,
    InvalidProperty,
    InvalidSortBy,
)
from geo_industry.models import DateInterval, SeekKey, SortKey

_OPEN = ("", "..")


def parse_bbox(value: str, *, bbox_crs: SupportedCRS = CRS84) -> tuple[float, float, float, float]:
    """Parse ``minx,miny,maxx,maxy`` (or 6 numbers with heights) and return it in CRS84.

    The numbers follow ``bbox_crs``'s axis order (lat first for EPSG:4326 and EPSG:4756).
    A reversed box is refused, never swapped: the lower corner must be below the upper one, and
    west of it too, because boxes across the antimeridian (minx > maxx in OGC API - Features)
    are not served: the data lie between 102° and 106° E.

    Examples
    --------
    >>> parse_bbox("103.9,22.3,104.2,22.6")
    (103.9, 22.3, 104.2, 22.6)
    """
    parts = value.split(",")
    if len(parts) not in (4, 6):
        raise InvalidBBox("bbox", value, "4 or 6 comma-separated numbers")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise InvalidBBox("bbox", value, "4 or 6 comma-separated numbers") from None
    if not all(math.isfinite(n) for n in numbers):
        raise InvalidBBox("bbox", value, "finite numbers")
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    x1, y1, x2, y2 = numbers
    if bbox_crs.lat_first:
        x1, y1, x2, y2 = y1, x1, y2, x2
    if y1 > y2:
        raise InvalidBBox("bbox", value, "the lower corner's northing/latitude below the upper corner's")
    if x1 > x2:
        raise InvalidBBox("bbox", value, "the lower corner's easting/longitude west of the upper corner's "
                                         "(boxes across the antimeridian are not served)")
    if bbox_crs.code in ("OGC:CRS84", "EPSG:4326", "EPSG:4756") and (
        not (-180 <= x1 <= 180 and -180 <= x2 <= 180 and -90 <= y1 <= 90 and -90 <= y2 <= 90)
    ):
        raise InvalidBBox("bbox", value, "longitudes in [-180, 180] and latitudes in [-90, 90]")
    if bbox_crs.code == CRS84.code:
        return (x1, y1, x2, y2)
    out = transform_bbox((x1, y1, x2, y2), bbox_crs.code, CRS84.code)
    return (out[0], out[1], out[2], out[3])


def _parse_instant(text: str, value: str) -> date:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        raise InvalidDatetime(
            "datetime", value, "an RFC 3339 date-time, a date, or an interval 'start/end' with '..' for open ends"
        ) from None


def parse_datetime(value: str) -> DateInterval:
    """Parse an instant or an interval (``2015-01-01/..``) into a :class:`DateInterval`."""
    if "/" in value:
        start_text, _, end_text = value.partition("/")
        start = None if start_text in _OPEN else _parse_instant(start_text, value)
        end = None if end_text in _OPEN else _parse_instant(end_text, value)
        if start is None and end is None:
            raise InvalidDatetime("datetime", value, "at least one closed end of the interval")
        if start and end and start > end:
            raise InvalidDatetime("datetime", value, "an interval whose start is not after its end")
        return DateInterval(start, end)
    instant = _parse_instant(value, value)
    return DateInterval(instant, instant)


def parse_sortby(value: str, queryables: dict[str, str]) -> tuple[SortKey, ...]:
    """Parse ``sortby=+name,-capacity_value`` against a layer's queryables."""
    keys = []
    for raw in value.split(","):
        token = raw.strip()
        if not token:
            raise InvalidSortBy("sortby", value, "comma-separated property names, each optionally prefixed by + or -")
        ascending = not token.startswith("-")
        name = token.lstrip("+-").strip()
        if name.endswith((" A", " D")):  # "name D" is the OGC API - Records style
            ascending, name = name.endswith(" A"), name[:-2]
        if name not in queryables or queryables[name] == "geometry":
            raise InvalidSortBy("sortby", name, "a queryable property of this collection")
        keys.append(SortKey(name, ascending))
    return tuple(keys)


def parse_properties(value: str, available: set[str]) -> tuple[str, ...]:
    """Parse ``properties=a,b`` and check each name exists."""
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = [name for name in names if name not in available]
    if unknown:
        raise InvalidProperty("properties", ",".join(unknown), "names of properties of this collection")
    return names


def check_limit(limit: int, offset: int, *, max_limit: int) -> None:
    """Refuse a limit outside 1..max_limit or a negative offset."""
    if not 1 <= limit <= max_limit:
        raise InvalidLimit("limit", limit, f"an integer from 1 to {max_limit}")
    if offset < 0:
        raise InvalidLimit("offset", offset, "an integer of 0 or more")


def resolve_output_crs(value: str | None, parameter: str = "crs") -> SupportedCRS:
    """The CRS named by ``crs``/``bbox-crs``/``filter-crs``, CRS84 when absent."""
    return CRS84 if value is None else resolve_crs(value, parameter=parameter)


SEEK_TOKEN_MAX = 1024
"""The longest ``after`` token accepted (characters)."""
_SEEK_EXPECTED = "the token of a `next` link (URL-safe base64 of [position, id])"
_POSITION_MAX = 2**63 - 1


def seek_token(key: SeekKey) -> str:
    """The ``after`` token of ``key``: URL-safe base64 (unpadded) of the compact JSON ``[position, id]``."""
    return base64.urlsafe_b64encode(orjson.dumps([key.position, key.id])).rstrip(b"=").decode("ascii")


def parse_after(value: str) -> SeekKey:
    """The key an ``after`` token (:func:`seek_token`) names; hostile input is refused with the parameter named.

    Examples
    --------
    >>> parse_after(seek_token(SeekKey(41, "mine-sin-quyen")))
    SeekKey(position=41, id='mine-sin-quyen')
    """
    if len(value) > SEEK_TOKEN_MAX:
        raise InvalidParameter("after", value[:40] + "…", f"{_SEEK_EXPECTED}, at most {SEEK_TOKEN_MAX} characters")
    try:
        decoded = orjson.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, ValueError):
        raise InvalidParameter("after", value, _SEEK_EXPECTED) from None
    match decoded:
        case [int(position), str(feature_id)] if (not isinstance(position, bool) and 0 <= position <= _POSITION_MAX
                                                   and "\x00" not in feature_id):
            return SeekKey(position, feature_id)
    raise InvalidParameter("after", value, _SEEK_EXPECTED)
