"""Checks that keep the data honest: one :class:`Problem` per fault, naming file, feature, field.

``validate_paths`` checks layer files (GeoJSON, GeoPackage, …, each against its catalog entry
when one matches the file name), ``statistics.csv``, ``investor_facts.csv`` and ``catalog.json``. The CLI prints the
problems and exits non-zero when any is an error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely

from geo_industry import investor_facts
from geo_industry import statistics as stats_mod
from geo_industry.catalog import Catalog, load_catalog
from geo_industry.errors import DataError
from geo_industry.json_values import INT64_MAX, INT64_MIN, OUT_OF_RANGE, big_integer_at, is_big_integer, load_json
from geo_industry.models import FieldSpec, LayerMeta
from geo_industry.vector_io import read_vector

#: Lon/lat bounds of Lào Cai province since 1 July 2025 (geoBoundaries union of the former
#: Lào Cai and Yên Bái provinces: 103.5306–105.1386 E, 21.3162–22.8432 N), widened by a margin.
PROVINCE_BOUNDS = (103.5306, 21.3162, 105.1386, 22.8432)
BOUNDS_MARGIN_DEG = 0.1
MAX_DECIMALS = 6
MONETARY_UNITS = {"bn_vnd", "million_vnd", "vnd", "usd", "million_usd", "bn_usd"}
_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int, np.integer),
    "number": (int, float, np.integer, np.floating),
    "boolean": (bool, np.bool_),
    "array": (list, tuple, np.ndarray),
    "object": (dict,),
}


@dataclass(frozen=True)
class Problem:
    """One finding: where it is and what is wrong."""

    file: str
    feature: str
    field: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.file}: feature {self.feature}: field {self.field}: {self.severity}: {self.message}"


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and np.isnan(value)


def _check_value(spec_type: str, value: Any) -> bool:
    if spec_type == "integer" and isinstance(value, float):
        return value.is_integer()
    if spec_type in ("integer", "number") and isinstance(value, bool):
        return False
    if spec_type == "object" and isinstance(value, str):
        return value.startswith("{")
    if spec_type == "array" and isinstance(value, str):
        return value.startswith("[")
    return isinstance(value, _PY_TYPES[spec_type])


def _fields(file: str, frame: gpd.GeoDataFrame, meta: LayerMeta) -> Iterator[Problem]:
    ids = frame["id"].astype(str) if "id" in frame else pd.Series([f"#{i}" for i in range(len(frame))])
    for spec in meta.fields:
        if spec.name not in frame.columns:
            if spec.required:
                yield Problem(file, "*", spec.name, "required field is missing from the file")
            continue
        for feature_id, value in zip(ids, frame[spec.name], strict=True):
            if _is_missing(value) or (isinstance(value, str) and value == ""):
                if spec.required:
                    yield Problem(file, feature_id, spec.name, "required value is empty")
                continue
            if spec.type == "integer" and _beyond_int64(value):
                yield Problem(file, feature_id, spec.name, OUT_OF_RANGE)
            elif not _check_value(spec.type, value):
                yield Problem(file, feature_id, spec.name, f"expected {spec.type}, got {value!r}")
            elif spec.enum is not None and value not in spec.enum:
                yield Problem(file, feature_id, spec.name, f"{value!r} is not one of {spec.enum}")


def _beyond_int64(value: Any) -> bool:
    """Whether a number read from a file lies outside the 64-bit range (GDAL reads such an integer as a float)."""
    if isinstance(value, float | np.floating):
        return bool(np.isfinite(value)) and not INT64_MIN <= value < INT64_MAX
    return is_big_integer(value)


def big_integer_problems(file: str, document: Any) -> Iterator[Problem]:
    """Integers outside the 64-bit range in a GeoJSON file's properties, as written (GDAL reads them rounded)."""
    features = document.get("features") if isinstance(document, dict) else None
    for position, feature in enumerate(features if isinstance(features, list) else []):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            continue
        feature_id = str(properties.get("id", f"#{position}"))
        for name, value in properties.items():
            where = big_integer_at(value)
            if where is not None:
                yield Problem(file, feature_id, f"{name}{where}", OUT_OF_RANGE)


