"""What every writable backend checks and computes before it stores a write (no database here).

A write is checked with the rules of ``geo-industry validate`` the same way on SQLite and on
PostGIS, so the same bad request gets the same error whatever the backend: feature ids that fit
in URLs, declared fields only, valid (or repaired) geometries within the vertex limit,
coordinates rounded to :data:`~geo_industry.validate.MAX_DECIMALS`, statistics rows with a year,
a number and a known entity. The backends only decide where the checked texts go.

Also here: the strong ETag of a stored feature version, the JSON merge patch of an update, and
the fault of a stored row that cannot be served (quarantine).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely
from shapely.geometry import mapping, shape

from geo_industry import statistics as stats_mod
from geo_industry.errors import Conflict, InvalidFeature, LimitExceeded, PreconditionFailed
from geo_industry.models import LayerMeta
from geo_industry.validate import (
    MAX_DECIMALS,
    YEAR_RANGE,
    check_frame,
    property_problems,
    statistics_problems,
    variant_problem,
)

STAT_FIELDS = (*stats_mod.STAT_COLUMNS, "variant", *stats_mod.OPTIONAL_COLUMNS)
"""The statistics table's columns in table order (optional columns last, as a migration adds them)."""
STAT_KEY = ("indicator", "entity", "year", "period", "basis", "variant")
"""The columns that identify one statistics row (a second row with the same key is a conflict)."""
#: collection ids the API uses for something else
RESERVED_LAYER_IDS = frozenset({"statistics"})
STATISTICS_COLLECTION = "statistics"
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$")
"""Feature and layer ids: they go in URLs (and, for layers, in table names)."""


@dataclass(frozen=True)
class WriteLimits:
    """Bounds on what one write may contain."""

    max_vertices: int = 100_000
    max_features: int = 10_000
    max_statistics_rows: int = 50_000


def now() -> str:
    """The current UTC time as an ISO 8601 text with milliseconds (audit entries, version stamps)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def dumps(value: Any) -> str:
    """JSON text as the curated files write it (UTF-8 kept, ``", "`` and ``": "`` separators)."""
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


# entity tags -----------------------------------------------------------------------------------
def etag(layer_id: str, feature_id: str, version: int, properties: str, geometry: str | None,
         statistics: str = "") -> str:
    """The strong tag of a feature's representation: its stored version and the statistics it carries.

    A feature's GeoJSON includes its statistics series, so ``statistics`` (a digest of the
    entity's stored rows, :func:`statistics_digest`) is part of the tag: writing a feature's
    statistics changes its tag, writing other entities' statistics does not.
    """
    parts = [layer_id, feature_id, str(version), properties, geometry or "", statistics]
    digest = hashlib.sha256("\x1f".join(parts).encode())
    return f'"{digest.hexdigest()[:32]}"'


def statistics_digest(rows: list[tuple[Any, ...]]) -> str:
    """A digest of one entity's stored statistics rows (values in :data:`STAT_FIELDS` order), ``""`` for none."""
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16] if rows else ""


def check_if_match(if_match: str | None, current: str, feature_id: str) -> None:
    """Raise ``PreconditionFailed`` unless ``if_match`` (a list of tags or ``*``) names the current tag."""
    if if_match is None:
        return
    candidates = {tag.strip() for tag in if_match.split(",")}
    if "*" not in candidates and current not in candidates:
        raise PreconditionFailed(
            f"If-Match {if_match} does not match the current version {current} of feature '{feature_id}': "
            "someone changed it since you read it; fetch it again and reapply your edit")


# features ----------------------------------------------------------------------------------
def feature_id_of(feature: Mapping[str, Any], fallback: str | None = None) -> str:
    """The id of a GeoJSON feature (``id``, else ``properties.id``, else ``fallback``), checked for URLs."""
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        raise InvalidFeature("the body must be a GeoJSON Feature object")
    properties = feature.get("properties") if isinstance(feature.get("properties"), Mapping) else {}
    feature_id = feature.get("id") or (properties or {}).get("id") or fallback
    if feature_id is None:
        raise InvalidFeature("the feature needs an 'id' (top-level or in properties)")
    feature_id = str(feature_id)
    if not SAFE_ID.match(feature_id):
        raise InvalidFeature(f"feature id '{feature_id[:80]}' must be 1–128 ascii letters, digits, '.', '_', '~' "
                             "or '-' (it goes in URLs)")
    return feature_id


