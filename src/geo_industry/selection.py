"""Selection steps shared by every queryable table (store layers, statistics records).

Both answer OGC API - Features queries over an in-memory frame: a ``datetime`` interval
matched against a year column, and a multi-key ``sortby``. One place for each.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from geo_industry.errors import InvalidSortBy
from geo_industry.models import DateInterval, SortKey


def year_mask(years: pd.Series, interval: DateInterval) -> np.ndarray:
    """Rows whose year lies in ``interval`` (by calendar year); rows without a year never match."""
    values = pd.to_numeric(years, errors="coerce")
    mask = values.notna()
    if interval.start is not None:
        mask &= values >= interval.start.year
    if interval.end is not None:
        mask &= values <= interval.end.year
    return mask.fillna(False).to_numpy(dtype=bool)


def sort_positions(frame: pd.DataFrame, positions: np.ndarray, sortby: tuple[SortKey, ...],
                   queryables: Mapping[str, str], *, collection: str) -> np.ndarray:
    """``positions`` reordered by ``sortby`` (stable, missing values last).

    ``frame`` must have a RangeIndex, so that index labels are positions. Raises
    :class:`InvalidSortBy` for a key that is not a (non-geometry) queryable.
    """
    for key in sortby:
        _check_key(key, queryables, collection)
    if not sortby or len(positions) < 2:
        return positions
    names = [key.name for key in sortby]
    ordered = frame.iloc[positions][names].sort_values(
        names, ascending=[key.ascending for key in sortby], na_position="last", kind="stable")
    return ordered.index.to_numpy()


def _check_key(key: SortKey, queryables: Mapping[str, str], collection: str) -> None:
    if key.name not in queryables or queryables[key.name] == "geometry":
        raise InvalidSortBy("sortby", key.name, f"a queryable property of {collection}")
