"""Export a layer (or a query's result) to the formats GIS users open, through pyogrio/GDAL.

A whole frame is written by :func:`write_layer`; a layer too large to hold is written from its
batches (:meth:`~geo_industry.store.base.BulkReader.frame_batches`) by :func:`write_layer_batches`,
appended to a GeoPackage that GDAL streams into the format asked for: the same file, one batch
in memory.

Lists and objects (``sources``, ``area_ha_alternatives``) become JSON text, since most of
these formats have no list type. Coordinates are written in the requested CRS, with the
explicit VN-2000 transformation, and the CRS is recorded in the file (``.prj`` for
shapefiles).
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable, Collection, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np

from geo_industry import json_values
from geo_industry.crs import CRS84, SupportedCRS, transform_geometries
from geo_industry.errors import ExportError, GeoIndustryError, InvalidParameter
from geo_industry.store.memory import geometry_types_of


@dataclass(frozen=True)
class ExportFormat:
    """One output format: GDAL driver, file suffix, media type and options."""

    name: str
    driver: str
    suffix: str
    media_type: str
    layer_options: tuple[tuple[str, str], ...] = ()
    dataset_options: tuple[tuple[str, str], ...] = ()
    wgs84_only: bool = False


EXPORT_FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("geojson", "GeoJSON", ".geojson", "application/geo+json",
                     layer_options=(("RFC7946", "NO"), ("WRITE_NAME", "NO"))),
        ExportFormat("gpkg", "GPKG", ".gpkg", "application/geopackage+sqlite3"),
        ExportFormat("fgb", "FlatGeobuf", ".fgb", "application/flatgeobuf",
                     layer_options=(("SPATIAL_INDEX", "NO"),)),
        ExportFormat("csv", "CSV", ".csv", "text/csv; charset=utf-8",
                     layer_options=(("GEOMETRY", "AS_WKT"), ("CREATE_CSVT", "NO"))),
        ExportFormat("kml", "KML", ".kml", "application/vnd.google-earth.kml+xml",
                     dataset_options=(("NameField", "name_en"),), wgs84_only=True),
        ExportFormat("shp", "ESRI Shapefile", ".zip", "application/zip",
                     layer_options=(("ENCODING", "UTF-8"),)),
    )
}


def resolve_format(name: str, *, parameter: str = "format") -> ExportFormat:
    """The export format called ``name``; raises :class:`InvalidParameter` otherwise."""
    try:
        return EXPORT_FORMATS[name.lower()]
    except KeyError:
        raise InvalidParameter(parameter, name, "one of " + ", ".join(EXPORT_FORMATS)) from None


def _flatten(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame.copy()
    for column in out.columns:
        if column == out.geometry.name or out[column].dtype != object:
            continue
        values = out[column]
        if values.map(lambda v: isinstance(v, list | dict | tuple | np.ndarray)).any():
            out[column] = values.map(_json_text)
    return out


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list | dict | tuple):
        return json_values.dumps(value, what="an exported value").decode()
    return str(value)


def _prepare(frame: gpd.GeoDataFrame, fmt: ExportFormat, crs: SupportedCRS,
             source: SupportedCRS = CRS84) -> gpd.GeoDataFrame:
    if fmt.wgs84_only and crs.code not in (CRS84.code, "EPSG:4326"):
        raise InvalidParameter("crs", crs.uri, f"WGS 84 for {fmt.name} (KML is always lon/lat WGS 84)")
    flat = _flatten(frame)
    geoms = transform_geometries(np.asarray(flat.geometry.array), source.code, crs.code)
    target = "EPSG:4326" if crs.code == CRS84.code else crs.code
    return gpd.GeoDataFrame(flat.drop(columns=flat.geometry.name), geometry=list(geoms), crs=target)


def write_layer(frame: gpd.GeoDataFrame, path: Path, *, fmt: ExportFormat, crs: SupportedCRS = CRS84,
                layer_name: str = "layer", source: SupportedCRS = CRS84) -> Path:
    """Write ``frame`` (geometries in ``source``, x/y order: storage CRS unless a store transformed them)
    to ``path`` in ``fmt`` and ``crs``; returns the path written.

    Shapefiles are written as a zip of their parts when ``path`` ends in ``.zip``.
    """
    if fmt.name == "shp":
        _write_zipped_shapefile(iter([frame]), path, fmt=fmt, crs=crs, source=source, layer_name=layer_name,
                                geometry_types=geometry_types_of(frame.geometry), progress=None)
        return path
    data = _prepare(frame, fmt, crs, source)
    if path.exists():
        path.unlink()
    import pyogrio  # GDAL is loaded by the first export, not by every worker that never writes one

    try:
        pyogrio.write_dataframe(data, path, driver=fmt.driver, layer=layer_name,
                                layer_options=dict(fmt.layer_options) or None,
                                dataset_options=dict(fmt.dataset_options) or None)
    except Exception as exc:  # GDAL errors come in many classes
        raise ExportError(f"{path}: could not write {fmt.name}: {exc}") from None
    return path


_MULTI = {"Point": "MultiPoint", "LineString": "MultiLineString", "Polygon": "MultiPolygon"}


def _layer_geometry_type(geometry_types: Collection[str], driver: str) -> tuple[str, bool]:
    """The file layer's geometry type for a layer of ``geometry_types``, and whether single geometries are
    made multi: what pyogrio's ``write_dataframe`` chooses from a whole frame."""
    from pyogrio.raw import DRIVERS_NO_MIXED_SINGLE_MULTI  # GDAL is loaded by the first export

    kinds = {kind.removesuffix(" Z") for kind in geometry_types}
    promote = False
    if len(kinds) == 1:
        kind = next(iter(kinds))
    elif len(kinds) == 2 and driver in DRIVERS_NO_MIXED_SINGLE_MULTI and any(
            kinds == {single, multi} for single, multi in _MULTI.items()):
        kind, promote = next(k for k in kinds if k.startswith("Multi")), True
    else:
        kind = "Unknown"
    has_z = any(kind.endswith(" Z") for kind in geometry_types)
    return (f"{kind} Z" if has_z and kind != "Unknown" else kind), promote


