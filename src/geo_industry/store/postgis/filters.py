"""CQL2 filters translated to parameterised SQL for a PostGIS layer table.

:func:`compile_filter` takes a filter already parsed and checked by :mod:`geo_industry.cql`
(``parse_filter``, ``to_storage_crs``, ``match_enumerations``) and returns a ``WHERE`` clause of
psycopg :mod:`~psycopg.sql` objects and the values it binds: every property name is a
``sql.Identifier`` checked against the layer's queryables, every value a ``%s`` parameter with
an explicit cast; no text from the request is ever formatted into the statement.

The clause answers what :class:`~geo_industry.cql.FilterEvaluator` answers on the same rows:

- two-valued logic: a predicate on a missing value is false, never SQL's unknown, so ``NOT`` of
  it is true, as ``~mask`` is in memory. On a plain column this is ``(col > %s AND col IS NOT
  NULL)``, which keeps the predicate indexable (``geom IS NOT NULL AND ST_Intersects(geom, …)``
  uses the GiST index); on an expression ``COALESCE(…, false)``. ``<>`` is true on a missing text
  or decimal-number value (``NaN != x`` in pandas) and false on a missing integer or a
  CASEI/ACCENTI result (pandas' nullable types);
- arithmetic in ``numeric`` (no overflow error; ``x / 0`` is ±Infinity, ``0 / 0`` missing);
  integer ``/`` is true division;
- LIKE with the CQL2 escapes (``\\``) as ``LIKE … ESCAPE '\\'``; CASEI as ``lower()`` (Python's
  ``casefold`` differs from it on a handful of letters none of the data holds: ``ß``/``ẞ`` → ``ss``,
  final sigma, ligatures); ACCENTI as
  :func:`geo_industry.cql._strip_accents` does it (``đ`` → ``d``, NFD, drop combining marks, NFC);
- spatial functions on the ``geom`` column against ``ST_GeomFromWKB(%s, 4326)``, so the GiST index
  answers them; S_DWITHIN in metres on the spheroid (``geography``) after a ``&&`` prefilter on
  the index (the in-memory evaluator measures in the province's metric CRS, EPSG:9208, whose
  scale differs from the spheroid's by at most about 1/10,000 in the province: the two agree
  except for a feature within a few metres of a 20 km limit);
- the same :class:`~geo_industry.errors.InvalidFilter` as the evaluator for an unknown property,
  an operator we do not implement, operands of incomparable types or a bad geometry literal
  (text ordered against a number is refused here even where the evaluator, finding no row that
  holds both, answers an empty page).

A text literal holding a NUL character (which PostgreSQL text cannot hold, so no stored value
equals it) is not bound: ``=``, LIKE and IN with it are false, ``<>`` true.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
import shapely
from psycopg import sql

from geo_industry.cql import _IMPLEMENTED, _describe, dwithin_arguments, spatial_literal
from geo_industry.errors import InvalidFilter
from geo_industry.store.postgis.schema import ACCENT_FOLD, SCHEMA

#: the geometry column of every layer table
GEOMETRY_COLUMN = "geom"

#: S_DWITHIN distances beyond this many metres cover the Earth: bound them (ST_Expand, geography)
_WHOLE_EARTH_M = 1e8

_TEXT, _NUMBER, _BOOLEAN, _NULL = "text", "number", "boolean", "null"
_SQL_TYPES = {_TEXT: "text", _NUMBER: "double precision", _BOOLEAN: "boolean"}
#: queryable JSON type → (kind, is ``<>`` true on a missing value: pandas object/float64 columns)
_QUERYABLE_KINDS = {"string": (_TEXT, True), "number": (_NUMBER, True), "integer": (_NUMBER, False),
                    "boolean": (_BOOLEAN, False)}
_COMPARISONS = {"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_SPATIAL = {"s_intersects": "ST_Intersects", "s_within": "ST_Within", "s_contains": "ST_Contains",
            "s_touches": "ST_Touches", "s_crosses": "ST_Crosses", "s_overlaps": "ST_Overlaps",
            "s_equals": "ST_Equals"}
_ARITHMETIC = ("+", "-", "*", "/")


@dataclass(frozen=True)
class Fragment:
    """A piece of SQL and the values of its ``%s`` placeholders, in order."""

    sql: sql.Composable
    params: tuple[Any, ...] = ()


@dataclass(frozen=True)
class CompiledFilter:
    """A ``WHERE`` condition (``sql.Composable`` with ``%s`` placeholders) and its parameters.

    Compose ``where`` into a statement and pass ``params`` in the place its placeholders take
    among the statement's others (``cursor.execute(query, [*before, *filter.params, *after])``).
    """

    where: sql.Composable
    params: tuple[Any, ...]


@dataclass(frozen=True)
class _Value:
    """A compiled operand: its SQL, kind, whether it varies by row, and its Python value if literal."""

    fragment: Fragment
    kind: str
    row_valued: bool = False
    #: ``<>`` is true where this (row) value is missing, as pandas' ``!=`` on object/float64 columns
    unequal_when_missing: bool = False
    literal: Any = field(default=None)
    is_literal: bool = False
    #: the column this row value is missing exactly where: the column itself, or one CASEI/ACCENTI (strict)
    #: fold; ``IS NOT NULL`` on it keeps a predicate indexable (a plain or a folded-name index)
    null_column: Fragment | None = None
    #: a literal no stored value equals: NULL, or a text holding NUL (which PostgreSQL text cannot hold)
    absent: bool = False
    #: arithmetic result (SQL numeric): compare it in numeric, not double precision
    exact: bool = False


def compile_filter(node: Any, columns: Mapping[str, str]) -> CompiledFilter:
    """Translate a parsed CQL2 JSON filter into a parameterised SQL condition on a layer table.

    ``columns`` are the layer's queryables (property name → JSON type: ``string``, ``number``,
    ``integer``, ``boolean``, ``geometry``); each is a column of that name, ``geometry`` the
    ``geom`` column.

    Raises
    ------
    InvalidFilter
        Where :class:`~geo_industry.cql.FilterEvaluator` raises it for the same filter.

    Examples
    --------
    >>> compiled = compile_filter({"op": ">", "args": [{"property": "capacity_value"}, 30.0]},
    ...                           {"capacity_value": "number"})
    >>> compiled.params
    (30.0,)
    """
    fragment = _Compiler(columns).condition(node)
    return CompiledFilter(fragment.sql, fragment.params)


def _join(template: str, *parts: Fragment) -> Fragment:
    """``template`` with each ``{}`` replaced by the next part; parameters follow in that order."""
    return Fragment(sql.SQL(template).format(*(part.sql for part in parts)),
                    tuple(param for part in parts for param in part.params))


def _param(value: Any, sql_type: str) -> Fragment:
    return Fragment(sql.SQL("%s::" + sql_type), (value,))


_TRUE, _FALSE = Fragment(sql.SQL("true")), Fragment(sql.SQL("false"))


class _Compiler:
    def __init__(self, columns: Mapping[str, str]) -> None:
        self.columns = columns

    # conditions -------------------------------------------------------------------------
    def condition(self, node: Any) -> Fragment:
        if isinstance(node, bool):
            return _TRUE if node else _FALSE
        op = node.get("op", "").lower() if isinstance(node, dict) else ""
        args: list[Any] = (node.get("args") or []) if isinstance(node, dict) else []
        if op in ("and", "or"):
            if not args:
                return _TRUE if op == "and" else _FALSE
            parts = self.disjuncts(args) if op == "or" else [self.condition(arg) for arg in args]
            return _join("(" + f" {op.upper()} ".join(["{}"] * len(parts)) + ")", *parts)
        if op == "not":
            return _join("(NOT {})", self.condition(args[0]))
        if op in _COMPARISONS:
            return self.comparison(op, args)
        if op in _SPATIAL or op == "s_disjoint":
            return self.spatial(op, args)
        predicate = {"between": self.between, "like": self.like, "in": self.in_list, "isnull": self.is_null,
                     "s_dwithin": self.dwithin}.get(op)
        if predicate is None:
            raise InvalidFilter("filter", _describe(node), f"an operator this server implements ({_IMPLEMENTED})")
        return predicate(args)

    def comparison(self, op: str, args: list[Any]) -> Fragment:
        lhs, rhs = self.value(args[0]), self.value(args[1])
        if lhs.absent or rhs.absent:
            return self.unequal_everywhere(lhs, rhs) if op == "<>" else _FALSE
        if not _comparable(lhs, rhs):
            if op in ("=", "<>"):  # pandas: text == number is false everywhere, <> true
                return _FALSE if op == "=" else self.unequal_everywhere(lhs, rhs)
            raise InvalidFilter("filter", _describe({"op": op, "args": args}),
                                "operands of comparable types (number with number, text with text)")
        left, right = _aligned(lhs, rhs)
        if op == "<>" and _unequal_when_missing(lhs, rhs):
            return _join("(NOT COALESCE({} = {}, false))", left, right)
        return _two_valued(_join("{} " + _COMPARISONS[op] + " {}", left, right), lhs, rhs)

    @staticmethod
    def unequal_everywhere(lhs: _Value, rhs: _Value) -> Fragment:
        """``<>`` between values of different kinds (or with a missing literal): true, except where
        a value is missing and either side has a nullable type (pandas answers NA there)."""
        if _unequal_when_missing(lhs, rhs):
            return _TRUE
        present = [_join("{} IS NOT NULL", side.fragment) for side in (lhs, rhs) if side.row_valued]
        return _join("(" + " AND ".join(["{}"] * len(present)) + ")", *present) if present else _TRUE

    def between(self, args: list[Any]) -> Fragment:
        value, low, high = (self.value(arg) for arg in args)
        if not (_comparable(value, low) and _comparable(value, high)):
            raise InvalidFilter("filter", "between", "numbers in BETWEEN")
        if low.absent or high.absent:
            return _FALSE
        left, lower = _aligned(value, low)
        left2, upper = _aligned(value, high)
        return _two_valued(_join("{} >= {} AND {} <= {}", left, lower, left2, upper), value, low, high)

    def disjuncts(self, args: list[Any]) -> list[Fragment]:
        """The terms of an OR; LIKEs of one value become one ``LIKE ANY``, which folds the value once per row."""
        parts: list[Fragment | None] = []
        groups: dict[bytes, tuple[int, _Value, list[str]]] = {}
        for arg in args:
            key = _like_key(arg)
            if key is None:
                parts.append(self.condition(arg))
            elif key in groups:
                groups[key][2].append(arg["args"][1])
            else:
                groups[key] = (len(parts), self.like_operand(arg["args"][0]), [arg["args"][1]])
                parts.append(None)
        for index, value, patterns in groups.values():
            parts[index] = self.like_any(value, patterns)
        return [part for part in parts if part is not None]

    def like(self, args: list[Any]) -> Fragment:
        value, pattern = self.like_operand(args[0]), args[1]
        if not isinstance(pattern, str):
            raise InvalidFilter("filter", "like", "a property (or CASEI/ACCENTI of one) LIKE a text pattern")
        return self.like_any(value, [pattern])

    def like_operand(self, node: Any) -> _Value:
        value = self.value(node)
        if not value.row_valued:
            raise InvalidFilter("filter", "like", "a property (or CASEI/ACCENTI of one) LIKE a text pattern")
        return value

    @staticmethod
    def like_any(value: _Value, patterns: list[str]) -> Fragment:
        """``value`` matches one of the CQL2 ``patterns`` (backslash escapes, PostgreSQL's default and ours)."""
        # a pattern holding NUL matches only text holding NUL, which PostgreSQL text cannot hold
        kept = [like_pattern(pattern) for pattern in patterns if "\x00" not in pattern]
        if not kept:
            return _FALSE
        if len(kept) == 1:
            return _two_valued(_join("{} LIKE {} ESCAPE '\\'", _as_text(value), _param(kept[0], "text")), value)
        return _two_valued(_join("{} LIKE ANY({})", _as_text(value), _param(kept, "text[]")), value)

    def in_list(self, args: list[Any]) -> Fragment:
        value, options = self.value(args[0]), args[1]
        if not value.row_valued or not isinstance(options, list):
            raise InvalidFilter("filter", "in", "a property IN a list of values")
        values = [self.value(option) for option in options]
        if any(option.row_valued for option in values):
            raise InvalidFilter("filter", "in", "a property IN a list of values")
        matching = [option for option in values if _comparable(value, option) and not option.absent]
        parts = [_join("{} = {}", *_aligned(value, option)) for option in matching if not option.is_literal]
        wanted = [option.literal for option in matching if option.is_literal]
        if wanted:
            parts.append(_join("{} = ANY({})", *self.array_of(value, wanted)))
        found = _two_valued(_join("(" + " OR ".join(["{}"] * len(parts)) + ")", *parts), value) if parts else _FALSE
        if value.kind == _TEXT and any(option.kind == _NULL for option in values):  # isin([None]) on text
            return _join("({} OR {} IS NULL)", found, value.fragment)
        return found

    @staticmethod
    def array_of(value: _Value, wanted: list[Any]) -> tuple[Fragment, Fragment]:
        """``value`` and an array parameter of ``wanted`` literals of a type it compares with."""
        if value.exact:
            return value.fragment, _param([_numeric_text(v) for v in wanted], "text[]::numeric[]")
        if value.kind in (_NUMBER, _BOOLEAN) and any(not isinstance(v, bool) for v in wanted):
            return _as_number(value), _param([float(v) for v in wanted], "float8[]")
        if value.kind == _TEXT:
            return value.fragment, _param(wanted, "text[]")
        return value.fragment, _param(wanted, "boolean[]")

    def is_null(self, args: list[Any]) -> Fragment:
        value = self.value(args[0])
        if value.is_literal:
            return _TRUE if value.literal is None else _FALSE
        return _join("({} IS NULL)", value.fragment)

    def spatial(self, op: str, args: list[Any]) -> Fragment:
        literal = _geometry_param(spatial_literal(op, args))
        geom = Fragment(sql.Identifier(GEOMETRY_COLUMN))
        if op == "s_disjoint":
            return _join("({} IS NOT NULL AND NOT ST_Intersects({}, {}))", geom, geom, literal)
        return _join("({} IS NOT NULL AND " + _SPATIAL[op] + "({}, {}))", geom, geom, literal)

    def dwithin(self, args: list[Any]) -> Fragment:
        geometry, metres = dwithin_arguments(args)
        if math.isnan(metres) or metres < 0:
            return _FALSE
        metres = min(metres, _WHOLE_EARTH_M)
        # prefilter on the index in degrees (1° ≥ 100 km at these latitudes), then measure on the spheroid
        margin = min(metres / 100_000 * 1.5, 360.0)
        geom = Fragment(sql.Identifier(GEOMETRY_COLUMN))
        return _join("({} IS NOT NULL AND {} && ST_Expand({}, {}) "
                     "AND ST_DWithin({}::geography, {}::geography, {}))",
                     geom, geom, _geometry_param(geometry), _param(margin, "float8"),
                     geom, _geometry_param(geometry), _param(metres, "float8"))

    # values -----------------------------------------------------------------------------
    def value(self, node: Any) -> _Value:
        if isinstance(node, dict):
            if "property" in node:
                return self.column(node["property"])
            op = str(node.get("op", "")).lower()
            if op in ("casei", "accenti"):
                return self.text_function(op, node["args"])
            if op in _ARITHMETIC:
                return self.arithmetic(op, node["args"])
            raise InvalidFilter("filter", _describe(node), "a property, literal, CASEI/ACCENTI or arithmetic")
        if node is None:
            return _Value(Fragment(sql.SQL("NULL")), _NULL, literal=None, is_literal=True, absent=True)
        if isinstance(node, bool):
            return _Value(_param(node, "boolean"), _BOOLEAN, literal=node, is_literal=True)
        if isinstance(node, int | float):
            number = _float(node)
            return _Value(_param(number, "float8"), _NUMBER, literal=number, is_literal=True)
        if isinstance(node, str):
            return _Value(_param(node, "text") if "\x00" not in node else Fragment(sql.SQL("NULL::text")), _TEXT,
                          literal=node, is_literal=True, absent="\x00" in node)
        raise InvalidFilter("filter", _describe(node), "a property, number, string or boolean operand")

    def column(self, name: Any) -> _Value:
        kind = self.columns.get(name) if isinstance(name, str) else None
        if kind is None or kind == "geometry" or kind not in _QUERYABLE_KINDS:
            raise InvalidFilter("filter", name, "a queryable property of this collection (see its /queryables)")
        value_kind, unequal_when_missing = _QUERYABLE_KINDS[kind]
        column = Fragment(sql.Identifier(name))
        return _Value(column, value_kind, row_valued=True, unequal_when_missing=unequal_when_missing,
                      null_column=column)

    def text_function(self, op: str, args: list[Any]) -> _Value:
        value = self.value(args[0])
        if not value.row_valued and value.kind != _TEXT:
            raise InvalidFilter("filter", op.upper(), "a text argument")
        text = _as_text(value)
        if op == "casei":
            folded = _join("lower({})", text)
        else:
            folded = _join("{}({})", Fragment(sql.Identifier(SCHEMA, ACCENT_FOLD)), text)
        return _Value(folded, _TEXT, row_valued=value.row_valued,
                      null_column=value.null_column if value.kind == _TEXT else None)

    def arithmetic(self, op: str, args: list[Any]) -> _Value:
        lhs, rhs = self.value(args[0]), self.value(args[1])
        if lhs.kind != _NUMBER or rhs.kind != _NUMBER:
            raise InvalidFilter("filter", op, "numeric operands")
        if lhs.is_literal and rhs.is_literal:  # two literals: Python's arithmetic, as the evaluator
            try:
                result = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
                          "/": lambda a, b: a / b}[op](lhs.literal, rhs.literal)
            except ZeroDivisionError:
                raise InvalidFilter("filter", op, "numeric operands") from None
            return self.value(result)
        left, right = _numeric(lhs), _numeric(rhs)
        if op == "/":
            expression = _join("(CASE WHEN {} = 0 THEN (CASE WHEN {} > 0 THEN 'Infinity'::numeric "
                               "WHEN {} < 0 THEN '-Infinity'::numeric END) ELSE {} / {} END)",
                               right, left, left, left, right)
        else:
            expression = _join("({} " + op + " {})", left, right)
        # 0/0, Infinity - Infinity: missing, as NaN compares in pandas (and not as numeric NaN does)
        return _Value(_join("NULLIF({}, 'NaN'::numeric)", expression), _NUMBER, row_valued=True,
                      unequal_when_missing=_unequal_when_missing(lhs, rhs), exact=True)


