"""Investor facts: management boards, contacts, incentives and occupancy, each with its source and date.

``data/investor_facts.csv`` has the columns ``entity, field, value_vi, value_en, source_url,
as_of``. An entity is a feature id (a zone) or an id from ``entities.csv`` (the province); a
field names what the value is (``management_board``, ``occupancy_rate``, ``cit_difficult_area``
…); ``as_of`` is an ISO year, year-month or date, or empty when the source gives no date.
Values are text as the source words them: a number is never parsed out of them here. The PostGIS
backend holds the same rows in its ``investor_facts`` table (``db load``/``db export``) and builds
the facts with the same :func:`facts_from_rows`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from geo_industry.errors import DataError

COLUMNS = ("entity", "field", "value_vi", "value_en", "source_url", "as_of")
_AS_OF = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_FIELD = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class InvestorFact:
    """One fact about an entity, in Vietnamese and English, with its source and date."""

    entity: str
    field: str
    value_vi: str | None
    value_en: str | None
    source_url: str
    as_of: str | None
    """ISO ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; ``None`` when the source gives no date."""

    def value(self, lang: str) -> str | None:
        """The value in ``lang`` (``vi``, else English), falling back to the other language."""
        first, second = (self.value_vi, self.value_en) if lang == "vi" else (self.value_en, self.value_vi)
        return first or second


def as_of_is_valid(text: str) -> bool:
    """Whether ``text`` is an ISO year, year-month or calendar date.

    >>> [as_of_is_valid(t) for t in ("2026", "2026-07", "2026-07-08", "2026-13", "2026-02-30", "May 2026")]
    [True, True, True, False, False, False]
    """
    match = _AS_OF.match(text)
    if not match:
        return False
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        date(year or 1, month or 1, day or 1)
    except ValueError:
        return False
    return True


def problems(rows: Iterable[dict[str, str]], known_entities: Iterable[str]) -> Iterator[tuple[int, str, str]]:
    """``(row number, column, message)`` for every fault: unknown entity, bad field name, no value,
    a source that is not an http(s) URL, an invalid date, a repeated (entity, field)."""
    known = set(known_entities)
    seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(rows, start=2):
        entity, field = row.get("entity", ""), row.get("field", "")
        if entity not in known:
            yield number, "entity", f"unknown entity {entity!r} (no feature or entities.csv row)"
        if not _FIELD.match(field):
            yield number, "field", f"field {field!r} is not a lower-case snake_case name"
        if not (row.get("value_vi") or row.get("value_en")):
            yield number, "value_en", "no value in either language (value_vi, value_en)"
        if not str(row.get("source_url", "")).startswith(("http://", "https://")):
            yield number, "source_url", f"source is not an http(s) URL: {row.get('source_url')!r}"
        as_of = row.get("as_of", "")
        if as_of and not as_of_is_valid(as_of):
            yield number, "as_of", f"as_of {as_of!r} is not YYYY, YYYY-MM or YYYY-MM-DD"
        if (entity, field) in seen:
            yield number, "field", f"({entity}, {field}) already given in row {seen[(entity, field)]}"
        seen.setdefault((entity, field), number)


def read_rows(path: Path) -> list[dict[str, str]]:
    """The file's rows as text; raises :class:`DataError` when it is missing or lacks a column."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise DataError(f"{path}: missing columns {', '.join(missing)}")
            return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    except FileNotFoundError:
        raise DataError(f"{path}: investor facts file not found") from None


def load_investor_facts(path: Path, *, known_entities: Iterable[str] | None = None) -> list[InvestorFact]:
    """The investor facts of ``path``, in file order.

    With ``known_entities`` every row is checked first (see :func:`problems`) and any fault
    raises :class:`DataError` naming the row; without it only the columns are checked.
    """
    rows = read_rows(path)
    if known_entities is not None:
        faults = [f"{path}: row {n}: {column}: {message}" for n, column, message in problems(rows, known_entities)]
        if faults:
            raise DataError("\n".join(faults))
    return facts_from_rows(rows)


def facts_from_rows(rows: Iterable[Mapping[str, str | None]]) -> list[InvestorFact]:
    """Investor facts from rows of text with :data:`COLUMNS` (the file's, or a database table's), in their
    order: text trimmed, an empty value or date is none."""
    def text(row: Mapping[str, str | None], column: str) -> str:
        return (row.get(column) or "").strip()

    return [
        InvestorFact(entity=text(r, "entity"), field=text(r, "field"), value_vi=text(r, "value_vi") or None,
                     value_en=text(r, "value_en") or None, source_url=text(r, "source_url"),
                     as_of=text(r, "as_of") or None)
        for r in rows
    ]


def facts_of(facts: Iterable[InvestorFact], entity: str) -> list[InvestorFact]:
    """The facts of one entity, in file order."""
    return [fact for fact in facts if fact.entity == entity]