def _geometries(file: str, frame: gpd.GeoDataFrame, meta: LayerMeta | None) -> Iterator[Problem]:
    ids = frame["id"].astype(str) if "id" in frame else pd.Series([f"#{i}" for i in range(len(frame))])
    geoms = np.asarray(frame.geometry.array)
    allowed = _allowed_types(meta.geometry_type) if meta else None
    west, south, east, north = PROVINCE_BOUNDS
    margin = BOUNDS_MARGIN_DEG
    for feature_id, geom in zip(ids, geoms, strict=True):
        if geom is None or geom.is_empty:
            continue
        if allowed and geom.geom_type not in allowed:
            yield Problem(file, feature_id, "geometry", f"{geom.geom_type} where the layer holds {meta.geometry_type}")  # type: ignore[union-attr]
        if not shapely.is_valid(geom):
            yield Problem(file, feature_id, "geometry", f"invalid geometry: {shapely.is_valid_reason(geom)}")
        minx, miny, maxx, maxy = geom.bounds
        if minx < west - margin or maxx > east + margin or miny < south - margin or maxy > north + margin:
            yield Problem(file, feature_id, "geometry",
                          f"coordinates {geom.bounds} lie outside Lào Cai province {PROVINCE_BOUNDS} "
                          f"(margin {margin}°); lat/lon swapped or wrong CRS?")
        coords = shapely.get_coordinates(geom)
        if np.any(np.abs(np.round(coords, MAX_DECIMALS) - coords) > 1e-12):
            yield Problem(file, feature_id, "geometry", f"coordinates have more than {MAX_DECIMALS} decimals")


def _allowed_types(geometry_type: str) -> set[str] | None:
    if geometry_type in ("Geometry", "GeometryCollection", "Unknown"):
        return None
    names = {part.strip() for part in geometry_type.replace("/", ",").split(",")}
    return names | {f"Multi{name}" for name in names if not name.startswith("Multi")}


def _unique_ids(file: str, frame: gpd.GeoDataFrame) -> Iterator[Problem]:
    if "id" not in frame.columns:
        yield Problem(file, "*", "id", "no 'id' field: every feature needs a stable id")
        return
    counts = frame["id"].value_counts()
    for feature_id in counts[counts > 1].index:
        yield Problem(file, str(feature_id), "id", f"id used by {counts[feature_id]} features")
    for feature_id in frame["id"]:
        if isinstance(feature_id, str) and not feature_id.isascii():
            yield Problem(file, feature_id, "id", "id must be ascii (it goes in URLs)")


def validate_layer(path: Path, meta: LayerMeta | None) -> list[Problem]:
    """Check one layer file; ``meta`` is its catalog entry (``None`` for an unknown layer)."""
    file = str(path)
    try:
        frame = read_vector(path)
    except Exception as exc:  # pyogrio.errors.DataSourceError and friends
        return [Problem(file, "*", "*", f"cannot read as a vector layer: {exc}")]
    problems: list[Problem] = []
    if frame.crs is None:
        problems.append(Problem(file, "*", "crs", "the file declares no CRS"))
    elif not frame.crs.equals("EPSG:4326") and not frame.crs.equals("OGC:CRS84"):
        problems.append(Problem(file, "*", "crs", f"{frame.crs.to_string()} where WGS 84 lon/lat is required"))
    problems.extend(check_frame(file, frame, meta))
    if path.suffix.lower() in (".geojson", ".json"):
        try:
            problems.extend(big_integer_problems(file, load_json(path.read_bytes())))
        except ValueError as exc:
            problems.append(Problem(file, "*", "*", f"not valid JSON: {exc}"))
    return list(dict.fromkeys(problems))


def check_frame(file: str, frame: gpd.GeoDataFrame, meta: LayerMeta | None) -> list[Problem]:
    """The rules every layer's features obey, for files and for writes through the API alike."""
    problems = list(_unique_ids(file, frame))
    problems.extend(_geometries(file, frame, meta))
    if {"id", "province_code", "admin_vintage"} <= set(frame.columns):
        codes = zip(frame["id"].astype(str), ["province_code"] * len(frame), frame["province_code"].astype(str),
                    frame["admin_vintage"].astype(str), strict=True)
        problems.extend(admin_code_problems(file, codes))
    if meta is not None:
        problems.extend(_fields(file, frame, meta))
    else:
        problems.append(Problem(file, "*", "*", "no catalog entry for this layer", "warning"))
    return problems