def like_pattern(pattern: str) -> str:
    r"""A CQL2 LIKE pattern in PostgreSQL's form with ``ESCAPE '\'``: a trailing lone backslash stands for itself.

    >>> like_pattern("100\\%"), like_pattern("a\\")
    ('100\\%', 'a\\\\')
    """
    out: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            out.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            out.append(char)
    if escaped:
        out.append("\\\\")
    return "".join(out)


def _comparable(lhs: _Value, rhs: _Value) -> bool:
    if _NULL in (lhs.kind, rhs.kind):
        return True
    kinds = {lhs.kind, rhs.kind}
    return len(kinds) == 1 or kinds == {_NUMBER, _BOOLEAN}


def _aligned(lhs: _Value, rhs: _Value) -> tuple[Fragment, Fragment]:
    """Both operands' SQL cast to one type: numeric if either is arithmetic, numbers for booleans."""
    if lhs.exact or rhs.exact:
        return _numeric(lhs), _numeric(rhs)
    kinds = {lhs.kind, rhs.kind}
    if kinds == {_NUMBER, _BOOLEAN}:
        return _as_number(lhs), _as_number(rhs)
    kind = (kinds - {_NULL} or {_TEXT}).pop()
    return _typed(lhs, kind), _typed(rhs, kind)


