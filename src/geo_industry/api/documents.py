"""The JSON documents of OGC API resources (landing, collection, queryables), built from the core.

Kept apart from the routes so the JSON and the HTML pages describe a resource the same way.
"""

from __future__ import annotations

from typing import Any

from geo_industry.api.html import bilingual
from geo_industry.api.links import Urls, link
from geo_industry.api.responses import GEOJSON, HTML, JSON, SCHEMA_JSON
from geo_industry.api.tile_documents import TILESETS_VECTOR
from geo_industry.crs import CRS84_URI, SUPPORTED_CRS
from geo_industry.export import EXPORT_FORMATS
from geo_industry.models import LayerMeta
from geo_industry.records import STATISTICS_ID, StatisticsRecords
from geo_industry.store import FeatureReader

GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
_GEOMETRY_FORMATS = {
    "Point": "geometry-point", "MultiPoint": "geometry-multipoint", "LineString": "geometry-linestring",
    "MultiLineString": "geometry-multilinestring", "Polygon": "geometry-polygon",
    "MultiPolygon": "geometry-multipolygon",
}


def _temporal(years: tuple[int | None, int | None]) -> dict[str, Any] | None:
    first, last = years
    if first is None and last is None:
        return None
    start = None if first is None else f"{first}-01-01T00:00:00Z"
    end = None if last is None else f"{last}-12-31T23:59:59Z"
    return {"interval": [[start, end]], "trs": GREGORIAN}


def _base(meta: LayerMeta, lang: str) -> dict[str, Any]:
    return {
        "id": meta.id,
        "title": bilingual(meta.title, lang),
        "description": bilingual(meta.description, lang),
        "keywords": meta.keywords,
        "attribution": meta.attribution,
        "license": meta.licence,
    }


def collection_document(meta: LayerMeta, store: FeatureReader, urls: Urls, lang: str) -> dict[str, Any]:
    """``/collections/{collectionId}`` of a spatial layer (Part 1 and Part 2 members)."""
    path = f"/collections/{meta.id}"
    bbox, years = store.extent(meta.id)
    extent: dict[str, Any] = {}
    if bbox is not None:
        extent["spatial"] = {"bbox": [list(bbox)], "crs": CRS84_URI}
    temporal = _temporal(years)
    if temporal is not None:
        extent["temporal"] = temporal
    links = [
        link(urls.url(path), "self", JSON, "this collection"),
        link(urls.url(path, f="html"), "alternate", HTML, "this collection as HTML"),
        link(urls.url(f"{path}/items"), "items", GEOJSON, "features (GeoJSON)"),
        link(urls.url(f"{path}/items", f="html"), "items", HTML, "features (HTML)"),
        link(urls.url(f"{path}/queryables"), "http://www.opengis.net/def/rel/ogc/1.0/queryables", SCHEMA_JSON,
             "queryables"),
        _schema_link(urls, path),
        link(urls.url(f"{path}/tiles"), TILESETS_VECTOR, JSON, "vector tilesets (OGC API - Tiles)"),
        *(link(urls.url(f"{path}/download", f=fmt.name), "enclosure", fmt.media_type, f"download as {fmt.name}")
          for fmt in EXPORT_FORMATS.values()),
        *(link(source, "describedby", title="source") for source in meta.sources),
    ]
    return {
        **_base(meta, lang),
        "group": meta.group,
        "itemType": "feature",
        "extent": extent,
        "crs": [c.uri for c in SUPPORTED_CRS],
        "storageCrs": CRS84_URI,
        "links": links,
    }


