"""CQL2 filters (OGC API - Features Part 3): parsing with pygeofilter, vectorised evaluation.

A filter is parsed once into pygeofilter's AST, its geometry literals are moved to storage
CRS, and it is evaluated over a whole layer at once: attribute predicates as pandas/numpy
operations, spatial predicates through the layer's shapely STRtree. Whatever we do not
implement is refused with :class:`InvalidFilter`, never ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_cql2_json
from pygeofilter.parsers.cql2_text import parse as parse_cql2_text
from shapely.geometry import shape

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

Column = pd.Series
Value = Any


def parse_filter(text: str, lang: str = "cql2-text") -> ast.Node:
    """Parse a CQL2 filter in ``cql2-text`` or ``cql2-json``.

    Raises
    ------
    InvalidFilter
        On an unknown language, a filter that is too long or deep, or a syntax error.

    Examples
    --------
    >>> type(parse_filter("capacity_value > 30")).__name__
    'GreaterThan'
    """
    if lang not in FILTER_LANGS:
        raise InvalidFilter("filter-lang", lang, "cql2-text or cql2-json")
    if len(text) > MAX_FILTER_LENGTH:
        raise InvalidFilter("filter", text[:80] + "…", f"at most {MAX_FILTER_LENGTH} characters")
    try:
        node = parse_cql2_text(text) if lang == "cql2-text" else parse_cql2_json(text)
    except Exception as exc:  # pygeofilter raises lark and json errors of many kinds
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise InvalidFilter("filter", text, f"a valid {lang} expression ({reason})") from None
    if not isinstance(node, ast.Node):
        raise InvalidFilter("filter", text, "a boolean expression")
    if _depth(node) > MAX_FILTER_DEPTH:
        raise InvalidFilter("filter", text[:80], f"nesting depth at most {MAX_FILTER_DEPTH}")
    return node


def _depth(node: Any) -> int:
    if not isinstance(node, ast.Node):
        return 0
    return 1 + max((_depth(child) for child in node.get_sub_nodes()), default=0)


def to_storage_crs(node: Any, source: str) -> Any:
    """Return the AST with every geometry literal reprojected from ``source`` to CRS84."""
    if source == "OGC:CRS84":
        return node
    if isinstance(node, values.Geometry | values.Envelope):
        geom = transform_geometries(np.array([shape(node.geometry)]), source, "OGC:CRS84")[0]
        return values.Geometry(shapely.geometry.mapping(geom))
    if isinstance(node, ast.Node):
        for name, value in vars(node).items():
            if isinstance(value, list):
                setattr(node, name, [to_storage_crs(v, source) for v in value])
            elif isinstance(value, ast.Node | values.Geometry | values.Envelope):
                setattr(node, name, to_storage_crs(value, source))
    return node


class FilterEvaluator:
    """Evaluate an AST against one layer frame; ``tree`` indexes the frame's geometries."""

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

    def mask(self, node: Any) -> np.ndarray:
        """A boolean array: which rows satisfy ``node``."""
        result = self._condition(node)
        return np.asarray(result, dtype=bool)

    # conditions -------------------------------------------------------------------------
    def _condition(self, node: Any) -> np.ndarray:
        handler = self._CONDITIONS.get(type(node))
        if handler is None:
            if isinstance(node, bool):
                return np.full(self.size, node)
            raise InvalidFilter("filter", _describe(node), "an operator this server implements "
                                "(comparison, LIKE, BETWEEN, IN, IS NULL, AND/OR/NOT, S_* functions)")
        return handler(self, node)

    def _and(self, node: ast.And) -> np.ndarray:
        return self._condition(node.lhs) & self._condition(node.rhs)

    def _or(self, node: ast.Or) -> np.ndarray:
        return self._condition(node.lhs) | self._condition(node.rhs)

    def _not(self, node: ast.Not) -> np.ndarray:
        return ~self._condition(node.sub_node)

    def _compare(self, node: ast.Comparison) -> np.ndarray:
        lhs, rhs = self._value(node.lhs), self._value(node.rhs)
        op = _COMPARATORS[type(node)]
        try:
            result = op(lhs, rhs)
        except TypeError:
            raise InvalidFilter("filter", _describe(node), "operands of comparable types") from None
        return _fill(result, self.size)

    def _between(self, node: ast.Between) -> np.ndarray:
        value = self._value(node.lhs)
        low, high = self._value(node.low), self._value(node.high)
        try:
            result = (value >= low) & (value <= high)
        except TypeError:
            raise InvalidFilter("filter", _describe(node), "numbers in BETWEEN") from None
        result = _fill(result, self.size)
        return ~result if node.not_ else result

    def _like(self, node: ast.Like) -> np.ndarray:
        value = self._value(node.lhs)
        if not isinstance(value, pd.Series):
            raise InvalidFilter("filter", _describe(node), "a property on the left of LIKE")
        regex = _like_regex(node.pattern, node.wildcard, node.singlechar, node.escapechar)
        flags = re.IGNORECASE if node.nocase else 0
        result = value.astype("string").str.fullmatch(regex, flags=flags).fillna(False)
        result = result.to_numpy(dtype=bool)
        return ~result if node.not_ else result

    def _in(self, node: ast.In) -> np.ndarray:
        value = self._value(node.lhs)
        options = [self._value(option) for option in node.sub_nodes]
        if not isinstance(value, pd.Series):
            raise InvalidFilter("filter", _describe(node), "a property on the left of IN")
        result = value.isin(options).to_numpy(dtype=bool)
        return ~result if node.not_ else result

    def _is_null(self, node: ast.IsNull) -> np.ndarray:
        value = self._value(node.lhs)
        if isinstance(value, pd.Series):
            result = value.isna().to_numpy(dtype=bool)
        else:
            result = np.full(self.size, value is None)
        return ~result if node.not_ else result

    def _spatial(self, node: ast.SpatialComparisonPredicate) -> np.ndarray:
        literal = self._geometry_literal(node)
        result = np.zeros(self.size, dtype=bool)
        if isinstance(node, ast.GeometryEquals | ast.GeometryDisjoint):
            candidates = self.tree.query(literal, predicate="intersects")
            if isinstance(node, ast.GeometryDisjoint):
                result[candidates] = True
                present = ~shapely.is_missing(np.asarray(self.frame.geometry.array))
                return ~result & present
            geoms = np.asarray(self.frame.geometry.array)[candidates]
            result[candidates[shapely.equals(geoms, literal)]] = True
            return result
        result[self.tree.query(literal, predicate=_TREE_PREDICATES[type(node)])] = True
        return result

    def _dwithin(self, node: ast.DistanceWithin) -> np.ndarray:
        literal = self._geometry_literal(node)
        metres = float(node.distance) * _UNIT_METRES.get(str(node.units).lower(), 0.0)
        if metres <= 0 and str(node.units).lower() not in _UNIT_METRES:
            raise InvalidFilter("filter", _describe(node), "a distance in metres or kilometres")
        # prefilter in degrees (1° ≥ 100 km in this region), then measure in a metric CRS
        candidates = self.tree.query(literal, predicate="dwithin", distance=metres / 100_000 * 1.5)
        result = np.zeros(self.size, dtype=bool)
        if len(candidates):
            geoms = np.asarray(self.frame.geometry.array)[candidates]
            near = shapely.dwithin(self.metric(geoms), self.metric(np.array([literal]))[0], metres)
            result[candidates[near]] = True
        return result

    def _geometry_literal(self, node: Any) -> shapely.Geometry:
        lhs, rhs = node.lhs, node.rhs
        if isinstance(rhs, ast.Attribute) and not isinstance(lhs, ast.Attribute):
            lhs, rhs = rhs, lhs
            if isinstance(node, ast.GeometryWithin | ast.GeometryContains):
                raise InvalidFilter("filter", _describe(node), "the property first in S_WITHIN/S_CONTAINS")
        if not isinstance(lhs, ast.Attribute) or lhs.name not in ("geometry", "geom"):
            raise InvalidFilter("filter", _describe(node), "the geometry property 'geometry' as one argument")
        if not isinstance(rhs, values.Geometry | values.Envelope):
            raise InvalidFilter("filter", _describe(node), "a geometry literal as the other argument")
        geom = shape(rhs.geometry)
        if not geom.is_valid:
            raise InvalidFilter("filter", _describe(node), f"a valid geometry ({shapely.is_valid_reason(geom)})")
        return geom

    # values -----------------------------------------------------------------------------
    def _value(self, node: Any) -> Value:
        if isinstance(node, ast.Attribute):
            return self._column(node.name)
        if isinstance(node, ast.Function):
            return self._function(node)
        if isinstance(node, ast.Arithmetic):
            return self._arithmetic(node)
        if isinstance(node, bool | int | float | str) or node is None:
            return node
        raise InvalidFilter("filter", _describe(node), "a property, number, string or boolean operand")

    def _column(self, name: str) -> pd.Series:
        if name not in self.queryables:
            raise InvalidFilter(
                "filter", name, "a queryable of this collection (see its /queryables)"
            )
        return self.frame[name]

    def _function(self, node: ast.Function) -> Value:
        name = node.name.lower()
        if name not in ("lower", "casei", "accenti") or len(node.arguments) != 1:
            raise InvalidFilter("filter", f"{node.name}()", "CASEI(x) or ACCENTI(x)")
        value = self._value(node.arguments[0])
        transform = str.casefold if name in ("lower", "casei") else _strip_accents
        if isinstance(value, pd.Series):
            return value.astype("string").map(lambda v: v if pd.isna(v) else transform(v))
        if isinstance(value, str):
            return transform(value)
        raise InvalidFilter("filter", f"{node.name}()", "a string argument")

    def _arithmetic(self, node: ast.Arithmetic) -> Value:
        lhs, rhs = self._value(node.lhs), self._value(node.rhs)
        try:
            return _ARITHMETIC[type(node)](lhs, rhs)
        except (TypeError, ZeroDivisionError):
            raise InvalidFilter("filter", _describe(node), "numeric operands") from None

    _CONDITIONS: dict[type, Callable[[FilterEvaluator, Any], np.ndarray]] = {}


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def _like_regex(pattern: str, wildcard: str, singlechar: str, escapechar: str | None) -> str:
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if escapechar and char == escapechar and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if char == wildcard else "." if char == singlechar else re.escape(char))
        i += 1
    return "".join(out)


