"""The index page: every map, and every zone and cluster as a sortable table with its data date."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from geo_industry.i18n import LANGUAGES
from geo_industry.maps.base import HEADER_CSS, PageContext, header_bar
from geo_industry.maps.data import MapData
from geo_industry.maps.format import is_missing, number
from geo_industry.maps.popups import area_text, names
from geo_industry.maps.registry import PAGES
from geo_industry.maps.styles import is_approximate
from geo_industry.maps.zones import INDUSTRIES_FIELD, _env, distance_text, occupancy_text, zone_rows

SORT_SCRIPT = "table-sort.js"
"""The sorter of ``table.gi-sortable`` (``geo_industry/static/maps``): an external file, as the policy wants."""
GATE_CRITERION = "border_gate"
SECTORS_LANG = "en"
"""``priority_sectors`` is free text the research gives in English only."""


@dataclass(frozen=True)
class Cell:
    """A table cell: the text shown and the key it sorts by (a number, or text; empty sorts last)."""

    text: str
    key: str = ""
    lang: str = ""
    """The language of a free text that exists in one language only (tagged when not the page's)."""


@dataclass(frozen=True)
class IndexRow:
    """One zone or cluster of the index table."""

    id: str
    url: str
    name: str
    approximate: bool
    cells: tuple[Cell, ...]
    """kind, district, area, status, occupancy, sectors, distance to gate, score, data date."""


COLUMNS = ("kind", "district", "area", "status", "occupancy", "sectors", "gate", "score", "as_of")
NUMERIC = frozenset({"area", "gate", "score"})


def _key(value: float | None) -> str:
    return "" if value is None or is_missing(value) else f"{float(value):.6f}"


def index_row(row: dict[str, Any], data: MapData, ctx: PageContext) -> IndexRow:
    """The index table's row of one zone, formatted for ``ctx.lang`` with its sort keys.

    The distance to the border gate sorts by what the analysis scores with (the interval's
    middle; a placeholder's far end), so an uncertain site never sorts nearer than it may be.
    """
    zone_id = str(row["id"])
    assessment = data.assessments.get(zone_id)
    gate = assessment.distances.get(GATE_CRITERION) if assessment is not None else None
    score = assessment.suitability.score if assessment is not None else None
    status = str(row.get("status") or "unknown")
    sectors = "" if is_missing(row.get(INDUSTRIES_FIELD)) else str(row[INDUSTRIES_FIELD])
    as_of = "" if is_missing(row.get("as_of")) else str(row["as_of"])
    occupancy = occupancy_text(row, data, ctx)
    area = row.get("area_ha")
    kind = ctx.t(f"zone.kind.{row.get('kind')}")
    district = str(row.get("district") or "")
    cells = (
        Cell(kind, kind),
        Cell(district or "–", district),
        Cell(area_text(row, ctx) or "–", _key(None if area is None or is_missing(area) else float(area))),
        Cell(ctx.t(f"status.{status}"), status),
        Cell(occupancy or "–", occupancy),
        Cell(sectors or "–", sectors, SECTORS_LANG if sectors else ""),
        Cell(distance_text(gate, ctx) if gate is not None else "–", _key(gate.estimate_km if gate else None)),
        Cell(number(score, ctx.lang, digits=1) if score is not None else "–", _key(score)),
        Cell(as_of or "–", as_of),
    )
    return IndexRow(zone_id, ctx.urls.zone(zone_id, ctx.lang), names(row, ctx.lang)[0], is_approximate(row), cells)


def build_index_page(data: MapData, ctx: PageContext) -> str:
    """Render the index page's HTML."""
    return _env.get_template("index.html").render(
        t=ctx.t,
        lang=ctx.lang,
        css=HEADER_CSS,
        maps=[(ctx.urls.page(p.name, ctx.lang), ctx.t(p.nav_key)) for p in PAGES if p.name != "index"],
        rows=[index_row(r, data, ctx) for r in zone_rows(data)],
        columns=COLUMNS,
        numeric=NUMERIC,
        sort_script=ctx.urls.script(SORT_SCRIPT),
        bar=header_bar(
            ctx, page="index", title=ctx.t("site.title"), lang_url={c: ctx.urls.page("index", c) for c in LANGUAGES}
        ),
    )