def check_layer_id(layer_id: str) -> None:
    """Refuse a new layer's id that does not fit in URLs and table names, or that the API reserves."""
    if not SAFE_ID.match(layer_id):
        raise InvalidFeature(f"layer id '{layer_id}' must be ascii letters, digits, '.', '_', '~' or '-'")
    if layer_id in RESERVED_LAYER_IDS:
        raise Conflict(f"collection id '{layer_id}' is reserved (the statistics records collection)")


def check_feature_count(count: int, limits: WriteLimits) -> None:
    """Refuse a write of more features than one request may hold."""
    if count > limits.max_features:
        raise LimitExceeded("the number of features", count, limits.max_features)


def prepare_feature(meta: LayerMeta, feature: Mapping[str, Any], feature_id: str, limits: WriteLimits, *,
                    repair: bool) -> tuple[str, str | None]:
    """Check a GeoJSON feature with the same rules as ``geo-industry validate``; return its JSON texts.

    The texts are what a backend stores: the properties (``id`` first) and the geometry with
    coordinates rounded (``None`` for a feature without geometry).
    """
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        raise InvalidFeature("the body must be a GeoJSON Feature object")
    body_id = feature.get("id")
    if body_id is not None and str(body_id) != feature_id:
        raise InvalidFeature(f"the feature's id '{body_id}' differs from '{feature_id}'")
    properties = feature.get("properties") or {}
    if not isinstance(properties, Mapping):
        raise InvalidFeature("'properties' must be a JSON object")
    unknown = sorted(set(properties) - {spec.name for spec in meta.fields} - {"id"})
    if unknown:
        raise InvalidFeature(f"unknown properties for layer {meta.id}", [f"{name}: not a field of the layer"
                                                                          for name in unknown[:20]])
    invalid = property_problems(meta, properties)
    if invalid:
        raise InvalidFeature(f"feature '{feature_id}' does not fit the fields of layer {meta.id}", invalid)
    geometry = prepare_geometry(feature.get("geometry"), limits, repair=repair)
    properties = {"id": feature_id, **{k: v for k, v in properties.items() if k != "id"}}
    frame = gpd.GeoDataFrame(pd.DataFrame([properties]),
                             geometry=[None if geometry is None else shape(geometry)], crs="EPSG:4326")
    problems = [p for p in check_frame("request", frame, meta) if p.severity == "error"]
    if problems:
        raise InvalidFeature(f"feature '{feature_id}' breaks the rules of layer {meta.id}",
                             [f"field {p.field}: {p.message}" for p in problems])
    return dumps(properties), None if geometry is None else dumps(geometry)


def prepare_geometry(geometry: Any, limits: WriteLimits, *, repair: bool) -> dict[str, Any] | None:
    """A GeoJSON geometry checked (parsable, within the vertex limit, valid or repaired) and rounded."""
    if geometry is None:
        return None
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several kinds on malformed GeoJSON
        raise InvalidFeature("the geometry is not valid GeoJSON", [str(exc)]) from None
    vertices = int(shapely.get_num_coordinates(geom))
    if vertices > limits.max_vertices:
        raise LimitExceeded("the number of vertices in the geometry", vertices, limits.max_vertices)
    if not geom.is_valid:
        if not repair:
            raise InvalidFeature("invalid geometry (send repair=true to have it repaired)",
                                 [shapely.is_valid_reason(geom)])
        geom = shapely.make_valid(geom)
    return round_coordinates(mapping(geom))


def round_coordinates(geometry: Mapping[str, Any]) -> dict[str, Any]:
    """The geometry with every coordinate rounded to the decimals the validator allows."""
    rounded = shapely.transform(shape(geometry), lambda coords: np.round(coords, MAX_DECIMALS))
    return dict(mapping(rounded))


def stored_json(text: str, feature_id: str, part: str) -> Any:
    """A stored JSON text parsed; a damaged one asks for a whole replacement (PUT)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        raise InvalidFeature(f"the stored {part} of feature '{feature_id}' are damaged; replace the feature "
                             "whole (PUT)") from None


def merge_patch(feature_id: str, properties_text: str, geometry_text: str | None,
                patch: Mapping[str, Any]) -> dict[str, Any]:
    """The feature a JSON merge patch (RFC 7396) makes of the stored one (``null`` removes a property)."""
    if not isinstance(patch, Mapping):
        raise InvalidFeature("the patch must be a JSON object")
    properties = stored_json(properties_text, feature_id, "properties")
    if not isinstance(properties, dict):
        raise InvalidFeature(f"the stored properties of feature '{feature_id}' are damaged; "
                             "replace the feature whole (PUT)")
    patch_properties = patch.get("properties", {})
    if not isinstance(patch_properties, Mapping):
        raise InvalidFeature("'properties' in the patch must be a JSON object")
    for key, value in patch_properties.items():
        if value is None:
            properties.pop(key, None)
        else:
            properties[key] = value
    geometry = patch["geometry"] if "geometry" in patch else (
        stored_json(geometry_text, feature_id, "geometry") if geometry_text else None)
    return {"type": "Feature", "id": feature_id, "properties": properties, "geometry": geometry}


def audit_json(value: Any) -> str | None:
    """An audit entry's before/after as JSON text; a ``(properties, geometry)`` pair of stored texts as an object."""
    if value is None:
        return None
    if isinstance(value, tuple):
        properties, geometry = value
        value = {"properties": json_or_text(properties), "geometry": json_or_text(geometry) if geometry else None}
    return dumps(value)