def _fill(result: Any, size: int) -> np.ndarray:
    if isinstance(result, pd.Series):
        return result.fillna(False).to_numpy(dtype=bool)
    return np.full(size, bool(result))


def _describe(node: Any) -> str:
    return type(node).__name__ if isinstance(node, ast.Node) else repr(node)


_COMPARATORS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Equal: lambda a, b: a == b,
    ast.NotEqual: lambda a, b: a != b,
    ast.LessThan: lambda a, b: a < b,
    ast.LessEqual: lambda a, b: a <= b,
    ast.GreaterThan: lambda a, b: a > b,
    ast.GreaterEqual: lambda a, b: a >= b,
}
_ARITHMETIC: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mul: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
# STRtree.query(literal, predicate=p) tests p(literal, row geometry)
_TREE_PREDICATES: dict[type, str] = {
    ast.GeometryIntersects: "intersects",
    ast.GeometryDisjoint: "intersects",
    ast.GeometryWithin: "contains",  # row within literal  <=> literal contains row
    ast.GeometryContains: "within",  # row contains literal <=> literal within row
    ast.GeometryTouches: "touches",
    ast.GeometryCrosses: "crosses",
    ast.GeometryOverlaps: "overlaps",
    ast.GeometryEquals: "intersects",  # then shapely.equals on the candidates
}
_UNIT_METRES = {"meters": 1.0, "metres": 1.0, "m": 1.0, "kilometers": 1000.0, "kilometres": 1000.0, "km": 1000.0}

FilterEvaluator._CONDITIONS = {
    ast.And: FilterEvaluator._and,
    ast.Or: FilterEvaluator._or,
    ast.Not: FilterEvaluator._not,
    **{cls: FilterEvaluator._compare for cls in _COMPARATORS},
    ast.Between: FilterEvaluator._between,
    ast.Like: FilterEvaluator._like,
    ast.In: FilterEvaluator._in,
    ast.IsNull: FilterEvaluator._is_null,
    **{cls: FilterEvaluator._spatial for cls in _TREE_PREDICATES},
    ast.DistanceWithin: FilterEvaluator._dwithin,
}