def _check_fields(batch: gpd.GeoDataFrame, first: gpd.GeoDataFrame, path: Path) -> None:
    """Refuse a batch whose columns or types differ from the first's (the file's fields): never cut a value."""
    if list(batch.columns) != list(first.columns):
        raise ExportError(f"{path}: a batch of the layer has the columns {list(batch.columns)}, "
                          f"the file {list(first.columns)}")
    for column in batch.columns:
        if batch[column].dtype != first[column].dtype and batch[column].notna().any() and first[column].notna().any():
            raise ExportError(f"{path}: field {column} holds {batch[column].dtype} in a batch of the layer, "
                              f"{first[column].dtype} in the file's field types")


def _append_batches(batches: Iterator[gpd.GeoDataFrame], gpkg: Path, *, fmt: ExportFormat, crs: SupportedCRS,
                    layer_type: str, promote: bool, layer_name: str,
                    progress: Callable[[int], None] | None) -> int:
    """Write ``batches`` one after the other into the GeoPackage ``gpkg`` (no spatial index); return the count."""
    import pyogrio  # GDAL is loaded by the first export, not by every worker that never writes one

    first: gpd.GeoDataFrame | None = None
    written = 0
    for batch in batches:
        data = _prepare(batch, fmt, crs)
        if first is None:
            first = data
        _check_fields(data, first, gpkg)
        pyogrio.write_dataframe(data, gpkg, driver="GPKG", layer=layer_name, append=written > 0,
                                geometry_type=layer_type, promote_to_multi=promote,
                                layer_options={"SPATIAL_INDEX": "NO"})  # an index kept up per append grows slow
        written += len(data)
        if progress is not None:
            progress(written)
    return written


def _translate(gpkg: Path, path: Path, *, fmt: ExportFormat, layer_type: str, layer_name: str) -> None:
    """Copy the GeoPackage's layer into ``path`` in ``fmt``: GDAL reads and writes it as a stream of Arrow batches."""
    from pyogrio.raw import open_arrow, write_arrow

    with open_arrow(gpkg, layer=layer_name, use_pyarrow=False, batch_size=BATCH_FEATURES) as (meta, stream):
        write_arrow(stream, path, driver=fmt.driver, layer=layer_name, geometry_name=meta["geometry_name"] or "geom",
                    geometry_type=layer_type, crs=meta["crs"], layer_options=dict(fmt.layer_options) or None,
                    dataset_options=dict(fmt.dataset_options) or None)


