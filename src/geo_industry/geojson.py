"""GeoJSON encoding with orjson, in any supported CRS, with per-feature fragments cached.

A feature's bytes in a given CRS are computed once and reused by every page that contains
it; a request that selects properties or skips geometries is encoded on the fly.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from geo_industry.crs import CRS84, SupportedCRS, swap_axes, transform_geometries
from geo_industry.json_values import dumps

DEGREE_DECIMALS = 7
METRE_DECIMALS = 3


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        item = value.item()
        return None if isinstance(item, float) and math.isnan(item) else item
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def output_geometries(geoms: np.ndarray, crs: SupportedCRS, source: SupportedCRS = CRS84) -> np.ndarray:
    """Geometries in ``source`` (x/y order; storage CRS84 unless a backend transformed them) in ``crs``'s
    authority axis order, rounded (≈1 cm / 1 mm)."""
    out = transform_geometries(geoms, source.code, crs.code)
    if crs.lat_first:
        out = swap_axes(out)
    geographic = crs.code in ("OGC:CRS84", "EPSG:4326", "EPSG:4756")
    decimals = DEGREE_DECIMALS if geographic else METRE_DECIMALS
    return shapely.transform(out, lambda coords: np.round(coords, decimals))


def column_values(column: pd.Series) -> list[Any]:
    """A column's values as JSON-ready Python values (missing: ``None``); numbers and booleans converted
    column-wise, other values one by one (:func:`_json_value`)."""
    if is_numeric_dtype(column.dtype) or is_bool_dtype(column.dtype):
        missing = column.isna().to_numpy()
        return [None if gone else value for value, gone in zip(column.tolist(), missing, strict=True)]
    return [_json_value(value) for value in column.tolist()]


def properties_of(frame: pd.DataFrame, names: Sequence[str] | None) -> list[dict[str, Any]]:
    """Row properties as JSON-ready dicts (all non-geometry columns, or ``names``)."""
    columns = [c for c in frame.columns if c != frame.geometry.name] if names is None else list(names)
    if not columns:
        return [{} for _ in range(len(frame))]
    values = [column_values(frame[name]) for name in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def feature_bytes(
    frame: gpd.GeoDataFrame,
    *,
    crs: SupportedCRS = CRS84,
    source: SupportedCRS = CRS84,
    properties: Sequence[str] | None = None,
    skip_geometry: bool = False,
) -> list[bytes]:
    """Encode each row of ``frame`` (geometries in ``source``) as a GeoJSON Feature (bytes) in ``crs``."""
    props = properties_of(frame, properties)
    if skip_geometry:
        geometries: Sequence[orjson.Fragment | None] = [None] * len(frame)
    else:
        geometries = encoded_geometries(np.asarray(frame.geometry.array), crs, source)
    return [_feature(feature_id, geometry, prop) for feature_id, geometry, prop in
            zip(frame["id"], geometries, props, strict=True)]


def encoded_geometries(geoms: np.ndarray, crs: SupportedCRS, source: SupportedCRS = CRS84
                       ) -> list[orjson.Fragment | None]:
    """Geometries (in ``source``) as GeoJSON fragments in ``crs`` (:func:`output_geometries`), the whole array
    transformed and written at once."""
    written = shapely.to_geojson(output_geometries(geoms, crs, source))
    return [None if text is None else orjson.Fragment(text) for text in written]


def _feature(feature_id: Any, geometry: orjson.Fragment | None, properties: dict[str, Any]) -> bytes:
    feature = {"type": "Feature", "id": feature_id, "geometry": geometry, "properties": properties}
    try:
        return orjson.dumps(feature)
    except orjson.JSONEncodeError:  # an integer past 64 bits stored before writes refused it
        return dumps(feature, what=f"feature {feature_id}: ")


def record_bytes(feature_id: str, geometry: shapely.Geometry | None, properties: dict[str, Any], *,
                 crs: SupportedCRS = CRS84, source: SupportedCRS = CRS84) -> bytes:
    """One feature read as a record (JSON-ready ``properties``, ``geometry`` in ``source``) encoded in ``crs``
    as :func:`feature_bytes` encodes the same feature's row of a frame, without building a frame."""
    encoded = encoded_geometries(np.array([geometry], dtype=object), crs, source)[0]
    return _feature(feature_id, encoded, properties)


def records_bytes(ids: Sequence[str], geometries: Sequence[bytes | None], properties: Sequence[dict[str, Any]], *,
                  crs: SupportedCRS = CRS84, source: SupportedCRS = CRS84, skip_geometry: bool = False) -> list[bytes]:
    """Features read as records (ids, WKB geometries in ``source``, JSON-ready properties) encoded in ``crs``
    as :func:`feature_bytes` encodes the same features' rows of a frame, without building a frame: the
    geometries parsed, transformed and written once for all of them."""
    if skip_geometry:
        encoded: Sequence[orjson.Fragment | None] = [None] * len(ids)
    else:
        encoded = encoded_geometries(shapely.from_wkb(np.array(geometries, dtype=object)), crs, source)
    return [_feature(feature_id, geometry, prop) for feature_id, geometry, prop in
            zip(ids, encoded, properties, strict=True)]


