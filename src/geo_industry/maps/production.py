"""Series of the industrial production value, kept apart as the statistics keep them.

A series is one (entity with its vintage, price basis, basis, unit): full-year rows of
variant 0 only. Nothing is ever summed: the former provinces and the merged province are
different entities, a figure at 1994 prices is not comparable with one at 2010 prices or with
one whose price basis the source does not state, and a second source for the same key
(``variant`` > 0) is listed next to the series, never added to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo_industry.maps.charts import Bar
from geo_industry.maps.format import is_missing

PRODUCTION_VALUE = "industrial_production_value"
FULL_YEAR = "FY"
_BASIS_ORDER = ("actual", "preliminary", "estimate", "target")


@dataclass(frozen=True)
class SeriesPoint:
    """One full-year value of a series with its source."""

    year: int
    value: float
    source: str
    note: str = ""
    derivation: str = ""
    """How a computed figure was computed; empty for a printed one."""


@dataclass(frozen=True)
class Series:
    """Full-year values of one indicator for one entity, price basis, basis and unit."""

    indicator: str
    entity: str
    price_basis: str
    basis: str
    unit: str
    points: tuple[SeriesPoint, ...]

    def value(self, year: int) -> float | None:
        """The value of ``year``, or ``None``."""
        return next((p.value for p in self.points if p.year == year), None)


@dataclass(frozen=True)
class OtherFigure:
    """A row that is not in any series: another source for a key (``variant`` > 0)."""

    entity: str
    year: int
    basis: str
    price_basis: str
    value: float
    unit: str
    variant: int
    source: str
    note: str
    derivation: str = ""


@dataclass(frozen=True)
class SeriesChart:
    """What one chart shows: the series of one entity, price basis and unit (actual vs target …)."""

    entity: str
    price_basis: str
    unit: str
    series: tuple[Series, ...]
    others: tuple[OtherFigure, ...] = ()

    @property
    def key(self) -> str:
        """A stable id, e.g. ``admin:10:pre-2025-07-01|unknown|bn_vnd``."""
        return f"{self.entity}|{self.price_basis}|{self.unit}"

    def of_basis(self, basis: str) -> Series | None:
        """The series of ``basis`` (``actual``, ``target`` …), if any."""
        return next((s for s in self.series if s.basis == basis), None)

    def bars(self) -> list[Bar]:
        """One bar per year and basis."""
        return [Bar(p.year, s.basis, p.value, bool(p.derivation)) for s in self.series for p in s.points]

    @property
    def last_actual_year(self) -> int:
        """The latest year with an actual value (0 when none)."""
        actual = self.of_basis("actual")
        return max((p.year for p in actual.points), default=0) if actual else 0


def _text(value: object, default: str = "") -> str:
    return default if is_missing(value) else str(value)


def _full_year(statistics: pd.DataFrame, indicator: str) -> pd.DataFrame:
    rows = statistics[statistics["indicator"] == indicator]
    rows = rows[rows["period"].fillna(FULL_YEAR).eq(FULL_YEAR)].dropna(subset=["value", "year"])
    return rows.assign(
        price_basis=rows["price_basis"].map(lambda v: _text(v, "unknown")),
        unit=rows["unit"].map(_text),
        basis=rows["basis"].map(lambda v: _text(v, "actual")),
        variant=rows["variant"].fillna(0).astype(int) if "variant" in rows.columns else 0,
    )


def production_series(statistics: pd.DataFrame, indicator: str = PRODUCTION_VALUE) -> list[Series]:
    """Every series of ``indicator``: full-year, variant-0 rows by (entity, price basis, basis, unit).

    Examples
    --------
    >>> s = pd.DataFrame({"indicator": ["v"] * 3, "entity": ["a", "a", "b"], "year": [2020] * 3,
    ...     "period": ["FY"] * 3, "value": [1.0, 2.0, 4.0], "unit": ["bn_vnd"] * 3,
    ...     "basis": ["actual"] * 3, "price_basis": ["current"] * 3, "source": [""] * 3,
    ...     "note": [""] * 3, "variant": [0, 1, 0]})
    >>> [(x.entity, x.points[0].value) for x in production_series(s, "v")]
    [('a', 1.0), ('b', 4.0)]
    """
    if statistics.empty:
        return []
    rows = _full_year(statistics, indicator)
    rows = rows[rows["variant"] == 0]
    result = []
    for (entity, price_basis, basis, unit), group in rows.groupby(["entity", "price_basis", "basis", "unit"]):
        group = group.sort_values("year").drop_duplicates("year")  # the key makes years unique; be safe
        points = tuple(
            SeriesPoint(int(r["year"]), float(r["value"]), _text(r.get("source")), _text(r.get("note")),
                        _text(r.get("derivation")))
            for _, r in group.iterrows()
        )
        result.append(Series(indicator, str(entity), str(price_basis), str(basis), str(unit), points))
    return result


def other_figures(statistics: pd.DataFrame, indicator: str = PRODUCTION_VALUE) -> list[OtherFigure]:
    """The full-year rows of ``indicator`` with ``variant`` > 0 (other sources or restatements)."""
    if statistics.empty:
        return []
    rows = _full_year(statistics, indicator)
    rows = rows[rows["variant"] > 0].sort_values(["entity", "year", "basis", "variant"])
    return [
        OtherFigure(
            str(r["entity"]),
            int(r["year"]),
            str(r["basis"]),
            str(r["price_basis"]),
            float(r["value"]),
            str(r["unit"]),
            int(r["variant"]),
            _text(r.get("source")),
            _text(r.get("note")),
            _text(r.get("derivation")),
        )
        for _, r in rows.iterrows()
    ]


def series_charts(statistics: pd.DataFrame, indicator: str = PRODUCTION_VALUE) -> list[SeriesChart]:
    """The series grouped per chart: one entity, one price basis, one unit; bases side by side.

    Other figures of the same entity, price basis and unit (``variant`` > 0) ride along in
    ``others``, to be listed, not drawn; a chart may hold only such figures.
    """
    grouped: dict[tuple[str, str, str], list[Series]] = {}
    for s in production_series(statistics, indicator):
        grouped.setdefault((s.entity, s.price_basis, s.unit), []).append(s)
    others = other_figures(statistics, indicator)
    for o in others:
        grouped.setdefault((o.entity, o.price_basis, o.unit), [])
    charts = []
    for (entity, price_basis, unit), series in sorted(grouped.items()):
        ordered = sorted(series, key=lambda s: _BASIS_ORDER.index(s.basis) if s.basis in _BASIS_ORDER else 9)
        mine = tuple(o for o in others if o.entity == entity and o.price_basis == price_basis and o.unit == unit)
        charts.append(SeriesChart(entity, price_basis, unit, tuple(ordered), mine))
    return charts


def default_chart(charts: list[SeriesChart]) -> SeriesChart | None:
    """The chart with the most recent actual value (ties: the most points)."""
    if not charts:
        return None
    return max(charts, key=lambda c: (c.last_actual_year, sum(len(s.points) for s in c.series)))