def _typed(value: _Value, kind: str) -> Fragment:
    if value.kind == _NULL:
        return Fragment(sql.SQL("NULL::" + _SQL_TYPES[kind]))
    return value.fragment


def _as_number(value: _Value) -> Fragment:
    if value.kind == _BOOLEAN:
        return _join("({})::int", value.fragment)
    return _typed(value, _NUMBER)


def _numeric(value: _Value) -> Fragment:
    if value.exact:
        return value.fragment
    if value.is_literal and value.kind == _NUMBER:
        return _param(_numeric_text(value.literal), "numeric")
    if value.kind == _NULL:
        return Fragment(sql.SQL("NULL::numeric"))
    return _join("({})::numeric", _as_number(value))


def _numeric_text(number: Any) -> str:
    """A number as numeric's text input (``Infinity`` for an overflowed float)."""
    number = _float(number) if not isinstance(number, bool) else int(number)
    if isinstance(number, float) and math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return repr(number)


def _float(number: int | float) -> float:
    """A literal number as double precision, as pandas compares it (beyond its range: ±inf)."""
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf


def _as_text(value: _Value) -> Fragment:
    if value.kind == _TEXT:
        return value.fragment
    return _join("({})::text", value.fragment)


def _like_key(node: Any) -> bytes | None:
    """What groups the LIKEs of an OR: their value's JSON (``None`` for any other term)."""
    if not (isinstance(node, dict) and str(node.get("op", "")).lower() == "like"):
        return None
    args = node.get("args")
    if not (isinstance(args, list) and len(args) == 2 and isinstance(args[1], str)):
        return None
    try:
        return orjson.dumps(args[0], option=orjson.OPT_SORT_KEYS)
    except TypeError:  # an integer beyond 64 bits: not grouped
        return None


def _unequal_when_missing(lhs: _Value, rhs: _Value) -> bool:
    """pandas: float64/object with float64/object or a literal stays NaN-valued (``NaN != x``); with a
    nullable column (Int64, string) the result is NA, which the evaluator reads as false."""
    return all(side.unequal_when_missing for side in (lhs, rhs) if side.row_valued)


def _two_valued(predicate: Fragment, *operands: _Value) -> Fragment:
    """``predicate`` false (not unknown) where an operand is missing; indexable when they are columns."""
    varying = [operand for operand in operands if operand.row_valued]
    columns = [operand.null_column for operand in varying]
    if all(column is not None for column in columns):
        return _join("(" + " AND ".join(["{}"] + ["{} IS NOT NULL"] * len(columns)) + ")",
                     predicate, *(column for column in columns if column is not None))
    return _join("COALESCE({}, false)", predicate)


def _geometry_param(geometry: shapely.Geometry) -> Fragment:
    return Fragment(sql.SQL("ST_GeomFromWKB(%s::bytea, 4326)"), (shapely.to_wkb(geometry),))