BATCH_FEATURES = 10_000
"""Features per Arrow batch when GDAL copies a layer from one format into another."""


def write_layer_batches(batches: Iterable[gpd.GeoDataFrame], path: Path, *, fmt: ExportFormat,
                        geometry_types: Collection[str], crs: SupportedCRS = CRS84, layer_name: str = "layer",
                        progress: Callable[[int], None] | None = None) -> int:
    """Write a layer given as ``batches`` (storage CRS, the same columns in each) to ``path``; return the count.

    The file is the one :func:`write_layer` writes of the whole layer, and memory holds one batch:
    ``geometry_types`` (the layer's, :meth:`~geo_industry.store.base.BulkReader.geometry_types`)
    choose its layer type as pyogrio chooses it from a whole frame; each batch is reprojected and
    appended to a temporary GeoPackage without a spatial index (appends to an indexed layer slow
    down as it grows; GeoJSON, FlatGeobuf, CSV and KML take no appends), which GDAL then streams
    into the format asked for, building a GeoPackage's index once. ``progress`` is told the features
    written so far. A zipped Shapefile's parts are appended to in the same way
    (:func:`_write_zipped_shapefile`).
    """
    remaining = iter(batches)
    try:
        if fmt.name == "shp":
            return _write_zipped_shapefile(remaining, path, fmt=fmt, crs=crs, source=CRS84, layer_name=layer_name,
                                           geometry_types=geometry_types, progress=progress)
        return _write_batches(remaining, path, fmt=fmt, geometry_types=geometry_types, crs=crs,
                              layer_name=layer_name, progress=progress)
    finally:
        if isinstance(remaining, Generator):
            remaining.close()  # a database's cursor and connection are given back at once, even on failure


def _write_batches(batches: Iterator[gpd.GeoDataFrame], path: Path, *, fmt: ExportFormat,
                   geometry_types: Collection[str], crs: SupportedCRS, layer_name: str,
                   progress: Callable[[int], None] | None) -> int:
    layer_type, promote = _layer_geometry_type(geometry_types, fmt.driver)
    if path.exists():
        path.unlink()
    try:
        with tempfile.TemporaryDirectory(prefix="geo-industry-export-") as tmp:
            gpkg = Path(tmp) / "layer.gpkg"
            written = _append_batches(batches, gpkg, fmt=fmt, crs=crs, layer_type=layer_type, promote=promote,
                                      layer_name=layer_name, progress=progress)
            _translate(gpkg, path, fmt=fmt, layer_type=layer_type, layer_name=layer_name)
            return written
    except GeoIndustryError:
        raise
    except Exception as exc:  # GDAL errors come in many classes
        raise ExportError(f"{path}: could not write {fmt.name}: {exc}") from None


def export_bytes(frame: gpd.GeoDataFrame, *, fmt: ExportFormat, crs: SupportedCRS = CRS84,
                 layer_name: str = "layer", source: SupportedCRS = CRS84) -> bytes:
    """The file content of ``frame`` (geometries in ``source``) exported as ``fmt`` in ``crs`` (for HTTP
    downloads)."""
    with tempfile.TemporaryDirectory(prefix="geo-industry-export-") as tmp:
        path = Path(tmp) / f"{layer_name}{fmt.suffix}"
        write_layer(frame, path, fmt=fmt, crs=crs, layer_name=layer_name, source=source)
        return path.read_bytes()


def _family(kind: str) -> str:
    """The shapefile family (Point, LineString, Polygon) of a geometry type (``MultiPolygon Z``: Polygon)."""
    return kind.removesuffix(" Z").removeprefix("Multi")


def _shapefile_parts(geometry_types: Collection[str], layer_name: str) -> dict[str, frozenset[str]]:
    """File name → the geometry types it holds: one part per family (a shapefile holds one), named after the
    layer, or after the layer and the family when there are several (in the families' name order)."""
    families = sorted({_family(kind) for kind in geometry_types})
    if len(families) <= 1:
        return {layer_name: frozenset(geometry_types)}
    return {f"{layer_name}_{family.lower()}": frozenset(kind for kind in geometry_types if _family(kind) == family)
            for family in families}


