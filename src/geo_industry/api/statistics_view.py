"""The statistics of one entity arranged for a page: one chart and one table per indicator."""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from geo_industry.api.charts import Point, series_svg
from geo_industry.statistics import FULL_YEAR, records


def statistics_view(series: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    """Per indicator and unit: an SVG chart of the full-year values by basis, and every row."""
    if series.empty:
        return []
    out = []
    for (indicator, unit), rows in series.groupby(["indicator", "unit"], sort=True):
        yearly = rows[(rows["period"] == FULL_YEAR) & (rows["variant"] == 0) & rows["value"].notna()
                      & rows["year"].notna()]
        lines = {
            str(basis): [Point(int(r.year), float(r.value)) for r in group.itertuples()]
            for basis, group in yearly.groupby("basis", sort=False)
        }
        chart = series_svg(lines, title=str(indicator), unit=str(unit)) if lines else ""
        out.append({"indicator": indicator, "unit": unit, "chart": Markup(chart),
                    "rows": records(rows.drop(columns="variant"))})
    return out
