"""Reading an uploaded layer (GeoPackage, zipped Shapefile, GeoJSON) safely into storage form.

The bytes are written to a private temporary folder and read through pyogrio, like every
layer. Archives are checked before anything is extracted: at most ``max_archive_files``
members, no absolute path, no ``..``, no symbolic link, a bounded uncompressed size (counted
while extracting, not trusted from the archive's directory), and members are written under
their base name only, so nothing lands outside the temporary folder (zip-slip). Geometries are
reprojected to storage CRS (OGC:CRS84) with :func:`geo_industry.crs.transform_geometries`,
which takes VN-2000 through the EPSG:6960 transformation. The store then checks every feature
with the rules of ``geo-industry validate``.
"""

from __future__ import annotations

import math
import sqlite3
import stat
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import shapely
from pydantic import ValidationError
from pyproj.exceptions import CRSError
from shapely.geometry import mapping

from geo_industry.crs import checked_source_crs, refuse_file_references, transform_geometries
from geo_industry.errors import InvalidFeature, InvalidUpload, LimitExceeded
from geo_industry.json_values import load_json
from geo_industry.models import LayerMeta
from geo_industry.validate import big_integer_problems, layer_meta_problems, property_problems
from geo_industry.vector_io import read_vector

STORAGE_CRS = "OGC:CRS84"
UPLOAD_FORMATS = ("GeoPackage", "zipped Shapefile", "GeoJSON")
#: what a zipped Shapefile may hold besides the .shp (anything else is refused)
SHAPEFILE_PARTS = {".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".xml", ".qmd"}
_CHUNK = 1 << 16
#: bytes per 2D vertex in WKB and in a .shp record: geometry bytes / 16 bounds the vertex count from above
BYTES_PER_VERTEX = 16
#: triggers a GeoPackage may hold: the spatial index's (gpkg_rtree_index extension), the standard's own and
#: GDAL's feature counts (the file is read read-only, so no trigger fires)
_STANDARD_TRIGGER = ("rtree_", "gpkg_", "trigger_insert_feature_count_", "trigger_delete_feature_count_")
_FIELD_TYPES = {"i": "integer", "u": "integer", "f": "number", "b": "boolean"}


@dataclass(frozen=True)
class UploadLimits:
    """Bounds on an uploaded layer."""

    max_archive_files: int = 20
    max_uncompressed_bytes: int = 200_000_000
    max_features: int = 10_000
    max_vertices: int = 2_000_000


@dataclass(frozen=True)
class UploadedLayer:
    """A layer read from an upload, ready for :meth:`SQLiteStore.add_layer`."""

    meta: LayerMeta
    features: list[dict[str, Any]]
    source_format: str
    source_crs: str


def _sniff(content: bytes) -> str:
    if content.startswith(b"SQLite format 3\x00"):
        if content[68:72] != b"GPKG":  # the application_id every GeoPackage carries
            raise InvalidFeature("the upload is an SQLite database but not a GeoPackage (application_id)")
        return "GeoPackage"
    if content.startswith(b"PK\x03\x04"):
        return "zipped Shapefile"
    if content.lstrip()[:1] == b"{":
        return "GeoJSON"
    raise InvalidFeature("the upload is not a GeoPackage, a zipped Shapefile or a GeoJSON file")


def _safe_member_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    path = PurePosixPath(name.replace("\\", "/"))
    if name.startswith(("/", "\\")) or path.is_absolute() or ":" in name or ".." in path.parts:
        raise InvalidFeature(f"unsafe path in the archive: {name[:200]!r} (absolute or with '..')")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise InvalidFeature(f"the archive member {name[:200]!r} is a symbolic link")
    return path.name


def _extract_shapefile(content: bytes, folder: Path, limits: UploadLimits) -> Path:
    try:
        archive = zipfile.ZipFile(BytesIO(content))
    except zipfile.BadZipFile as exc:
        raise InvalidFeature(f"the zip archive cannot be read: {exc}") from None
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) > limits.max_archive_files:
            raise LimitExceeded("the number of files in the archive", len(members), limits.max_archive_files)
        names = [_safe_member_name(info) for info in members]  # every name checked before any write
        if len(set(names)) < len(names):
            raise InvalidFeature("the archive holds two files with the same name in different folders")
        strays = sorted(n for n in names if Path(n).suffix.lower() not in SHAPEFILE_PARTS)
        if strays:
            raise InvalidFeature("a zipped Shapefile may hold only " + ", ".join(sorted(SHAPEFILE_PARTS))
                                 + f" files; found {', '.join(strays[:5])}")
        total = 0
        for info, name in zip(members, names, strict=True):
            total = _copy_member(archive, info, folder / name, total, limits.max_uncompressed_bytes)
    shapefiles = sorted(folder.glob("*.[sS][hH][pP]"))
    if len(shapefiles) != 1:
        raise InvalidFeature(f"a zipped Shapefile must hold exactly one .shp file; found {len(shapefiles)}")
    return shapefiles[0]


