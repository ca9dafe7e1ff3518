"""JSON values as the stores hold them: integers within the signed 64-bit range, read without loss.

Every store keeps integers in 64 bits (GeoPackage and SQLite ``INTEGER``, PostgreSQL ``bigint``,
pandas ``Int64``) and JSON encoders (orjson) refuse larger ones, so a write holding an integer
outside ``INT64_MIN … INT64_MAX`` is refused by the validation (:mod:`geo_industry.validate`). JSON
text is read with :func:`load_json`, which keeps such an integer as it is written (orjson would
read it as a rounded float), so the refusal names it instead of storing a changed number. A value
stored before the rule is served by :func:`with_big_integers_as_text`: the integer as its decimal
digits (a string), which keeps it exact.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable
from typing import Any

import orjson
import pandas as pd

logger = logging.getLogger(__name__)

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
OUT_OF_RANGE = "integer out of the 64-bit range (-9223372036854775808 to 9223372036854775807)"
MAX_WARNINGS = 1000
"""Distinct out-of-range values a process warns of: each once (a served layer would repeat the warning on every
read of the feature), and at most this many (a table full of them must not fill the log)."""
_warned: set[str] = set()
_LONG_NUMBER = re.compile(rb"[0-9]{19}")
"""19 digits in a row: an integer orjson may not hold (past 64 bits it reads a float) or a long fraction."""


def load_json(data: str | bytes, *, finite: bool = False) -> Any:
    """A JSON text as the standard library reads it (integers exact at any size, numbers past a double's range
    read), read by orjson alone (several times faster) unless it holds such a number; orjson's checks (UTF-8,
    no lone surrogate) apply either way. ``finite``: a number past a double's range (``1e400``) is refused as
    orjson refuses it (a request body: no store keeps it, and it would be served changed), not read as infinity.
    Raises :class:`ValueError` (a ``json.JSONDecodeError``) on bad JSON."""
    parse_float = _finite_float if finite else None
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if finite or "number" not in str(exc):  # "number is infinity when parsed as double" is read by the
            raise  # standard library
        return json.loads(data, parse_constant=_refuse_constant)
    if _LONG_NUMBER.search(data.encode() if isinstance(data, str) else data):
        # orjson read an integer past 64 bits rounded
        return json.loads(data, parse_constant=_refuse_constant, parse_float=parse_float)
    return document


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise json.JSONDecodeError(f"number {text[:40]} is infinity when parsed as double", text, 0)
    return number


def _refuse_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not JSON", name, 0)


def is_big_integer(value: Any) -> bool:
    """Whether ``value`` is an integer (not a boolean) outside the signed 64-bit range."""
    return isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= INT64_MAX


def big_integer_at(value: Any) -> str | None:
    """Where in ``value`` (a JSON value) the first integer outside the 64-bit range is: ``""`` for the value
    itself, ``"[2]"`` or ``".x[0]"`` inside it; ``None`` when there is none. Walked without recursion."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if is_big_integer(item):
            return path
        if isinstance(item, dict):
            stack.extend((child, f"{path}.{key}") for key, child in reversed(item.items()))
        elif isinstance(item, list | tuple):
            stack.extend((child, f"{path}[{index}]") for index, child in reversed(list(enumerate(item))))
    return None


def dumps(value: Any, *, option: int = 0, what: str = "value", default: Callable[[Any], Any] | None = None) -> bytes:
    """``value`` encoded by orjson; an integer outside the 64-bit range (stored before writes refused it, e.g. by
    SQL) is written as its digits (a string), with a logged warning naming ``what`` holds it, rather than failing
    the whole response."""
    try:
        return orjson.dumps(value, default=default, option=option)
    except orjson.JSONEncodeError:
        where = big_integer_at(value)
        if where is None:
            raise
        _warn_once(f"{what}{where}")
        return orjson.dumps(with_big_integers_as_text(value), default=default, option=option)


def _warn_once(holder: str) -> None:
    """Log that ``holder`` holds an out-of-range integer, the first time it is met (see :data:`MAX_WARNINGS`)."""
    if holder in _warned or len(_warned) >= MAX_WARNINGS:
        return
    _warned.add(holder)
    logger.warning("%s holds an %s; written as its digits (a string)%s", holder, OUT_OF_RANGE,
                   "; further ones are not logged" if len(_warned) == MAX_WARNINGS else "")


def int64_column(column: pd.Series) -> tuple[pd.Series, int]:
    """``column``'s values as ``Int64`` (missing where not an integer) and how many were integers outside the
    64-bit range (also left missing: no 64-bit column holds them, and a rounded float would be a number the
    source never gave)."""
    numbers = pd.to_numeric(column, errors="coerce")
    if numbers.dtype.kind not in "fu":
        return numbers.astype("Int64"), 0
    present = numbers.notna().to_numpy()
    beyond = present & ((numbers < INT64_MIN) | (numbers >= 2.0**63)).to_numpy()
    if numbers.dtype.kind == "f":
        present &= (numbers == numbers.round()).to_numpy()
    keep = present & ~beyond
    values = [value if kept else None for value, kept in zip(numbers.tolist(), keep, strict=True)]
    return pd.Series(pd.array(values, dtype="Int64"), index=column.index), int(beyond.sum())


def with_big_integers_as_text(value: Any) -> Any:
    """``value`` (a JSON value) with every integer outside the 64-bit range replaced by its decimal digits."""
    if is_big_integer(value):
        return str(value)
    if isinstance(value, dict):
        return {key: with_big_integers_as_text(child) for key, child in value.items()}
    if isinstance(value, list | tuple):
        return [with_big_integers_as_text(child) for child in value]
    return value
