"""Output statistics: the long table, its join to features and derived indicators.

Rows are ``indicator, entity, year, period, value, unit, basis, price_basis, source, note``
(plus ``variant`` to keep disagreeing sources apart, and ``derivation``: how a computed figure
was computed from printed ones, empty for a figure the source prints). An entity is a feature id or an id from
``entities.csv``; an unknown entity is an error, never a silent drop.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from geo_industry.errors import DataError
from geo_industry.json_values import int64_column

STAT_COLUMNS = (
    "indicator", "entity", "year", "period", "value", "unit", "basis", "price_basis", "source", "note",
)
OPTIONAL_COLUMNS = ("derivation",)
"""Columns a table may lack (older files, API writes); they are read as empty."""
FILE_COLUMNS = (*STAT_COLUMNS, *OPTIONAL_COLUMNS, "variant")
"""Column order of ``statistics.csv`` as curated and exported."""
BASES = ("actual", "target", "estimate", "preliminary")
PRICE_BASES = ("current", "constant_2010", "constant_1994", "constant_2020", "unknown", "n/a")
KEY = ("indicator", "entity", "year", "period", "basis", "variant")
FULL_YEAR = "FY"


_DATED_PERIOD = re.compile(
    r"^(FY|H[12]|Q[1-4]|[A-Z][a-z]{2}( \d{1,2})?(-[A-Z][a-z]{2}( \d{1,2})?)?)$"
)


def needs_year(period: object) -> bool:
    """Whether a period is a span of one year (``FY``, ``H1``, ``Q2``, ``Jan-May`` …) and so needs a year.

    A row without a year keeps its period in words (``not stated (…)``): such a row is listed
    with its period but never taken as the latest, never drawn on a year axis, never summed.

    >>> [needs_year(p) for p in ("FY", "Jan-May", "Jan 1-Jul 22", "", "not stated (pandemic)")]
    [True, True, True, True, False]
    """
    text = "" if period is None or (isinstance(period, float) and np.isnan(period)) else str(period).strip()
    return not text or bool(_DATED_PERIOD.match(text))


def read_statistics(path: Path) -> pd.DataFrame:
    """Read the statistics CSV with typed columns (year int, value float)."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise DataError(f"{path}: statistics file not found") from None
    return typed_statistics(frame, source=str(path))


def typed_statistics(frame: pd.DataFrame, *, source: str) -> pd.DataFrame:
    """Type a table of statistics read as text: year Int64, value float, variant int."""
    missing = [c for c in STAT_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"{source}: missing columns {', '.join(missing)}")
    frame = frame.copy()
    if "variant" not in frame.columns:
        frame["variant"] = "0"
    for column in OPTIONAL_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    frame["year"] = int64_column(frame["year"])[0]  # missing where not an integer: the check names the text
    frame["value"] = pd.to_numeric(frame["value"].astype(str).str.replace(",", ""), errors="coerce")
    frame["variant"] = int64_column(frame["variant"])[0].fillna(0).astype(int)
    return frame


def read_entities(path: Path) -> pd.DataFrame:
    """Read ``entities.csv`` (admin units with vintage, organisations); empty if absent."""
    if not path.exists():
        return pd.DataFrame(columns=["entity", "entity_type", "name_vi", "name_en"])
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def check_entities(stats: pd.DataFrame, known: Iterable[str], *, source: str = "statistics") -> None:
    """Raise :class:`DataError` naming every row whose entity is not known."""
    known_set = set(known)
    unknown = stats.loc[~stats["entity"].isin(known_set)]
    if len(unknown):
        lines = [
            f"{source}: row {int(i) + 2}: entity '{row.entity}' (indicator {row.indicator}) is unknown"
            for i, row in unknown.head(20).iterrows()
        ]
        raise DataError("\n".join(lines))


def latest_actuals(stats: pd.DataFrame) -> pd.DataFrame:
    """The latest full-year actual value per entity and indicator.

    Returns one row per entity with columns ``latest_<indicator>`` (value) and
    ``latest_<indicator>_year``, ``latest_<indicator>_unit``.

    Examples
    --------
    >>> s = pd.DataFrame({"indicator": ["x", "x"], "entity": ["a", "a"], "year": [2020, 2021],
    ...     "period": ["FY", "FY"], "value": [1.0, 2.0], "unit": ["t", "t"],
    ...     "basis": ["actual", "actual"], "variant": [0, 0]})
    >>> latest_actuals(s).loc["a", "latest_x"]
    2.0
    """
    rows = stats[(stats["basis"] == "actual") & (stats["period"] == FULL_YEAR) & (stats["variant"] == 0)]
    rows = rows.dropna(subset=["value", "year"]).sort_values(["entity", "indicator", "year"])
    last = rows.groupby(["entity", "indicator"], as_index=False).last()
    if last.empty:
        return pd.DataFrame()
    wide = last.pivot(index="entity", columns="indicator", values=["value", "year", "unit"])
    out = pd.DataFrame(index=wide.index)
    for indicator in sorted(last["indicator"].unique()):
        out[f"latest_{indicator}"] = wide[("value", indicator)].astype(float)
        out[f"latest_{indicator}_year"] = wide[("year", indicator)].astype("Int64")
        out[f"latest_{indicator}_unit"] = wide[("unit", indicator)]
    return out