def validate_statistics(path: Path, known_entities: Iterable[str] | Callable[[set[str]], Iterable[str]]
                        ) -> list[Problem]:
    """Check the statistics table: columns, enumerations, units, integrity and duplicates.

    ``known_entities`` are the entity ids that exist, or a function telling which of the file's
    entities exist (a store asked by id rather than listing every feature).
    """
    file = str(path)
    try:
        frame = stats_mod.read_statistics(path)
        written = pd.read_csv(path, dtype=str, keep_default_na=False,
                              usecols=lambda column: column in ("year", "variant"))
    except DataError as exc:
        return [Problem(file, "*", "*", str(exc))]
    if callable(known_entities):
        known_entities = known_entities(set(frame["entity"].dropna().astype(str)))
    return statistics_problems(frame, known_entities, file=file, year_text=written["year"],
                               variant_text=written["variant"] if "variant" in written else None)


def variant_problem(written: object) -> str | None:
    """What is wrong with a statistics row's variant as written (empty: variant 0), or ``None``."""
    text = "" if written is None else str(written).strip()
    if text in ("", "nan", "<NA>"):
        return None
    if not text.lstrip("-").isdigit():
        return f"variant {text[:20]!r} is not an integer"
    if not VARIANT_RANGE[0] <= int(text) <= VARIANT_RANGE[1]:
        return f"variant {text[:20]!r} is not between {VARIANT_RANGE[0]} and {VARIANT_RANGE[1]}"
    return None


def statistics_problems(frame: pd.DataFrame, known_entities: Iterable[str], *, file: str,
                        year_text: pd.Series | None = None, variant_text: pd.Series | None = None
                        ) -> list[Problem]:
    """The statistics rules, for files and for rows written through the API alike.

    ``year_text`` is the year column as written (before typing), so that a year that is not
    an integer is told apart from an empty one (a row whose period the source does not date);
    ``variant_text`` the variant column as written (typing reads what is not a 64-bit integer as 0).
    """
    problems: list[Problem] = []
    known = set(known_entities)
    written = year_text.reset_index(drop=True) if year_text is not None else None
    variants = variant_text.reset_index(drop=True) if variant_text is not None else None
    for position, (index, row) in enumerate(frame.iterrows()):
        where = f"row {int(index) + 2} ({row.indicator}/{row.entity}/{row.year}/{row.period})"
        text = "" if written is None else str(written.iloc[position]).strip()
        problems.extend(_year_problems(file, where, row, text))
        problems.extend(_row_problems(file, where, row, known))
        variant = None if variants is None else variant_problem(variants.iloc[position])
        if variant is not None:
            problems.append(Problem(file, where, "variant", variant))
    key = list(stats_mod.KEY)
    duplicated = frame[frame.duplicated(subset=key, keep=False)]
    for _, group in duplicated.groupby(key, dropna=False):
        rows = ", ".join(str(int(i) + 2) for i in group.index)
        first = group.iloc[0]
        problems.append(Problem(file, f"rows {rows}", "indicator,entity,year,period,basis,variant",
                                f"duplicate key ({first.indicator}, {first.entity}, {first.year}, {first.period}, "
                                f"{first.basis}, variant {first.variant})"))
    return problems


def _year_problems(file: str, where: str, row: pd.Series, written: str) -> Iterator[Problem]:
    """A year is an integer, or empty when the period says in words that the source gives none."""
    if not pd.isna(row.year):
        return
    if written and written.lower() not in ("nan", "<na>", "none"):
        yield Problem(file, where, "year", f"year {written!r} is not an integer")
    elif stats_mod.needs_year(row.period):
        yield Problem(file, where, "year", f"period {row.period!r} needs a year; a row without a year "
                                           "states in its period why (e.g. 'not stated (…)')")