def _copy_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, total: int, limit: int) -> int:
    try:
        with archive.open(info) as source, target.open("wb") as sink:
            while chunk := source.read(_CHUNK):
                total += len(chunk)
                if total > limit:
                    raise LimitExceeded("the uncompressed size of the archive (bytes)", f"over {limit}", limit)
                sink.write(chunk)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:  # corrupt, encrypted, unknown method
        raise InvalidFeature(f"the archive member {info.filename[:200]!r} cannot be extracted: {exc}") from None
    return total


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _measure_geopackage(path: Path, limits: UploadLimits) -> str:
    """Refuse views and foreign triggers, count rows and geometry bytes with bounded SQL, check CRS texts.

    Runs before GDAL reads anything, so a recursive view or a billion-row table is refused at
    the cost of a few bounded queries. Returns how errors name the CRS source.
    """
    where = "the GeoPackage's gpkg_spatial_ref_sys"
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        con.execute("PRAGMA trusted_schema=OFF")
        for kind, name in con.execute("SELECT type, name FROM sqlite_master WHERE type IN ('view', 'trigger')"):
            if kind == "view" or not str(name).startswith(_STANDARD_TRIGGER):
                raise InvalidUpload(f"the GeoPackage holds a {kind} ({str(name)[:60]!r}); views and triggers are "
                                    "refused (a view can expand without bound): upload plain tables")
        columns = con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
        for table, column in columns:
            cap = limits.max_features + 1
            rows, size = con.execute(f"SELECT COUNT(*), COALESCE(SUM(LENGTH({_quoted(column)})), 0) FROM "
                                     f"(SELECT {_quoted(column)} FROM {_quoted(table)} LIMIT ?)", (cap,)).fetchone()
            if rows > limits.max_features:
                raise LimitExceeded("the number of features", f"over {limits.max_features}", limits.max_features)
            if size // BYTES_PER_VERTEX > limits.max_vertices:
                raise LimitExceeded("the number of vertices (estimated: geometry bytes / 16)",
                                    size // BYTES_PER_VERTEX, limits.max_vertices)
        for (definition,) in con.execute("SELECT definition FROM gpkg_spatial_ref_sys"):
            refuse_file_references(str(definition), where=where)
    except sqlite3.DatabaseError as exc:
        raise InvalidFeature("the GeoPackage cannot be read as a vector layer", [str(exc)[:300]]) from None
    finally:
        con.close()
    return where


def _measure_shapefile(shp: Path, limits: UploadLimits) -> str:
    """Read the .shp and .dbf headers (sizes, record count) and check the .prj text before GDAL reads them.

    Returns how errors name the CRS source (the .prj's file name).
    """
    header = shp.read_bytes()[:100] if shp.stat().st_size >= 100 else b""
    if len(header) < 100 or int.from_bytes(header[:4], "big") != 9994:
        raise InvalidUpload(f"{shp.name}: the file has no Shapefile header")
    declared = int.from_bytes(header[24:28], "big") * 2
    if declared > shp.stat().st_size:
        raise InvalidUpload(f"{shp.name}: the header declares {declared} bytes, the file has {shp.stat().st_size}")
    if (declared - 100) // BYTES_PER_VERTEX > limits.max_vertices:
        raise LimitExceeded("the number of vertices (estimated: .shp bytes / 16)",
                            (declared - 100) // BYTES_PER_VERTEX, limits.max_vertices)
    dbf = _sibling(shp, ".dbf")
    if dbf is not None:
        head = dbf.open("rb").read(32)
        records = int.from_bytes(head[4:8], "little") if len(head) == 32 else 0
        if records > limits.max_features:
            raise LimitExceeded("the number of features (.dbf header)", records, limits.max_features)
        needed = int.from_bytes(head[8:10], "little") + records * int.from_bytes(head[10:12], "little")
        if len(head) < 32 or needed > dbf.stat().st_size + 1:
            raise InvalidUpload(f"{dbf.name}: the header declares {records} records the file does not hold")
    prj = _sibling(shp, ".prj")
    if prj is None:
        return "the Shapefile (it has no .prj)"
    refuse_file_references(prj.read_bytes()[:100_000].decode("utf-8", "replace"), where=prj.name)
    return prj.name


def _sibling(path: Path, suffix: str) -> Path | None:
    return next((p for p in path.parent.iterdir() if p.stem == path.stem and p.suffix.lower() == suffix), None)


def _check_geojson(content: bytes) -> str:
    """Check the GeoJSON's CRS text and refuse integers past 64 bits (GDAL would read them rounded, unseen)."""
    where = "the GeoJSON 'crs' member"
    try:
        document = load_json(content, finite=True)
    except ValueError:
        return where  # GDAL's reader reports what is wrong
    problems = [f"feature {p.feature}: {p.field}: {p.message}" for p in big_integer_problems("upload", document)]
    if problems:
        raise InvalidFeature("the file's values do not fit the declared fields", problems[:20])
    crs = document.get("crs") if isinstance(document, dict) else None
    if crs is not None:
        refuse_file_references(orjson.dumps(crs).decode(), where=where)
    return where


def _read_frame(content: bytes, kind: str, folder: Path, limits: UploadLimits) -> tuple[gpd.GeoDataFrame, str]:
    if kind == "zipped Shapefile":
        path = _extract_shapefile(content, folder, limits)
        where = _measure_shapefile(path, limits)
    else:
        path = folder / ("upload.gpkg" if kind == "GeoPackage" else "upload.geojson")
        path.write_bytes(content)
        where = _measure_geopackage(path, limits) if kind == "GeoPackage" else _check_geojson(content)
    try:
        if kind == "GeoPackage":
            import pyogrio  # GDAL is loaded by the first upload, not by every worker that never takes one

            layers = pyogrio.list_layers(path)
            if len(layers) != 1:
                raise InvalidFeature(f"the GeoPackage must hold exactly one layer; it holds {len(layers)}: "
                                     + ", ".join(str(name) for name in layers[:10, 0]))
        return read_vector(path), where
    except InvalidFeature:
        raise
    except CRSError as exc:
        raise InvalidUpload(f"{where}: the CRS definition cannot be read ({str(exc)[:200]})") from None
    except Exception as exc:  # pyogrio.errors.DataSourceError and friends
        raise InvalidFeature(f"the {kind} cannot be read as a vector layer", [str(exc)[:300]]) from None


def _to_storage_crs(frame: gpd.GeoDataFrame, where: str) -> tuple[gpd.GeoDataFrame, str]:
    if frame.crs is None and where.endswith(".prj"):
        raise InvalidUpload(f"{where}: GDAL cannot read it as a CRS definition")
    if frame.crs is None:
        raise InvalidFeature("the upload declares no CRS (a Shapefile needs its .prj)")
    crs = checked_source_crs(frame.crs, where=where)
    epsg = crs.to_epsg()
    source = f"EPSG:{epsg}" if epsg is not None else crs.to_wkt()
    geoms = np.asarray(frame.geometry.array, dtype=object)
    present = np.array([g is not None for g in geoms])
    if present.any():
        try:
            moved = shapely.force_2d(transform_geometries(geoms[present], source, STORAGE_CRS))
        except Exception as exc:  # pyproj.exceptions.ProjError and friends
            raise InvalidUpload(f"{where}: the coordinates cannot be transformed to WGS 84 "
                                f"({str(exc)[:160]})") from None
        if not np.isfinite(shapely.get_coordinates(moved)).all():
            raise InvalidUpload(f"{where}: some coordinates do not transform to WGS 84 (outside the CRS's domain)")
        geoms[present] = moved
    return gpd.GeoDataFrame(frame.drop(columns=frame.geometry.name), geometry=list(geoms), crs="EPSG:4326"), source


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _decoded(value: Any, kind: str) -> Any:
    """A value of an array or object field as the file holds it (JSON text) decoded; others unchanged."""
    if kind in ("array", "object") and isinstance(value, str):
        try:
            return load_json(value, finite=True)
        except ValueError:
            return value  # refused by the field check, which names the field
    return value


def _features(frame: gpd.GeoDataFrame, meta: LayerMeta) -> list[dict[str, Any]]:
    if "id" not in frame.columns:
        raise InvalidFeature("the layer has no 'id' field: every feature needs a stable id")
    columns = [c for c in frame.columns if c != frame.geometry.name]
    kinds = {spec.name: spec.type for spec in meta.fields}
    features = []
    for row, geometry in zip(frame[columns].itertuples(index=False, name=None), frame.geometry, strict=True):
        properties = {name: _decoded(_plain(value), kinds.get(name, "string"))
                      for name, value in zip(columns, row, strict=True)}
        properties["id"] = None if properties["id"] is None else str(properties["id"])
        features.append({"type": "Feature", "id": properties["id"], "properties": properties,
                         "geometry": None if geometry is None or geometry.is_empty else mapping(geometry)})
    return features


def _geometry_type(frame: gpd.GeoDataFrame) -> str:
    kinds = {kind.removeprefix("Multi") for kind in frame.geometry.geom_type.dropna()}
    return kinds.pop() if len(kinds) == 1 else "Geometry"


def _inferred_fields(frame: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    fields = []
    for name in frame.columns:
        if name == frame.geometry.name:
            continue
        kind = "string" if name == "id" else _FIELD_TYPES.get(frame[name].dtype.kind, "string")
        fields.append({"name": name, "type": kind, "title": {"vi": name, "en": name}, "required": name == "id"})
    return fields


def _layer_meta(metadata: Mapping[str, Any], frame: gpd.GeoDataFrame) -> LayerMeta:
    document = {"geometry_type": _geometry_type(frame), "fields": _inferred_fields(frame), **metadata,
                "crs": STORAGE_CRS}
    try:
        meta = LayerMeta.model_validate(document)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise InvalidFeature("the layer metadata is not a valid catalog entry", problems) from None
    problems = layer_meta_problems(meta)
    if problems:
        raise InvalidUpload("the layer metadata is refused", problems)
    return meta


def _field_problems(meta: LayerMeta, features: list[dict[str, Any]]) -> list[str]:
    """The file's values checked against the declared fields (an object field must hold objects …)."""
    problems: list[str] = []
    for feature in features:
        problems.extend(f"feature {feature['id']}: {p}" for p in property_problems(meta, feature["properties"]))
        if len(problems) >= 20:
            break
    return problems


def read_upload(content: bytes, metadata: Mapping[str, Any], *, limits: UploadLimits | None = None) -> UploadedLayer:
    """Read an uploaded layer file into its catalog entry and GeoJSON features in storage CRS.

    ``metadata`` is the layer's catalog entry (``id``, ``title``, ``description``, ``licence``,
    ``attribution`` …); ``fields`` and ``geometry_type`` are inferred from the file when absent.

    Raises
    ------
    InvalidFeature
        When the file is of no supported format, unreadable, unsafe, or lacks ids or a CRS.
    LimitExceeded
        When it holds too many files or features, or expands beyond the size limit.

    Examples
    --------
    >>> layer = read_upload(open("zones.gpkg", "rb").read(), {"id": "new_zones", ...})  # doctest: +SKIP
    >>> layer.meta.crs
    'OGC:CRS84'
    """
    limits = limits or UploadLimits()
    if not isinstance(metadata, Mapping):
        raise InvalidFeature("the layer metadata must be a JSON object")
    kind = _sniff(content)
    with tempfile.TemporaryDirectory(prefix="geo-industry-upload-") as folder:
        frame, where = _read_frame(content, kind, Path(folder), limits)
    if len(frame) > limits.max_features:
        raise LimitExceeded("the number of features", len(frame), limits.max_features)
    frame, source_crs = _to_storage_crs(frame, where)
    meta = _layer_meta(metadata, frame)
    features = _features(frame, meta)
    problems = _field_problems(meta, features)
    if problems:
        raise InvalidFeature("the file's values do not fit the declared fields", problems)
    return UploadedLayer(meta, features, kind, source_crs)