def derived_indicators(stats: pd.DataFrame, *, province_of: Mapping[str, tuple[str, ...]]) -> pd.DataFrame:
    """Year-on-year growth, target attainment and share of province, from the stored rows.

    Growth and attainment are ``percent`` of one series (same indicator, entity, period,
    unit and price basis; price bases are never mixed). The share compares an entity with
    the province entities ``province_of[entity]`` (e.g. its former province and the merged
    one) for the same indicator, year, period, basis, unit and price basis.
    """
    usable = (stats["variant"] == 0) & stats["value"].notna() & stats["year"].notna()
    base = stats[usable & (stats["unit"] != "percent")]  # growth of a growth rate means nothing
    series_key = ["indicator", "entity", "period", "unit", "price_basis"]
    derived = [_yoy_growth(base, series_key), _target_attainment(base, series_key)]
    derived.append(_share_of(base, province_of))
    frames = [d for d in derived if not d.empty]
    if not frames:
        return pd.DataFrame(columns=[*STAT_COLUMNS, *OPTIONAL_COLUMNS])
    return pd.concat(frames, ignore_index=True)


def _yoy_growth(base: pd.DataFrame, series_key: list[str]) -> pd.DataFrame:
    actual = base[base["basis"] == "actual"].sort_values([*series_key, "year"])
    previous = actual.groupby(series_key)[["year", "value"]].shift(1)
    consecutive = (actual["year"] - previous["year"] == 1) & (previous["value"] != 0)
    rows = actual.loc[consecutive].copy()
    rows["value"] = (rows["value"] / previous.loc[consecutive, "value"] - 1.0) * 100.0
    return _as_derived(rows, "_yoy_growth", "derived: year-on-year change of the actual series")


def _target_attainment(base: pd.DataFrame, series_key: list[str]) -> pd.DataFrame:
    on = [*series_key, "year"]
    actual = base[base["basis"] == "actual"][[*on, "value", "source"]]
    target = base[base["basis"] == "target"][[*on, "value"]].rename(columns={"value": "target"})
    merged = actual.merge(target, on=on)
    merged = merged[merged["target"] != 0]
    merged["value"] = merged["value"] / merged["target"] * 100.0
    merged["basis"] = "actual"
    return _as_derived(merged, "_target_attainment", "derived: actual as a percentage of target")


def _share_of(base: pd.DataFrame, province_of: Mapping[str, tuple[str, ...]]) -> pd.DataFrame:
    on = ["indicator", "year", "period", "basis", "unit", "price_basis"]
    pairs = pd.DataFrame(
        [(entity, province) for entity, provinces in province_of.items() for province in provinces],
        columns=["entity", "province_entity"],
    )
    if pairs.empty:
        return pd.DataFrame(columns=list(STAT_COLUMNS))
    totals = base[[*on, "entity", "value"]].rename(columns={"entity": "province_entity", "value": "total"})
    parts = base.merge(pairs, on="entity").merge(totals, on=[*on, "province_entity"])
    parts = parts[parts["total"] != 0]
    parts["value"] = parts["value"] / parts["total"] * 100.0
    return _as_derived(parts, "_share_of_province", "derived: share of the province total")


def _as_derived(rows: pd.DataFrame, suffix: str, note: str) -> pd.DataFrame:
    if rows.empty:
        return pd.DataFrame(columns=[*STAT_COLUMNS, *OPTIONAL_COLUMNS])
    out = rows.copy()
    out["indicator"] = out["indicator"] + suffix
    out["unit"] = "percent"
    out["price_basis"] = "n/a"
    out["note"] = note
    out["derivation"] = note  # computed here, from the stored rows
    out["variant"] = 0
    out["value"] = out["value"].astype(float).round(4)
    return out[[*STAT_COLUMNS, "variant", *OPTIONAL_COLUMNS]].reset_index(drop=True)


def series_for(stats: pd.DataFrame, entity: str) -> pd.DataFrame:
    """Every statistics row of one entity, ordered by indicator, year and period."""
    rows = stats[stats["entity"] == entity]
    return rows.sort_values(["indicator", "year", "period", "basis", "variant"]).reset_index(drop=True)


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Rows as JSON-ready dicts (NaN and NA become ``None``)."""
    clean = frame.astype(object).where(frame.notna(), None)
    out = clean.to_dict(orient="records")
    for row in out:
        for key, value in row.items():
            if isinstance(value, np.generic):
                row[key] = value.item()
    return out