def _row_problems(file: str, where: str, row: pd.Series, known: set[str]) -> Iterator[Problem]:
    if row.entity not in known:
        yield Problem(file, where, "entity", f"unknown entity '{row.entity}' (no feature or entities.csv row)")
    if pd.isna(row.value):
        yield Problem(file, where, "value", "value is not a number")
    if row.basis not in stats_mod.BASES:
        yield Problem(file, where, "basis", f"'{row.basis}' is not one of {list(stats_mod.BASES)}")
    if row.price_basis not in stats_mod.PRICE_BASES:
        yield Problem(file, where, "price_basis", f"'{row.price_basis}' is not one of {list(stats_mod.PRICE_BASES)}")
    monetary = row.unit in MONETARY_UNITS
    if monetary and row.price_basis == "n/a":
        yield Problem(file, where, "price_basis", f"a money value ({row.unit}) needs a price basis, not n/a")
    if not monetary and row.price_basis not in ("n/a", "unknown") and row.unit != "percent":
        yield Problem(file, where, "price_basis", f"a {row.unit} quantity cannot have price basis {row.price_basis}")
    if has_unsafe_scheme(row.source):
        yield Problem(file, where, "source", f"{SOURCE_EXPECTED}, not {str(row.source)[:60]!r}")
    elif not str(row.source).startswith(("http://", "https://")):
        yield Problem(file, where, "source", f"source is not a URL: {row.source!r}", "warning")


CURRENT_VINTAGE = "2025-07-01"


def admin_code_problems(file: str, rows: Iterable[tuple[str, str, str, str]]) -> list[Problem]:
    """Check admin codes of the current vintage against the maintained code list (vietnam-provinces).

    ``rows`` are ``(where, field, code, vintage)``. The package holds the provinces in force
    since 1 July 2025 only, so codes of the earlier vintage (former Lào Cai 10, former Yên Bái 15)
    cannot be checked against it and are left alone.
    """
    from vietnam_provinces import Province, ProvinceCode

    problems = []
    for where, field, code, vintage in rows:
        if vintage != CURRENT_VINTAGE or not code:
            continue
        try:
            Province.from_code(ProvinceCode(int(code)))
        except ValueError:
            problems.append(Problem(file, where, field, f"province code {code!r} does not exist in the "
                                                        f"{CURRENT_VINTAGE} code list (vietnam-provinces)"))
    return problems


def _entity_admin_codes(path: Path) -> list[Problem]:
    entities = stats_mod.read_entities(path)
    if "admin_code" not in entities.columns:
        return []
    units = entities[entities.get("entity_type", "") == "admin_unit"]
    problems = admin_code_problems(str(path), [(row.entity, "admin_code", str(row.admin_code), str(row.admin_vintage))
                                               for row in units.itertuples()])
    from vietnam_provinces import Province, ProvinceCode

    for row in units.itertuples():
        if str(row.admin_vintage) == CURRENT_VINTAGE and not problems:
            official = Province.from_code(ProvinceCode(int(row.admin_code))).name
            if official not in str(row.name_vi):
                problems.append(Problem(str(path), row.entity, "name_vi",
                                        f"{row.name_vi!r} does not name province {row.admin_code} ({official})"))
    return problems


def validate_catalog_file(path: Path) -> tuple[Catalog | None, list[Problem]]:
    """Load the catalog, turning a load failure into a problem."""
    try:
        return load_catalog(path), []
    except DataError as exc:
        return None, [Problem(str(path), "*", "*", str(exc))]


def validate_data_dir(data_dir: Path) -> list[Problem]:
    """Check the whole data directory: catalog, every layer it names, statistics."""
    geo = data_dir / "geo"
    catalog, problems = validate_catalog_file(geo / "catalog.json")
    if catalog is None:
        return problems
    feature_ids: set[str] = set()
    for meta in catalog:
        path = geo / f"{meta.id}.geojson"
        problems.extend(validate_layer(path, meta))
        if path.exists():
            raw = orjson.loads(path.read_bytes())
            feature_ids |= {str(f.get("properties", {}).get("id")) for f in raw.get("features", [])}
    duplicated = _ids_in_several_layers(geo, catalog)
    problems.extend(duplicated)
    problems.extend(_entity_admin_codes(data_dir / "entities.csv"))
    entities = stats_mod.read_entities(data_dir / "entities.csv")
    known = feature_ids | set(entities["entity"])
    problems.extend(validate_statistics(data_dir / "statistics.csv", known))
    problems.extend(validate_investor_facts(data_dir / "investor_facts.csv", known))
    return problems


def validate_investor_facts(path: Path, known_entities: Iterable[str]) -> list[Problem]:
    """Check ``investor_facts.csv`` (optional): entities exist, URLs are http(s), dates are valid."""
    if not path.exists():
        return []
    try:
        rows = investor_facts.read_rows(path)
    except DataError as exc:
        return [Problem(str(path), "*", "*", str(exc))]
    return [Problem(str(path), f"row {number} ({rows[number - 2].get('entity')}/{rows[number - 2].get('field')})",
                    column, message)
            for number, column, message in investor_facts.problems(rows, known_entities)]