def _compact(fragment: bytes) -> bytes:
    """A copy of ``fragment`` in memory of its own size, to be kept.

    orjson builds its output in a larger buffer and shrinks it in place; kept for long, such
    buffers hold their unused part (measured: 100,000 cached point features took 380 MB of a
    worker's resident memory as produced, 40 MB as copies).
    """
    return bytes(memoryview(fragment))


MAX_CACHED_FRAGMENTS = 20_000
"""Encoded features an encoder keeps by default (≈ 8 MB of point features; ``GEO_INDUSTRY_FEATURE_CACHE_SIZE``);
past it the oldest are dropped."""


class FeatureEncoder:
    """Caches full-feature fragments per (layer, CRS, feature id) for one revision of the data.

    A page is encoded from its own rows: fragments already encoded are reused, the others are
    encoded once and kept. Nothing here depends on a row's position in its layer. At most
    ``max_fragments`` are kept, the oldest dropped first, so a worker serving random pages of a
    layer of millions of features does not grow with every page it serves.
    """

    def __init__(self, max_fragments: int = MAX_CACHED_FRAGMENTS) -> None:
        self.max_fragments = max_fragments
        self._cache: dict[tuple[str, str, str], bytes] = {}
        self._lock = threading.Lock()  # pages are encoded in worker threads

    def page(
        self,
        layer_id: str,
        rows: gpd.GeoDataFrame,
        *,
        crs: SupportedCRS = CRS84,
        source: SupportedCRS = CRS84,
        properties: Sequence[str] | None = None,
        skip_geometry: bool = False,
    ) -> list[bytes]:
        """The encoded features of ``rows`` (a page, geometries in ``source``) in ``crs``, from the cache
        where possible (a fragment is the same whichever CRS its row came in)."""
        if properties is not None or skip_geometry:
            return feature_bytes(rows, crs=crs, source=source, properties=properties, skip_geometry=skip_geometry)

        def encode(missing: list[int]) -> list[bytes]:
            unseen = rows if len(missing) == len(rows) else rows.iloc[missing]
            return feature_bytes(unseen, crs=crs, source=source)

        return self._reused(layer_id, crs, [str(feature_id) for feature_id in rows["id"]], encode)

    def records(
        self,
        layer_id: str,
        ids: Sequence[str],
        geometries: Sequence[bytes | None],
        values: Sequence[dict[str, Any]],
        *,
        crs: SupportedCRS = CRS84,
        source: SupportedCRS = CRS84,
        properties: Sequence[str] | None = None,
        skip_geometry: bool = False,
    ) -> list[bytes]:
        """The encoded features of a page read as records (``ids``, WKB ``geometries`` in ``source``, JSON-ready
        property ``values``, read with the selection ``properties``) in ``crs``, the bytes :meth:`page` gives
        for the same rows of a frame; a kept fragment is reused without parsing its geometry."""
        if properties is not None or skip_geometry:
            return records_bytes(ids, geometries, values, crs=crs, source=source, skip_geometry=skip_geometry)

        def encode(missing: list[int]) -> list[bytes]:
            if len(missing) == len(ids):
                return records_bytes(ids, geometries, values, crs=crs, source=source)
            return records_bytes([ids[i] for i in missing], [geometries[i] for i in missing],
                                 [values[i] for i in missing], crs=crs, source=source)

        return self._reused(layer_id, crs, ids, encode)

    def _reused(self, layer_id: str, crs: SupportedCRS, ids: Sequence[str],
                encode: Callable[[list[int]], list[bytes]]) -> list[bytes]:
        """The fragments of the features ``ids`` in ``crs``: those kept, and the others (their positions given to
        ``encode``) encoded and kept."""
        keys = [(layer_id, crs.code, feature_id) for feature_id in ids]
        found = [self._cache.get(key) for key in keys]
        missing = [i for i, fragment in enumerate(found) if fragment is None]
        if missing:
            encoded = [_compact(fragment) for fragment in encode(missing)]
            for i, fragment in zip(missing, encoded, strict=True):
                found[i] = fragment
            self._keep(dict(zip((keys[i] for i in missing), encoded, strict=True)))
        return [fragment for fragment in found if fragment is not None]

    def _keep(self, fragments: dict[tuple[str, str, str], bytes]) -> None:
        """Add ``fragments``, dropping the oldest kept ones past :attr:`max_fragments`."""
        with self._lock:
            self._cache.update(fragments)
            excess = len(self._cache) - self.max_fragments
            for key in list(itertools.islice(self._cache, max(excess, 0))):
                del self._cache[key]

    def __len__(self) -> int:
        """How many fragments are kept."""
        return len(self._cache)

    def clear(self) -> None:
        """Forget every cached fragment (after the data changed)."""
        self._cache.clear()


def feature_collection(features: Sequence[bytes], **members: Any) -> bytes:
    """Join encoded features into a FeatureCollection with extra top-level ``members``."""
    head = orjson.dumps({"type": "FeatureCollection", **members})[:-1]
    return head + b',"features":[' + b",".join(features) + b"]}"
