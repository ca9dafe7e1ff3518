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
    derivation: str = ""
    """How a computed figure was computed from printed ones; empty for a printed figure."""

    @property
    def is_full_year(self) -> bool:
        """Whether the figure covers a full year (``period`` ``FY``), not part of one."""
        return self.period == _PERIOD_FULL_YEAR


def _observation(row: pd.Series) -> Observation:
    return Observation(
        indicator=str(row["indicator"]),
        year=int(row["year"]),
        period=_PERIOD_FULL_YEAR if is_missing(row.get("period")) else str(row["period"]),
        value=float(row["value"]),
        unit="" if is_missing(row.get("unit")) else str(row["unit"]),
        basis="" if is_missing(row.get("basis")) else str(row["basis"]),
        price_basis="" if is_missing(row.get("price_basis")) else str(row["price_basis"]),
        source="" if is_missing(row.get("source")) else str(row["source"]),
        derivation="" if is_missing(row.get("derivation")) else str(row["derivation"]),
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


def first_variant(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``variant`` 0: other sources for the same key are never picked or combined."""
    if "variant" not in rows.columns:
        return rows
    return rows[rows["variant"].fillna(0).astype(int) == 0]


def latest(statistics: pd.DataFrame, entity: str) -> list[Observation]:
    """The latest figure of each of the entity's indicators (variant 0).

    "Latest" is the latest *full-year* output figure (actual before preliminary before
    estimate); only an indicator without any full-year output falls back to a part-year
    figure, returned with its ``period`` (see :attr:`Observation.is_full_year`), which must be
    shown with it; a target comes last, since it is no output.
    """
    rows = first_variant(entity_rows(statistics, entity)).dropna(subset=["value", "year"])
    if rows.empty:
        return []
    ranked = rows.assign(
        _target=rows["basis"].eq("target").astype(int),
        _part=(rows["period"].fillna(_PERIOD_FULL_YEAR) != _PERIOD_FULL_YEAR).astype(int),
        _basis=rows["basis"].map(_BASIS_RANK).fillna(9),
    )
    ranked = ranked.sort_values(["indicator", "_target", "_part", "year", "_basis"],
                                ascending=[True, True, True, False, True], kind="stable")
    return [_observation(row) for _, row in ranked.drop_duplicates("indicator").iterrows()]


@dataclass(frozen=True)
class UndatedFigure:
    """A value whose year the source does not state: listed with its period, never on a year axis."""

    indicator: str
    period: str
    value: float
    unit: str
    basis: str
    derivation: str = ""


def undated(statistics: pd.DataFrame, entity: str) -> list[UndatedFigure]:
    """The entity's rows without a year (variant 0), each with the period the source words."""
    if statistics.empty:
        return []
    undated_rows = pd.isna(statistics["year"].to_numpy())  # numpy first: this runs for every popup
    if not undated_rows.any() or entity not in set(statistics["entity"].to_numpy()[undated_rows]):
        return []
    rows = statistics[undated_rows]
    rows = first_variant(rows[(rows["entity"] == entity) & rows["value"].notna()])
    return [
        UndatedFigure(str(r["indicator"]), "" if is_missing(r.get("period")) else str(r["period"]),
                      float(r["value"]), "" if is_missing(r.get("unit")) else str(r["unit"]),
                      "" if is_missing(r.get("basis")) else str(r["basis"]),
                      "" if is_missing(r.get("derivation")) else str(r["derivation"]))
        for _, r in rows.iterrows()
    ]


def main_indicator(statistics: pd.DataFrame, entity: str) -> str | None:
    """The indicator with the most full years for the entity (the one worth a chart)."""
    rows = first_variant(entity_rows(statistics, entity)).dropna(subset=["value"])
    rows = rows[rows["period"].fillna(_PERIOD_FULL_YEAR).eq(_PERIOD_FULL_YEAR)]
    if rows.empty:
        return None
    counts = rows.groupby("indicator")["year"].nunique().sort_values(ascending=False, kind="stable")
    return str(counts.index[0])


def yearly(statistics: pd.DataFrame, entity: str, indicator: str) -> list[Observation]:
    """One full-year value per year and basis of ``indicator`` for ``entity``, oldest first.

    Only full-year rows of variant 0 and of one unit and price basis (the most common): a
    part-year figure or another source's figure never stands in for a year's value.
    """
    rows = first_variant(entity_rows(statistics, entity))
    rows = rows[(rows["indicator"] == indicator) & rows["period"].fillna(_PERIOD_FULL_YEAR).eq(_PERIOD_FULL_YEAR)]
    rows = rows.dropna(subset=["value", "year"])
    if rows.empty:
        return []
    kinds = rows["unit"].fillna("").astype(str) + "|" + rows["price_basis"].fillna("unknown").astype(str)
    rows = rows[kinds == kinds.value_counts(sort=True).index[0]]
    ranked = _ranked(rows).drop_duplicates(["year", "basis"])
    return sorted((_observation(row) for _, row in ranked.iterrows()), key=lambda o: (o.year, o.basis))