def _ids_in_several_layers(geo: Path, catalog: Catalog) -> list[Problem]:
    seen: dict[str, str] = {}
    problems = []
    for meta in catalog:
        path = geo / f"{meta.id}.geojson"
        if not path.exists():
            continue
        for feature in orjson.loads(path.read_bytes()).get("features", []):
            feature_id = str(feature.get("properties", {}).get("id"))
            if feature_id in seen:
                problems.append(Problem(str(path), feature_id, "id", f"id also used in layer {seen[feature_id]}"))
            seen[feature_id] = meta.id
    return problems


# writes: every property value checked against the layer's schema ------------------------------
#: the deepest nesting of arrays and objects a stored property value may have
MAX_VALUE_DEPTH = 4
MAX_TEXT_CHARS = 20_000
#: numbers beyond this magnitude are refused (no measured quantity here comes near it)
MAX_MAGNITUDE = 1e15
YEAR_RANGE = (1800, 2200)
#: a statistics row's variant number (a 32-bit integer column on PostGIS)
VARIANT_RANGE = (-(2**31), 2**31 - 1)
#: the keys an ``*_alternatives`` entry may have: a value with its source and a note
ALTERNATIVE_KEYS = frozenset({"value", "source", "note", "unit", "as_of"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)\s*:")
_DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


SOURCE_EXPECTED = "expected an http(s) URL or a citation in plain text (no other URL scheme)"


def is_safe_source(value: object) -> bool:
    """Whether ``value`` may be stored as a source: an http(s) URL or a plain-text citation, never a
    ``javascript:``, ``data:`` or other-scheme URL (pages link only http(s) URLs)."""
    return isinstance(value, str) and 0 < len(value) <= MAX_TEXT_CHARS and not has_unsafe_scheme(value)


def has_unsafe_scheme(value: object) -> bool:
    """Whether a text starts like a URL of a scheme other than http(s) (``javascript:``, ``data:`` …)."""
    if not isinstance(value, str):
        return False
    # as a browser reads a URL: leading controls and spaces dropped, tabs and newlines removed
    text = "".join(ch for ch in value if ch not in "\t\n\r").lstrip("".join(map(chr, range(33))))
    match = _SCHEME.match(text)
    return match is not None and match.group(1).lower() not in ("http", "https")


def is_partial_date(value: object) -> bool:
    """Whether ``value`` is a real date written ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    match = _DATE_PATTERN.match(value) if isinstance(value, str) else None
    if match is None:
        return False
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        date(year, month, day)
    except ValueError:
        return False
    return YEAR_RANGE[0] <= year <= YEAR_RANGE[1]


def json_depth(value: Any, *, stop_after: int = MAX_VALUE_DEPTH + 1) -> int:
    """Nesting depth of arrays/objects in ``value``, counted without recursion (0 for a scalar).

    Counting stops once the depth passes ``stop_after`` (the answer is then ``stop_after + 1``).
    """
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level + 1)
        if deepest > stop_after:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def _names_a_year(name: str) -> bool:
    """``year``, ``start_year`` …, but not a rate per year (``capacity_t_per_year``)."""
    return name == "year" or (name.endswith("_year") and not name.endswith("_per_year"))


def _number_problem(name: str, value: Any, *, integer: bool) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"expected {'an integer' if integer else 'a number'}, got {type(value).__name__}"
    if isinstance(value, float) and not math.isfinite(value):
        return "expected a finite number"
    if integer and isinstance(value, float) and not value.is_integer():
        return f"expected an integer, got {value!r}"
    if abs(value) > MAX_MAGNITUDE:
        return f"{value!r} is out of range (at most {MAX_MAGNITUDE:g} in magnitude)"
    if _names_a_year(name) and not YEAR_RANGE[0] <= value <= YEAR_RANGE[1]:
        return f"{value!r} is not a year between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}"
    return None


def _text_problem(name: str, value: Any) -> str | None:
    if not isinstance(value, str):
        return f"expected a string, got {type(value).__name__}"
    if len(value) > MAX_TEXT_CHARS:
        return f"text of {len(value)} characters (at most {MAX_TEXT_CHARS})"
    if name == "as_of" or name.endswith("_as_of"):
        return None if is_partial_date(value) else f"{value[:40]!r} is not a date YYYY, YYYY-MM or YYYY-MM-DD"
    return None


def _alternative_problem(name: str, entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return f"each entry must be an object with value, source, note; got {type(entry).__name__}"
    extra = sorted(set(entry) - ALTERNATIVE_KEYS)
    if extra:
        return f"unknown keys {extra[:5]} (allowed: {', '.join(sorted(ALTERNATIVE_KEYS))})"
    value = entry.get("value")
    if value is not None:
        problem = _number_problem(name.removesuffix("_alternatives"), value, integer=False)
        if problem:
            return f"value: {problem}"
    source = entry.get("source")
    if source not in (None, "") and not is_safe_source(source):
        return f"source: {SOURCE_EXPECTED}"
    for key in ("note", "unit", "as_of"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            return f"{key}: expected a string"
    return None


def _array_problem(name: str, value: Any) -> str | None:
    if not isinstance(value, list):
        return f"expected an array, got {type(value).__name__}"
    for index, entry in enumerate(value):
        if name == "sources":
            problem = None if is_safe_source(entry) else SOURCE_EXPECTED
        elif name.endswith("_alternatives"):
            problem = _alternative_problem(name, entry)
        elif isinstance(entry, dict | list):
            problem = "expected a string, number or boolean, not a nested value"
        else:
            problem = _text_problem(name, entry) if isinstance(entry, str) else None
        if problem:
            return f"[{index}] {problem}"
    return None


def value_problem(spec: FieldSpec, value: Any) -> str | None:
    """What is wrong with ``value`` (a JSON value sent for field ``spec``), or ``None`` when it fits."""
    if value is None:
        return None
    if json_depth(value) > MAX_VALUE_DEPTH:
        return f"nested more than {MAX_VALUE_DEPTH} levels deep"
    where = big_integer_at(value)
    if where is not None:
        return f"{where.lstrip('.')}{': ' if where else ''}{OUT_OF_RANGE}"
    if spec.type in ("integer", "number"):
        problem = _number_problem(spec.name, value, integer=spec.type == "integer")
    elif spec.type == "string":
        problem = _text_problem(spec.name, value)
    elif spec.type == "boolean":
        problem = None if isinstance(value, bool) else f"expected true or false, got {type(value).__name__}"
    elif spec.type == "array":
        problem = _array_problem(spec.name, value)
    else:
        problem = None if isinstance(value, dict) else f"expected an object, got {type(value).__name__}"
    if problem is None and spec.enum is not None and value not in spec.enum:
        problem = f"{str(value)[:80]!r} is not one of {spec.enum}"
    return problem


def property_problems(meta: LayerMeta, properties: Mapping[str, Any]) -> list[str]:
    """Every property of a feature checked against the layer's fields: ``"field: reason"`` lines."""
    problems = []
    for name, value in properties.items():
        spec = meta.field_spec(name)
        if spec is None:
            if name != "id":
                problems.append(f"{name}: not a field of layer {meta.id}")
            continue
        problem = value_problem(spec, value)
        if problem:
            problems.append(f"{name}: {problem}")
    return problems


def layer_meta_problems(meta: LayerMeta) -> list[str]:
    """What makes a catalog entry unservable: a source of another scheme than http(s) (citations in plain
    text are fine), a temporal field that is no year field, fields declared twice, deep nesting."""
    problems = [f"sources[{i}]: {SOURCE_EXPECTED}" for i, source in enumerate(meta.sources)
                if not is_safe_source(source)]
    names = [spec.name for spec in meta.fields]
    if len(set(names)) != len(names):
        problems.append("fields: a field name is declared twice")
    if meta.temporal_field is not None:
        spec = meta.field_spec(meta.temporal_field)
        if spec is None:
            problems.append(f"temporal_field: names '{meta.temporal_field[:80]}', which is not a field of the layer")
        elif spec.type not in ("integer", "number"):
            problems.append(f"temporal_field: field '{spec.name}' is a {spec.type}; a year field (integer) is needed")
    if json_depth(meta.model_dump(exclude={"fields", "title", "description"})) > MAX_VALUE_DEPTH + 1:
        problems.append(f"the entry is nested more than {MAX_VALUE_DEPTH + 1} levels deep")
    where = big_integer_at(meta.model_dump())
    if where is not None:
        problems.append(f"{where.lstrip('.')}: {OUT_OF_RANGE}")
    return problems