def _shapefile_groups(data: gpd.GeoDataFrame, parts: Mapping[str, frozenset[str]]) -> dict[str, gpd.GeoDataFrame]:
    """``data`` split into ``parts`` (of :func:`_shapefile_parts`) by family; null geometries go with the first."""
    if len(parts) <= 1:
        return dict.fromkeys(parts, data)
    families = data.geometry.geom_type.str.removeprefix("Multi")
    groups = {name: families == _family(min(types)) for name, types in parts.items()}
    first = next(iter(groups))
    groups[first] = groups[first] | families.isna()
    return {name: data[rows] for name, rows in groups.items()}


SHAPEFILE_NAME_LENGTH = 10
SHAPEFILE_TEXT_LENGTH = 254


def _short_names(columns: list[str]) -> dict[str, str]:
    """Unique dBASE field names (≤ 10 characters) for ``columns``."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        short = column[:SHAPEFILE_NAME_LENGTH]
        counter = 1
        while short in taken:
            suffix = f"_{counter}"
            short = column[: SHAPEFILE_NAME_LENGTH - len(suffix)] + suffix
            counter += 1
        names[column] = short
        taken.add(short)
    return names


def _fit_dbase(value: object) -> object:
    """Cut text to the 254 bytes a dBASE field holds, at a character boundary."""
    if not isinstance(value, str):
        return value
    return value.encode("utf-8")[:SHAPEFILE_TEXT_LENGTH].decode("utf-8", errors="ignore")


def _dbase_frame(data: gpd.GeoDataFrame, names: dict[str, str]) -> gpd.GeoDataFrame:
    """``data`` with dBASE's short field names and text cut to what a field holds. Text columns are given
    the string type: a batch whose column holds no value yet makes a text field, as a later batch needs."""
    short = data.rename(columns=names)
    for column in names.values():
        if short[column].dtype == object or str(short[column].dtype).startswith(("str", "string")):
            short[column] = short[column].map(_fit_dbase).astype("string")
    return short


def _write_zipped_shapefile(batches: Iterator[gpd.GeoDataFrame], path: Path, *, fmt: ExportFormat,
                            crs: SupportedCRS, source: SupportedCRS, layer_name: str,
                            geometry_types: Collection[str], progress: Callable[[int], None] | None) -> int:
    """Write a zip of the shapefile parts of a layer given as ``batches`` to ``path``; return the count.

    dBASE limits names to 10 and text to 254 characters; the zip therefore also carries
    ``<layer>_fields.csv`` (short name → full name) and ``<layer>_attributes.csv`` with every
    attribute untruncated, so nothing is lost. Each batch is appended to the parts (one per geometry
    family of ``geometry_types``) and to the attributes in a temporary folder, which is then zipped
    file by file: memory holds one batch.
    """
    import pyogrio  # GDAL is loaded by the first export, not by every worker that never writes one

    parts = _shapefile_parts(geometry_types, layer_name)
    kinds = {name: _layer_geometry_type(types, fmt.driver) for name, types in parts.items()}
    written = 0
    first: gpd.GeoDataFrame | None = None
    with tempfile.TemporaryDirectory(prefix="geo-industry-shp-") as tmp:
        folder = Path(tmp)
        fields, attributes = folder / f"{layer_name}_fields.csv", folder / f"{layer_name}_attributes.csv"
        names: dict[str, str] = {}
        for batch in batches:
            data = _prepare(batch, fmt, crs, source)
            if first is None:
                first = data
                names = _short_names(list(data.columns.drop(data.geometry.name)))
                fields.write_text("short_name,field\n" + "".join(f"{s},{n}\n" for n, s in names.items()),
                                  encoding="utf-8")
            _check_fields(data, first, path)
            data.drop(columns=data.geometry.name).to_csv(attributes, mode="a", header=written == 0, index=False)
            for name, part in _shapefile_groups(_dbase_frame(data, names), parts).items():
                if written and part.empty:
                    continue
                layer_type, promote = kinds[name]
                pyogrio.write_dataframe(part, folder / f"{name}.shp", driver=fmt.driver, append=written > 0,
                                        geometry_type=layer_type, promote_to_multi=promote,
                                        layer_options=dict(fmt.layer_options))
            written += len(data)
            if progress is not None:
                progress(written)
        shapefiles = sorted(file for file in folder.iterdir() if file not in (fields, attributes))
        try:
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
                for file in [*shapefiles, fields, attributes]:
                    archive.write(file, arcname=file.name)
        except OSError as exc:
            raise ExportError(f"{path}: could not write {fmt.name}: {exc}") from None
    return written