def records_collection_document(records: StatisticsRecords, urls: Urls, lang: str) -> dict[str, Any]:
    """``/collections/statistics``: the non-spatial records collection."""
    path = f"/collections/{STATISTICS_ID}"
    temporal = _temporal(records.extent())
    links = [
        link(urls.url(path), "self", JSON, "this collection"),
        link(urls.url(path, f="html"), "alternate", HTML, "this collection as HTML"),
        link(urls.url(f"{path}/items"), "items", GEOJSON, "records (GeoJSON, no geometry)"),
        link(urls.url(f"{path}/items", f="html"), "items", HTML, "records (HTML)"),
        link(urls.url(f"{path}/queryables"), "http://www.opengis.net/def/rel/ogc/1.0/queryables", SCHEMA_JSON,
             "queryables"),
        _schema_link(urls, path),
        *(link(urls.url(f"{path}/download", f=name), "enclosure", EXPORT_FORMATS[name].media_type,
               f"download as {name}") for name in ("csv", "geojson", "gpkg")),
    ]
    return {
        **_base(records.meta, lang),
        "itemType": "record",
        "extent": {"temporal": temporal} if temporal else {},
        "links": links,
    }


_GEOMETRY_SCHEMA = {"oneOf": [{"type": "null"}, {"type": "object", "required": ["type"],
                                                  "properties": {"type": {"type": "string"}}}]}


def _property_schema(name: str, kind: str, meta: LayerMeta, lang: str) -> dict[str, Any]:
    spec = meta.field_spec(name)
    entry: dict[str, Any] = {"type": kind, "title": bilingual(spec.title, lang) if spec and spec.title else name}
    if kind == "array":
        entry["items"] = {"type": "string"} if name == "sources" else {}
    if spec is not None and spec.enum:
        entry["enum"] = spec.enum
    if spec is not None and spec.unit:
        entry["x-ogc-unit"] = spec.unit
    if spec is not None and spec.description:
        entry["description"] = spec.description
    return entry


def feature_schema_document(meta: LayerMeta, queryables: dict[str, str], schema_path: str, urls: Urls,
                            lang: str) -> dict[str, Any]:
    """JSON Schema of one GeoJSON feature of the collection, every property typed.

    Linked from the collection as ``rel="describedBy"`` (``application/schema+json``): GDAL's
    OAPIF driver types its fields from it instead of guessing from the first page. Values may
    be null when unknown; the property types are given as plain JSON types so that clients
    which read one ``type`` per property (GDAL 3.6) understand them.
    """
    kinds: dict[str, str] = {spec.name: spec.type for spec in meta.fields}
    kinds.update({name: kind for name, kind in queryables.items() if kind != "geometry"})
    # the id is the feature's own member; listing it as a property too makes GDAL add the field twice
    kinds.pop("id", None)
    properties = {name: _property_schema(name, kind, meta, lang) for name, kind in kinds.items()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": urls.url(schema_path),
        "title": bilingual(meta.title, lang),
        "description": "A GeoJSON feature of this collection; property values are null when unknown.",
        "type": "object",
        "required": ["type", "id", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string"},
            "geometry": _GEOMETRY_SCHEMA,
            "properties": {"type": "object", "properties": properties},
        },
    }


def _schema_link(urls: Urls, path: str) -> dict[str, Any]:
    # GDAL 3.6 matches the relation "describedBy" exactly (relations are case-insensitive)
    return link(urls.url(f"{path}/schema"), "describedBy", SCHEMA_JSON, "JSON Schema of the features")


def queryables_document(meta: LayerMeta, queryables: dict[str, str], urls: Urls, lang: str) -> dict[str, Any]:
    """JSON Schema of the queryables (Part 3)."""
    properties: dict[str, Any] = {}
    for name, kind in queryables.items():
        if kind == "geometry":
            geometry_format = _GEOMETRY_FORMATS.get(meta.geometry_type, "geometry-any")
            properties[name] = {"title": "geometry", "format": geometry_format, "x-ogc-role": "primary-geometry"}
            continue
        entry = _property_schema(name, kind, meta, lang)
        if name.startswith("latest_"):
            entry["description"] = "latest full-year actual value of the statistics series"
        properties[name] = entry
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": urls.url(f"/collections/{meta.id}/queryables"),
        "type": "object",
        "title": bilingual(meta.title, lang),
        "properties": properties,
        "additionalProperties": False,
    }
