"""Read the long statistics table for the maps: a site's series and its latest values."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo_industry.maps.format import is_missing

_BASIS_RANK = {"actual": 0, "preliminary": 1, "estimate": 2, "target": 3}
_PERIOD_FULL_YEAR = "FY"


@dataclass(frozen=True)
class Observation:
    """One value of an indicator for an entity."""

    indicator: str
    year: int
    period: str
    value: float
    unit: str
    basis: str
    price_basis: str
    source: str


def _observation(row: pd.Series) -> Observation:
    return Observation(
        indicator=str(row["indicator"]),
        year=int(row["year"]),
        period=str(row.get("period") or _PERIOD_FULL_YEAR),
        value=float(row["value"]),
        unit="" if is_missing(row.get("unit")) else str(row["unit"]),
        basis="" if is_missing(row.get("basis")) else str(row["basis"]),
        price_basis="" if is_missing(row.get("price_basis")) else str(row["price_basis"]),
        source="" if is_missing(row.get("source")) else str(row["source"]),
    )


def _ranked(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.dropna(subset=["value", "year"])
    ranked = frame.assign(
        _full=(frame["period"].fillna(_PERIOD_FULL_YEAR) != _PERIOD_FULL_YEAR).astype(int),
        _basis=frame["basis"].map(_BASIS_RANK).fillna(9),
    )
    return ranked.sort_values(["indicator", "year", "_full", "_basis"], ascending=[True, False, True, True])


def entity_rows(statistics: pd.DataFrame, entity: str) -> pd.DataFrame:
    """All statistics rows of one entity (a feature id or an entity id)."""
    if statistics.empty:
        return statistics
    return statistics[statistics["entity"] == entity]


def latest(statistics: pd.DataFrame, entity: str) -> list[Observation]:
    """The latest full-year value of each of the entity's indicators, actual preferred."""
    rows = entity_rows(statistics, entity)
    if rows.empty:
        return []
    ranked = _ranked(rows)
    ranked = ranked.assign(_target=ranked["basis"].eq("target").astype(int))
    ranked = ranked.sort_values(["indicator", "_target"], kind="stable").drop_duplicates("indicator")
    return [_observation(row) for _, row in ranked.iterrows()]


def main_indicator(statistics: pd.DataFrame, entity: str) -> str | None:
    """The indicator with the most years for the entity (the one worth a chart)."""
    rows = entity_rows(statistics, entity).dropna(subset=["value"])
    if rows.empty:
        return None
    counts = rows.groupby("indicator")["year"].nunique().sort_values(ascending=False, kind="stable")
    return str(counts.index[0])


def yearly(statistics: pd.DataFrame, entity: str, indicator: str) -> list[Observation]:
    """One value per year and basis of ``indicator`` for ``entity``, oldest first."""
    rows = entity_rows(statistics, entity)
    rows = rows[rows["indicator"] == indicator]
    if rows.empty:
        return []
    ranked = _ranked(rows).drop_duplicates(["year", "basis"])
    return sorted((_observation(row) for _, row in ranked.iterrows()), key=lambda o: (o.year, o.basis))
