"""CQL2 filters (OGC API - Features Part 3): parsing with ``cql2``, vectorised evaluation.

A filter (cql2-text or cql2-json) is first bounded by :func:`check_filter_shape`, a linear scan
(length, nesting, operator count, NOT chains), because the ``cql2`` parser backtracks
exponentially on unbalanced or deeply nested parentheses and overflows its stack on very deep
input (docs/security.md, "Filters"). It is then parsed and validated by ``cql2`` into the
standard CQL2 JSON form; its geometry literals are moved to storage CRS; it is evaluated over
a whole layer at once: attribute predicates as pandas/numpy operations, spatial predicates
through the layer's shapely STRtree; LIKE by a linear-time matcher (:class:`LikePattern`,
no regular expression built from the pattern). Long loops call
:func:`~geo_industry.budget.check_deadline`. Whatever we do not implement is refused with
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

from geo_industry.budget import check_deadline
from geo_industry.crs import _lat_first as lat_first
from geo_industry.crs import swap_axes, transform_geometries
from geo_industry.errors import InvalidFilter

FILTER_LANGS = ("cql2-text", "cql2-json")
MAX_FILTER_LENGTH = 20_000
#: depth of the parsed expression tree
MAX_FILTER_DEPTH = 40
#: parentheses/brackets open at once in cql2-text (the parser's backtracking doubles per level)
MAX_FILTER_NESTING = 10
#: arrays/objects open at once in cql2-json (an operator is two levels: object and its args)
MAX_JSON_NESTING = 32
#: operators (AND, OR, NOT, comparisons, LIKE, IN, arithmetic …) in one filter
MAX_FILTER_OPERATORS = 256
#: NOT directly applied to NOT
MAX_NOT_CHAIN = 4

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
    check_filter_shape(text, lang)
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


_TEXT_TOKEN = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|[^\W\d]\w*|<>|<=|>=|[-+*/=<>()\[\]]|\S")
_TEXT_OPERATORS = frozenset({"and", "or", "not", "like", "between", "in", "is", "div",
                             "+", "-", "*", "/", "=", "<>", "<", "<=", ">", ">="})
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _too_complex(text: str, expected: str) -> InvalidFilter:
    return InvalidFilter("filter", text[:80] + ("…" if len(text) > 80 else ""), expected)


def check_filter_shape(text: str, lang: str = "cql2-text") -> None:
    """Refuse, in one linear pass and before any parsing, a filter too long, deep or complex.

    Limits: :data:`MAX_FILTER_LENGTH` characters, :data:`MAX_FILTER_NESTING` open parentheses
    (cql2-text; unbalanced ones are refused outright) or :data:`MAX_JSON_NESTING` open
    arrays/objects (cql2-json), :data:`MAX_FILTER_OPERATORS` operators and
    :data:`MAX_NOT_CHAIN` NOTs in a row. Quoted strings and identifiers are skipped whole.

    Raises
    ------
    InvalidFilter
        Naming ``filter`` and the limit broken.
    """
    if len(text) > MAX_FILTER_LENGTH:
        raise _too_complex(text, f"at most {MAX_FILTER_LENGTH} characters")
    if lang == "cql2-json":
        _check_json_shape(text)
    else:
        _check_text_shape(text)


def _check_text_shape(text: str) -> None:
    depth = operators = nots = 0
    for match in _TEXT_TOKEN.finditer(text):
        token = match.group().lower()
        if token in ("(", "["):
            depth += 1
            if depth > MAX_FILTER_NESTING:
                raise _too_complex(text, f"parentheses nested at most {MAX_FILTER_NESTING} deep")
        elif token in (")", "]"):
            depth -= 1
            if depth < 0:
                raise _too_complex(text, f"balanced parentheses (a ')' at character {match.start() + 1} "
                                         "closes nothing)")
        if token in _TEXT_OPERATORS:
            operators += 1
            if operators > MAX_FILTER_OPERATORS:
                raise _too_complex(text, f"at most {MAX_FILTER_OPERATORS} operators")
        nots = nots + 1 if token == "not" else 0
        if nots > MAX_NOT_CHAIN:
            raise _too_complex(text, f"at most {MAX_NOT_CHAIN} NOT in a row")
    if depth:
        raise _too_complex(text, f"balanced parentheses ({depth} '(' not closed)")


def _check_json_shape(text: str) -> None:
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_JSON_NESTING:
                raise _too_complex(text, f"arrays and objects nested at most {MAX_JSON_NESTING} deep")
        elif token in ("]", "}"):
            depth -= 1
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise _too_complex(text, f"a valid cql2-json expression ({exc})") from None
    operators = 0
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        node, nots = stack.pop()
        if isinstance(node, list):
            stack.extend((item, 0) for item in node)
        elif isinstance(node, dict):
            op = node.get("op")
            if op is not None:
                operators += 1
                nots = nots + 1 if str(op).lower() == "not" else 0
                if operators > MAX_FILTER_OPERATORS:
                    raise _too_complex(text, f"at most {MAX_FILTER_OPERATORS} operators")
                if nots > MAX_NOT_CHAIN:
                    raise _too_complex(text, f"at most {MAX_NOT_CHAIN} NOT in a row")
            stack.extend((value, nots if key == "args" else 0) for key, value in node.items())


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
    """Return the filter with every geometry literal reprojected from ``source`` to CRS84.

    Literals follow ``source``'s axis order: latitude first for EPSG:4326 and EPSG:4756.
    """
    if source == "OGC:CRS84":
        return node
    if _is_geometry(node):
        geoms = np.array([_literal_geometry(node)])
        if lat_first(source):
            geoms = swap_axes(geoms)
        return mapping(transform_geometries(geoms, source, "OGC:CRS84")[0])
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
        # results of operator nodes by their JSON: a filter repeating one costly term
        # (ACCENTI(CASEI(name)) LIKE … OR … ×100) computes it once
        self._memo: dict[bytes, Any] = {}

    def mask(self, node: Filter) -> np.ndarray:
        """A boolean array: which rows satisfy ``node``."""
        return np.asarray(self._condition(node), dtype=bool)

    # conditions -------------------------------------------------------------------------
    def _condition(self, node: Any) -> np.ndarray:
        check_deadline()
        if isinstance(node, bool):
            return np.full(self.size, node)
        op = node.get("op", "").lower() if isinstance(node, dict) else ""
        handler = _CONDITIONS.get(op)
        if handler is None:
            raise InvalidFilter("filter", _describe(node), f"an operator this server implements ({_IMPLEMENTED})")
        return self._remember(node, lambda: handler(self, node["args"]))

    def _remember(self, node: dict[str, Any], compute: Callable[[], Any]) -> Any:
        try:
            key = orjson.dumps(node, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # an integer beyond 64 bits: not worth remembering
            return compute()
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

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
        codes, distinct = self._remember({"distinct": args[0]}, lambda: distinct_texts(value))
        return LikePattern(pattern).mask(codes, distinct)

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
        literal, metres = dwithin_arguments(args)
        # prefilter in degrees (1° ≥ 100 km at these latitudes), then measure in a metric CRS
        candidates = self.tree.query(literal, predicate="dwithin", distance=metres / 100_000 * 1.5)
        result = np.zeros(self.size, dtype=bool)
        if len(candidates):
            geoms = np.asarray(self.frame.geometry.array)[candidates]
            near = shapely.dwithin(self.metric(geoms), self.metric(np.array([literal]))[0], metres)
            result[candidates[near]] = True
        return result

    # values -----------------------------------------------------------------------------
    def _value(self, node: Any) -> Any:
        check_deadline()
        if isinstance(node, dict):
            if "property" in node:
                return self._column(node["property"])
            op = str(node.get("op", "")).lower()
            if op in ("casei", "accenti"):
                return self._remember(node, lambda: self._text_function(op, node["args"]))
            if op in _ARITHMETIC:
                return self._remember(node, lambda: self._arithmetic(op, node["args"]))
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
        if isinstance(value, pd.Series):  # each distinct value once
            text = value.astype("string")
            folded = {v: transform(v) for v in text.dropna().unique()}
            return text.map(folded, na_action="ignore").astype("string")
        if isinstance(value, str):
            return transform(value)
        raise InvalidFilter("filter", op.upper(), "a text argument")

    def _arithmetic(self, op: str, args: list[Any]) -> Any:
        lhs, rhs = self._value(args[0]), self._value(args[1])
        try:
            return _ARITHMETIC[op](lhs, rhs)
        except (TypeError, ZeroDivisionError):
            raise InvalidFilter("filter", op, "numeric operands") from None


def spatial_literal(op: str, args: list[Any]) -> shapely.Geometry:
    """The geometry literal of spatial function ``op`` whose other argument is the geometry property.

    Raises
    ------
    InvalidFilter
        When the arguments are not the property and one well-formed, valid literal.
    """
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


def dwithin_arguments(args: list[Any]) -> tuple[shapely.Geometry, float]:
    """The geometry literal and distance in metres of ``S_DWITHIN(geometry, literal, distance, units)``."""
    if len(args) != 4:
        raise InvalidFilter("filter", "s_dwithin", "S_DWITHIN(geometry, literal, distance, units)")
    literal = spatial_literal("s_dwithin", args[:2])
    units = args[3]["property"] if isinstance(args[3], dict) else args[3]
    factor = _UNIT_METRES.get(str(units).lower())
    if factor is None or not isinstance(args[2], int | float):
        raise InvalidFilter("filter", "s_dwithin", "a distance and units meters or kilometers")
    return literal, float(args[2]) * factor


def match_enumerations(node: Any, enums: Mapping[str, list[Any]], parameter: str | None = None) -> Any:
    """The filter with each text compared (``=``, ``<>``, ``IN``) to an enumerated property checked.

    A text that is not an allowed value but equals exactly one of them ignoring case, accents,
    spaces, hyphens and underscores (``'Yên Bái'`` for ``yen_bai``) is replaced by that value;
    any other is refused with the allowed values, instead of silently matching nothing.

    Raises
    ------
    InvalidFilter
        Naming ``parameter`` (the property itself when ``None``: a queryable query parameter).
    """
    if isinstance(node, list):
        return [match_enumerations(item, enums, parameter) for item in node]
    if not isinstance(node, dict):
        return node
    op, args = str(node.get("op", "")).lower(), node.get("args")
    if op in ("=", "<>", "in") and isinstance(args, list) and len(args) == 2:
        flipped = op != "in" and isinstance(args[1], dict) and "property" in args[1]
        prop, value = (args[1], args[0]) if flipped else (args[0], args[1])
        name = prop.get("property") if isinstance(prop, dict) else None
        if isinstance(name, str) and name in enums:
            values = value if op == "in" and isinstance(value, list) else [value]
            resolved = [_enumerated(v, enums[name], parameter or name, name) for v in values]
            value = resolved if op == "in" and isinstance(value, list) else resolved[0]
            return {**node, "args": [value, prop] if flipped else [prop, value]}
    return {key: match_enumerations(value, enums, parameter) for key, value in node.items()}


def _enum_key(text: str) -> str:
    return re.sub(r"[\s_-]+", "", _strip_accents(text).casefold())


def _enumerated(value: Any, allowed: list[Any], parameter: str, name: str) -> Any:
    if not isinstance(value, str) or value in allowed:
        return value
    near = [option for option in allowed if isinstance(option, str) and _enum_key(option) == _enum_key(value)]
    if len(near) == 1:
        return near[0]
    raise InvalidFilter(parameter, value, f"one of the values of '{name}': " + ", ".join(map(str, allowed)))


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


class LikePattern:
    """A CQL2 LIKE pattern (``%`` any text, ``_`` one character, ``\\`` escapes) matched in linear time.

    The pattern is split on its unescaped ``%`` into segments of fixed length (literal characters
    and ``_``). The first segment must match at the start, the last at the end, and each middle
    segment at its leftmost place after the previous one: with fixed-length segments separated by
    ``%``, the leftmost choice never loses a match, so there is no backtracking. A value costs at
    most O(len(value) × len(pattern)); no regular expression is built from the pattern.

    Examples
    --------
    >>> LikePattern("Mỏ%đồng_").matches("Mỏ Sin Quyền đồng!")
    True
    >>> LikePattern("100\\%").matches("100%"), LikePattern("100\\%").matches("1000")
    (True, False)
    """

    def __init__(self, pattern: str) -> None:
        segments: list[list[str | None]] = [[]]
        escaped = False
        for char in pattern:
            if escaped:
                segments[-1].append(char)
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == "%":
                segments.append([])
            else:
                segments[-1].append(None if char == "_" else char)
        if escaped:  # a trailing backslash stands for itself
            segments[-1].append("\\")
        # '%_%_%' is '%__%': runs of middle segments holding only '_' merge into one
        merged = segments[:1]
        for segment in segments[1:-1]:
            if len(merged) > 1 and not any(merged[-1]) and not any(segment):
                merged[-1] = merged[-1] + segment
            else:
                merged.append(segment)
        self.segments = [_Segment(segment) for segment in merged + segments[1:][-1:]]

    def matches(self, value: str) -> bool:
        """Whether the whole of ``value`` matches the pattern."""
        first, *middle = self.segments
        if not middle:
            return len(value) == first.length and first.matches_at(value, 0)
        *middle, last = middle
        end = len(value) - last.length
        if end < first.length or not first.matches_at(value, 0) or not last.matches_at(value, end):
            return False
        position = first.length
        for segment in middle:
            found = segment.find(value, position, end)
            if found < 0:
                return False
            position = found + segment.length
        return True

    def mask(self, codes: np.ndarray, distinct: list[str]) -> np.ndarray:
        """Which rows of a text column match, from its :func:`distinct_texts` (missing never does)."""
        answers = np.zeros(len(distinct) + 1, dtype=bool)  # the last one answers code -1 (missing)
        for index, value in enumerate(distinct):
            if index % 256 == 0:
                check_deadline()
            answers[index] = self.matches(value)
        return answers[codes]


def distinct_texts(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """A text column as codes into its distinct values (-1 where missing) and those values."""
    codes, distinct = pd.factorize(column.astype("string"))
    return np.asarray(codes), [str(value) for value in distinct]


class _Segment:
    """Part of a LIKE pattern between two ``%``: literal runs at fixed offsets, ``_`` in between."""

    def __init__(self, chars: list[str | None]) -> None:
        self.length = len(chars)
        self.runs: list[tuple[int, str]] = []  # (offset, literal text)
        for offset, char in enumerate(chars):
            if char is None:
                continue
            if self.runs and self.runs[-1][0] + len(self.runs[-1][1]) == offset:
                self.runs[-1] = (self.runs[-1][0], self.runs[-1][1] + char)
            else:
                self.runs.append((offset, char))

    def matches_at(self, value: str, start: int) -> bool:
        return start + self.length <= len(value) and all(
            value.startswith(run, start + offset) for offset, run in self.runs)

    def find(self, value: str, start: int, end: int) -> int:
        """The leftmost position ≥ ``start`` where the segment matches and ends by ``end``; -1 if none."""
        last_start = end - self.length
        if not self.runs:
            return start if start <= last_start else -1
        anchor_offset, anchor = self.runs[0]
        candidate = start
        while candidate <= last_start:
            hit = value.find(anchor, candidate + anchor_offset, last_start + anchor_offset + len(anchor))
            if hit < 0:
                return -1
            candidate = hit - anchor_offset
            if self.matches_at(value, candidate):
                return candidate
            candidate += 1
        return -1


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
        literal = spatial_literal(op, args)
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
