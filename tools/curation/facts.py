"""The curation's fact tables, read from the data files in ``tables/``.

Each table is transcribed from the research (``lao-cai-facts.md``) and names, per row, the page
that prints the fact (a URL) or the section of the research it was transcribed from. Nothing
there is invented: where the research gives nothing, the cell is empty (null).

Table files (CSV, UTF-8, one row per site unless said otherwise):

* ``alternatives.csv`` other published values of ``area_ha``, ``capacity_value``, ``start_year``;
* ``zone_facts.yaml`` decisions, sectors, capital and notes of zones (``sources`` join the feature's);
* ``cluster_occupancy.csv`` industrial land and occupancy of clusters (cluster report of 18 Jun 2026);
* ``area_basis.csv``, ``reserves.csv``, ``processing_plants.csv``, ``hydropower_plants.csv``,
  ``border_gates.csv``, ``transport.csv``: layer-specific facts;
* ``as_of.csv`` as-of dates chosen by hand (the others come from ``document_dates.csv``);
* ``status.csv`` research status wording -> status vocabulary; ``commodities.csv`` commodity
  slugs, the patterns that pick them (first match wins), mineral groups and names;
* ``layers.yaml`` titles, descriptions and keywords of the layers (``catalog``);
* ``document_dates.csv`` (``sources``), ``seed_statistics.csv``, ``organisations.csv``,
  ``admin_units.csv`` (``statistics``) and ``reference.yaml`` (``reference``).
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .text import Number, num

TABLES_DIR = Path(__file__).parent / "tables"
Alternative = dict[str, Any]
"""``{"value": number, "source": URL or research reference, "note": text}``"""


@cache
def read_table(name: str) -> tuple[dict[str, str], ...]:
    """The rows of ``tables/<name>`` (CSV with a header)."""
    with open(TABLES_DIR / name, encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def read_yaml(name: str) -> dict[str, Any]:
    """The mapping in ``tables/<name>`` (YAML)."""
    with open(TABLES_DIR / name, encoding="utf-8") as fh:
        mapping: dict[str, Any] = yaml.safe_load(fh)
    return mapping


def _text(cell: str) -> str | None:
    return cell or None


def _by_id(name: str, column: str) -> dict[str, str]:
    return {row["id"]: row[column] for row in read_table(name) if row[column]}


def _numbers_by_id(name: str, column: str) -> dict[str, Number]:
    return {rid: value for rid, text in _by_id(name, column).items() if (value := num(text)) is not None}


def _alternatives(field: str) -> dict[str, list[Alternative]]:
    out: dict[str, list[Alternative]] = {}
    for row in read_table("alternatives.csv"):
        if row["field"] == field:
            out.setdefault(row["id"], []).append({"value": num(row["value"]), "source": row["source"],
                                                  "note": row["note"]})
    return out


AREA_ALTERNATIVES = _alternatives("area_ha")
CAPACITY_ALTERNATIVES = _alternatives("capacity_value")
START_YEAR_ALTERNATIVES = _alternatives("start_year")
RESERVES_NOTES = _by_id("reserves.csv", "reserves_note")
ZONE_FACTS: dict[str, dict[str, Any]] = read_yaml("zone_facts.yaml")
"""Zone facts for the key zones: every key is a layer-specific field, except ``sources`` (URLs added
to the feature's sources; an empty list: the facts come from pages the feature already cites)."""
CLUSTER_FACTS: dict[str, tuple[Number | None, Number | None, str | None]] = {
    row["id"]: (num(row["industrial_land_ha"]), num(row["occupancy_pct"]), _text(row["occupancy_note"]))
    for row in read_table("cluster_occupancy.csv")
}
"""id: (industrial_land_ha, occupancy_pct, occupancy_note)"""
CLUSTER_SOURCES = {row["id"]: row["source"] for row in read_table("cluster_occupancy.csv")}
AREA_BASIS = _by_id("area_basis.csv", "area_basis")

COMMODITY_RULES = [(row["pattern"], row["commodity"]) for row in read_table("commodities.csv") if row["pattern"]]
"""(regex on commodity_or_sector, slug): the first match wins, else ``other``."""
MINERAL_GROUP = {row["commodity"]: row["mineral_group"] for row in read_table("commodities.csv")
                 if row["mineral_group"]}
COMMODITY_VOCAB = {row["commodity"]: (row["name_vi"], row["name_en"]) for row in read_table("commodities.csv")}

PLANT_TYPE = _by_id("processing_plants.csv", "plant_type")
PLANT_ZONE = _by_id("processing_plants.csv", "zone_id")
RIVER = _by_id("hydropower_plants.csv", "river")
DESIGN_GWH = _numbers_by_id("hydropower_plants.csv", "design_gwh_yr")
"""Mean annual generation (design), GWh/yr."""
GATES: dict[str, tuple[str, str | None, str | None, str]] = {
    row["id"]: (row["gate_class"], _text(row["counterpart_cn"]), _text(row["mode"]), row["gate_note"])
    for row in read_table("border_gates.csv")
}
"""id: (gate_class, counterpart_cn, mode, gate_note)"""
TRANSPORT_TYPE = _by_id("transport.csv", "transport_type")
LINE_IDS = {row["id"] for row in read_table("transport.csv") if row["line"] == "yes"}
"""Transport features that are lines (the research gives no coordinates for them)."""

AS_OF_MANUAL: dict[str, tuple[str | None, str]] = {
    row["id"]: (row["as_of"], row["as_of_note"]) for row in read_table("as_of.csv")
}
"""id: (as_of, as_of_note) where the date is not that of the newest dated source."""

STATUS_MAP = {row["research_status"]: row["status"] for row in read_table("status.csv")}
"""The research's status wording -> the status vocabulary (``STATUS_ENUM``)."""
STATUS_ENUM = ["planned", "approved", "under_construction", "operating", "licensed", "suspended",
               "closed", "removed", "unknown"]
COORD_LABELS = {
    "source-exact": "coordinate printed by the cited source",
    "source-derived": ("computed from a source's numbers (centroid of a VN-2000 licence or "
                       "planning polygon, centre of a bounding box)"),
    "estimated-Nkm": ("placed by the research from a textual location; N km is the honest radius "
                      "(the anchor point itself is sourced)"),
    "proxy-district": "published coordinate of the district seat or district containing the site, not the site",
    "none": "no coordinate; geometry is null",
}

NULL_TEXT = {"not confirmed in sources read", "not stated in source"}