def json_or_text(text: str) -> Any:
    """Stored JSON text parsed, or the text itself when it is damaged (the audit keeps what was there)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


# quarantine ----------------------------------------------------------------------------------
def row_fault(meta: LayerMeta, feature_id: str, properties_text: str, geometry_text: str | None) -> str | None:
    """Why a stored feature cannot be served, or ``None`` when it can."""
    try:
        properties = orjson.loads(properties_text)
    except orjson.JSONDecodeError as exc:
        return f"properties are not JSON ({exc})"
    if not isinstance(properties, dict):
        return "properties are not a JSON object"
    if str(properties.get("id")) != feature_id:
        return "properties.id differs from the stored id"
    problems = property_problems(meta, properties)
    if problems:
        return "; ".join(problems[:5])
    if geometry_text:
        try:
            shapely.from_geojson(geometry_text)
        except Exception as exc:  # shapely.errors.GEOSException and friends
            return f"geometry is not GeoJSON ({str(exc)[:120]})"
    return None


# statistics ----------------------------------------------------------------------------------
def statistics_fault(year: str, value: str, variant: str) -> str | None:
    """Why a statistics row cannot be served (year, value, variant), or ``None``.

    An empty year or value reads as missing, as from the CSV (the validator reports it).
    """
    if str(year).strip() == "":
        year = str(YEAR_RANGE[0])
    try:
        year_number = int(str(year))
    except ValueError:
        return f"year {str(year)[:20]!r} is not an integer"
    if not YEAR_RANGE[0] <= year_number <= YEAR_RANGE[1]:
        return f"year {year_number} is not between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}"
    try:
        number = float(str(value).replace(",", ""))
    except ValueError:
        number = math.nan  # an unparsable value reads as missing, as from the CSV
    if math.isinf(number) or (math.isfinite(number) and abs(number) > 1e18):
        return f"value {str(value)[:20]!r} is out of range"
    return variant_problem(variant)


def statistics_text(rows: pd.DataFrame, limits: WriteLimits, mode: str) -> pd.DataFrame:
    """Statistics rows to write as text in :data:`STAT_FIELDS` order, each row checked on its own.

    Raises ``LimitExceeded`` for too many rows, ``InvalidFeature`` for an unknown mode or a row
    whose year, value or variant cannot be stored.
    """
    if len(rows) > limits.max_statistics_rows:
        raise LimitExceeded("the number of statistics rows", len(rows), limits.max_statistics_rows)
    if mode not in ("add", "replace"):
        raise InvalidFeature(f"mode '{mode}' is not one of add, replace")
    text = rows.astype(str).copy()
    if "variant" not in text.columns:
        text["variant"] = "0"
    text = text.reindex(columns=list(STAT_FIELDS), fill_value="")
    faults = [f"row {number}: {fault}" for number, row in enumerate(text.itertuples(index=False), start=1)
              if (fault := statistics_fault(row.year, row.value, row.variant))]
    if faults:
        raise InvalidFeature("statistics rows rejected", faults)
    return text


def check_statistics_entities(text: pd.DataFrame, known: Collection[str]) -> None:
    """Raise ``InvalidFeature`` for what ``geo-industry validate`` calls an error (an unknown entity …)."""
    problems = statistics_problems(stats_mod.typed_statistics(text, source="request"), set(known), file="request",
                                   year_text=text["year"])
    errors = [str(p) for p in problems if p.severity == "error"]
    if errors:
        raise InvalidFeature("statistics rows rejected", errors)


def statistics_exists(key: Mapping[str, Any]) -> Conflict:
    """The conflict of adding a statistics row whose key is taken."""
    return Conflict(f"statistics row ({key['indicator']}, {key['entity']}, {key['year']}, {key['period']}, "
                    f"{key['basis']}, variant {key['variant']}) exists; use mode=replace")
