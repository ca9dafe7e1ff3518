"""CQL2 filters (OGC API - Features Part 3): parsing with ``cql2``, vectorised evaluation.

A filter (cql2-text or cql2-json) is parsed and validated by the ``cql2`` library into the
standard CQL2 JSON form; its geometry literals are moved to storage CRS; it is evaluated over
a whole layer at once: attribute predicates as pandas/numpy operations, spatial predicates
through the layer's shapely STRtree. Whatever we do not implement is refused with
:class:`InvalidFilter`, never ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

import cql2
import numpy as np
import orjson
import pandas as pd
import shapely
from shapely.geometry import mapping, shape

from geo_industry.crs import transform_geometries
from geo_industry.errors import InvalidFilter

FILTER_LANGS = ("cql2-text", "cql2-json")
MAX_FILTER_LENGTH = 20_000
MAX_FILTER_DEPTH = 40

#: CQL2 conformance classes this evaluator implements (and the tests exercise).
CQL2_CONFORMANCE = (
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/property-property",
    "http://www.opengis.net/spec/cql2/1.0/conf/arithmetic",
)

Filter = dict[str, Any]
_IMPLEMENTED = ("and, or, not, =, <>, <, <=, >, >=, like, between, in, isNull, casei, accenti, +, -, *, /, "
                "s_intersects, s_disjoint, s_within, s_contains, s_touches, s_crosses, s_overlaps, s_equals, "
                "s_dwithin")


def parse_filter(text: str, lang: str = "cql2-text") -> Filter:
    """Parse and validate a CQL2 filter; return its CQL2 JSON form.

    Raises
    ------
    InvalidFilter
        On an unknown language, a filter that is too long or deep, or a syntax error.

    Examples
    --------
    >>> parse_filter("capacity_value > 30")
    {'op': '>', 'args': [{'property': 'capacity_value'}, 30.0]}
    """
    if lang not in FILTER_LANGS:
        raise InvalidFilter("filter-lang", lang, "cql2-text or cql2-json")
    if len(text) > MAX_FILTER_LENGTH:
        raise InvalidFilter("filter", text[:80] + "…", f"at most {MAX_FILTER_LENGTH} characters")
    try:
        if lang == "cql2-text":
            expression = cql2.parse_text(text)
        else:
            expression = cql2.parse_json(text)
        document = expression.to_json()
    except Exception as exc:  # cql2 raises ParseError/ValidationError/ValueError
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise InvalidFilter("filter", text, f"a valid {lang} expression ({reason})") from None
    if not isinstance(document, dict) or "op" not in document:
        raise InvalidFilter("filter", text, "a boolean expression")
    if _depth(document) > MAX_FILTER_DEPTH:
        raise InvalidFilter("filter", text[:80], f"nesting depth at most {MAX_FILTER_DEPTH}")
    return document


def _depth(node: Any) -> int:
    if isinstance(node, dict) and "args" in node:
        return 1 + max((_depth(arg) for arg in node["args"]), default=0)
    if isinstance(node, list):
        return max((_depth(item) for item in node), default=0)
    return 0


def _is_geometry(node: Any) -> bool:
    return isinstance(node, dict) and ("bbox" in node or ("type" in node and "coordinates" in node)
                                       or node.get("type") == "GeometryCollection")


def _literal_geometry(node: dict[str, Any]) -> shapely.Geometry:
    if "bbox" in node:
        box = node["bbox"]
        if len(box) == 6:
            box = [box[0], box[1], box[3], box[4]]
        return shapely.box(*box)
    return shape(node)


def to_storage_crs(node: Any, source: str) -> Any:
    """Return the filter with every geometry literal reprojected from ``source`` to CRS84."""
    if source == "OGC:CRS84":
        return node
    if _is_geometry(node):
        geom = transform_geometries(np.array([_literal_geometry(node)]), source, "OGC:CRS84")[0]
        return mapping(geom)
    if isinstance(node, dict):
        return {key: to_storage_crs(value, source) for key, value in node.items()}
    if isinstance(node, list):
        return [to_storage_crs(item, source) for item in node]
    return node


class FilterEvaluator:
    """Evaluate a CQL2 JSON filter against one layer frame; ``tree`` indexes its geometries."""

    def __init__(
        self,
        frame: pd.DataFrame,
        *,
        tree: shapely.STRtree,
        queryables: Mapping[str, str],
        metric: Callable[[np.ndarray], np.ndarray],
    ) -> None:
        self.frame = frame
        self.tree = tree
        self.queryables = queryables
        self.metric = metric
        self.size = len(frame)

    def mask(self, node: Filter) -> np.ndarray:
        """A boolean array: which rows satisfy ``node``."""
        return np.asarray(self._condition(node), dtype=bool)

    # conditions -------------------------------------------------------------------------
    def _condition(self, node: Any) -> np.ndarray:
        if isinstance(node, bool):
            return np.full(self.size, node)
        op = node.get("op", "").lower() if isinstance(node, dict) else ""
        handler = _CONDITIONS.get(op)
        if handler is None:
            raise InvalidFilter("filter", _describe(node), f"an operator this server implements ({_IMPLEMENTED})")
        return handler(self, node["args"])

    def _and(self, args: list[Any]) -> np.ndarray:
        result = np.ones(self.size, dtype=bool)
        for arg in args:
            result &= self._condition(arg)
        return result

    def _or(self, args: list[Any]) -> np.ndarray:
        result = np.zeros(self.size, dtype=bool)
        for arg in args:
            result |= self._condition(arg)
        return result

    def _not(self, args: list[Any]) -> np.ndarray:
        return ~self._condition(args[0])

    def _between(self, args: list[Any]) -> np.ndarray:
        value, low, high = (self._value(arg) for arg in args)
        try:
            return _fill((value >= low) & (value <= high), self.size)
        except TypeError:
            raise InvalidFilter("filter", "between", "numbers in BETWEEN") from None

    def _like(self, args: list[Any]) -> np.ndarray:
        value, pattern = self._value(args[0]), self._value(args[1])
        if not isinstance(value, pd.Series) or not isinstance(pattern, str):
            raise InvalidFilter("filter", "like", "a property (or CASEI/ACCENTI of one) LIKE a text pattern")
        matched = value.astype("string").str.fullmatch(_like_regex(pattern), flags=re.DOTALL)
        return matched.fillna(False).to_numpy(dtype=bool)

    def _in(self, args: list[Any]) -> np.ndarray:
        value, options = self._value(args[0]), args[1]
        if not isinstance(value, pd.Series) or not isinstance(options, list):
            raise InvalidFilter("filter", "in", "a property IN a list of values")
        return value.isin([self._value(option) for option in options]).to_numpy(dtype=bool)

    def _is_null(self, args: list[Any]) -> np.ndarray:
        value = self._value(args[0])
        if isinstance(value, pd.Series):
            return value.isna().to_numpy(dtype=bool)
        return np.full(self.size, value is None)

    def _dwithin(self, args: list[Any]) -> np.ndarray:
        if len(args) != 4:
            raise InvalidFilter("filter", "s_dwithin", "S_DWITHIN(geometry, literal, distance, units)")
        literal = self._geometry_literal("s_dwithin", args[:2])
        units = args[3]["property"] if isinstance(args[3], dict) else args[3]
        factor = _UNIT_METRES.get(str(units).lower())
        if factor is None or not isinstance(args[2], int | float):
            raise InvalidFilter("filter", "s_dwithin", "a distance and units meters or kilometers")
        metres = float(args[2]) * factor
        # prefilter in degrees (1° ≥ 100 km at these latitudes), then measure in a metric CRS
        candidates = self.tree.query(literal, predicate="dwithin", distance=metres / 100_000 * 1.5)
        result = np.zeros(self.size, dtype=bool)
        if len(candidates):
            geoms = np.asarray(self.frame.geometry.array)[candidates]
            near = shapely.dwithin(self.metric(geoms), self.metric(np.array([literal]))[0], metres)
            result[candidates[near]] = True
        return result

    def _geometry_literal(self, op: str, args: list[Any]) -> shapely.Geometry:
        lhs, rhs = args[0], args[1]
        if _is_geometry(lhs) and isinstance(rhs, dict) and "property" in rhs:
            if op in ("s_within", "s_contains"):
                raise InvalidFilter("filter", op, f"the geometry property first in {op.upper()}")
            lhs, rhs = rhs, lhs
        if not (isinstance(lhs, dict) and lhs.get("property") in ("geometry", "geom")):
            raise InvalidFilter("filter", op, "the geometry property 'geometry' as one argument")
        if not _is_geometry(rhs):
            raise InvalidFilter("filter", op, "a geometry literal (WKT, GeoJSON or BBOX) as the other argument")
        try:
            geom = _literal_geometry(rhs)
        except Exception:  # shapely raises several kinds on malformed GeoJSON
            raise InvalidFilter("filter", op, "a well-formed geometry literal") from None
        if not shapely.is_valid(geom):
            raise InvalidFilter("filter", op, f"a valid geometry ({shapely.is_valid_reason(geom)})")
        return geom

    # values -----------------------------------------------------------------------------
    def _value(self, node: Any) -> Any:
        if isinstance(node, dict):
            if "property" in node:
                return self._column(node["property"])
            op = str(node.get("op", "")).lower()
            if op in ("casei", "accenti"):
                return self._text_function(op, node["args"])
            if op in _ARITHMETIC:
                return self._arithmetic(op, node["args"])
            raise InvalidFilter("filter", _describe(node), "a property, literal, CASEI/ACCENTI or arithmetic")
        if isinstance(node, bool | int | float | str) or node is None:
            return node
        raise InvalidFilter("filter", _describe(node), "a property, number, string or boolean operand")

    def _column(self, name: str) -> pd.Series:
        if name not in self.queryables or self.queryables[name] == "geometry":
            raise InvalidFilter("filter", name, "a queryable property of this collection (see its /queryables)")
        return self.frame[name]

    def _text_function(self, op: str, args: list[Any]) -> Any:
        value = self._value(args[0])
        transform = str.casefold if op == "casei" else _strip_accents
        if isinstance(value, pd.Series):
            return value.astype("string").map(lambda v: v if pd.isna(v) else transform(v))
        if isinstance(value, str):
            return transform(value)
        raise InvalidFilter("filter", op.upper(), "a text argument")

    def _arithmetic(self, op: str, args: list[Any]) -> Any:
        lhs, rhs = self._value(args[0]), self._value(args[1])
        try:
            return _ARITHMETIC[op](lhs, rhs)
        except (TypeError, ZeroDivisionError):
            raise InvalidFilter("filter", op, "numeric operands") from None


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def _like_regex(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        i += 1
    return "".join(out)


def _fill(result: Any, size: int) -> np.ndarray:
    if isinstance(result, pd.Series):
        return result.fillna(False).to_numpy(dtype=bool)
    return np.full(size, bool(result))


def _describe(node: Any) -> str:
    return orjson.dumps(node).decode()[:200] if isinstance(node, dict | list) else repr(node)


_COMPARATORS: dict[str, Callable[[Any, Any], Any]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}
# STRtree.query(literal, predicate=p) tests p(literal, row geometry)
_TREE_PREDICATES: dict[str, str] = {
    "s_intersects": "intersects",
    "s_within": "contains",  # row within literal  <=> literal contains row
    "s_contains": "within",  # row contains literal <=> literal within row
    "s_touches": "touches",
    "s_crosses": "crosses",
    "s_overlaps": "overlaps",
}
_UNIT_METRES = {"meters": 1.0, "metres": 1.0, "m": 1.0, "kilometers": 1000.0, "kilometres": 1000.0, "km": 1000.0}

def _comparison(op: str) -> Callable[[FilterEvaluator, list[Any]], np.ndarray]:
    """The handler of comparison operator ``op``."""

    def compare(self: FilterEvaluator, args: list[Any]) -> np.ndarray:
        lhs, rhs = self._value(args[0]), self._value(args[1])
        try:
            result = _COMPARATORS[op](lhs, rhs)
        except TypeError:
            raise InvalidFilter("filter", _describe({"op": op, "args": args}),
                                "operands of comparable types (number with number, text with text)") from None
        return _fill(result, self.size)
    return compare


def _spatial_predicate(op: str) -> Callable[[FilterEvaluator, list[Any]], np.ndarray]:
    """The handler of spatial function ``op`` (answered through the STRtree)."""

    def spatial(self: FilterEvaluator, args: list[Any]) -> np.ndarray:
        literal = self._geometry_literal(op, args)
        result = np.zeros(self.size, dtype=bool)
        if op in ("s_equals", "s_disjoint"):
            candidates = self.tree.query(literal, predicate="intersects")
            if op == "s_disjoint":
                result[candidates] = True
                return ~result & ~shapely.is_missing(np.asarray(self.frame.geometry.array))
            geoms = np.asarray(self.frame.geometry.array)[candidates]
            result[candidates[shapely.equals(geoms, literal)]] = True
            return result
        result[self.tree.query(literal, predicate=_TREE_PREDICATES[op])] = True
        return result
    return spatial


_CONDITIONS: dict[str, Callable[[FilterEvaluator, list[Any]], np.ndarray]] = {
    "and": FilterEvaluator._and,
    "or": FilterEvaluator._or,
    "not": FilterEvaluator._not,
    **{op: _comparison(op) for op in _COMPARATORS},
    "between": FilterEvaluator._between,
    "like": FilterEvaluator._like,
    "in": FilterEvaluator._in,
    "isnull": FilterEvaluator._is_null,
    **{op: _spatial_predicate(op) for op in (*_TREE_PREDICATES, "s_equals", "s_disjoint")},
    "s_dwithin": FilterEvaluator._dwithin,
}
